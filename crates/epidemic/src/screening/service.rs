//! Recording a screening, in one transaction: the person found by document or registered, the
//! screening, and what the policy makes follow — a key-person record, a quarantine referral, a
//! test requirement, an urgent ticket for a fever or an alarming symptom, a hospital transfer —
//! with the audit entry. Nothing half-done: any failure rolls all of it back.

use chrono::{Days, Utc};
use domain::DivisionCode;
use platform::AppState;
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::Tx;
use platform::error::{AppError, AppResult};
use platform::registry::person;
use platform::responsibility::model::Subject;
use platform::tickets::model::NewTicket;
use serde_json::json;

use super::model::{Decision, ScreeningInput, ScreeningView, ValidScreening};
use super::repo::{self, Insert, Links};
use crate::key_persons::{self, repo::NewKeyPerson};
use crate::policy::Policy;
use crate::quarantine::orders::{self, OrderKind, Referral};
use crate::testing::requirements::{self, Requirement, reasons};

pub const RECORD_KIND: &str = "epidemic.screening";

/// What `record` did: a new screening, or the one an earlier request with the same key made.
pub struct Recorded {
    pub screening: ScreeningView,
    pub created: bool,
}

fn text(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|t| !t.is_empty())
}

/// Checks an idempotency key (`platform::api::idempotency_key`).
pub fn valid_key(key: Option<&str>) -> AppResult<Option<&str>> {
    platform::api::idempotency_key(key, "screening.bad_idempotency_key")
}

pub async fn get_scoped(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<ScreeningView> {
    let row = repo::get(state.db(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if user.require_record_area(&row.area_code).is_err()
        && user.require_record_area(&row.destination_area).is_err()
    {
        return Err(AppError::not_found());
    }
    Ok(ScreeningView::from_row(row))
}

/// The checkpoint, which must be a place of kind `checkpoint` in the caller's area.
async fn checkpoint(
    state: &AppState,
    user: &CurrentUser,
    place_id: i64,
) -> AppResult<(i64, String)> {
    let place = platform::registry::place::repo::get(state.db(), place_id)
        .await?
        .filter(|p| user.require_record_area(&p.area_code).is_ok())
        .ok_or_else(|| AppError::invalid("screening.unknown_checkpoint").on_field("place_id"))?;
    if place.kind != domain::PlaceKind::Checkpoint.as_str() {
        return Err(AppError::invalid("screening.not_a_checkpoint").on_field("place_id"));
    }
    Ok((place.id, place.area_code))
}

/// The destination: an area of the checkpoint's district (a checkpoint hands travellers to the
/// villages of its district), registered in the area tree.
async fn destination(
    state: &AppState,
    checkpoint_area: &str,
    text: &str,
) -> AppResult<DivisionCode> {
    let code = DivisionCode::parse(text.trim())
        .map_err(|e| AppError::from(e).on_field("destination_area"))?;
    let district = &checkpoint_area[..checkpoint_area.len().min(6)];
    if !code.as_str().starts_with(district) {
        return Err(AppError::invalid("screening.destination_outside").on_field("destination_area"));
    }
    if platform::areas::repo::get(state.db(), code.as_str())
        .await?
        .is_none()
    {
        return Err(AppError::invalid("user.unknown_area").on_field("destination_area"));
    }
    Ok(code)
}

/// The registered person with this document (the surviving record of a merge), or a new one.
async fn person_in(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    input: &ScreeningInput,
    area: &DivisionCode,
) -> AppResult<i64> {
    let doc = person::model::parse_document(input.doc_type.as_deref(), &input.doc_number)?;
    if let Some(found) =
        person::repo::find_by_document_in(tx, doc.kind().as_str(), doc.number()).await?
    {
        return Ok(found.merged_into.unwrap_or(found.id));
    }
    let Some(name) = text(input.name.as_deref()) else {
        return Err(AppError::invalid("screening.name_for_new_person").on_field("name"));
    };
    let new = person::model::PersonInput {
        doc_type: input.doc_type.clone(),
        doc_number: input.doc_number.clone(),
        name: name.to_string(),
        phone: input.phone.clone(),
        address: input.destination.clone(),
        area_code: area.as_str().to_string(),
        ..Default::default()
    };
    let (row, _) = person::service::create_in(state.db(), tx, actor, &new).await?;
    Ok(row.id)
}

/// The grid worker (unit, person) answering for an area: its own, else the nearest above.
pub async fn grid_of(
    state: &AppState,
    area: &DivisionCode,
) -> AppResult<(Option<i64>, Option<i64>)> {
    Ok(platform::responsibility::service::default_owner(
        state.db(),
        Subject::Area(area.clone()),
        crate::time::today(),
    )
    .await?
    .map(|o| (o.unit_id, o.user_id))
    .unwrap_or((None, None)))
}

/// The key-person category a screening puts a person in.
fn category_of(v: &ValidScreening) -> Option<&'static str> {
    match v.origin {
        "abroad" | "domestic_risk" => Some("inbound"),
        _ if v.decision != Decision::Pass || v.alarm => Some("observation"),
        _ => None,
    }
}

pub async fn record(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    input: &ScreeningInput,
    key: Option<&str>,
    device: Option<&str>,
) -> AppResult<Recorded> {
    let db = state.db();
    let key = valid_key(key)?;
    if let Some(key) = key
        && let Some(id) = repo::by_key(db, &actor.name, key).await?
    {
        return Ok(Recorded {
            screening: get_scoped(state, user, id).await?,
            created: false,
        });
    }
    let policy = crate::policy::load(db).await?;
    let valid = input.validate(&policy)?;
    let (place_id, place_area) = checkpoint(state, user, input.place_id).await?;
    let dest = destination(state, &place_area, &input.destination_area).await?;
    let grid = grid_of(state, &dest).await?;
    let now = Utc::now();
    let today = crate::time::day_of(now);

    let mut tx = db.begin().await?;
    let person_id = person_in(state, &mut tx, actor, input, &dest).await?;
    let symptoms = valid.symptoms.join(",");
    let id = repo::insert(
        &mut tx,
        &Insert {
            place_id,
            area_code: &place_area,
            person_id,
            destination_area: dest.as_str(),
            destination: text(input.destination.as_deref()),
            origin: valid.origin,
            origin_detail: text(input.origin_detail.as_deref()),
            transport: valid.transport,
            vehicle: text(input.vehicle.as_deref()),
            temperature_dc: valid.temperature_dc,
            symptoms: symptoms.clone(),
            decision: valid.decision.as_str(),
            device,
        },
        now,
        &actor.name,
    )
    .await?;
    let mut links = Links::default();
    if let Some(category) = category_of(&valid) {
        links.key_person_id = Some(
            key_person_in(
                &mut tx, &policy, person_id, &dest, category, id, grid, actor,
            )
            .await?,
        );
    }
    let source_ref = Some(format!("screening:{id}"));
    if matches!(valid.decision, Decision::Quarantine)
        || (valid.decision == Decision::Hospital && valid.origin == "abroad")
    {
        let kind = if valid.origin == "abroad" {
            OrderKind::Centralized
        } else {
            OrderKind::Home
        };
        links.quarantine_order_id = Some(
            orders::refer_in(
                &mut tx,
                &actor.name,
                &policy,
                &Referral {
                    person_id,
                    key_person_id: links.key_person_id,
                    area_code: dest.as_str(),
                    kind,
                    reason: Some("screening"),
                    source: "screening",
                    source_ref: source_ref.clone(),
                    starts_on: today,
                    home_address: text(input.destination.as_deref()),
                },
            )
            .await?,
        );
    }
    if valid.decision != Decision::Pass {
        let due = today
            .checked_add_days(Days::new(u64::from(policy.referral_test_within_days)))
            .unwrap_or(today);
        links.test_requirement_id = Some(
            requirements::require_in(
                &mut tx,
                &actor.name,
                &Requirement {
                    person_id,
                    area_code: dest.as_str(),
                    reason: reasons::SCREENING,
                    source_ref: source_ref.clone(),
                    from_on: today,
                    due_on: due,
                },
            )
            .await?,
        );
    }
    // The follow-up work lands in the destination's hands, anywhere in the checkpoint's
    // district: the checkpoint's staff open it as reporters with the district in view.
    let opener = CurrentUser {
        area: DivisionCode::parse(&place_area[..place_area.len().min(6)])
            .unwrap_or_else(|_| user.area.clone()),
        ..user.clone()
    };
    if valid.alarm {
        links.ticket_id = Some(
            ticket_in(
                state,
                &mut tx,
                actor,
                &opener,
                crate::kinds::ALARM,
                "screening.ticket.alarm_title",
                &valid,
                person_id,
                &dest,
                grid,
            )
            .await?,
        );
    }
    if valid.decision == Decision::Hospital {
        let owner = match policy.health_unit_id {
            Some(unit) => (Some(unit), None),
            None => grid,
        };
        let ticket = ticket_in(
            state,
            &mut tx,
            actor,
            &opener,
            crate::kinds::HOSPITAL_REFERRAL,
            "screening.ticket.hospital_title",
            &valid,
            person_id,
            &dest,
            owner,
        )
        .await?;
        links.ticket_id.get_or_insert(ticket);
    }
    repo::link(&mut tx, id, &links).await?;
    if let Some(key) = key
        && repo::remember_key(&mut tx, &actor.name, key, id, now)
            .await
            .is_err()
    {
        tx.rollback().await?;
        let first = repo::by_key(db, &actor.name, key)
            .await?
            .ok_or_else(|| AppError::conflict("screening.bad_idempotency_key"))?;
        return Ok(Recorded {
            screening: get_scoped(state, user, first).await?,
            created: false,
        });
    }
    let event = Event::new("epidemic.screening.create")
        .record(RECORD_KIND, id)
        .area(&place_area)
        .after(json!({
            "place_id": place_id, "person_id": person_id, "origin": valid.origin,
            "temperature_dc": valid.temperature_dc, "symptoms": symptoms,
            "decision": valid.decision.as_str(), "destination_area": dest.as_str(),
            "key_person_id": links.key_person_id, "quarantine_order_id": links.quarantine_order_id,
            "test_requirement_id": links.test_requirement_id, "ticket_id": links.ticket_id,
        }));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(Recorded {
        screening: get_scoped(state, user, id).await?,
        created: true,
    })
}

/// The person's open key-person episode, or a new one in `category` from this screening.
#[allow(clippy::too_many_arguments)]
async fn key_person_in(
    tx: &mut Tx,
    policy: &Policy,
    person_id: i64,
    area: &DivisionCode,
    category: &str,
    screening_id: i64,
    grid: (Option<i64>, Option<i64>),
    actor: &Actor,
) -> AppResult<i64> {
    if let Some(open) = key_persons::repo::open_of_in(tx, person_id).await? {
        return Ok(open.id);
    }
    let today = crate::time::today();
    let ends = today
        .checked_add_days(Days::new(u64::from(policy.management_days(category))))
        .unwrap_or(today);
    Ok(key_persons::repo::insert(
        tx,
        &NewKeyPerson {
            person_id,
            area_code: area.as_str(),
            category,
            status: key_persons::status::MANAGED,
            reason: Some("screening"),
            source: "screening",
            source_ref: Some(format!("screening:{screening_id}")),
            exposure_on: Some(today),
            starts_on: today,
            ends_on: ends,
            grid_unit_id: grid.0,
            grid_user_id: grid.1,
        },
        Utc::now(),
        &actor.name,
    )
    .await?)
}

/// An urgent ticket about the person, in the transaction.
#[allow(clippy::too_many_arguments)]
async fn ticket_in(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    opener: &CurrentUser,
    kind: &str,
    title_key: &str,
    valid: &ValidScreening,
    person_id: i64,
    area: &DivisionCode,
    owner: (Option<i64>, Option<i64>),
) -> AppResult<i64> {
    let tr = state.tr(platform::i18n::Lang::ZhCn);
    let temperature = format!("{:.1}", f64::from(valid.temperature_dc) / 10.0);
    let symptoms: Vec<String> = valid
        .symptoms
        .iter()
        .map(|s| tr.t(&format!("epidemic.symptom.{s}")).to_string())
        .collect();
    let title = tr.f(
        title_key,
        &[
            ("temperature", &temperature),
            ("symptoms", &symptoms.join("、")),
        ],
    );
    let input = NewTicket {
        kind: kind.to_string(),
        title,
        description: None,
        subject_kind: Some("person".into()),
        subject_id: Some(person_id),
        area_code: area.as_str().to_string(),
        source: Some("rule_alert".into()),
        priority: Some("urgent".into()),
        owner_unit_id: owner.0,
        owner_user_id: owner.1,
        verifier_unit_id: None,
        reporter_name: None,
        reporter_phone: None,
        time_limit: None,
    };
    platform::tickets::service::open_in(state, tx, actor, opener, &input).await
}

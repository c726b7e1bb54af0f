//! Recording a health check — by staff, or by the person through a one-time link — and the
//! urgent ticket a fever or an alarming symptom opens in the same transaction; whom such
//! tickets go to.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{DivisionCode, ResponsibilityRole};
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::{Db, Tx};
use platform::error::{AppError, AppResult};
use platform::i18n::Lang;
use platform::responsibility::{Owner, Subject};
use platform::state::AppState;
use platform::tickets::model::NewTicket;

use super::model::{CheckInput, CheckView};
use super::repo;
use super::schedule::{self, Due};
use crate::policy::{Policy, SYMPTOMS};

pub const RECORD_KIND: &str = "epidemic.health_check";

/// Whom a ticket about the person goes to on `day`: the doctor (签约医生) of their site when
/// they are in centralized quarantine, else the person's grid worker (`default_owner`).
pub async fn owner_for(db: &Db, person_id: i64, day: NaiveDate) -> AppResult<Option<Owner>> {
    if let Some(site) = crate::quarantine::repo::active_site_of(db, person_id).await? {
        let assigned = platform::responsibility::responsible(db, Subject::Place(site), day).await?;
        if let Some(doctor) = assigned
            .iter()
            .find(|a| a.role == ResponsibilityRole::Doctor.as_str())
        {
            return Ok(Some(Owner {
                unit_id: doctor.unit_id,
                user_id: doctor.user_id,
            }));
        }
    }
    platform::responsibility::default_owner(db, Subject::Person(person_id), day).await
}

/// The nearest area containing both codes (the root of either when they share none).
pub fn common_area(a: &DivisionCode, b: &DivisionCode) -> DivisionCode {
    let mut area = a.clone();
    loop {
        if area.contains(b) {
            return area;
        }
        match area.parent() {
            Some(p) => area = p,
            None => return area,
        }
    }
}

/// Who opens a ticket about the person: `user` when they may see both the key person's area
/// and the person's registered one, else the platform over the area holding both.
pub async fn opener_for(
    db: &Db,
    user: Option<&CurrentUser>,
    what: &str,
    person_id: i64,
    kp_area: &str,
) -> AppResult<CurrentUser> {
    let person_area = repo::person_area(db, person_id)
        .await?
        .unwrap_or_else(|| kp_area.to_string());
    let kp = DivisionCode::parse(kp_area).map_err(AppError::internal)?;
    let person = DivisionCode::parse(&person_area).map_err(AppError::internal)?;
    if let Some(u) = user
        && u.covers(&kp)
        && u.covers(&person)
    {
        return Ok(u.clone());
    }
    Ok(CurrentUser::system(what, common_area(&kp, &person)))
}

/// A ticket about the person, to `owner` (or by the subject's routing when `None`).
pub struct TicketSpec<'a> {
    pub kind: &'static str,
    pub priority: &'static str,
    pub title: String,
    pub description: Option<String>,
    pub person_id: i64,
    pub area_code: &'a str,
    pub owner: Option<Owner>,
}

pub async fn open_ticket_in(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    opener: &CurrentUser,
    spec: &TicketSpec<'_>,
) -> AppResult<i64> {
    platform::tickets::service::open_in(
        state,
        tx,
        actor,
        opener,
        &NewTicket {
            kind: spec.kind.into(),
            title: spec.title.clone(),
            description: spec.description.clone(),
            subject_kind: Some("person".into()),
            subject_id: Some(spec.person_id),
            area_code: spec.area_code.into(),
            source: Some("rule_alert".into()),
            priority: Some(spec.priority.into()),
            owner_unit_id: spec.owner.and_then(|o| o.unit_id),
            owner_user_id: spec.owner.and_then(|o| o.user_id),
            ..NewTicket::default()
        },
    )
    .await
}

/// A checked reading: tenths of ℃ and valid symptom codes.
pub struct Reading {
    pub temperature_dc: i32,
    pub symptoms: Vec<String>,
}

/// Checks the temperature (34.0–43.0 ℃) and the symptom codes.
pub fn reading(temperature: Option<f64>, symptoms: &[String]) -> AppResult<Reading> {
    let t = temperature
        .filter(|t| t.is_finite() && (34.0..=43.0).contains(t))
        .ok_or_else(|| AppError::invalid("checks.bad_temperature").on_field("temperature"))?;
    let mut codes: Vec<String> = Vec::new();
    for s in symptoms.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !SYMPTOMS.contains(&s) {
            return Err(AppError::invalid("checks.bad_symptom").on_field("symptoms"));
        }
        if !codes.iter().any(|c| c == s) {
            codes.push(s.to_string());
        }
    }
    Ok(Reading {
        temperature_dc: (t * 10.0).round() as i32,
        symptoms: codes,
    })
}

/// The slot to record: the given one (1..=per_day) or the current window's.
pub fn slot_of(
    policy: &Policy,
    due: &Due,
    slot: Option<u32>,
    now: DateTime<Utc>,
) -> AppResult<u32> {
    match slot {
        None => Ok(schedule::current_slot(policy, due.per_day, now)),
        Some(s) if (1..=due.per_day).contains(&s) => Ok(s),
        Some(_) => Err(AppError::invalid("checks.bad_slot").on_field("slot")),
    }
}

/// Stores one check of today with its alarm ticket and audit entry inside `tx`. `user` is the
/// staff member, or `None` when the person entered it through a link.
#[allow(clippy::too_many_arguments)]
pub async fn record_in(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    user: Option<&CurrentUser>,
    policy: &Policy,
    due: &Due,
    slot: u32,
    reading: &Reading,
    via: &str,
) -> AppResult<CheckView> {
    let now = Utc::now();
    let day = schedule::beijing_day(now);
    if repo::exists_in(tx, due.person_id, day, slot).await? {
        return Err(AppError::conflict("checks.already_recorded")
            .on_field("slot")
            .with_arg("slot", slot.to_string()));
    }
    let fever = policy.is_fever(reading.temperature_dc);
    let alarm = fever || policy.alarming(reading.symptoms.iter().map(String::as_str));
    let ticket_id = if alarm {
        let tr = state.tr(Lang::ZhCn);
        let symptoms: Vec<String> = reading
            .symptoms
            .iter()
            .map(|s| tr.t(&format!("checks.symptom.{s}")).to_string())
            .collect();
        let temperature = format!("{:.1}", f64::from(reading.temperature_dc) / 10.0);
        let title = tr.f(
            "checks.ticket.alarm_title",
            &[("name", &due.person_name), ("temperature", &temperature)],
        );
        let description = tr.f(
            "checks.ticket.alarm_description",
            &[
                ("temperature", &temperature),
                ("symptoms", &symptoms.join("、")),
            ],
        );
        let opener = opener_for(
            state.db(),
            user,
            "epidemic.checks",
            due.person_id,
            &due.area_code,
        )
        .await?;
        let owner = owner_for(state.db(), due.person_id, day).await?;
        Some(
            open_ticket_in(
                state,
                tx,
                actor,
                &opener,
                &TicketSpec {
                    kind: crate::kinds::ALARM,
                    priority: "urgent",
                    title,
                    description: Some(description),
                    person_id: due.person_id,
                    area_code: &due.area_code,
                    owner,
                },
            )
            .await?,
        )
    } else {
        None
    };
    let by = actor.name.as_str();
    let id = repo::insert_in(
        tx,
        &repo::NewCheck {
            person_id: due.person_id,
            key_person_id: Some(due.key_person_id),
            area_code: &due.area_code,
            on_date: day,
            slot,
            temperature_dc: reading.temperature_dc,
            symptoms: &reading.symptoms.join(","),
            alarm,
            ticket_id,
            via,
        },
        now,
        by,
    )
    .await
    .map_err(|e| match e.as_database_error() {
        Some(d) if d.is_unique_violation() => {
            AppError::conflict("checks.already_recorded").on_field("slot")
        }
        _ => AppError::from(e),
    })?;
    let view = repo::get_in(tx, id)
        .await?
        .map(CheckView::from_row)
        .ok_or_else(AppError::not_found)?;
    let event = Event::new("epidemic.check.record")
        .record(RECORD_KIND, id)
        .area(&due.area_code)
        .after(serde_json::to_value(&view).unwrap_or_default());
    audit::append(tx, actor, event).await?;
    Ok(view)
}

/// A check entered by staff for a due person of their area.
pub async fn record(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    input: &CheckInput,
) -> AppResult<CheckView> {
    let db = state.db();
    let policy = crate::policy::load(db).await?;
    let now = Utc::now();
    let day = schedule::beijing_day(now);
    let due = schedule::due_person(db, &policy, input.person_id, day)
        .await?
        .filter(|d| user.require_record_area(&d.area_code).is_ok())
        .ok_or_else(|| AppError::invalid("checks.not_due").on_field("person_id"))?;
    let slot = slot_of(&policy, &due, input.slot, now)?;
    let reading = reading(input.temperature, &input.symptoms)?;
    let mut tx = db.begin().await?;
    let view = record_in(
        state,
        &mut tx,
        actor,
        Some(user),
        &policy,
        &due,
        slot,
        &reading,
        "staff",
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_checked_and_kept_in_tenths() {
        let r = reading(Some(37.46), &["cough".into(), "cough".into()]).unwrap();
        assert_eq!(r.temperature_dc, 375);
        assert_eq!(r.symptoms, ["cough"]);
        assert_eq!(
            reading(Some(45.0), &[]).err().unwrap().field.as_deref(),
            Some("temperature")
        );
        assert_eq!(
            reading(None, &[]).err().unwrap().field.as_deref(),
            Some("temperature")
        );
        assert_eq!(
            reading(Some(36.5), &["sneezing".into()])
                .err()
                .unwrap()
                .field
                .as_deref(),
            Some("symptoms")
        );
    }

    #[test]
    fn the_common_area_holds_both() {
        let a = DivisionCode::parse("990102001001").unwrap();
        let b = DivisionCode::parse("990102002001").unwrap();
        let c = common_area(&a, &b);
        assert!(c.contains(&a) && c.contains(&b));
        assert_eq!(common_area(&a, &a), a);
    }
}

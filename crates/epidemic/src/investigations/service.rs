//! Starting and re-running investigations, and deciding on candidates: validated first (bad input
//! changes nothing), scoped to the caller's area, each request one transaction with its audit
//! entries.

use std::collections::{BTreeSet, HashMap};

use chrono::{Days, NaiveDate, Utc};
use domain::DivisionCode;
use platform::AppState;
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::Tx;
use platform::error::{AppError, AppResult};
use serde_json::json;

use super::model::{
    AlreadyManaged, ConfirmInput, ConfirmOutcome, Confirmed, DismissInput, DismissOutcome,
    InvestigationDetail, InvestigationView, NewInvestigation, RunOutcome,
};
use super::repo::{self, ContactRow, InvestigationRow};
use super::{RECORD_KIND, state};
use crate::key_persons::repo::{self as key_persons, NewKeyPerson};
use crate::policy::Policy;
use crate::quarantine::orders::{self, OrderKind, Referral};
use crate::testing::requirements::{self, Requirement, reasons};
use crate::tracing::api::{ContactView as Found, TraceRequest, trace};

pub const MAX_CASES: usize = 100;
pub const MAX_CONTACTS: usize = 1_000;

/// The investigation `id` if it lies in the user's area; 404 otherwise.
pub async fn get_scoped(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<InvestigationRow> {
    let row = repo::get(state.db(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    user.require_record_area(&row.area_code)?;
    Ok(row)
}

/// The investigation with its candidates matching the filter: one page of them with `window`
/// = (offset, limit), all with `None`.
pub async fn detail(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    (hop, wanted): (Option<i32>, Option<&str>),
    window: Option<(i64, i64)>,
) -> AppResult<InvestigationDetail> {
    let row = get_scoped(state, user, id).await?;
    let cases = repo::cases(state.db(), id).await?;
    let contacts = repo::contacts(state.db(), id, hop, wanted, window).await?;
    let total = match window {
        None => contacts.len() as i64,
        Some(_) => repo::count_contacts(state.db(), id, hop, wanted).await?,
    };
    Ok(InvestigationDetail {
        investigation: row.into(),
        cases: cases.into_iter().map(Into::into).collect(),
        contacts: contacts.into_iter().map(Into::into).collect(),
        total_contacts: total,
    })
}

/// Distinct ids in the order given; 422 on `field` when there are none or more than `max`.
fn ids_of(ids: &[i64], max: usize, key: &str, field: &str) -> AppResult<Vec<i64>> {
    let mut seen = BTreeSet::new();
    let out: Vec<i64> = ids.iter().copied().filter(|i| seen.insert(*i)).collect();
    if out.is_empty() || out.len() > max {
        return Err(AppError::invalid(key).on_field(field));
    }
    Ok(out)
}

/// Areas of the found persons (contacts live wherever they are registered).
async fn areas_of(state: &AppState, found: &[Found]) -> AppResult<HashMap<i64, String>> {
    let ids: Vec<i64> = found.iter().map(|f| f.person_id).collect();
    Ok(repo::persons(state.db(), &ids)
        .await?
        .into_iter()
        .map(|(id, area, _)| (id, area))
        .collect())
}

/// Stores the candidates not yet recorded; answers how many were added.
async fn add_candidates(
    tx: &mut Tx,
    id: i64,
    found: &[Found],
    areas: &HashMap<i64, String>,
) -> AppResult<usize> {
    let now = Utc::now();
    let mut added = 0;
    for f in found {
        let Some(area) = areas.get(&f.person_id) else {
            continue;
        };
        if repo::add_candidate(tx, id, f, area, now).await? {
            added += 1;
        }
    }
    Ok(added)
}

/// Starts an investigation of `input.cases` (people of the caller's area) and stores the
/// candidates the trace finds.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    input: &NewInvestigation,
) -> AppResult<InvestigationView> {
    let cases = ids_of(
        &input.cases,
        MAX_CASES,
        "investigation.cases_count",
        "cases",
    )?;
    let title = input
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if title.is_some_and(|t| t.chars().count() > 100) {
        return Err(AppError::invalid("investigation.title_too_long").on_field("title"));
    }
    let known: HashMap<i64, (String, String)> = repo::persons(state.db(), &cases)
        .await?
        .into_iter()
        .map(|(id, area, name)| (id, (area, name)))
        .collect();
    let mut names = Vec::new();
    for c in &cases {
        match known.get(c) {
            Some((area, name)) if user.require_record_area(area).is_ok() => {
                names.push(name.clone())
            }
            _ => return Err(AppError::invalid("investigation.unknown_case").on_field("cases")),
        }
    }
    let area = known[&cases[0]].0.clone();
    let title = match title {
        Some(t) => t.to_string(),
        None => state.tr(platform::i18n::Lang::ZhCn).f(
            "investigation.default_title",
            &[("names", &names.join("、"))],
        ),
    };
    let answer = trace(
        state,
        &TraceRequest {
            cases: cases.clone(),
            window_minutes: input.window_minutes,
            second_hop: Some(true),
        },
    )
    .await?;
    let areas = areas_of(state, &answer.contacts).await?;
    let now = Utc::now();
    let mut tx = state.db().begin().await?;
    let id = repo::insert(
        &mut tx,
        &title,
        &area,
        answer.window_minutes,
        now,
        &actor.name,
    )
    .await?;
    for c in &cases {
        repo::insert_case(&mut tx, id, *c).await?;
    }
    let added = add_candidates(&mut tx, id, &answer.contacts, &areas).await?;
    let event = Event::new("epidemic.investigation.create")
        .record(RECORD_KIND, id)
        .area(&area)
        .after(json!({"title": title, "cases": cases, "window_minutes": answer.window_minutes,
            "close_contacts": answer.close_contacts, "secondary_contacts": answer.secondary_contacts,
            "candidates": added}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(get_scoped(state, user, id).await?.into())
}

/// Runs the trace again: newly found candidates are added, decisions already made stay.
pub async fn run(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
) -> AppResult<RunOutcome> {
    let row = get_scoped(state, user, id).await?;
    if row.status != "open" {
        return Err(AppError::conflict("investigation.closed"));
    }
    let cases: Vec<i64> = repo::cases(state.db(), id)
        .await?
        .into_iter()
        .map(|c| c.person_id)
        .collect();
    let answer = trace(
        state,
        &TraceRequest {
            cases,
            window_minutes: u32::try_from(row.window_minutes).ok(),
            second_hop: Some(true),
        },
    )
    .await?;
    let areas = areas_of(state, &answer.contacts).await?;
    let mut tx = state.db().begin().await?;
    let added = add_candidates(&mut tx, id, &answer.contacts, &areas).await?;
    repo::ran(&mut tx, id, Utc::now()).await?;
    let event = Event::new("epidemic.investigation.run")
        .record(RECORD_KIND, id)
        .area(&row.area_code)
        .after(json!({"found": answer.contacts.len(), "added": added}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(RunOutcome {
        investigation: get_scoped(state, user, id).await?.into(),
        added,
    })
}

/// The candidates of `id` named by `persons`; 422 when one is not a candidate of it.
async fn chosen(state: &AppState, id: i64, persons: &[i64]) -> AppResult<Vec<ContactRow>> {
    let all: HashMap<i64, ContactRow> = repo::contacts(state.db(), id, None, None, None)
        .await?
        .into_iter()
        .map(|c| (c.person_id, c))
        .collect();
    persons
        .iter()
        .map(|p| {
            all.get(p).cloned().ok_or_else(|| {
                AppError::invalid("investigation.not_a_candidate")
                    .on_field("contacts")
                    .with_arg("person_id", p.to_string())
            })
        })
        .collect()
}

fn add_days(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_days(Days::new(u64::from(n))).unwrap_or(day)
}

/// The test days of a contact confirmed today: the policy's test days in quarantine, counted
/// from today, within the management period.
fn test_days(policy: &Policy, today: NaiveDate, ends: NaiveDate) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = policy
        .test_days_in_quarantine
        .iter()
        .map(|d| add_days(today, d.saturating_sub(1)))
        .filter(|d| *d < ends.max(add_days(today, 1)))
        .collect();
    days.dedup();
    days
}

/// Confirms candidates in one transaction: a key-person episode (close or secondary contact,
/// source `tracing`) for each, a quarantine order when asked, the test requirements, all in the
/// hands of the grid worker of the contact's grid. People already under management are confirmed
/// without a second episode and reported.
pub async fn confirm(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    input: &ConfirmInput,
) -> AppResult<ConfirmOutcome> {
    let row = get_scoped(state, user, id).await?;
    let persons = ids_of(
        &input.contacts,
        MAX_CONTACTS,
        "investigation.contacts_count",
        "contacts",
    )?;
    let kind = match input
        .quarantine
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => None,
        Some(t) => Some(OrderKind::parse(t).ok_or_else(|| {
            AppError::invalid("investigation.bad_quarantine").on_field("quarantine")
        })?),
    };
    if row.status != "open" {
        return Err(AppError::conflict("investigation.closed"));
    }
    let contacts = chosen(state, id, &persons).await?;
    if let Some(c) = contacts.iter().find(|c| c.state == state::CONFIRMED) {
        return Err(AppError::invalid("investigation.already_confirmed")
            .on_field("contacts")
            .with_arg("name", c.name.clone()));
    }
    let policy = crate::policy::load(state.db()).await?;
    let mut grids = HashMap::new();
    for c in &contacts {
        if !grids.contains_key(&c.area_code) {
            let area = DivisionCode::parse(&c.area_code).map_err(AppError::internal)?;
            grids.insert(
                c.area_code.clone(),
                crate::screening::service::grid_of(state, &area).await?,
            );
        }
    }
    let now = Utc::now();
    let today = crate::time::day_of(now);
    let source_ref = format!("investigation:{id}");
    let mut out = ConfirmOutcome {
        confirmed: Vec::new(),
        already_managed: Vec::new(),
    };
    let mut tx = state.db().begin().await?;
    for c in &contacts {
        if let Some(open) = key_persons::open_of_in(&mut tx, c.person_id).await? {
            decided(
                repo::decide(
                    &mut tx,
                    c.id,
                    state::CONFIRMED,
                    None,
                    Some(open.id),
                    now,
                    &actor.name,
                )
                .await?,
                c,
            )?;
            out.already_managed.push(AlreadyManaged {
                person_id: c.person_id,
                key_person_id: open.id,
            });
            continue;
        }
        let grid = grids[&c.area_code];
        let category = if c.hop == 1 {
            "close_contact"
        } else {
            "secondary_contact"
        };
        let exposure = c.first_at.map(crate::time::day_of).unwrap_or(today);
        let ends = add_days(exposure, policy.management_days(category)).max(today);
        let key_person_id = key_persons::insert(
            &mut tx,
            &NewKeyPerson {
                person_id: c.person_id,
                area_code: &c.area_code,
                category,
                status: crate::key_persons::status::MANAGED,
                reason: Some("tracing"),
                source: "tracing",
                source_ref: Some(source_ref.clone()),
                exposure_on: Some(exposure),
                starts_on: today,
                ends_on: ends,
                grid_unit_id: grid.0,
                grid_user_id: grid.1,
            },
            now,
            &actor.name,
        )
        .await?;
        let order = match kind {
            None => None,
            Some(kind) => {
                let order = orders::refer_in(
                    &mut tx,
                    &actor.name,
                    &policy,
                    &Referral {
                        person_id: c.person_id,
                        key_person_id: Some(key_person_id),
                        area_code: &c.area_code,
                        kind,
                        reason: Some("tracing"),
                        source: "tracing",
                        source_ref: Some(source_ref.clone()),
                        starts_on: today,
                        home_address: None,
                    },
                )
                .await?;
                assign_order_in(&mut tx, order, grid.1).await?;
                Some(order)
            }
        };
        let (reason, until) = match (kind, order) {
            (Some(kind), Some(_)) => (
                reasons::QUARANTINE,
                orders::planned_end(&policy, kind, today),
            ),
            _ => (reasons::TRACING, ends),
        };
        let mut tests = Vec::new();
        for day in test_days(&policy, today, until) {
            tests.push(
                requirements::require_in(
                    &mut tx,
                    &actor.name,
                    &Requirement {
                        person_id: c.person_id,
                        area_code: &c.area_code,
                        reason,
                        source_ref: Some(source_ref.clone()),
                        from_on: day,
                        due_on: day,
                    },
                )
                .await?,
            );
        }
        decided(
            repo::decide(
                &mut tx,
                c.id,
                state::CONFIRMED,
                None,
                Some(key_person_id),
                now,
                &actor.name,
            )
            .await?,
            c,
        )?;
        let event = Event::new("epidemic.key_person.create")
            .record(crate::key_persons::RECORD_KIND, key_person_id)
            .area(&c.area_code)
            .after(
                json!({"person_id": c.person_id, "category": category, "source": "tracing",
                "source_ref": source_ref, "exposure_on": exposure, "ends_on": ends,
                "grid_user_id": grid.1, "quarantine_order_id": order, "test_requirements": tests}),
            );
        audit::append(&mut tx, actor, event).await?;
        out.confirmed.push(Confirmed {
            person_id: c.person_id,
            key_person_id,
            quarantine_order_id: order,
            test_requirement_ids: tests,
            grid_user_id: grid.1,
        });
    }
    let event = Event::new("epidemic.investigation.confirm")
        .record(RECORD_KIND, id)
        .area(&row.area_code)
        .after(json!({"contacts": persons, "quarantine": kind.map(OrderKind::as_str),
            "confirmed": out.confirmed.iter().map(|c| c.person_id).collect::<Vec<_>>(),
            "already_managed": out.already_managed.iter().map(|c| c.person_id).collect::<Vec<_>>()}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(out)
}

/// A decision that found the candidate confirmed by a concurrent request: 409, all rolled back.
fn decided(changed: bool, c: &ContactRow) -> AppResult<()> {
    if changed {
        Ok(())
    } else {
        Err(AppError::conflict("investigation.already_confirmed").with_arg("name", c.name.clone()))
    }
}

/// Closes an investigation: no more runs or decisions.
pub async fn close(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
) -> AppResult<InvestigationView> {
    let row = get_scoped(state, user, id).await?;
    let mut tx = state.db().begin().await?;
    if !repo::close(&mut tx, id).await? {
        return Err(AppError::conflict("investigation.closed"));
    }
    let event = Event::new("epidemic.investigation.close")
        .record(RECORD_KIND, id)
        .area(&row.area_code)
        .before(json!({"status": "open"}))
        .after(json!({"status": "closed"}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(get_scoped(state, user, id).await?.into())
}

/// The grid worker answers for a quarantine order opened from an investigation (unless one is
/// already named).
async fn assign_order_in(tx: &mut Tx, order: i64, user_id: Option<i64>) -> AppResult<()> {
    const SQL: &str = "UPDATE epi_quarantine_orders SET cadre_user_id = $2 \
         WHERE id = $1 AND cadre_user_id IS NULL";
    if user_id.is_some() {
        platform::with_conn!(tx, conn => sqlx::query(SQL).bind(order).bind(user_id)
            .execute(conn).await.map(|_| ()))?;
    }
    Ok(())
}

/// Dismisses candidates (not confirmed ones) with the reason.
pub async fn dismiss(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    input: &DismissInput,
) -> AppResult<DismissOutcome> {
    let row = get_scoped(state, user, id).await?;
    let persons = ids_of(
        &input.contacts,
        MAX_CONTACTS,
        "investigation.contacts_count",
        "contacts",
    )?;
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("investigation.reason_required").on_field("reason"));
    }
    if reason.chars().count() > 200 {
        return Err(AppError::invalid("investigation.reason_too_long").on_field("reason"));
    }
    if row.status != "open" {
        return Err(AppError::conflict("investigation.closed"));
    }
    let contacts = chosen(state, id, &persons).await?;
    if let Some(c) = contacts.iter().find(|c| c.state == state::CONFIRMED) {
        return Err(AppError::invalid("investigation.already_confirmed")
            .on_field("contacts")
            .with_arg("name", c.name.clone()));
    }
    let now = Utc::now();
    let mut tx = state.db().begin().await?;
    for c in &contacts {
        decided(
            repo::decide(
                &mut tx,
                c.id,
                state::DISMISSED,
                Some(reason),
                None,
                now,
                &actor.name,
            )
            .await?,
            c,
        )?;
    }
    let event = Event::new("epidemic.investigation.dismiss")
        .record(RECORD_KIND, id)
        .area(&row.area_code)
        .reason(reason)
        .after(json!({"contacts": persons}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(DismissOutcome {
        dismissed: contacts.len(),
    })
}

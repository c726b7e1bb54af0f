//! Assigning and ending responsibilities — validation, scope and the audit entry in one
//! transaction per change — and the questions other modules ask: who is responsible for a
//! subject, and whom a ticket about it goes to by default.

use chrono::{NaiveDate, Utc};
use domain::{DivisionCode, ResponsibilityRole};

use super::model::{AssignInput, Assignment, AssignmentRow, EndInput, Owner, Subject};
use super::{RECORD_KIND, repo, today};
use crate::audit::{self, Actor, Event};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// The assignment `id` if its subject lies in the user's area; 404 otherwise.
pub async fn get_scoped(db: &Db, user: &CurrentUser, id: i64) -> AppResult<AssignmentRow> {
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    user.require_record_area(&row.area_code)?;
    Ok(row)
}

/// The area a subject lies in, checked against the caller's scope: an area outside it answers
/// 403; a record outside it, or missing, 422 on `subject_id` (it does not exist for the caller).
async fn subject_area(db: &Db, user: &CurrentUser, subject: &Subject) -> AppResult<String> {
    if let Subject::Area(code) = subject {
        if !user.covers(code) {
            return Err(AppError::forbidden());
        }
        if crate::areas::repo::get(db, code.as_str()).await?.is_none() {
            return Err(AppError::invalid("user.unknown_area").on_field("subject_area"));
        }
        return Ok(code.as_str().to_string());
    }
    let kind = subject.kind().as_str();
    let found = match repo::record_area(db, kind, subject.record_id()).await {
        Ok(found) => found,
        // Households arrive with their own migration; until then the table is missing.
        Err(_) if kind == "household" => {
            return Err(
                AppError::invalid("responsibility.households_unavailable").on_field("subject_kind")
            );
        }
        Err(e) => return Err(e.into()),
    };
    let unknown = || AppError::invalid("responsibility.unknown_subject").on_field("subject_id");
    let (area, merged_into) = found.ok_or_else(unknown)?;
    if user.require_record_area(&area).is_err() {
        return Err(unknown());
    }
    if let Some(into) = merged_into {
        return Err(AppError::invalid("responsibility.person_merged")
            .on_field("subject_id")
            .with_arg("id", into.to_string()));
    }
    Ok(area)
}

pub async fn assign(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &AssignInput,
) -> AppResult<Assignment> {
    let today = today();
    let a = input.validate(today)?;
    let area = subject_area(db, user, &a.subject).await?;
    if let Some(unit) = a.unit_id
        && repo::unit_area(db, unit).await?.is_none()
    {
        return Err(AppError::invalid("responsibility.unknown_unit").on_field("unit_id"));
    }
    if let Some(id) = a.user_id
        && repo::user_area(db, id).await?.is_none()
    {
        return Err(AppError::invalid("responsibility.unknown_user").on_field("user_id"));
    }
    let mut tx = db.begin().await?;
    repo::lock_area(&mut tx, &area).await?;
    if !a.role.allows_several()
        && let Some(existing) = repo::overlapping(&mut tx, &a).await?
    {
        return Err(AppError::conflict("responsibility.already_assigned")
            .on_field("role")
            .with_arg("role", a.role.name_zh())
            .with_arg("id", existing.to_string()));
    }
    let id = repo::insert(&mut tx, &a, &area, Utc::now(), &actor.name).await?;
    let row = repo::get_in(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = Assignment::from_row(row, today);
    let event = Event::new("responsibility.assign")
        .record(RECORD_KIND, id)
        .area(&area)
        .after(serde_json::to_value(&view).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn end(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    input: &EndInput,
) -> AppResult<Assignment> {
    let today = today();
    let before = get_scoped(db, user, id).await?;
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::invalid("responsibility.bad_reason").on_field("reason"));
    }
    let ends_on = super::model::valid_date(input.ends_on.as_deref(), "ends_on", Some(today))?
        .unwrap_or(today);
    if before.ends_on.is_some_and(|end| end <= today) {
        return Err(AppError::conflict("responsibility.already_ended").on_field("ends_on"));
    }
    if ends_on < before.starts_on {
        return Err(AppError::invalid("responsibility.ends_before_start").on_field("ends_on"));
    }
    if before.ends_on.is_some_and(|end| ends_on > end) {
        return Err(AppError::invalid("responsibility.ends_after_planned").on_field("ends_on"));
    }
    if input.version.is_some_and(|v| v != before.version) {
        return Err(AppError::conflict("responsibility.stale_version").on_field("version"));
    }
    let area = before.area_code.clone();
    let version = before.version;
    let before_view = Assignment::from_row(before, today);
    let mut tx = db.begin().await?;
    if !repo::end(
        &mut tx,
        id,
        version,
        ends_on,
        reason,
        Utc::now(),
        &actor.name,
    )
    .await?
    {
        return Err(AppError::conflict("responsibility.stale_version").on_field("version"));
    }
    let row = repo::get_in(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let after = Assignment::from_row(row, today);
    let event = Event::new("responsibility.end")
        .record(RECORD_KIND, id)
        .area(&area)
        .reason(reason)
        .before(serde_json::to_value(&before_view).unwrap_or_default())
        .after(serde_json::to_value(&after).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(after)
}

/// Every assignment of the subject itself that holds on `on`, oldest first. No scope check:
/// callers are other modules' services, which have checked their own record's scope.
pub async fn responsible(db: &Db, subject: Subject, on: NaiveDate) -> AppResult<Vec<Assignment>> {
    let rows = repo::active_for(
        db,
        subject.kind().as_str(),
        subject.record_id(),
        subject.area_code(),
        on,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Assignment::from_row(r, on))
        .collect())
}

/// The order in which a subject's own assignments claim a ticket about it.
const ROUTING_ORDER: [ResponsibilityRole; 4] = [
    ResponsibilityRole::Department,
    ResponsibilityRole::Cadre,
    ResponsibilityRole::GridWorker,
    ResponsibilityRole::Leader,
];

fn owner_of(a: &Assignment) -> Owner {
    Owner {
        unit_id: a.unit_id,
        user_id: a.user_id,
    }
}

/// Whom a ticket about `subject` goes to on `on`: the subject's own department, else its cadre,
/// grid worker, leader (the oldest of several); else the grid worker of the area it lies in
/// (a record's area; an area's parent), walking up the area tree. `None` when nobody answers.
pub async fn default_owner(db: &Db, subject: Subject, on: NaiveDate) -> AppResult<Option<Owner>> {
    let own = responsible(db, subject.clone(), on).await?;
    for role in ROUTING_ORDER {
        if let Some(a) = own.iter().find(|a| a.role == role.as_str()) {
            return Ok(Some(owner_of(a)));
        }
    }
    let mut area = match &subject {
        Subject::Area(code) => code.parent(),
        _ => match repo::record_area(db, subject.kind().as_str(), subject.record_id()).await {
            Ok(Some((code, _))) => DivisionCode::parse(&code).ok(),
            Ok(None) => None,
            // No households table yet: such a subject has no area to walk up from.
            Err(_) if matches!(subject, Subject::Household(_)) => None,
            Err(e) => return Err(e.into()),
        },
    };
    while let Some(code) = area {
        let assigned = responsible(db, Subject::Area(code.clone()), on).await?;
        if let Some(a) = assigned
            .iter()
            .find(|a| a.role == ResponsibilityRole::GridWorker.as_str())
        {
            return Ok(Some(owner_of(a)));
        }
        area = code.parent();
    }
    Ok(None)
}

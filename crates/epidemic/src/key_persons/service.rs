//! Putting people under management and changing an episode: validated, scoped, with the history
//! row and the audit entry in one transaction.

use chrono::{Days, NaiveDate, Utc};
use domain::DivisionCode;
use platform::AppState;
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use serde_json::json;

use super::model::{KeyPersonAction, KeyPersonDetail, KeyPersonView, NewKeyPersonInput};
use super::repo::{self, Change, NewKeyPerson};
use super::{RECORD_KIND, status};
use crate::policy::CATEGORIES;

pub async fn get_scoped(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<KeyPersonView> {
    let row = repo::get(state.db(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    user.require_record_area(&row.k.area_code)?;
    Ok(KeyPersonView::from_row(row))
}

pub async fn detail(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<KeyPersonDetail> {
    let key_person = get_scoped(state, user, id).await?;
    let history = repo::events(state.db(), id).await?;
    Ok(KeyPersonDetail {
        key_person,
        history,
    })
}

fn category_of(text: Option<&str>) -> AppResult<&'static str> {
    let text = text.map(str::trim).unwrap_or_default();
    CATEGORIES
        .iter()
        .find(|c| **c == text)
        .copied()
        .ok_or_else(|| AppError::invalid("key_person.bad_category").on_field("category"))
}

fn reason_of(text: Option<&str>, required: bool) -> AppResult<Option<String>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None if required => Err(AppError::invalid("key_person.reason_required").on_field("reason")),
        None => Ok(None),
        Some(t) if t.chars().count() > 500 => {
            Err(AppError::invalid("key_person.reason_too_long").on_field("reason"))
        }
        Some(t) => Ok(Some(t.to_string())),
    }
}

fn date_of(text: Option<&str>, field: &str) -> AppResult<Option<NaiveDate>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => domain::dates::parse_date_lenient(t)
            .map(Some)
            .map_err(|_| AppError::invalid("key_person.bad_date").on_field(field)),
    }
}

pub async fn create(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    input: &NewKeyPersonInput,
) -> AppResult<KeyPersonView> {
    let db = state.db();
    let category = category_of(Some(&input.category))?;
    let reason = reason_of(Some(&input.reason), true)?;
    let person = match (input.person_id, input.doc_number.as_deref().map(str::trim)) {
        (Some(id), _) => platform::registry::person::repo::get(db, id).await?,
        (None, Some(doc)) if !doc.is_empty() => {
            let doc = platform::registry::person::model::parse_document(None, doc)?;
            platform::registry::person::repo::find_by_document(
                db,
                doc.kind().as_str(),
                doc.number(),
            )
            .await?
        }
        _ => return Err(AppError::invalid("key_person.person_required").on_field("person_id")),
    };
    let person = person
        .filter(|p| user.require_record_area(&p.area_code).is_ok())
        .ok_or_else(|| AppError::invalid("key_person.unknown_person").on_field("person_id"))?;
    let today = crate::time::today();
    let exposure = date_of(input.exposure_on.as_deref(), "exposure_on")?.unwrap_or(today);
    if exposure > today {
        return Err(AppError::invalid("key_person.exposure_in_future").on_field("exposure_on"));
    }
    let policy = crate::policy::load(db).await?;
    let ends = exposure
        .checked_add_days(Days::new(u64::from(policy.management_days(category))))
        .unwrap_or(today)
        .max(today);
    let area = DivisionCode::parse(&person.area_code).map_err(AppError::from)?;
    let grid = crate::screening::service::grid_of(state, &area).await?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if repo::open_of_in(&mut tx, person.id).await?.is_some() {
        return Err(AppError::conflict("key_person.already_managed").on_field("person_id"));
    }
    let id = repo::insert(
        &mut tx,
        &NewKeyPerson {
            person_id: person.id,
            area_code: &person.area_code,
            category,
            status: status::MANAGED,
            reason: reason.as_deref(),
            source: "manual",
            source_ref: None,
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
    let event = Event::new("epidemic.key_person.create")
        .record(RECORD_KIND, id)
        .area(&person.area_code)
        .after(
            json!({"person_id": person.id, "category": category, "reason": reason,
            "exposure_on": exposure, "ends_on": ends}),
        );
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    get_scoped(state, user, id).await
}

pub async fn act(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    input: &KeyPersonAction,
) -> AppResult<KeyPersonView> {
    let before = get_scoped(state, user, id).await?;
    if before.status == status::ENDED {
        return Err(AppError::conflict("key_person.already_ended"));
    }
    let mut category = before.category.clone();
    let mut new_status = before.status.clone();
    let mut ends_on = before.ends_on;
    let mut grid = (before.grid_unit_id, before.grid_user_id);
    let reason;
    match input.action.trim() {
        "category" => {
            category = category_of(input.category.as_deref())?.to_string();
            reason = reason_of(input.reason.as_deref(), true)?;
        }
        "extend" => {
            ends_on = date_of(input.ends_on.as_deref(), "ends_on")?
                .ok_or_else(|| AppError::invalid("key_person.bad_date").on_field("ends_on"))?;
            if ends_on <= before.ends_on {
                return Err(AppError::invalid("key_person.not_later").on_field("ends_on"));
            }
            reason = reason_of(input.reason.as_deref(), true)?;
        }
        "assign" => {
            let user_id = input.grid_user_id.ok_or_else(|| {
                AppError::invalid("key_person.unknown_user").on_field("grid_user_id")
            })?;
            const USER: &str = "SELECT unit_id FROM users WHERE id = $1 AND NOT disabled";
            let unit: Option<Option<i64>> = platform::with_db!(state.db(), pool => sqlx::query_scalar(USER)
                .bind(user_id).fetch_optional(pool).await)?;
            let unit = unit.ok_or_else(|| {
                AppError::invalid("key_person.unknown_user").on_field("grid_user_id")
            })?;
            grid = (unit, Some(user_id));
            reason = reason_of(input.reason.as_deref(), false)?;
        }
        "end" => {
            new_status = status::ENDED.to_string();
            ends_on = crate::time::today().max(before.starts_on);
            reason = reason_of(input.reason.as_deref(), true)?;
        }
        _ => return Err(AppError::invalid("key_person.bad_action").on_field("action")),
    }
    let now = Utc::now();
    let mut tx = state.db().begin().await?;
    if !repo::update_checked(
        &mut tx,
        id,
        input.version,
        &category,
        &new_status,
        ends_on,
        grid,
        now,
        &actor.name,
    )
    .await?
    {
        return Err(AppError::conflict("key_person.stale").on_field("version"));
    }
    let action = input.action.trim();
    repo::event(
        &mut tx,
        id,
        &Change {
            action,
            from: Some((&before.category, &before.status)),
            to: (Some(&category), Some(&new_status)),
            note: reason.as_deref(),
        },
        now,
        &actor.name,
    )
    .await?;
    let event = Event::new(&format!("epidemic.key_person.{action}"))
        .record(RECORD_KIND, id)
        .area(&before.area_code)
        .before(json!({"category": before.category, "status": before.status,
            "ends_on": before.ends_on, "grid_user_id": before.grid_user_id}))
        .after(
            json!({"category": category, "status": new_status, "ends_on": ends_on,
            "grid_user_id": grid.1, "reason": reason}),
        );
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    get_scoped(state, user, id).await
}

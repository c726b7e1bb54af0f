//! Registering and changing people: validation, scope, duplicates, and the audit entry, in one
//! transaction per change.

use chrono::Utc;
use domain::DivisionCode;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::RECORD_KIND;
use super::model::{PersonInput, PersonPatch, PersonRow, PersonView};
use super::repo;
use crate::audit::{self, Actor, Event};
use crate::auth::CurrentUser;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};

/// A registered person with the records that look like the same person (never merged
/// automatically).
#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub person: PersonView,
    pub likely_duplicates: Vec<PersonView>,
}

/// Masked views with their tags, in the order given.
pub async fn views(db: &Db, rows: Vec<PersonRow>) -> AppResult<Vec<PersonView>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tags: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    for (id, tag) in repo::tags_of(db, &ids).await? {
        tags.entry(id).or_default().push(tag);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine = tags.remove(&row.id).unwrap_or_default();
            PersonView::from_row(row, mine)
        })
        .collect())
}

/// The person `id` if it lies in the user's area; 404 otherwise, as if it did not exist.
pub async fn get_scoped(db: &Db, user: &CurrentUser, id: i64) -> AppResult<PersonRow> {
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    user.require_record_area(&row.area_code)?;
    Ok(row)
}

fn area_in_scope(user: &CurrentUser, area: &DivisionCode) -> AppResult<()> {
    if user.covers(area) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

async fn area_exists(db: &Db, area: &DivisionCode) -> AppResult<()> {
    if crate::areas::repo::get(db, area.as_str()).await?.is_none() {
        return Err(AppError::invalid("user.unknown_area").on_field("area_code"));
    }
    Ok(())
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &PersonInput,
) -> AppResult<Registered> {
    area_in_scope(user, &input.validate()?.area)?;
    let mut tx = db.begin().await?;
    let (row, view) = create_in(db, &mut tx, actor, input).await?;
    tx.commit().await?;
    let likely_duplicates = duplicates_of(db, user, &row).await?;
    Ok(Registered {
        person: view,
        likely_duplicates,
    })
}

/// Registers a person inside the caller's transaction, with its audit entry, so that another
/// module's fact about a new person (a screening at a checkpoint) and the person commit together.
/// The caller has decided that the person's area is theirs to register in.
pub async fn create_in(
    db: &Db,
    tx: &mut Tx,
    actor: &Actor,
    input: &PersonInput,
) -> AppResult<(PersonRow, PersonView)> {
    let person = input.validate()?;
    area_exists(db, &person.area).await?;
    let now = Utc::now();
    let id = match repo::insert(tx, &person, now, &actor.name).await {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AppError::conflict("person.already_registered").on_field("doc_number"));
        }
        Err(e) => return Err(e.into()),
    };
    repo::set_tags(tx, id, &person.tags).await?;
    let row = repo::get_in(tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = PersonView::from_row(
        row.clone(),
        person.tags.iter().map(|t| t.to_string()).collect(),
    );
    let event = Event::new("registry.person.create")
        .record(RECORD_KIND, id)
        .area(person.area.as_str())
        .after(serde_json::to_value(&view).unwrap_or_default());
    audit::append(tx, actor, event).await?;
    Ok((row, view))
}

/// Records in the user's area that look like the same person.
pub async fn duplicates_of(
    db: &Db,
    user: &CurrentUser,
    row: &PersonRow,
) -> AppResult<Vec<PersonView>> {
    let (lo, hi) = user.area.subtree_range();
    let rows = repo::likely_duplicates(
        db,
        (&lo, &hi),
        row.id,
        &row.name,
        row.birth_date,
        row.phone.as_deref(),
    )
    .await?;
    views(db, rows).await
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    patch: &PersonPatch,
) -> AppResult<PersonView> {
    let before = get_scoped(db, user, id).await?;
    if before.merged_into.is_some() {
        return Err(AppError::conflict("person.merged"));
    }
    let name = match &patch.name {
        Some(n) if n.trim().is_empty() || n.trim().chars().count() > 50 => {
            return Err(AppError::invalid("person.bad_name").on_field("name"));
        }
        Some(n) => n.trim().to_string(),
        None => before.name.clone(),
    };
    let phone = match patch.phone.as_deref().map(str::trim) {
        Some("") => None,
        Some(p) => Some(
            domain::Phone::parse(p)
                .map_err(|e| AppError::from(e).on_field("phone"))?
                .as_str()
                .to_string(),
        ),
        None => before.phone.clone(),
    };
    let address = match patch.address.as_deref().map(str::trim) {
        Some("") => None,
        Some(a) if a.chars().count() > 200 => {
            return Err(AppError::invalid("person.bad_address").on_field("address"));
        }
        Some(a) => Some(a.to_string()),
        None => before.address.clone(),
    };
    let area = match &patch.area_code {
        Some(code) => {
            let area =
                DivisionCode::parse(code).map_err(|e| AppError::from(e).on_field("area_code"))?;
            if !matches!(
                area.level(),
                domain::AreaLevel::Village | domain::AreaLevel::Grid
            ) {
                return Err(AppError::invalid("person.area_not_village").on_field("area_code"));
            }
            area_in_scope(user, &area)?;
            area_exists(db, &area).await?;
            area
        }
        None => DivisionCode::parse(&before.area_code).map_err(AppError::internal)?,
    };
    let tags: Option<Vec<&'static str>> = match &patch.tags {
        Some(list) => {
            let input = PersonInput {
                tags: list.clone(),
                ..Default::default()
            };
            let mut out = Vec::new();
            for t in &input.tags {
                let tag = crate::registry::tags::PERSON_TAGS
                    .iter()
                    .copied()
                    .find(|k| *k == t.trim())
                    .ok_or_else(|| {
                        AppError::invalid("person.unknown_tag")
                            .on_field("tags")
                            .with_arg("tag", t.clone())
                    })?;
                if !out.contains(&tag) {
                    out.push(tag);
                }
            }
            Some(out)
        }
        None => None,
    };
    let before_view = views(db, vec![before.clone()]).await?.remove(0);
    let mut tx = db.begin().await?;
    let now = Utc::now();
    if !repo::update(
        &mut tx,
        id,
        patch.version,
        &name,
        phone.as_deref(),
        address.as_deref(),
        &area,
        now,
        &actor.name,
    )
    .await?
    {
        return Err(AppError::conflict("person.stale_version").on_field("version"));
    }
    if let Some(tags) = &tags {
        repo::set_tags(&mut tx, id, tags).await?;
    }
    let row = repo::get_in(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let after_tags = tags
        .map(|t| t.iter().map(|s| s.to_string()).collect())
        .unwrap_or(before_view.tags.clone());
    let after = PersonView::from_row(row, after_tags);
    let event = Event::new("registry.person.update")
        .record(RECORD_KIND, id)
        .area(area.as_str())
        .before(serde_json::to_value(&before_view).unwrap_or_default())
        .after(serde_json::to_value(&after).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(after)
}

/// Merges the duplicate `id` into `into`: the duplicate stays, pointing at the person it is, so
/// every reference to it still resolves; tags join. Audited with the reason.
pub async fn merge(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    into: i64,
    reason: &str,
) -> AppResult<PersonView> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("person.merge_reason_required").on_field("reason"));
    }
    if id == into {
        return Err(AppError::invalid("person.merge_self").on_field("into"));
    }
    let duplicate = get_scoped(db, user, id).await?;
    let target = get_scoped(db, user, into)
        .await
        .map_err(|e| e.on_field("into"))?;
    if duplicate.merged_into.is_some() || target.merged_into.is_some() {
        return Err(AppError::conflict("person.merged"));
    }
    let mut tx = db.begin().await?;
    repo::merge(&mut tx, id, into, Utc::now(), &actor.name).await?;
    let event = Event::new("registry.person.merge")
        .record(RECORD_KIND, id)
        .area(&duplicate.area_code)
        .reason(reason)
        .after(json!({"merged_into": into}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    let row = repo::get(db, into).await?.ok_or_else(AppError::not_found)?;
    Ok(views(db, vec![row]).await?.remove(0))
}

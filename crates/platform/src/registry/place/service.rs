//! Registering and changing places: validation, scope, and the audit entry, in one transaction
//! per change.

use chrono::Utc;
use domain::DivisionCode;

use super::RECORD_KIND;
use super::model::{
    PlaceInput, PlacePatch, PlaceRow, PlaceView, valid_address, valid_area, valid_capacity,
    valid_coordinates, valid_kind, valid_name,
};
use super::repo;
use crate::audit::{self, Actor, Event};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// The place `id` if it lies in the user's area; 404 otherwise, as if it did not exist.
pub async fn get_scoped(db: &Db, user: &CurrentUser, id: i64) -> AppResult<PlaceRow> {
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    user.require_record_area(&row.area_code)?;
    Ok(row)
}

/// The area must lie in the user's (403) and exist (422).
async fn area_allowed(db: &Db, user: &CurrentUser, area: &DivisionCode) -> AppResult<()> {
    if !user.covers(area) {
        return Err(AppError::forbidden());
    }
    if crate::areas::repo::get(db, area.as_str()).await?.is_none() {
        return Err(AppError::invalid("user.unknown_area").on_field("area_code"));
    }
    Ok(())
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &PlaceInput,
) -> AppResult<PlaceView> {
    let place = input.validate()?;
    area_allowed(db, user, &place.area).await?;
    let mut tx = db.begin().await?;
    let id = repo::insert(&mut tx, &place, Utc::now(), &actor.name).await?;
    let row = repo::get_in(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = PlaceView::from_row(row);
    let event = Event::new("registry.place.create")
        .record(RECORD_KIND, id)
        .area(place.area.as_str())
        .after(serde_json::to_value(&view).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    patch: &PlacePatch,
) -> AppResult<PlaceView> {
    let before = get_scoped(db, user, id).await?;
    let kind = match &patch.kind {
        Some(k) => valid_kind(k)?.as_str().to_string(),
        None => before.kind.clone(),
    };
    let name = match &patch.name {
        Some(n) => valid_name(n)?,
        None => before.name.clone(),
    };
    let address = match &patch.address {
        Some(a) => valid_address(Some(a))?,
        None => before.address.clone(),
    };
    let capacity = match patch.capacity {
        Some(c) => valid_capacity(c)?,
        None => before.capacity,
    };
    let coordinates = valid_coordinates(
        patch.lat.unwrap_or(before.lat),
        patch.lon.unwrap_or(before.lon),
    )?;
    let area = match &patch.area_code {
        Some(code) => {
            let area = valid_area(code)?;
            area_allowed(db, user, &area).await?;
            area
        }
        None => DivisionCode::parse(&before.area_code).map_err(AppError::internal)?,
    };
    let changes = repo::Changes {
        kind,
        name,
        address,
        area_code: area.as_str().to_string(),
        capacity,
        lat: coordinates.map(|c| c.0),
        lon: coordinates.map(|c| c.1),
    };
    let before_view = PlaceView::from_row(before);
    let mut tx = db.begin().await?;
    if !repo::update(
        &mut tx,
        id,
        patch.version,
        &changes,
        Utc::now(),
        &actor.name,
    )
    .await?
    {
        return Err(AppError::conflict("place.stale_version").on_field("version"));
    }
    let row = repo::get_in(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let after = PlaceView::from_row(row);
    let event = Event::new("registry.place.update")
        .record(RECORD_KIND, id)
        .area(area.as_str())
        .before(serde_json::to_value(&before_view).unwrap_or_default())
        .after(serde_json::to_value(&after).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(after)
}

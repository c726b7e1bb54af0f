//! Registering and changing enterprises: validation, scope, duplicate codes, and the audit entry,
//! in one transaction per change.

use chrono::Utc;
use domain::{DivisionCode, IndustrySection};
use serde::Serialize;
use utoipa::ToSchema;

use super::RECORD_KIND;
use super::model::{
    EnterpriseInput, EnterprisePatch, EnterpriseRow, EnterpriseView, valid_area, valid_employees,
    valid_name, valid_phone, valid_text,
};
use super::repo;
use crate::audit::{self, Actor, Event};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;

/// A registered enterprise with what a clerk should double-check (a pilot code whose check
/// character does not match, for one), as messages in the caller's language.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub enterprise: EnterpriseView,
    pub warnings: Vec<String>,
}

/// The enterprise `id` if it lies in the user's area; 404 otherwise, as if it did not exist.
pub async fn get_scoped(db: &Db, user: &CurrentUser, id: i64) -> AppResult<EnterpriseRow> {
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
    tr: &Tr,
    input: &EnterpriseInput,
) -> AppResult<Registered> {
    let enterprise = input.validate()?;
    area_in_scope(user, &enterprise.area)?;
    area_exists(db, &enterprise.area).await?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let id = match repo::insert(&mut tx, &enterprise, now, &actor.name).await {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AppError::conflict("enterprise.already_registered").on_field("uscc"));
        }
        Err(e) => return Err(e.into()),
    };
    let row = repo::get_in(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = EnterpriseView::from_row(row);
    let event = Event::new("registry.enterprise.create")
        .record(RECORD_KIND, id)
        .area(enterprise.area.as_str())
        .after(serde_json::to_value(&view).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    let warnings = enterprise
        .uscc
        .warning()
        .map(|w| tr.t(w.key()).to_string())
        .into_iter()
        .collect();
    Ok(Registered {
        enterprise: view,
        warnings,
    })
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    patch: &EnterprisePatch,
) -> AppResult<EnterpriseView> {
    let before = get_scoped(db, user, id).await?;
    let name = match &patch.name {
        Some(n) => valid_name(n)?,
        None => before.name.clone(),
    };
    let industry = match &patch.industry {
        Some(i) => IndustrySection::parse(i)
            .map_err(|e| AppError::from(e).on_field("industry"))?
            .as_str()
            .to_string(),
        None => before.industry.clone(),
    };
    let employees = match patch.employees {
        Some(n) => valid_employees(Some(n))?,
        None => before.employees,
    };
    let legal_rep = match &patch.legal_rep {
        Some(r) => valid_text(Some(r), 50, "enterprise.bad_legal_rep", "legal_rep")?,
        None => before.legal_rep.clone(),
    };
    let contact_phone = match &patch.contact_phone {
        Some(p) => valid_phone(Some(p))?.map(|p| p.as_str().to_string()),
        None => before.contact_phone.clone(),
    };
    let address = match &patch.address {
        Some(a) => valid_text(Some(a), 200, "enterprise.bad_address", "address")?,
        None => before.address.clone(),
    };
    let area = match &patch.area_code {
        Some(code) => {
            let area = valid_area(code)?;
            area_in_scope(user, &area)?;
            area_exists(db, &area).await?;
            area
        }
        None => DivisionCode::parse(&before.area_code).map_err(AppError::internal)?,
    };
    let changes = repo::Changes {
        name,
        industry,
        above_size: patch.above_size.unwrap_or(before.above_size),
        employees,
        legal_rep,
        contact_phone,
        address,
        area_code: area.as_str().to_string(),
    };
    let before_view = EnterpriseView::from_row(before);
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
        return Err(AppError::conflict("enterprise.stale_version").on_field("version"));
    }
    let row = repo::get_in(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let after = EnterpriseView::from_row(row);
    let event = Event::new("registry.enterprise.update")
        .record(RECORD_KIND, id)
        .area(area.as_str())
        .before(serde_json::to_value(&before_view).unwrap_or_default())
        .after(serde_json::to_value(&after).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(after)
}

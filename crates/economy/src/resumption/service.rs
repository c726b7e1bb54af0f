//! Reporting: who may report for an enterprise, and the audited write of the day's report.
//!
//! An enterprise account reports for its own enterprise only (another answers 403). Anyone else
//! holding the module reports for enterprises in their area, and a 包保 cadre or leader of the
//! enterprise for it wherever they work; an enterprise outside both answers 404.

use chrono::{NaiveDate, Utc};
use domain::DivisionCode;
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::Db;
use platform::error::{AppError, AppResult};
use platform::registry::enterprise::model::EnterpriseRow;
use platform::responsibility::model::Subject;
use serde_json::json;

use super::model::{ReportInput, ReportView};
use super::repo;

pub const RECORD_KIND: &str = "economy.report";

/// The enterprise `user` may report for (or read the reports of), or why not.
pub async fn reportable(
    db: &Db,
    user: &CurrentUser,
    enterprise_id: i64,
    day: NaiveDate,
) -> AppResult<EnterpriseRow> {
    let enterprise = platform::registry::enterprise::repo::get(db, enterprise_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if let Some(own) = crate::scope::own_enterprise(user) {
        return if own == enterprise.id {
            Ok(enterprise)
        } else {
            Err(AppError::forbidden())
        };
    }
    let inside = DivisionCode::parse(&enterprise.area_code).is_ok_and(|c| user.covers(&c));
    if inside || is_cadre(db, user, enterprise.id, day).await? {
        Ok(enterprise)
    } else {
        Err(AppError::not_found())
    }
}

/// Whether `user` is a 包保 cadre or leader of the enterprise on `day`.
async fn is_cadre(
    db: &Db,
    user: &CurrentUser,
    enterprise_id: i64,
    day: NaiveDate,
) -> AppResult<bool> {
    if user.id == 0 {
        return Ok(false);
    }
    let assigned =
        platform::responsibility::service::responsible(db, Subject::Enterprise(enterprise_id), day)
            .await?;
    Ok(assigned
        .iter()
        .any(|a| a.user_id == Some(user.id) && (a.role == "cadre" || a.role == "leader")))
}

/// Records the day's report of an enterprise, replacing that day's earlier one; audited in the
/// same transaction (`economy.report.submit`, or `.replace` with the report it replaced).
pub async fn report(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &ReportInput,
) -> AppResult<ReportView> {
    let today = platform::responsibility::today();
    let valid = input.validate(today)?;
    let enterprise = reportable(db, user, valid.enterprise_id, today).await?;
    if super::model::is_resumed(valid.status)
        && crate::inspections::repo::suspended_on(db, valid.enterprise_id, valid.report_on).await?
    {
        return Err(AppError::invalid("resumption.suspended_until_reinspection").on_field("status"));
    }
    let mut tx = db.begin().await?;
    let before = repo::get_for_in(&mut tx, valid.enterprise_id, valid.report_on).await?;
    let id = repo::upsert_in(
        &mut tx,
        &valid,
        &enterprise.area_code,
        Utc::now(),
        &actor.name,
    )
    .await?;
    let after = repo::get_for_in(&mut tx, valid.enterprise_id, valid.report_on)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = ReportView::from(after);
    let action = if before.is_some() {
        "economy.report.replace"
    } else {
        "economy.report.submit"
    };
    let mut event = Event::new(action)
        .record(RECORD_KIND, id)
        .area(&enterprise.area_code)
        .after(serde_json::to_value(&view).unwrap_or_default());
    if let Some(before) = before {
        event = event.before(serde_json::to_value(ReportView::from(before)).unwrap_or(json!(null)));
    }
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(view)
}

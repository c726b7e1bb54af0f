//! Revealing one record's personal field, and exporting full personal data: permission, reason,
//! area scope and the audit entry, in one transaction that commits before the value is handed out.

use serde_json::json;

use crate::audit::{self, Actor, Event};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// The record whose field is revealed.
#[derive(Clone, Debug)]
pub struct RecordRef<'a> {
    /// `module.kind`: `example.resident`, `epidemic.person`.
    pub kind: &'a str,
    pub id: String,
    /// The record's area: outside the caller's subtree it answers 404.
    pub area_code: &'a str,
}

/// Proof that a reveal was permitted and audited; only `reveal` makes one.
#[derive(Debug)]
pub struct Revealed {
    _private: (),
}

/// Proof that an export of full personal data was permitted and audited; only `export` makes one.
#[derive(Debug)]
pub struct ExportGrant {
    _private: (),
}

const MAX_REASON: usize = 500;

fn check(user: &CurrentUser, reason: &str) -> AppResult<String> {
    if !user.can_reveal_pii || user.is_token() {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "pii_forbidden",
            "pii.forbidden",
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(AppError::invalid("pii.reason_required").on_field("reason"));
    }
    Ok(reason.to_string())
}

/// Allows `user` to see `field` of `record` in full, writing `pii.reveal` with the reason. Refused
/// (403) without the `pii` permission or for API tokens, 422 without a reason, 404 for a record
/// outside the user's area.
pub async fn reveal(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    record: &RecordRef<'_>,
    field: &str,
    reason: &str,
) -> AppResult<Revealed> {
    user.require_record_area(record.area_code)?;
    let reason = check(user, reason)?;
    let mut tx = db.begin().await?;
    let event = Event::new("pii.reveal")
        .record(record.kind, &record.id)
        .area(record.area_code)
        .reason(&reason)
        .after(json!({"field": field}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(Revealed { _private: () })
}

/// An export of full personal data, as asked for.
#[derive(Clone, Debug)]
pub struct ExportRequest<'a> {
    /// `module.kind` of the records.
    pub kind: &'a str,
    /// The subtree exported; it must lie in the caller's.
    pub area_code: &'a str,
    /// The personal fields exported in full.
    pub fields: &'a [&'a str],
    pub rows: usize,
    pub reason: &'a str,
}

/// Allows `user` to export full personal data as `request` describes, writing `export.pii` with
/// the reason. Refused like `reveal`; an area outside the caller's subtree answers 403.
pub async fn export(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    request: &ExportRequest<'_>,
) -> AppResult<ExportGrant> {
    let code = domain::DivisionCode::parse(request.area_code).map_err(|_| AppError::forbidden())?;
    if !user.covers(&code) {
        return Err(AppError::forbidden());
    }
    let reason = check(user, request.reason)?;
    let mut tx = db.begin().await?;
    let mut event = Event::new("export.pii")
        .area(request.area_code)
        .reason(&reason)
        .after(json!({"fields": request.fields, "rows": request.rows}));
    event.record_kind = Some(request.kind.to_string());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(ExportGrant { _private: () })
}

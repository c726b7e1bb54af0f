//! Audited account changes. Every write to an account or unit goes through here and commits in
//! one transaction with its audit entry; the web pages and the command line share these.

use serde_json::json;

use super::repo::{self, NewUser, UserRow};
use super::units;
use crate::audit::{self, Actor, Event};
use crate::auth::session;
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// Creates an account; answers its id.
pub async fn create(db: &Db, actor: &Actor, user: &NewUser) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = repo::insert(&mut tx, user).await?;
    let event = Event::new("user.create")
        .record("user", id)
        .area(&user.area_code)
        .after(json!({
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role.as_str(),
            "area_code": user.area_code,
            "unit_id": user.unit_id,
            "must_change_password": user.must_change_password,
            "enterprise_id": user.enterprise_id,
        }));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Disables or enables an account; disabling ends its sessions. Answers the sessions ended.
pub async fn set_disabled(
    db: &Db,
    actor: &Actor,
    target: &UserRow,
    disabled: bool,
) -> AppResult<u64> {
    let mut tx = db.begin().await?;
    if !repo::set_disabled(&mut tx, target.id, disabled).await? {
        return Err(AppError::not_found());
    }
    let ended = if disabled {
        session::delete_all_for_user(&mut tx, target.id).await?
    } else {
        0
    };
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    let event = Event::new(action)
        .record("user", target.id)
        .area(&target.area_code)
        .before(json!({"disabled": target.disabled}))
        .after(json!({"disabled": disabled, "sessions_ended": ended}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    crate::auth::session_cache::forget_all();
    Ok(ended)
}

/// Who sets a password, and what happens to the account's sessions.
#[derive(Clone, Debug)]
pub enum PasswordChange {
    /// The user changes their own: every session but the one holding `keep_session` ends.
    Own { keep_session: String },
    /// An operator or admin sets it: every session ends; `must_change` makes it one-time.
    Set { must_change: bool },
}

/// Stores a new password hash (never audited: the entry says only that it changed). Answers the
/// sessions ended.
pub async fn set_password(
    db: &Db,
    actor: &Actor,
    target: &UserRow,
    hash: &str,
    change: PasswordChange,
) -> AppResult<u64> {
    let mut tx = db.begin().await?;
    let (action, must_change) = match &change {
        PasswordChange::Own { .. } => ("user.password_change", false),
        PasswordChange::Set { must_change } => ("user.password_set", *must_change),
    };
    if !repo::set_password(&mut tx, target.id, hash, must_change).await? {
        return Err(AppError::not_found());
    }
    let ended = match &change {
        PasswordChange::Own { keep_session } => {
            session::delete_all_except(&mut tx, target.id, keep_session).await?
        }
        PasswordChange::Set { .. } => session::delete_all_for_user(&mut tx, target.id).await?,
    };
    let event = Event::new(action)
        .record("user", target.id)
        .area(&target.area_code)
        .before(json!({"must_change_password": target.must_change_password}))
        .after(json!({"must_change_password": must_change, "sessions_ended": ended}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    crate::auth::session_cache::forget_all();
    Ok(ended)
}

/// Grants or withdraws the permission to reveal full personal data.
pub async fn set_can_reveal_pii(
    db: &Db,
    actor: &Actor,
    target: &UserRow,
    allowed: bool,
) -> AppResult<()> {
    if allowed && target.role == crate::auth::Role::Auditor.as_str() {
        // Auditors read who saw what; they do not see it themselves.
        return Err(AppError::invalid("pii.not_for_auditors"));
    }
    let mut tx = db.begin().await?;
    if !repo::set_can_reveal_pii(&mut tx, target.id, allowed).await? {
        return Err(AppError::not_found());
    }
    let action = if allowed {
        "user.pii_grant"
    } else {
        "user.pii_revoke"
    };
    let event = Event::new(action)
        .record("user", target.id)
        .area(&target.area_code)
        .before(json!({"can_reveal_pii": target.can_reveal_pii}))
        .after(json!({"can_reveal_pii": allowed}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    crate::auth::session_cache::forget_all();
    Ok(())
}

/// Creates an org unit; answers its id.
pub async fn create_unit(
    db: &Db,
    actor: &Actor,
    name: &str,
    kind: &str,
    area_code: &str,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = units::insert_in(&mut tx, name, kind, area_code, None).await?;
    let event = Event::new("unit.create")
        .record("unit", id)
        .area(area_code)
        .after(json!({"name": name, "kind": kind, "area_code": area_code}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

//! Database-backed sessions, so any node accepts any session. The cookie holds a random 256-bit
//! token; the database holds only its SHA-256, so a copy of the database opens no session.

use axum::http::HeaderMap;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use domain::DivisionCode;
use sha2::{Digest, Sha256};

use super::{CurrentUser, Role, session_cache};
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::cookies;

pub const SESSION_COOKIE: &str = "tongxin_session";

/// `last_seen_at` is written at most this often, so reading pages does not write every time.
const TOUCH_EVERY_SECONDS: i64 = 60;

pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts a session for `user_id` inside `tx` (with its audit entry); answers the token to put
/// in the cookie.
pub async fn create(
    tx: &mut Tx,
    user_id: i64,
    absolute: std::time::Duration,
    client_addr: Option<&str>,
    user_agent: Option<&str>,
) -> Result<String, sqlx::Error> {
    const SQL: &str = "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, client_addr, user_agent) \
         VALUES ($1, $2, $3, $3, $4, $5, $6)";
    let token = new_token();
    let now = Utc::now();
    let expires = now + Duration::from_std(absolute).unwrap_or(Duration::hours(12));
    let user_agent = user_agent.map(|ua| ua.chars().take(300).collect::<String>());
    crate::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(hash_token(&token))
        .bind(user_id)
        .bind(now)
        .bind(expires)
        .bind(client_addr)
        .bind(user_agent)
        .execute(conn)
        .await.map(|r| r.rows_affected()))?;
    Ok(token)
}

const DELETE_SQL: &str = "DELETE FROM sessions WHERE token_hash = $1";

/// Ends one session (expired ones, without an audit entry).
pub async fn delete(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    crate::with_db!(db, pool => sqlx::query(DELETE_SQL).bind(hash_token(token)).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends one session inside `tx` (sign-out, with its audit entry); answers whether it existed.
pub async fn delete_in(tx: &mut Tx, token: &str) -> Result<bool, sqlx::Error> {
    let done = crate::with_conn!(tx, conn => sqlx::query(DELETE_SQL).bind(hash_token(token)).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Ends every session of a user (logout everywhere, disabled account, new password).
pub async fn delete_all_for_user(tx: &mut Tx, user_id: i64) -> Result<u64, sqlx::Error> {
    const SQL: &str = "DELETE FROM sessions WHERE user_id = $1";
    let done = crate::with_conn!(tx, conn => sqlx::query(SQL).bind(user_id).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(done)
}

/// Removes sessions past their absolute expiry or idle for longer than `idle`, and sign-in
/// failures too old to count (`throttle::purge`).
pub async fn purge_expired(db: &Db, idle: std::time::Duration) -> Result<u64, sqlx::Error> {
    const SQL: &str = "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2";
    let now = Utc::now();
    let idle_cutoff = now - Duration::from_std(idle).unwrap_or(Duration::hours(2));
    let done = crate::with_db!(db, pool => sqlx::query(SQL).bind(now).bind(idle_cutoff).execute(pool).await.map(|r| r.rows_affected()))?;
    super::throttle::purge(db, now).await?;
    Ok(done)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    username: String,
    display_name: String,
    role: String,
    area_code: String,
    area_name: String,
    unit_id: Option<i64>,
    unit_name: Option<String>,
    must_change_password: bool,
    can_reveal_pii: bool,
    enterprise_id: Option<i64>,
}

/// The caller of a request: the API token in `Authorization: Bearer …` when there is one — then
/// any cookie is ignored, so a forged cross-site request carrying a token header gains nothing
/// from the victim's session — else the session cookie. `None` when neither is live.
pub async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<CurrentUser>, AppError> {
    if let Some(token) = super::tokens::bearer(headers) {
        return super::tokens::resolve(state.db(), token).await;
    }
    let Some(token) = cookies::get(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    resolve_token(state.db(), &token, state.config().session_idle).await
}

pub async fn resolve_token(
    db: &Db,
    token: &str,
    idle: std::time::Duration,
) -> Result<Option<CurrentUser>, AppError> {
    const SQL: &str = "SELECT s.user_id, s.last_seen_at, s.expires_at, u.username, u.display_name, u.role, \
         u.area_code, a.name AS area_name, u.unit_id, o.name AS unit_name, u.must_change_password, u.can_reveal_pii, u.enterprise_id \
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN areas a ON a.code = u.area_code \
         LEFT JOIN org_units o ON o.id = u.unit_id \
         WHERE s.token_hash = $1 AND u.disabled = FALSE";
    const TOUCH: &str = "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1";
    let hash = hash_token(token);
    let now = Utc::now();
    let idle = Duration::from_std(idle).unwrap_or(Duration::hours(2));
    let live = |last_seen_at, expires_at| now < expires_at && now - last_seen_at < idle;
    if let Some(cached) = session_cache::get(&hash)
        && live(cached.last_seen_at, cached.expires_at)
    {
        return Ok(Some(cached.user));
    }
    let generation = session_cache::generation();
    let row: Option<SessionRow> =
        crate::with_db!(db, pool => sqlx::query_as(SQL).bind(&hash).fetch_optional(pool).await)?;
    let Some(row) = row else { return Ok(None) };
    if !live(row.last_seen_at, row.expires_at) {
        delete(db, token).await?;
        return Ok(None);
    }
    let mut last_seen_at = row.last_seen_at;
    if (now - row.last_seen_at).num_seconds() >= TOUCH_EVERY_SECONDS {
        crate::with_db!(db, pool => sqlx::query(TOUCH).bind(&hash).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        last_seen_at = now;
    }
    let role = Role::parse(&row.role).ok_or_else(|| {
        AppError::internal(format!(
            "user {} has unknown role {}",
            row.username, row.role
        ))
    })?;
    let area = DivisionCode::parse(&row.area_code).map_err(|e| {
        AppError::internal(format!(
            "user {} has invalid area {}: {e}",
            row.username, row.area_code
        ))
    })?;
    let user = CurrentUser {
        id: row.user_id,
        username: row.username,
        display_name: row.display_name,
        role,
        area,
        area_name: row.area_name,
        unit_id: row.unit_id,
        unit_name: row.unit_name,
        must_change_password: row.must_change_password,
        can_reveal_pii: row.can_reveal_pii,
        enterprise_id: row.enterprise_id,
        token: None,
    };
    session_cache::put(hash, user.clone(), last_seen_at, row.expires_at, generation);
    Ok(Some(user))
}

/// Ends every session of a user but the one holding `keep_token` (after a password change).
pub async fn delete_all_except(
    tx: &mut Tx,
    user_id: i64,
    keep_token: &str,
) -> Result<u64, sqlx::Error> {
    const SQL: &str = "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2";
    let done = crate::with_conn!(tx, conn => sqlx::query(SQL).bind(user_id).bind(hash_token(keep_token)).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(done)
}

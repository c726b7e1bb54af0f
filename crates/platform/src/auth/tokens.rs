//! API tokens for machine clients (checkpoint devices, other systems). An admin creates one for a
//! role, an area in their own subtree and a list of modules, with an expiry; the token is shown
//! once and only its SHA-256 is stored. `Authorization: Bearer …` is accepted by the route guard
//! wherever a session is; a revoked or expired token answers 401. Tokens never hold the admin role
//! (they cannot create accounts or tokens) and never reveal personal data.

use axum::http::{HeaderMap, header};
use chrono::{DateTime, Duration, Utc};
use domain::DivisionCode;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::permission::Action;
use super::session::{hash_token, new_token};
use super::{CurrentUser, Role, TokenScope, session_cache};
use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Every token starts with this, so secret scanners and people recognise one.
pub const PREFIX: &str = "tongxin_";

/// Longest lifetime an admin may give a token.
pub const MAX_DAYS: i64 = 730;

/// The token in `Authorization: Bearer …`, if the request carries one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A token as admins see it (never the secret).
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub area_code: String,
    pub area_name: String,
    /// Module names, each optionally `:read`, separated by spaces.
    pub modules: String,
    /// User name of the admin who created it.
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenInfo {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// What an admin asks for.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub area: DivisionCode,
    /// `module` or `module:read`.
    pub modules: Vec<String>,
    pub days: i64,
}

/// Parses `epidemic` or `epidemic:read` against the registered modules.
fn parse_module(state: &AppState, text: &str) -> AppResult<String> {
    let (name, action) = match text.trim().split_once(':') {
        Some((name, "read")) => (name, Action::Read),
        Some(_) => return Err(AppError::invalid("token.unknown_module").on_field("modules")),
        None => (text.trim(), Action::Write),
    };
    if state.module_default_roles(name).is_none() {
        return Err(AppError::invalid("token.unknown_module")
            .on_field("modules")
            .with_arg("module", name));
    }
    Ok(match action {
        Action::Read => format!("{name}:read"),
        Action::Write => name.to_string(),
    })
}

/// Creates a token; answers its id and the secret, which is never shown again.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    admin: &CurrentUser,
    new: &NewToken,
) -> AppResult<(i64, String)> {
    const INSERT: &str = "INSERT INTO api_tokens (name, token_hash, role, area_code, modules, created_by, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    let name = new.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AppError::invalid("token.bad_name").on_field("name"));
    }
    if new.role == Role::Admin {
        return Err(AppError::invalid("token.no_admin_role").on_field("role"));
    }
    if !admin.covers(&new.area) {
        return Err(AppError::invalid("user.area_outside_scope").on_field("area_code"));
    }
    if crate::areas::repo::get(state.db(), new.area.as_str())
        .await?
        .is_none()
    {
        return Err(AppError::invalid("user.unknown_area").on_field("area_code"));
    }
    if !(1..=MAX_DAYS).contains(&new.days) {
        return Err(AppError::invalid("token.bad_days").on_field("days"));
    }
    let mut modules = Vec::new();
    for text in new.modules.iter().filter(|m| !m.trim().is_empty()) {
        let module = parse_module(state, text)?;
        if !modules.contains(&module) {
            modules.push(module);
        }
    }
    let modules = modules.join(" ");
    let secret = format!("{PREFIX}{}", new_token());
    let now = Utc::now();
    let expires = now + Duration::days(new.days);
    let mut tx = state.db().begin().await?;
    let id: i64 = crate::with_conn!(&mut tx, conn => sqlx::query_scalar(INSERT)
        .bind(&name)
        .bind(hash_token(&secret))
        .bind(new.role.as_str())
        .bind(new.area.as_str())
        .bind(&modules)
        .bind(admin.id)
        .bind(now)
        .bind(expires)
        .fetch_one(conn)
        .await)?;
    let event = Event::new("token.create")
        .record("token", id)
        .area(new.area.as_str())
        .after(json!({
            "name": name,
            "role": new.role.as_str(),
            "area_code": new.area.as_str(),
            "modules": modules,
            "expires_at": expires,
        }));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok((id, secret))
}

const SELECT: &str = "SELECT t.id, t.name, t.role, t.area_code, a.name AS area_name, t.modules, \
     u.username AS created_by, t.created_at, t.expires_at, t.revoked_at, t.last_used_at \
     FROM api_tokens t JOIN areas a ON a.code = t.area_code LEFT JOIN users u ON u.id = t.created_by";

pub async fn get(db: &Db, id: i64) -> Result<Option<TokenInfo>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE t.id = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)
}

/// Tokens whose area lies in `[lo, hi)`, newest first, with an id below `before`.
pub async fn list(
    db: &Db,
    (lo, hi): (&str, &str),
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<TokenInfo>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE t.area_code >= $1 AND t.area_code < $2 AND t.id < $3 ORDER BY t.id DESC LIMIT $4"
    );
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(lo).bind(hi).bind(before.unwrap_or(i64::MAX)).bind(i64::from(limit))
        .fetch_all(pool).await)
}

/// Revokes a token in the admin's subtree; others answer 404.
pub async fn revoke(
    state: &AppState,
    actor: &Actor,
    admin: &CurrentUser,
    id: i64,
) -> AppResult<()> {
    const SQL: &str = "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    let token = get(state.db(), id).await?.ok_or_else(AppError::not_found)?;
    admin.require_record_area(&token.area_code)?;
    if token.revoked_at.is_some() {
        return Err(AppError::conflict("token.already_revoked"));
    }
    let now = Utc::now();
    let mut tx = state.db().begin().await?;
    let done = crate::with_conn!(&mut tx, conn => sqlx::query(SQL).bind(id).bind(now).execute(conn).await.map(|r| r.rows_affected()))?;
    if done != 1 {
        return Err(AppError::conflict("token.already_revoked"));
    }
    let event = Event::new("token.revoke")
        .record("token", id)
        .area(&token.area_code)
        .before(json!({"revoked_at": null}))
        .after(json!({"revoked_at": now}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    super::session_cache::forget_all();
    Ok(())
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    role: String,
    area_code: String,
    area_name: String,
    modules: String,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

/// The principal behind a bearer token, if the token is live.
pub async fn resolve(db: &Db, token: &str) -> Result<Option<CurrentUser>, AppError> {
    const SQL: &str = "SELECT t.id, t.name, t.role, t.area_code, a.name AS area_name, t.modules, \
         t.expires_at, t.revoked_at, t.last_used_at \
         FROM api_tokens t JOIN areas a ON a.code = t.area_code WHERE t.token_hash = $1";
    const TOUCH: &str = "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1";
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let hash = hash_token(token);
    let now = Utc::now();
    if let Some(cached) = session_cache::get(&hash)
        && now < cached.expires_at
    {
        return Ok(Some(cached.user));
    }
    let generation = session_cache::generation();
    let row: Option<TokenRow> = crate::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(&hash).fetch_optional(pool).await)?;
    let Some(row) = row else { return Ok(None) };
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Ok(None);
    }
    let mut last_used_at = row.last_used_at.unwrap_or(now);
    if row
        .last_used_at
        .is_none_or(|seen| (now - seen).num_seconds() >= 60)
    {
        crate::with_db!(db, pool => sqlx::query(TOUCH).bind(row.id).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        last_used_at = now;
    }
    let role = Role::parse(&row.role).ok_or_else(|| {
        AppError::internal(format!("token {} has unknown role {}", row.id, row.role))
    })?;
    let area = DivisionCode::parse(&row.area_code).map_err(|e| {
        AppError::internal(format!(
            "token {} has invalid area {}: {e}",
            row.id, row.area_code
        ))
    })?;
    let user = CurrentUser {
        id: 0,
        username: format!("token:{}", row.name),
        display_name: row.name,
        role,
        area,
        area_name: row.area_name,
        unit_id: None,
        unit_name: None,
        must_change_password: false,
        can_reveal_pii: false,
        enterprise_id: None,
        token: Some(TokenScope {
            id: row.id,
            modules: row.modules.split_whitespace().map(str::to_string).collect(),
        }),
    };
    session_cache::put(hash, user.clone(), last_used_at, row.expires_at, generation);
    Ok(Some(user))
}

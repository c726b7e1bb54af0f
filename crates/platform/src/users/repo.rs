//! User storage. User names are stored lower-case and compared that way.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::Role;
use crate::db::{Db, Tx};
use crate::error::AppError;

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub area_code: String,
    pub unit_id: Option<i64>,
    pub must_change_password: bool,
    /// The enterprise an `enterprise` account speaks for.
    pub enterprise_id: Option<i64>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub area_code: String,
    pub area_name: String,
    pub unit_name: Option<String>,
    pub disabled: bool,
    pub must_change_password: bool,
    pub can_reveal_pii: bool,
    pub created_at: DateTime<Utc>,
}

/// 3–32 of `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn normalize_username(text: &str) -> Result<String, AppError> {
    let name = text.trim().to_ascii_lowercase();
    let ok = (3..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(name)
    } else {
        Err(AppError::invalid("user.bad_username").on_field("username"))
    }
}

pub const INSERT_SQL: &str = "INSERT INTO users (username, display_name, password_hash, role, area_code, unit_id, \
     disabled, must_change_password, created_at, updated_at, enterprise_id) VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $8, $8, $9) RETURNING id";

/// Inserts an account inside `tx`; callers go through `service::create`, which audits it.
pub async fn insert(tx: &mut Tx, user: &NewUser) -> Result<i64, AppError> {
    let result: Result<i64, sqlx::Error> = crate::with_conn!(tx, conn => sqlx::query_scalar(INSERT_SQL)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(user.role.as_str())
        .bind(&user.area_code)
        .bind(user.unit_id)
        .bind(user.must_change_password)
        .bind(Utc::now())
        .bind(user.enterprise_id)
        .fetch_one(conn)
        .await);
    result.map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            AppError::conflict("user.username_taken").on_field("username")
        }
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            AppError::invalid("user.unknown_area_or_unit")
        }
        _ => AppError::from(e),
    })
}

/// What a sign-in attempt needs to know about an account.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LoginRecord {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub disabled: bool,
    pub area_code: String,
}

pub async fn login_record(db: &Db, username: &str) -> Result<Option<LoginRecord>, sqlx::Error> {
    const SQL: &str =
        "SELECT id, username, password_hash, disabled, area_code FROM users WHERE username = $1";
    crate::with_db!(db, pool => sqlx::query_as(SQL).bind(username.trim().to_ascii_lowercase()).fetch_optional(pool).await)
}

const SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.area_code, a.name AS area_name, \
     o.name AS unit_name, u.disabled, u.must_change_password, u.can_reveal_pii, u.created_at \
     FROM users u JOIN areas a ON a.code = u.area_code LEFT JOIN org_units o ON o.id = u.unit_id";

pub async fn get_by_username(db: &Db, username: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE u.username = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(username.trim().to_ascii_lowercase()).fetch_optional(pool).await)
}

/// Users whose area lies in `[lo, hi)`, by user name after `after`; `text` filters by user name
/// or display name, `role` by role.
pub async fn list(
    db: &Db,
    (lo, hi): (&str, &str),
    text: Option<&str>,
    role: Option<Role>,
    after: &str,
    limit: u32,
) -> Result<Vec<UserRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE u.area_code >= $1 AND u.area_code < $2 AND u.username > $3 \
         AND ($4 = '' OR u.username LIKE $5 OR u.display_name LIKE $5) AND ($6 = '' OR u.role = $6) \
         ORDER BY u.username LIMIT $7"
    );
    let text = text
        .map(|t| t.trim().replace(['%', '_', '\\'], ""))
        .unwrap_or_default();
    let pattern = format!("%{text}%");
    let role = role.map(|r| r.as_str()).unwrap_or("");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(lo).bind(hi).bind(after).bind(&text).bind(&pattern).bind(role).bind(i64::from(limit))
        .fetch_all(pool).await)
}

pub async fn get_by_id(db: &Db, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE u.id = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)
}

pub async fn set_password(
    tx: &mut Tx,
    id: i64,
    hash: &str,
    must_change: bool,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = $4 WHERE id = $1";
    let done = crate::with_conn!(tx, conn => sqlx::query(SQL).bind(id).bind(hash).bind(must_change).bind(Utc::now()).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn set_disabled(tx: &mut Tx, id: i64, disabled: bool) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1";
    let done = crate::with_conn!(tx, conn => sqlx::query(SQL).bind(id).bind(disabled).bind(Utc::now()).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn set_can_reveal_pii(tx: &mut Tx, id: i64, allowed: bool) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE users SET can_reveal_pii = $2, updated_at = $3 WHERE id = $1";
    let done = crate::with_conn!(tx, conn => sqlx::query(SQL).bind(id).bind(allowed).bind(Utc::now()).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM users";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await)
}

//! Enterprise storage. Every SQL string about enterprises lives here.

use chrono::{DateTime, Utc};

use super::model::{EnterpriseRow, ValidEnterprise};
use crate::db::{Db, Tx};

const COLUMNS: &str = "id, uscc, name, industry, above_size, employees, legal_rep, contact_phone, \
     address, area_code, version, created_at, created_by, updated_at, updated_by";

pub async fn get(db: &Db, id: i64) -> Result<Option<EnterpriseRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM enterprises WHERE id = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> Result<Option<EnterpriseRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM enterprises WHERE id = $1");
    crate::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(conn).await)
}

pub async fn find_by_uscc(db: &Db, uscc: &str) -> Result<Option<EnterpriseRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM enterprises WHERE uscc = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(uscc).fetch_optional(pool).await)
}

/// How to narrow a list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The subtree `[lo, hi)` of area codes.
    pub scope: (String, String),
    /// A section letter.
    pub industry: Option<String>,
    pub above_size: Option<bool>,
    /// A full credit code, normalized.
    pub uscc: Option<String>,
    /// Names starting with this.
    pub name_prefix: Option<String>,
    /// Names containing this anywhere (the picker: a part of the name is what people remember).
    pub name_contains: Option<String>,
}

/// Enterprises matching `filter` with `id > after`, by id.
pub async fn list(
    db: &Db,
    filter: &Filter,
    after: i64,
    limit: u32,
) -> Result<Vec<EnterpriseRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM enterprises e WHERE e.area_code >= $1 AND e.area_code < $2 AND e.id > $3 \
         AND ($4 = '' OR e.industry = $4) \
         AND ($5 = 0 OR ($5 = 1 AND e.above_size = TRUE) OR ($5 = 2 AND e.above_size = FALSE)) \
         AND ($6 = '' OR e.uscc = $6) \
         AND ($7 = '' OR (e.name >= $7 AND e.name < $8)) \
         AND ($9 = '' OR LOWER(e.name) LIKE $9 ESCAPE '\\') \
         ORDER BY e.id LIMIT $10"
    );
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let prefix = text(&filter.name_prefix);
    // The names starting with `prefix` are the byte range [prefix, prefix + U+10FFFF).
    let prefix_end = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}\u{10FFFF}")
    };
    let size: i32 = match filter.above_size {
        None => 0,
        Some(true) => 1,
        Some(false) => 2,
    };
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&filter.scope.0)
        .bind(&filter.scope.1)
        .bind(after)
        .bind(text(&filter.industry))
        .bind(size)
        .bind(text(&filter.uscc))
        .bind(&prefix)
        .bind(&prefix_end)
        .bind(
            filter
                .name_contains
                .as_deref()
                .map(crate::registry::contains_pattern)
                .unwrap_or_default(),
        )
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await)
}

pub const INSERT_SQL: &str = "INSERT INTO enterprises (uscc, name, industry, above_size, employees, legal_rep, \
     contact_phone, address, area_code, version, created_at, created_by, updated_at, updated_by) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $10, $11) RETURNING id";

/// Inserts an enterprise; a second record for the same code is a unique violation.
pub async fn insert(
    tx: &mut Tx,
    e: &ValidEnterprise,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    crate::with_conn!(tx, conn => sqlx::query_scalar(INSERT_SQL)
        .bind(e.uscc.as_str())
        .bind(&e.name)
        .bind(e.industry.as_str())
        .bind(e.above_size)
        .bind(e.employees)
        .bind(&e.legal_rep)
        .bind(e.contact_phone.as_ref().map(|p| p.as_str().to_string()))
        .bind(&e.address)
        .bind(e.area.as_str())
        .bind(at)
        .bind(by)
        .fetch_one(conn)
        .await)
}

/// The fields an update writes.
#[derive(Clone, Debug)]
pub struct Changes {
    pub name: String,
    pub industry: String,
    pub above_size: bool,
    pub employees: Option<i32>,
    pub legal_rep: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub area_code: String,
}

/// Writes the fields if the version is still `version`; answers whether it was.
pub async fn update(
    tx: &mut Tx,
    id: i64,
    version: i32,
    c: &Changes,
    at: DateTime<Utc>,
    by: &str,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE enterprises SET name = $3, industry = $4, above_size = $5, employees = $6, \
         legal_rep = $7, contact_phone = $8, address = $9, area_code = $10, \
         version = version + 1, updated_at = $11, updated_by = $12 WHERE id = $1 AND version = $2";
    let n = crate::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(version).bind(&c.name).bind(&c.industry).bind(c.above_size).bind(c.employees)
        .bind(&c.legal_rep).bind(&c.contact_phone).bind(&c.address).bind(&c.area_code).bind(at).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM enterprises";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await)
}

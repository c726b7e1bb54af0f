//! Place storage. Every SQL string about places lives here.

use chrono::{DateTime, Utc};

use super::model::{PlaceRow, ValidPlace};
use crate::db::{Db, Tx};

const COLUMNS: &str = "id, kind, name, address, area_code, capacity, lat, lon, version, \
     created_at, created_by, updated_at, updated_by";

pub async fn get(db: &Db, id: i64) -> Result<Option<PlaceRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM places WHERE id = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> Result<Option<PlaceRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM places WHERE id = $1");
    crate::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(conn).await)
}

/// How to narrow a list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The subtree `[lo, hi)` of area codes.
    pub scope: (String, String),
    /// A kind's code.
    pub kind: Option<String>,
    /// Text found anywhere in the name or the address.
    pub text: Option<String>,
}

/// Places matching `filter` with `id > after`, by id.
pub async fn list(
    db: &Db,
    filter: &Filter,
    after: i64,
    limit: u32,
) -> Result<Vec<PlaceRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM places p WHERE p.area_code >= $1 AND p.area_code < $2 AND p.id > $3 \
         AND ($4 = '' OR p.kind = $4) \
         AND ($5 = '' OR LOWER(p.name) LIKE $5 ESCAPE '\\' OR LOWER(p.address) LIKE $5 ESCAPE '\\') \
         ORDER BY p.id LIMIT $6"
    );
    let pattern = filter
        .text
        .as_deref()
        .map(crate::registry::contains_pattern)
        .unwrap_or_default();
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&filter.scope.0)
        .bind(&filter.scope.1)
        .bind(after)
        .bind(filter.kind.clone().unwrap_or_default())
        .bind(&pattern)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await)
}

pub const INSERT_SQL: &str = "INSERT INTO places (kind, name, address, area_code, capacity, lat, lon, \
     version, created_at, created_by, updated_at, updated_by) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $8, $9) RETURNING id";

pub async fn insert(
    tx: &mut Tx,
    p: &ValidPlace,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    crate::with_conn!(tx, conn => sqlx::query_scalar(INSERT_SQL)
        .bind(p.kind.as_str())
        .bind(&p.name)
        .bind(&p.address)
        .bind(p.area.as_str())
        .bind(p.capacity)
        .bind(p.coordinates.map(|c| c.0))
        .bind(p.coordinates.map(|c| c.1))
        .bind(at)
        .bind(by)
        .fetch_one(conn)
        .await)
}

/// The fields an update writes.
#[derive(Clone, Debug)]
pub struct Changes {
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    pub area_code: String,
    pub capacity: Option<i32>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
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
    const SQL: &str = "UPDATE places SET kind = $3, name = $4, address = $5, area_code = $6, \
         capacity = $7, lat = $8, lon = $9, version = version + 1, updated_at = $10, updated_by = $11 \
         WHERE id = $1 AND version = $2";
    let n = crate::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(version).bind(&c.kind).bind(&c.name).bind(&c.address).bind(&c.area_code)
        .bind(c.capacity).bind(c.lat).bind(c.lon).bind(at).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM places";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await)
}

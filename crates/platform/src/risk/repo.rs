//! All SQL of risk levels and area shapes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{Db, Tx};

/// One level ever in force.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct LevelRow {
    pub id: i64,
    pub area_code: Option<String>,
    pub place_id: Option<i64>,
    pub level: String,
    pub effective_on: NaiveDate,
    /// `rule`, `override` or `lift`.
    pub source: String,
    /// An override: rules leave the level alone until it is lifted.
    pub pinned: bool,
    pub reason: Option<String>,
    pub cases: Option<i32>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A level to record.
#[derive(Clone, Debug)]
pub struct NewLevel<'a> {
    pub area_code: Option<&'a str>,
    pub place_id: Option<i64>,
    pub level: &'a str,
    pub effective_on: NaiveDate,
    pub source: &'a str,
    pub pinned: bool,
    pub reason: Option<&'a str>,
    pub cases: Option<i32>,
}

const COLUMNS: &str = "id, area_code, place_id, level, effective_on, source, pinned, reason, \
     cases, created_by, created_at";

/// Every row in effect on or before `day`, in the order they took effect.
pub async fn until(db: &Db, day: NaiveDate) -> Result<Vec<LevelRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM risk_levels WHERE effective_on <= $1 ORDER BY effective_on, id"
    );
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(day).fetch_all(pool).await)
}

/// The history of an area (its own rows) or a place, newest first.
pub async fn history(
    db: &Db,
    area_code: Option<&str>,
    place_id: Option<i64>,
) -> Result<Vec<LevelRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM risk_levels WHERE (area_code = $1 OR place_id = $2) \
         ORDER BY effective_on DESC, id DESC LIMIT 500"
    );
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(area_code).bind(place_id).fetch_all(pool).await)
}

pub async fn insert_in(tx: &mut Tx, by: &str, row: &NewLevel<'_>) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO risk_levels (area_code, place_id, level, effective_on, source, \
         pinned, reason, cases, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
    crate::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(row.area_code).bind(row.place_id).bind(row.level).bind(row.effective_on)
        .bind(row.source).bind(row.pinned).bind(row.reason).bind(row.cases).bind(by)
        .bind(Utc::now()).fetch_one(conn).await)
}

/// The stored geometries of `codes` (GeoJSON text).
pub async fn shapes(db: &Db, codes: &[String]) -> Result<Vec<(String, String)>, sqlx::Error> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=codes.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT area_code, geometry FROM area_shapes WHERE area_code IN ({})",
        marks.join(", ")
    );
    crate::with_db!(db, pool => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for c in codes {
            q = q.bind(c);
        }
        q.fetch_all(pool).await
    })
}

pub async fn put_shape_in(tx: &mut Tx, code: &str, geometry: &str) -> Result<u64, sqlx::Error> {
    const SQL: &str = "INSERT INTO area_shapes (area_code, geometry, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (area_code) DO UPDATE SET geometry = excluded.geometry, \
         updated_at = excluded.updated_at";
    crate::with_conn!(tx, conn => sqlx::query(SQL).bind(code).bind(geometry).bind(Utc::now())
        .execute(conn).await.map(|r| r.rows_affected()))
}

pub async fn count_shapes(db: &Db) -> Result<i64, sqlx::Error> {
    crate::with_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM area_shapes").fetch_one(pool).await)
}

/// Codes of the areas at `level` in the subtree `[lo, hi)`.
pub async fn areas_at_level(
    db: &Db,
    level: &str,
    (lo, hi): (&str, &str),
) -> Result<Vec<String>, sqlx::Error> {
    const SQL: &str =
        "SELECT code FROM areas WHERE level = $1 AND code >= $2 AND code < $3 ORDER BY code";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).bind(level).bind(lo).bind(hi).fetch_all(pool).await)
}

/// A registry record located in an area, for the 对号入座 lists.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Located {
    pub id: i64,
    pub name: String,
    pub area_code: String,
    /// The enterprise's industry section, or the place's kind.
    pub kind: Option<String>,
}

/// Enterprises in the subtree `[lo, hi)`, by id.
pub async fn enterprises_in(db: &Db, (lo, hi): (&str, &str)) -> Result<Vec<Located>, sqlx::Error> {
    const SQL: &str = "SELECT id, name, area_code, industry AS kind FROM enterprises \
         WHERE area_code >= $1 AND area_code < $2 ORDER BY id";
    crate::with_db!(db, pool => sqlx::query_as(SQL).bind(lo).bind(hi).fetch_all(pool).await)
}

/// Places in the subtree `[lo, hi)`, by id.
pub async fn places_in(db: &Db, (lo, hi): (&str, &str)) -> Result<Vec<Located>, sqlx::Error> {
    const SQL: &str = "SELECT id, name, area_code, kind FROM places \
         WHERE area_code >= $1 AND area_code < $2 ORDER BY id";
    crate::with_db!(db, pool => sqlx::query_as(SQL).bind(lo).bind(hi).fetch_all(pool).await)
}

/// The area of place `id`.
pub async fn place_area(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    crate::with_db!(db, pool => sqlx::query_scalar("SELECT area_code FROM places WHERE id = $1")
        .bind(id).fetch_optional(pool).await)
}

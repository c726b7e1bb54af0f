//! Org units: the command office, departments, township and village offices, teams.

use chrono::Utc;
use domain::DivisionCode;
use serde::Serialize;

use crate::db::{Db, Tx};

/// Kinds of unit, stored as snake_case words.
pub const UNIT_KINDS: [&str; 6] = [
    "command",
    "department",
    "township",
    "village",
    "team",
    "enterprise",
];

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub area_code: String,
    pub parent_id: Option<i64>,
}

pub const INSERT_SQL: &str = "INSERT INTO org_units (name, kind, area_code, parent_id, created_at) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id";

pub async fn insert(
    db: &Db,
    name: &str,
    kind: &str,
    area_code: &str,
    parent_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    crate::with_db!(db, pool => sqlx::query_scalar(INSERT_SQL)
        .bind(name).bind(kind).bind(area_code).bind(parent_id).bind(Utc::now())
        .fetch_one(pool).await)
}

/// Inserts a unit inside `tx`; callers go through `service::create_unit`, which audits it.
pub async fn insert_in(
    tx: &mut Tx,
    name: &str,
    kind: &str,
    area_code: &str,
    parent_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    crate::with_conn!(tx, conn => sqlx::query_scalar(INSERT_SQL)
        .bind(name).bind(kind).bind(area_code).bind(parent_id).bind(Utc::now())
        .fetch_one(conn).await)
}

/// Units whose area lies in the subtree `[lo, hi)`, by area then name.
pub async fn in_subtree(db: &Db, lo: &str, hi: &str) -> Result<Vec<Unit>, sqlx::Error> {
    const SQL: &str = "SELECT id, name, kind, area_code, parent_id FROM org_units \
         WHERE area_code >= $1 AND area_code < $2 ORDER BY area_code, name LIMIT 2000";
    crate::with_db!(db, pool => sqlx::query_as(SQL).bind(lo).bind(hi).fetch_all(pool).await)
}

/// The unit named `name` in exactly `area_code`.
pub async fn find(db: &Db, area_code: &str, name: &str) -> Result<Option<Unit>, sqlx::Error> {
    const SQL: &str = "SELECT id, name, kind, area_code, parent_id FROM org_units WHERE area_code = $1 AND name = $2";
    crate::with_db!(db, pool => sqlx::query_as(SQL).bind(area_code).bind(name).fetch_optional(pool).await)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Unit>, sqlx::Error> {
    const SQL: &str = "SELECT id, name, kind, area_code, parent_id FROM org_units WHERE id = $1";
    crate::with_db!(db, pool => sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)
}

/// The units someone working in `area` may hand work to: those of its subtree, and those of the
/// areas above it (a township dispatches to the district's departments), by area and name.
pub async fn reachable_from(db: &Db, area: &DivisionCode) -> Result<Vec<Unit>, sqlx::Error> {
    let (lo, hi) = area.subtree_range();
    let above: Vec<String> = area
        .ancestors()
        .iter()
        .map(|a| a.as_str().to_string())
        .collect();
    let sql = format!(
        "SELECT id, name, kind, area_code, parent_id FROM org_units \
         WHERE (area_code >= $1 AND area_code < $2){} ORDER BY area_code, name",
        (0..above.len())
            .map(|i| format!(" OR area_code = ${}", i + 3))
            .collect::<String>()
    );
    crate::with_db!(db, pool => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(&lo).bind(&hi);
        for a in &above {
            q = q.bind(a);
        }
        q.fetch_all(pool).await
    })
}

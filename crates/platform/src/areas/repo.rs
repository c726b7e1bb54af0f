//! Area storage. Every SQL string about areas lives here.

use chrono::Utc;
use domain::{AreaLevel, DivisionCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;

/// An area as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow, PartialEq, Eq)]
pub struct Area {
    /// 12-digit statistical division code, or 15 digits for a grid.
    pub code: String,
    pub name: String,
    /// `province`, `prefecture`, `county`, `township`, `village` or `grid`.
    pub level: String,
    pub parent_code: Option<String>,
    /// The edition (year) of the code list the area comes from.
    pub edition_year: i32,
    /// How many areas sit directly below.
    pub children: i64,
}

/// An area to store; the level follows from the code.
#[derive(Clone, Debug)]
pub struct NewArea {
    pub code: DivisionCode,
    pub name: String,
    pub edition_year: i32,
    /// `code.parent()` when that parent is in the tree; `None` for a root of the tree.
    pub parent: Option<DivisionCode>,
}

const COLUMNS: &str = "a.code, a.name, a.level, a.parent_code, a.edition_year, \
     (SELECT COUNT(*) FROM areas c WHERE c.parent_code = a.code) AS children";

pub async fn get(db: &Db, code: &str) -> Result<Option<Area>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM areas a WHERE a.code = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(code).fetch_optional(pool).await)
}

/// Children of `parent` after `after` in code order, `limit` of them.
pub async fn children(
    db: &Db,
    parent: &str,
    after: &str,
    limit: u32,
) -> Result<Vec<Area>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM areas a WHERE a.parent_code = $1 AND a.code > $2 ORDER BY a.code LIMIT $3"
    );
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(parent).bind(after).bind(i64::from(limit)).fetch_all(pool).await)
}

/// Areas without a parent (the deployment's districts, or whatever was imported on top).
pub async fn roots(db: &Db) -> Result<Vec<Area>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM areas a WHERE a.parent_code IS NULL ORDER BY a.code");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(pool).await)
}

/// Areas in `scope`'s subtree whose name contains `text` or whose code starts with it.
pub async fn search(
    db: &Db,
    scope: &DivisionCode,
    text: &str,
    after: &str,
    limit: u32,
) -> Result<Vec<Area>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM areas a WHERE a.code >= $1 AND a.code < $2 AND a.code > $3 \
         AND (a.name LIKE $4 OR a.code LIKE $5) ORDER BY a.code LIMIT $6"
    );
    let (lo, hi) = scope.subtree_range();
    let escaped = text.replace(['\\', '%', '_'], "");
    let contains = format!("%{escaped}%");
    let starts = format!("{escaped}%");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&lo).bind(&hi).bind(after).bind(&contains).bind(&starts).bind(i64::from(limit))
        .fetch_all(pool).await)
}

/// Name of each code that exists, in the order given (for breadcrumbs).
pub async fn names(db: &Db, codes: &[String]) -> Result<Vec<(String, String)>, sqlx::Error> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=codes.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT code, name FROM areas WHERE code IN ({})",
        placeholders.join(", ")
    );
    let rows: Vec<(String, String)> = crate::with_db!(db, pool => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for c in codes {
            q = q.bind(c);
        }
        q.fetch_all(pool).await
    })?;
    Ok(codes
        .iter()
        .filter_map(|c| rows.iter().find(|(code, _)| code == c).cloned())
        .collect())
}

/// The chain from the top of the tree down to `code` itself, as (code, name).
pub async fn path_to(db: &Db, code: &DivisionCode) -> Result<Vec<(String, String)>, sqlx::Error> {
    let mut chain = vec![code.as_str().to_string()];
    let mut cursor = code.parent();
    while let Some(parent) = cursor {
        chain.push(parent.as_str().to_string());
        cursor = parent.parent();
    }
    chain.reverse();
    names(db, &chain).await
}

/// Areas of `level` in `scope`'s subtree.
pub async fn count_in_subtree(
    db: &Db,
    scope: &DivisionCode,
    level: AreaLevel,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM areas WHERE code >= $1 AND code < $2 AND level = $3";
    let (lo, hi) = scope.subtree_range();
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).bind(&lo).bind(&hi).bind(level.as_str()).fetch_one(pool).await)
}

pub async fn count_all(db: &Db) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM areas";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await)
}

/// Which of `codes` exist already.
pub async fn existing(db: &Db, codes: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let mut found = Vec::new();
    for chunk in codes.chunks(500) {
        found.extend(names(db, chunk).await?.into_iter().map(|(c, _)| c));
    }
    Ok(found)
}

/// The counts of an upsert.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
}

/// Inserts or renames areas in one transaction, parents before children. Callers check the tree
/// first (`import::check_tree`); a foreign-key failure here means they did not.
pub async fn upsert_all(db: &Db, areas: &[NewArea]) -> anyhow::Result<UpsertCounts> {
    const EXISTS: &str = "SELECT COUNT(*) FROM areas WHERE code = $1";
    const UPSERT: &str = "INSERT INTO areas (code, name, level, parent_code, edition_year, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, edition_year = excluded.edition_year, \
         updated_at = excluded.updated_at";
    let mut sorted: Vec<&NewArea> = areas.iter().collect();
    sorted.sort_by(|a, b| {
        (a.code.level().depth(), a.code.as_str()).cmp(&(b.code.level().depth(), b.code.as_str()))
    });
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let mut counts = UpsertCounts::default();
    for area in &sorted {
        let present: i64 = crate::with_conn!(&mut tx, conn => sqlx::query_scalar(EXISTS)
            .bind(area.code.as_str()).fetch_one(conn).await)?;
        crate::with_conn!(&mut tx, conn => sqlx::query(UPSERT)
            .bind(area.code.as_str())
            .bind(&area.name)
            .bind(area.code.level().as_str())
            .bind(area.parent.as_ref().map(|p| p.as_str().to_string()))
            .bind(area.edition_year)
            .bind(now)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))?;
        if present > 0 {
            counts.updated += 1
        } else {
            counts.inserted += 1
        }
    }
    tx.commit().await?;
    Ok(counts)
}

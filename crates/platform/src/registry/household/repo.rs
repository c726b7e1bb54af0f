//! Household storage. Every SQL string about households, and about who belongs to which, lives
//! here.

use chrono::{DateTime, Utc};

use super::model::HouseholdRow;
use crate::db::{Db, Tx};

/// A household with its head's name and its number of members.
const SELECT: &str = "SELECT h.id, h.head_person_id, hp.name AS head_name, h.address, h.area_code, \
     (SELECT COUNT(*) FROM persons m WHERE m.household_id = h.id) AS member_count, \
     h.version, h.created_at, h.created_by, h.updated_at, h.updated_by \
     FROM households h JOIN persons hp ON hp.id = h.head_person_id";

pub async fn get(db: &Db, id: i64) -> Result<Option<HouseholdRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE h.id = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> Result<Option<HouseholdRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE h.id = $1");
    crate::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(conn).await)
}

/// The household of the person holding this document number (of any document type), if any.
pub async fn household_of_document(db: &Db, number: &str) -> Result<Option<i64>, sqlx::Error> {
    // Naming every document type lets both backends use the (doc_type, doc_number) index.
    let types: Vec<String> = domain::DocumentType::ALL
        .iter()
        .map(|t| format!("'{}'", t.as_str()))
        .collect();
    let sql = format!(
        "SELECT household_id FROM persons WHERE doc_type IN ({}) AND doc_number = $1 \
         AND household_id IS NOT NULL ORDER BY id LIMIT 1",
        types.join(", ")
    );
    crate::with_db!(db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(number).fetch_optional(pool).await)
}

/// How to narrow a list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The subtree `[lo, hi)` of area codes.
    pub scope: (String, String),
    /// Only this household (found through a member's document number).
    pub household_id: Option<i64>,
    /// Households whose head's name starts with this, or whose address contains it.
    pub text: Option<String>,
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Households matching `filter` with `id > after`, by id.
pub async fn list(
    db: &Db,
    filter: &Filter,
    after: i64,
    limit: u32,
) -> Result<Vec<HouseholdRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE h.area_code >= $1 AND h.area_code < $2 AND h.id > $3 \
         AND ($4 = 0 OR h.id = $4) \
         AND ($5 = '' OR h.head_person_id IN (SELECT p.id FROM persons p WHERE p.name >= $5 AND p.name < $6) \
              OR h.address LIKE $7 ESCAPE '\\') \
         ORDER BY h.id LIMIT $8"
    );
    let text = filter.text.clone().unwrap_or_default();
    // The names starting with `text` are the byte range [text, text + U+10FFFF).
    let text_end = if text.is_empty() {
        String::new()
    } else {
        format!("{text}\u{10FFFF}")
    };
    let pattern = format!("%{}%", like_escaped(&text));
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&filter.scope.0)
        .bind(&filter.scope.1)
        .bind(after)
        .bind(filter.household_id.unwrap_or(0))
        .bind(&text)
        .bind(&text_end)
        .bind(&pattern)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await)
}

pub const INSERT_SQL: &str = "INSERT INTO households (head_person_id, address, area_code, version, \
     created_at, created_by, updated_at, updated_by) VALUES ($1, $2, $3, 1, $4, $5, $4, $5) RETURNING id";

pub async fn insert(
    tx: &mut Tx,
    head: i64,
    address: &str,
    area: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    crate::with_conn!(tx, conn => sqlx::query_scalar(INSERT_SQL)
        .bind(head).bind(address).bind(area).bind(at).bind(by)
        .fetch_one(conn).await)
}

/// Writes head, address and area if the version is still `version`; answers whether it was.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    tx: &mut Tx,
    id: i64,
    version: i32,
    head: i64,
    address: Option<&str>,
    area: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE households SET head_person_id = $3, address = $4, area_code = $5, \
         version = version + 1, updated_at = $6, updated_by = $7 WHERE id = $1 AND version = $2";
    let n = crate::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(version).bind(head).bind(address).bind(area).bind(at).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Counts a change of membership as a change of the household: a new version, if the version
/// is still `version` (any version when `None`); answers whether it was.
pub async fn touch(
    tx: &mut Tx,
    id: i64,
    version: Option<i32>,
    at: DateTime<Utc>,
    by: &str,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE households SET version = version + 1, updated_at = $3, updated_by = $4 \
         WHERE id = $1 AND ($2 = 0 OR version = $2)";
    let n = crate::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(version.unwrap_or(0)).bind(at).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Puts a person in household `household` (or in none) with `relation`, if the person is still
/// in `expected` (0: in none); answers whether they were.
pub async fn set_member(
    tx: &mut Tx,
    person: i64,
    household: Option<i64>,
    relation: Option<&str>,
    expected: Option<i64>,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE persons SET household_id = $2, household_relation = $3 \
         WHERE id = $1 AND COALESCE(household_id, 0) = $4";
    let n = crate::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(person).bind(household).bind(relation).bind(expected.unwrap_or(0))
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The members of a household as (person id, relation), by id.
pub async fn member_relations_in(
    tx: &mut Tx,
    household: i64,
) -> Result<Vec<(i64, Option<String>)>, sqlx::Error> {
    const SQL: &str =
        "SELECT id, household_relation FROM persons WHERE household_id = $1 ORDER BY id";
    crate::with_conn!(tx, conn => sqlx::query_as(SQL).bind(household).fetch_all(conn).await)
}

/// A member as the export lists them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberLine {
    pub household_id: i64,
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
    pub relation: Option<String>,
}

/// The members of these households, by household, the head first, then by id.
pub async fn members_of_many(db: &Db, households: &[i64]) -> Result<Vec<MemberLine>, sqlx::Error> {
    if households.is_empty() {
        return Ok(Vec::new());
    }
    // Ids from the database go into the SQL as literals (numbers, never text from outside): a
    // page of a thousand would pass SQLite's older limit on bound parameters.
    let ids: Vec<String> = households.iter().map(i64::to_string).collect();
    let sql = format!(
        "SELECT household_id, name, doc_type, doc_number, household_relation AS relation \
         FROM persons WHERE household_id IN ({}) \
         ORDER BY household_id, CASE WHEN household_relation = 'head' THEN 0 ELSE 1 END, id",
        ids.join(", ")
    );
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(pool).await)
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM households";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await)
}

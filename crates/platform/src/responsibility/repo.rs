//! Assignment storage. Every SQL string about responsibilities lives here.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::{AssignmentRow, ValidAssignment};
use crate::db::{Db, Tx};

const SELECT: &str = "SELECT r.id, r.subject_kind, r.subject_id, r.subject_area, r.role, r.unit_id, \
     r.user_id, r.area_code, r.starts_on, r.ends_on, r.note, r.end_reason, r.version, r.created_at, \
     r.created_by, r.updated_at, r.updated_by, e.name AS enterprise_name, p.name AS place_name, \
     pe.name AS person_name, a.name AS area_name, u.name AS unit_name, us.display_name AS user_name \
     FROM responsibilities r \
     LEFT JOIN enterprises e ON r.subject_kind = 'enterprise' AND e.id = r.subject_id \
     LEFT JOIN places p ON r.subject_kind = 'place' AND p.id = r.subject_id \
     LEFT JOIN persons pe ON r.subject_kind = 'person' AND pe.id = r.subject_id \
     LEFT JOIN areas a ON a.code = r.subject_area \
     LEFT JOIN org_units u ON u.id = r.unit_id \
     LEFT JOIN users us ON us.id = r.user_id";

/// "Holds on the day `$N`", for an assignment aliased `r`.
fn active(day: &str) -> String {
    format!("(r.starts_on <= {day} AND (r.ends_on IS NULL OR r.ends_on > {day}))")
}

pub async fn get(db: &Db, id: i64) -> Result<Option<AssignmentRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE r.id = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> Result<Option<AssignmentRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE r.id = $1");
    crate::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(conn).await)
}

/// Whether a list keeps active assignments, the others, or all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Activity {
    #[default]
    Any,
    Active,
    Inactive,
}

/// How to narrow a list; empty strings and zeros mean "any".
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The subtree `[lo, hi)` of the subjects' area codes.
    pub scope: (String, String),
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_area: String,
    pub role: String,
    pub unit_id: i64,
    pub user_id: i64,
    pub activity: Activity,
    /// The day `activity` refers to.
    pub on: NaiveDate,
}

/// Assignments matching `filter` with `id > after`, by id.
pub async fn list(
    db: &Db,
    filter: &Filter,
    after: i64,
    limit: u32,
) -> Result<Vec<AssignmentRow>, sqlx::Error> {
    let active = active("$11");
    let sql = format!(
        "{SELECT} WHERE r.area_code >= $1 AND r.area_code < $2 AND r.id > $3 \
         AND ($4 = '' OR r.subject_kind = $4) AND ($5 = 0 OR r.subject_id = $5) \
         AND ($6 = '' OR r.subject_area = $6) AND ($7 = '' OR r.role = $7) \
         AND ($8 = 0 OR r.unit_id = $8) AND ($9 = 0 OR r.user_id = $9) \
         AND ($10 = 0 OR ($10 = 1 AND {active}) OR ($10 = 2 AND NOT {active})) \
         ORDER BY r.id LIMIT $12"
    );
    let activity: i32 = match filter.activity {
        Activity::Any => 0,
        Activity::Active => 1,
        Activity::Inactive => 2,
    };
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&filter.scope.0)
        .bind(&filter.scope.1)
        .bind(after)
        .bind(&filter.subject_kind)
        .bind(filter.subject_id)
        .bind(&filter.subject_area)
        .bind(&filter.role)
        .bind(filter.unit_id)
        .bind(filter.user_id)
        .bind(activity)
        .bind(filter.on)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await)
}

/// The assignments of one subject (kind with id, or an area code) that hold on `on`, oldest first.
pub async fn active_for(
    db: &Db,
    kind: &str,
    subject_id: i64,
    subject_area: &str,
    on: NaiveDate,
) -> Result<Vec<AssignmentRow>, sqlx::Error> {
    let active = active("$4");
    let sql = format!(
        "{SELECT} WHERE r.subject_kind = $1 AND ($2 = 0 OR r.subject_id = $2) \
         AND ($3 = '' OR r.subject_area = $3) AND {active} ORDER BY r.starts_on, r.id"
    );
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(kind).bind(subject_id).bind(subject_area).bind(on)
        .fetch_all(pool).await)
}

/// On PostgreSQL, locks the subject's area row so that two assignments to one subject are
/// checked one after the other (SQLite's write transactions are serialized already).
pub async fn lock_area(tx: &mut Tx, code: &str) -> Result<(), sqlx::Error> {
    if let Tx::Postgres(tx) = tx {
        const SQL: &str = "SELECT code FROM areas WHERE code = $1 FOR UPDATE";
        sqlx::query(SQL).bind(code).execute(&mut **tx).await?;
    }
    Ok(())
}

/// The id of an assignment of `role` to the subject that overlaps `[starts_on, ends_on)`.
pub async fn overlapping(tx: &mut Tx, a: &ValidAssignment) -> Result<Option<i64>, sqlx::Error> {
    const SQL: &str = "SELECT id FROM responsibilities WHERE subject_kind = $1 \
         AND ($2 = 0 OR subject_id = $2) AND ($3 = '' OR subject_area = $3) AND role = $4 \
         AND (ends_on IS NULL OR ends_on > $5) AND ($6 = 0 OR starts_on < $7) \
         ORDER BY id LIMIT 1";
    crate::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(a.subject.kind().as_str())
        .bind(a.subject.record_id())
        .bind(a.subject.area_code())
        .bind(a.role.as_str())
        .bind(a.starts_on)
        .bind(i32::from(a.ends_on.is_some()))
        .bind(a.ends_on.unwrap_or(a.starts_on))
        .fetch_optional(conn)
        .await)
}

pub async fn insert(
    tx: &mut Tx,
    a: &ValidAssignment,
    area_code: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO responsibilities (subject_kind, subject_id, subject_area, role, \
         unit_id, user_id, area_code, starts_on, ends_on, note, version, created_at, created_by, \
         updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $11, $12) \
         RETURNING id";
    let id = a.subject.record_id();
    let area = a.subject.area_code();
    crate::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(a.subject.kind().as_str())
        .bind((id != 0).then_some(id))
        .bind((!area.is_empty()).then(|| area.to_string()))
        .bind(a.role.as_str())
        .bind(a.unit_id)
        .bind(a.user_id)
        .bind(area_code)
        .bind(a.starts_on)
        .bind(a.ends_on)
        .bind(&a.note)
        .bind(at)
        .bind(by)
        .fetch_one(conn)
        .await)
}

/// Ends an assignment if its version is still `version`; answers whether it was.
pub async fn end(
    tx: &mut Tx,
    id: i64,
    version: i32,
    ends_on: NaiveDate,
    reason: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE responsibilities SET ends_on = $3, end_reason = $4, \
         version = version + 1, updated_at = $5, updated_by = $6 WHERE id = $1 AND version = $2";
    let n = crate::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(version).bind(ends_on).bind(reason).bind(at).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Where a registry record lies, and (persons) the record it was merged into: `None` if there is
/// no such record. Households answer an error while their table does not exist.
pub async fn record_area(
    db: &Db,
    kind: &str,
    id: i64,
) -> Result<Option<(String, Option<i64>)>, sqlx::Error> {
    let sql = match kind {
        "person" => "SELECT area_code, merged_into FROM persons WHERE id = $1",
        "enterprise" => {
            "SELECT area_code, CAST(NULL AS BIGINT) AS merged_into FROM enterprises WHERE id = $1"
        }
        "place" => {
            "SELECT area_code, CAST(NULL AS BIGINT) AS merged_into FROM places WHERE id = $1"
        }
        "household" => {
            "SELECT area_code, CAST(NULL AS BIGINT) AS merged_into FROM households WHERE id = $1"
        }
        _ => return Ok(None),
    };
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await)
}

/// The unit's area, if the unit exists.
pub async fn unit_area(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    const SQL: &str = "SELECT area_code FROM org_units WHERE id = $1";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).bind(id).fetch_optional(pool).await)
}

/// The user's area, if the account exists and is not disabled.
pub async fn user_area(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    const SQL: &str = "SELECT area_code FROM users WHERE id = $1 AND disabled = FALSE";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).bind(id).fetch_optional(pool).await)
}

/// One above-size enterprise without a leader.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct UncoveredEnterprise {
    pub id: i64,
    pub name: String,
    pub uscc: String,
    pub area_code: String,
}

const NO_LEADER: &str = "FROM enterprises e WHERE e.above_size = TRUE \
     AND e.area_code >= $1 AND e.area_code < $2 AND NOT EXISTS (SELECT 1 FROM responsibilities r \
     WHERE r.subject_kind = 'enterprise' AND r.subject_id = e.id AND r.role = 'leader' \
     AND r.starts_on <= $3 AND (r.ends_on IS NULL OR r.ends_on > $3))";

/// Above-size enterprises in the scope with no leader on `on`, with `id > after`, by id.
pub async fn enterprises_without_leader(
    db: &Db,
    scope: &(String, String),
    on: NaiveDate,
    after: i64,
    limit: u32,
) -> Result<Vec<UncoveredEnterprise>, sqlx::Error> {
    let sql = format!(
        "SELECT e.id, e.name, e.uscc, e.area_code {NO_LEADER} AND e.id > $4 ORDER BY e.id LIMIT $5"
    );
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&scope.0).bind(&scope.1).bind(on).bind(after).bind(i64::from(limit))
        .fetch_all(pool).await)
}

pub async fn count_enterprises_without_leader(
    db: &Db,
    scope: &(String, String),
    on: NaiveDate,
) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) {NO_LEADER}");
    crate::with_db!(db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&scope.0).bind(&scope.1).bind(on).fetch_one(pool).await)
}

/// One grid without a grid worker.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct UncoveredGrid {
    pub code: String,
    pub name: String,
}

const NO_WORKER: &str = "FROM areas a WHERE a.level = 'grid' \
     AND a.code >= $1 AND a.code < $2 AND NOT EXISTS (SELECT 1 FROM responsibilities r \
     WHERE r.subject_kind = 'area' AND r.subject_area = a.code AND r.role = 'grid_worker' \
     AND r.starts_on <= $3 AND (r.ends_on IS NULL OR r.ends_on > $3))";

/// Grids in the scope with no grid worker on `on`, with `code > after`, by code.
pub async fn grids_without_worker(
    db: &Db,
    scope: &(String, String),
    on: NaiveDate,
    after: &str,
    limit: u32,
) -> Result<Vec<UncoveredGrid>, sqlx::Error> {
    let sql = format!("SELECT a.code, a.name {NO_WORKER} AND a.code > $4 ORDER BY a.code LIMIT $5");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&scope.0).bind(&scope.1).bind(on).bind(after).bind(i64::from(limit))
        .fetch_all(pool).await)
}

pub async fn count_grids_without_worker(
    db: &Db,
    scope: &(String, String),
    on: NaiveDate,
) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) {NO_WORKER}");
    crate::with_db!(db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&scope.0).bind(&scope.1).bind(on).fetch_one(pool).await)
}

/// A unit or user to choose from: (id, name, area code).
pub type Choice = (i64, String, String);

/// Enabled accounts in the subtree or at one of `ancestors` whose user name or display name
/// contains `pattern` (a `contains_pattern`), at most `limit`.
pub async fn users_matching(
    db: &Db,
    scope: &(String, String),
    ancestors: &[String],
    pattern: &str,
    limit: u32,
) -> Result<Vec<Choice>, sqlx::Error> {
    const SQL: &str = "SELECT id, display_name, area_code FROM users WHERE disabled = FALSE \
         AND ((area_code >= $1 AND area_code < $2) OR area_code = $3 OR area_code = $4 \
         OR area_code = $5 OR area_code = $6) \
         AND (LOWER(username) LIKE $7 ESCAPE '\\' OR LOWER(display_name) LIKE $7 ESCAPE '\\') \
         ORDER BY area_code, username LIMIT $8";
    let at = |i: usize| ancestors.get(i).cloned().unwrap_or_default();
    crate::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(&scope.0).bind(&scope.1).bind(at(0)).bind(at(1)).bind(at(2)).bind(at(3))
        .bind(pattern).bind(i64::from(limit))
        .fetch_all(pool).await)
}

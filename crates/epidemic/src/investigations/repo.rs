//! The stored investigations, their cases and candidates.

use chrono::{DateTime, Utc};
use platform::db::{Db, Tx};

use crate::tracing::api::ContactView as Found;

/// An investigation as stored, with its counts.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InvestigationRow {
    pub id: i64,
    pub title: String,
    pub area_code: String,
    pub status: String,
    pub window_minutes: i32,
    pub last_run_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub close_contacts: i64,
    pub secondary_contacts: i64,
    pub confirmed: i64,
    pub dismissed: i64,
}

const ROW: &str = "SELECT i.id, i.title, i.area_code, i.status, i.window_minutes, i.last_run_at, \
     i.created_at, i.created_by, \
     (SELECT COUNT(*) FROM epi_investigation_contacts c WHERE c.investigation_id = i.id AND c.hop = 1) AS close_contacts, \
     (SELECT COUNT(*) FROM epi_investigation_contacts c WHERE c.investigation_id = i.id AND c.hop = 2) AS secondary_contacts, \
     (SELECT COUNT(*) FROM epi_investigation_contacts c WHERE c.investigation_id = i.id AND c.state = 'confirmed') AS confirmed, \
     (SELECT COUNT(*) FROM epi_investigation_contacts c WHERE c.investigation_id = i.id AND c.state = 'dismissed') AS dismissed \
     FROM epi_investigations i";

pub async fn get(db: &Db, id: i64) -> Result<Option<InvestigationRow>, sqlx::Error> {
    let sql = format!("{ROW} WHERE i.id = $1");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(pool).await)
}

/// Newest first: investigations of `[lo, hi)` with `id < before`, of `status` when given.
pub async fn list(
    db: &Db,
    scope: &(String, String),
    status: &str,
    before: i64,
    limit: u32,
) -> Result<Vec<InvestigationRow>, sqlx::Error> {
    let sql = format!(
        "{ROW} WHERE i.area_code >= $1 AND i.area_code < $2 AND i.id < $3 \
         AND ($4 = '' OR i.status = $4) ORDER BY i.id DESC LIMIT $5"
    );
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&scope.0).bind(&scope.1).bind(before).bind(status).bind(i64::from(limit))
        .fetch_all(pool).await)
}

/// A case of an investigation, with the person's name and document.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseRow {
    pub person_id: i64,
    pub name: String,
    pub doc_number: String,
    pub area_code: String,
}

pub async fn cases(db: &Db, id: i64) -> Result<Vec<CaseRow>, sqlx::Error> {
    const SQL: &str = "SELECT p.id AS person_id, p.name, p.doc_number, p.area_code \
         FROM epi_investigation_cases c JOIN persons p ON p.id = c.person_id \
         WHERE c.investigation_id = $1 ORDER BY p.id";
    platform::with_db!(db, pool => sqlx::query_as(SQL).bind(id).fetch_all(pool).await)
}

/// A candidate as stored, with the names the review shows.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ContactRow {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub doc_number: String,
    pub phone: Option<String>,
    pub area_code: String,
    pub hop: i32,
    pub via_person_id: i64,
    pub via_name: String,
    pub place_id: Option<i64>,
    pub place_name: Option<String>,
    pub first_at: Option<DateTime<Utc>>,
    pub last_at: Option<DateTime<Utc>>,
    pub minutes: i32,
    pub exposures: i32,
    pub relationship: Option<String>,
    pub state: String,
    pub dismissed_reason: Option<String>,
    pub key_person_id: Option<i64>,
    pub found_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

/// The candidates of an investigation: close contacts first, then by first exposure.
/// The candidates matching the filter, in review order; `window` = (offset, limit) for one page,
/// `None` for all.
pub async fn contacts(
    db: &Db,
    id: i64,
    hop: Option<i32>,
    state: Option<&str>,
    window: Option<(i64, i64)>,
) -> Result<Vec<ContactRow>, sqlx::Error> {
    const SQL: &str = "SELECT c.id, c.person_id, p.name, p.doc_number, p.phone, c.area_code, \
         c.hop, c.via_person_id, v.name AS via_name, c.place_id, pl.name AS place_name, \
         c.first_at, c.last_at, c.minutes, c.exposures, c.relationship, c.state, \
         c.dismissed_reason, c.key_person_id, c.found_at, c.decided_at, c.decided_by \
         FROM epi_investigation_contacts c JOIN persons p ON p.id = c.person_id \
         JOIN persons v ON v.id = c.via_person_id LEFT JOIN places pl ON pl.id = c.place_id \
         WHERE c.investigation_id = $1 AND ($2 = 0 OR c.hop = $2) AND ($3 = '' OR c.state = $3) \
         ORDER BY c.hop, c.first_at, c.person_id LIMIT $4 OFFSET $5";
    let (offset, limit) = window.unwrap_or((0, i64::MAX));
    platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(id).bind(hop.unwrap_or(0)).bind(state.unwrap_or(""))
        .bind(limit).bind(offset)
        .fetch_all(pool).await)
}

/// How many candidates match the filter.
pub async fn count_contacts(
    db: &Db,
    id: i64,
    hop: Option<i32>,
    state: Option<&str>,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM epi_investigation_contacts c          WHERE c.investigation_id = $1 AND ($2 = 0 OR c.hop = $2) AND ($3 = '' OR c.state = $3)";
    platform::with_db!(db, pool => sqlx::query_scalar(SQL)
        .bind(id).bind(hop.unwrap_or(0)).bind(state.unwrap_or(""))
        .fetch_one(pool).await)
}

pub async fn insert(
    tx: &mut Tx,
    title: &str,
    area_code: &str,
    window: u32,
    now: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO epi_investigations (title, area_code, status, window_minutes, \
         last_run_at, created_at, created_by) VALUES ($1, $2, 'open', $3, $4, $4, $5) RETURNING id";
    platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(title).bind(area_code).bind(i32::try_from(window).unwrap_or(i32::MAX)).bind(now).bind(by)
        .fetch_one(conn).await)
}

pub async fn insert_case(tx: &mut Tx, id: i64, person_id: i64) -> Result<(), sqlx::Error> {
    const SQL: &str =
        "INSERT INTO epi_investigation_cases (investigation_id, person_id) VALUES ($1, $2)";
    platform::with_conn!(tx, conn => sqlx::query(SQL).bind(id).bind(person_id)
        .execute(conn).await.map(|_| ()))
}

pub async fn ran(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE epi_investigations SET last_run_at = $2 WHERE id = $1";
    platform::with_conn!(tx, conn => sqlx::query(SQL).bind(id).bind(now)
        .execute(conn).await.map(|_| ()))
}

/// Adds a candidate unless the person is already one of the investigation; answers whether it
/// was added.
pub async fn add_candidate(
    tx: &mut Tx,
    id: i64,
    found: &Found,
    area_code: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "INSERT INTO epi_investigation_contacts (investigation_id, person_id, \
         area_code, hop, via_person_id, place_id, first_at, last_at, minutes, exposures, \
         relationship, state, found_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'candidate', $12) \
         ON CONFLICT (investigation_id, person_id) DO NOTHING";
    let n = platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(found.person_id).bind(area_code).bind(i32::from(found.hop))
        .bind(found.via_person_id).bind(found.place_id).bind(found.first_at).bind(found.last_at)
        .bind(i32::try_from(found.exposure_minutes).unwrap_or(i32::MAX))
        .bind(i32::try_from(found.exposures).unwrap_or(i32::MAX))
        .bind(found.relationship.as_deref()).bind(now)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Records a decision on a candidate not confirmed yet; answers false when it was confirmed
/// meanwhile (a concurrent request).
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    tx: &mut Tx,
    contact_id: i64,
    state: &str,
    reason: Option<&str>,
    key_person_id: Option<i64>,
    now: DateTime<Utc>,
    by: &str,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE epi_investigation_contacts SET state = $2, dismissed_reason = $3, \
         key_person_id = $4, decided_at = $5, decided_by = $6 WHERE id = $1 AND state <> 'confirmed'";
    let n = platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(contact_id).bind(state).bind(reason).bind(key_person_id).bind(now).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Closes an open investigation; answers whether it was open.
pub async fn close(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    const SQL: &str =
        "UPDATE epi_investigations SET status = 'closed' WHERE id = $1 AND status = 'open'";
    let n = platform::with_conn!(tx, conn => sqlx::query(SQL).bind(id)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Persons' (id, area, name) among `ids`, registered and not merged away.
pub async fn persons(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, area_code, name FROM persons WHERE merged_into IS NULL AND id IN ({})",
            marks.join(",")
        );
        let rows: Vec<(i64, String, String)> = platform::with_db!(db, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for n in chunk {
                q = q.bind(*n);
            }
            q.fetch_all(pool).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

//! Screenings' SQL: the fact, the links to what it set going, lists by day and checkpoint, and
//! the idempotency keys of devices.

use chrono::{DateTime, Utc};
use platform::db::{Db, Tx};

use super::model::ScreeningRow;

const SELECT: &str = "SELECT s.id, s.place_id, pl.name AS place_name, s.area_code, s.person_id, \
     p.name AS person_name, p.doc_number, s.destination_area, s.destination, s.origin, \
     s.origin_detail, s.transport, s.vehicle, s.temperature_dc, s.symptoms, s.decision, \
     s.key_person_id, s.quarantine_order_id, s.test_requirement_id, s.ticket_id, s.device, \
     s.screened_at, s.screened_by \
     FROM epi_screenings s JOIN persons p ON p.id = s.person_id JOIN places pl ON pl.id = s.place_id";

/// A screening to store.
pub struct Insert<'a> {
    pub place_id: i64,
    pub area_code: &'a str,
    pub person_id: i64,
    pub destination_area: &'a str,
    pub destination: Option<&'a str>,
    pub origin: &'a str,
    pub origin_detail: Option<&'a str>,
    pub transport: &'a str,
    pub vehicle: Option<&'a str>,
    pub temperature_dc: i32,
    pub symptoms: String,
    pub decision: &'a str,
    pub device: Option<&'a str>,
}

pub async fn insert(
    tx: &mut Tx,
    s: &Insert<'_>,
    now: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO epi_screenings (place_id, area_code, person_id, destination_area, \
         destination, origin, origin_detail, transport, vehicle, temperature_dc, symptoms, decision, \
         device, screened_at, screened_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id";
    platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(s.place_id).bind(s.area_code).bind(s.person_id).bind(s.destination_area)
        .bind(s.destination).bind(s.origin).bind(s.origin_detail).bind(s.transport)
        .bind(s.vehicle).bind(s.temperature_dc).bind(&s.symptoms).bind(s.decision)
        .bind(s.device).bind(now).bind(by)
        .fetch_one(conn).await)
}

/// What a screening set going.
#[derive(Clone, Copy, Debug, Default)]
pub struct Links {
    pub key_person_id: Option<i64>,
    pub quarantine_order_id: Option<i64>,
    pub test_requirement_id: Option<i64>,
    pub ticket_id: Option<i64>,
}

pub async fn link(tx: &mut Tx, id: i64, links: &Links) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE epi_screenings SET key_person_id = $2, quarantine_order_id = $3, \
         test_requirement_id = $4, ticket_id = $5 WHERE id = $1";
    platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(links.key_person_id).bind(links.quarantine_order_id)
        .bind(links.test_requirement_id).bind(links.ticket_id)
        .execute(conn).await.map(|_| ()))
}

pub async fn get(db: &Db, id: i64) -> Result<Option<ScreeningRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE s.id = $1");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(pool).await)
}

/// The screening an earlier request with this key made, if any.
pub async fn by_key(db: &Db, actor: &str, key: &str) -> Result<Option<i64>, sqlx::Error> {
    const SQL: &str = "SELECT screening_id FROM epi_screening_keys WHERE actor = $1 AND key = $2";
    platform::with_db!(db, pool => sqlx::query_scalar(SQL).bind(actor).bind(key).fetch_optional(pool).await)
}

/// Remembers the key; fails when the same key raced this request and won.
pub async fn remember_key(
    tx: &mut Tx,
    actor: &str,
    key: &str,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO epi_screening_keys (actor, key, screening_id, created_at) \
         VALUES ($1, $2, $3, $4)";
    platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(actor).bind(key).bind(id).bind(now)
        .execute(conn).await.map(|_| ()))
}

/// How to narrow a list: screenings at checkpoints in the scope, or of people heading there.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub scope: (String, String),
    /// `[from, until)`.
    pub period: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    pub place_id: Option<i64>,
    pub origin: Option<String>,
    pub decision: Option<String>,
}

/// Newest first: screenings with `id < before`.
pub async fn list(
    db: &Db,
    f: &Filter,
    before: i64,
    limit: u32,
) -> Result<Vec<ScreeningRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE ((s.area_code >= $1 AND s.area_code < $2) \
         OR (s.destination_area >= $1 AND s.destination_area < $2)) \
         AND s.id < $3 AND s.screened_at >= $4 AND s.screened_at < $5 \
         AND ($6 = 0 OR s.place_id = $6) AND ($7 = '' OR s.origin = $7) \
         AND ($8 = '' OR s.decision = $8) ORDER BY s.id DESC LIMIT $9"
    );
    let from = f.period.0.unwrap_or_else(crate::time::beginning);
    let until = f.period.1.unwrap_or_else(crate::time::end);
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&f.scope.0).bind(&f.scope.1).bind(before).bind(from).bind(until)
        .bind(f.place_id.unwrap_or(0)).bind(f.origin.clone().unwrap_or_default())
        .bind(f.decision.clone().unwrap_or_default()).bind(i64::from(limit))
        .fetch_all(pool).await)
}

/// Screenings at checkpoints in `[lo, hi)` in `[from, until)`, by origin and decision.
pub async fn counts(
    db: &Db,
    scope: (&str, &str),
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(String, String, bool, i64)>, sqlx::Error> {
    const SQL: &str = "SELECT origin, decision, symptoms <> '' AS symptomatic, COUNT(*) FROM epi_screenings \
         WHERE area_code >= $1 AND area_code < $2 AND screened_at >= $3 AND screened_at < $4 \
         GROUP BY origin, decision, symptoms <> ''";
    platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(scope.0).bind(scope.1).bind(from).bind(until)
        .fetch_all(pool).await)
}

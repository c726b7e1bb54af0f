//! Quarantine orders' SQL: reading them with their person, site, room and cadre; listing with
//! filters; their events; the writes of each action.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, Tx};
use serde::Serialize;
use utoipa::ToSchema;

/// An order as read, with the names it points at.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub person_address: Option<String>,
    pub key_person_id: Option<i64>,
    pub area_code: String,
    pub kind: String,
    pub status: String,
    pub site_id: Option<i64>,
    pub site_name: Option<String>,
    pub room_id: Option<i64>,
    pub room_number: Option<String>,
    pub home_address: Option<String>,
    pub cadre_user_id: Option<i64>,
    pub cadre_name: Option<String>,
    pub reason: Option<String>,
    pub source: String,
    pub source_ref: Option<String>,
    pub starts_on: NaiveDate,
    pub planned_end: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub followup_until: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

const SELECT: &str = "SELECT o.id, o.person_id, pe.name AS person_name, pe.address AS person_address, \
     o.key_person_id, o.area_code, o.kind, o.status, o.site_id, s.name AS site_name, o.room_id, \
     r.number AS room_number, o.home_address, o.cadre_user_id, u.display_name AS cadre_name, \
     o.reason, o.source, o.source_ref, o.starts_on, o.planned_end, o.ended_on, o.end_reason, \
     o.followup_until, o.version, o.created_at, o.created_by, o.updated_at, o.updated_by \
     FROM epi_quarantine_orders o JOIN persons pe ON pe.id = o.person_id \
     LEFT JOIN places s ON s.id = o.site_id LEFT JOIN epi_rooms r ON r.id = o.room_id \
     LEFT JOIN users u ON u.id = o.cadre_user_id";

pub async fn get(db: &Db, id: i64) -> Result<Option<OrderRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE o.id = $1");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(pool).await)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> Result<Option<OrderRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE o.id = $1");
    platform::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(conn).await)
}

/// How to narrow the list of orders.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The subtree `[lo, hi)` of area codes.
    pub scope: (String, String),
    pub kind: Option<String>,
    pub status: Option<String>,
    pub site_id: Option<i64>,
}

/// Orders matching `filter` with `id < before`, newest first.
pub async fn list(
    db: &Db,
    filter: &Filter,
    before: i64,
    limit: u32,
) -> Result<Vec<OrderRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE o.area_code >= $1 AND o.area_code < $2 AND o.id < $3 \
         AND ($4 = '' OR o.kind = $4) AND ($5 = '' OR o.status = $5) \
         AND ($6 = 0 OR o.site_id = $6) ORDER BY o.id DESC LIMIT $7"
    );
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&filter.scope.0).bind(&filter.scope.1).bind(before)
        .bind(filter.kind.clone().unwrap_or_default())
        .bind(filter.status.clone().unwrap_or_default())
        .bind(filter.site_id.unwrap_or(0))
        .bind(i64::from(limit))
        .fetch_all(pool).await)
}

/// One line of an order's history.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct OrderEvent {
    pub id: i64,
    /// `refer`, `create`, `check_in`, `change_room`, `transfer`, `extend`, `end_early`,
    /// `release`, `follow_on`.
    pub action: String,
    pub detail: Option<String>,
    pub happened_at: DateTime<Utc>,
    pub by_name: String,
}

pub async fn events(db: &Db, order_id: i64) -> Result<Vec<OrderEvent>, sqlx::Error> {
    const SQL: &str = "SELECT id, action, detail, happened_at, by_name FROM epi_quarantine_events \
         WHERE order_id = $1 ORDER BY id";
    platform::with_db!(db, pool => sqlx::query_as(SQL).bind(order_id).fetch_all(pool).await)
}

pub async fn add_event(
    tx: &mut Tx,
    order_id: i64,
    action: &str,
    detail: Option<&str>,
    now: DateTime<Utc>,
    by: &str,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO epi_quarantine_events (order_id, action, detail, happened_at, by_name) \
         VALUES ($1, $2, $3, $4, $5)";
    platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(order_id).bind(action).bind(detail).bind(now).bind(by)
        .execute(conn).await.map(|_| ()))
}

/// The fields an action writes; the rest stay.
#[derive(Clone, Debug)]
pub struct Changes {
    pub status: String,
    pub key_person_id: Option<i64>,
    pub site_id: Option<i64>,
    pub room_id: Option<i64>,
    pub home_address: Option<String>,
    pub cadre_user_id: Option<i64>,
    pub planned_end: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub followup_until: Option<NaiveDate>,
}

impl Changes {
    pub fn of(row: &OrderRow) -> Changes {
        Changes {
            status: row.status.clone(),
            key_person_id: row.key_person_id,
            site_id: row.site_id,
            room_id: row.room_id,
            home_address: row.home_address.clone(),
            cadre_user_id: row.cadre_user_id,
            planned_end: row.planned_end,
            ended_on: row.ended_on,
            end_reason: row.end_reason.clone(),
            followup_until: row.followup_until,
        }
    }
}

/// Writes the changes if the order is still at `version`; answers whether it was.
pub async fn update(
    tx: &mut Tx,
    id: i64,
    version: i32,
    c: &Changes,
    now: DateTime<Utc>,
    by: &str,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE epi_quarantine_orders SET status = $3, key_person_id = $4, site_id = $5, \
         room_id = $6, home_address = $7, cadre_user_id = $8, planned_end = $9, ended_on = $10, \
         end_reason = $11, followup_until = $12, version = version + 1, updated_at = $13, \
         updated_by = $14 WHERE id = $1 AND version = $2";
    let n = platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(version).bind(&c.status).bind(c.key_person_id).bind(c.site_id)
        .bind(c.room_id).bind(&c.home_address).bind(c.cadre_user_id).bind(c.planned_end)
        .bind(c.ended_on).bind(&c.end_reason).bind(c.followup_until).bind(now).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A new active home order following a centralized one (the "+ 7" of "14 + 7").
pub struct FollowOn<'a> {
    pub person_id: i64,
    pub key_person_id: Option<i64>,
    pub area_code: &'a str,
    pub home_address: Option<&'a str>,
    pub cadre_user_id: Option<i64>,
    pub source_ref: String,
    pub starts_on: NaiveDate,
    pub planned_end: NaiveDate,
}

pub async fn insert_follow_on(
    tx: &mut Tx,
    f: &FollowOn<'_>,
    now: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO epi_quarantine_orders (person_id, key_person_id, area_code, kind, \
         status, home_address, cadre_user_id, reason, source, source_ref, starts_on, planned_end, \
         created_at, created_by, updated_at, updated_by) \
         VALUES ($1, $2, $3, 'home', 'active', $4, $5, NULL, 'follow_on', $6, $7, $8, $9, $10, $9, $10) \
         RETURNING id";
    platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(f.person_id).bind(f.key_person_id).bind(f.area_code).bind(f.home_address)
        .bind(f.cadre_user_id).bind(&f.source_ref).bind(f.starts_on).bind(f.planned_end)
        .bind(now).bind(by)
        .fetch_one(conn).await)
}

/// Negative results of samples the person was in, taken from `from` to `until` (both in).
pub async fn negatives_in(
    tx: &mut Tx,
    person_id: i64,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(DISTINCT s.id) FROM epi_samples s \
         JOIN epi_sample_members m ON m.sample_id = s.id \
         WHERE m.person_id = $1 AND s.result = 'negative' AND s.sampled_on >= $2 \
         AND s.sampled_on <= $3";
    platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(person_id).bind(from).bind(until).fetch_one(conn).await)
}

/// The site and room of the person's active centralized order, if any.
pub async fn active_site_of(db: &Db, person_id: i64) -> Result<Option<i64>, sqlx::Error> {
    const SQL: &str = "SELECT site_id FROM epi_quarantine_orders WHERE person_id = $1 \
         AND status = 'active' AND kind = 'centralized' AND site_id IS NOT NULL";
    platform::with_db!(db, pool => sqlx::query_scalar(SQL).bind(person_id).fetch_optional(pool).await)
}

/// A registered person's area and address, if the person exists and was not merged away.
pub async fn person_in(
    tx: &mut Tx,
    person_id: i64,
) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    const SQL: &str =
        "SELECT area_code, address FROM persons WHERE id = $1 AND merged_into IS NULL";
    platform::with_conn!(tx, conn => sqlx::query_as(SQL).bind(person_id).fetch_optional(conn).await)
}

/// An enabled user, by id: their area.
pub async fn active_user_area(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    const SQL: &str = "SELECT area_code FROM users WHERE id = $1 AND disabled = FALSE";
    platform::with_db!(db, pool => sqlx::query_scalar(SQL).bind(user_id).fetch_optional(pool).await)
}

//! Health checks' SQL.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, Tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CheckRow {
    pub id: i64,
    pub person_id: i64,
    pub key_person_id: Option<i64>,
    pub area_code: String,
    pub on_date: NaiveDate,
    pub slot: i32,
    pub temperature_dc: i32,
    pub symptoms: String,
    pub alarm: bool,
    pub ticket_id: Option<i64>,
    pub via: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

const COLUMNS: &str = "id, person_id, key_person_id, area_code, on_date, slot, temperature_dc, \
     symptoms, alarm, ticket_id, via, recorded_at, recorded_by";

pub async fn get_in(tx: &mut Tx, id: i64) -> Result<Option<CheckRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM epi_health_checks WHERE id = $1");
    platform::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(conn).await)
}

pub async fn exists_in(
    tx: &mut Tx,
    person_id: i64,
    day: NaiveDate,
    slot: u32,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM epi_health_checks WHERE person_id = $1 AND on_date = $2 \
         AND slot = $3";
    let n: i64 = platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(person_id).bind(day).bind(slot as i32).fetch_one(conn).await)?;
    Ok(n > 0)
}

/// The checks of `day` in the subtree `[lo, hi)`.
pub async fn on_day(
    db: &Db,
    scope: &(String, String),
    day: NaiveDate,
) -> Result<Vec<CheckRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM epi_health_checks WHERE on_date = $1 AND area_code >= $2 \
         AND area_code < $3"
    );
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(day).bind(&scope.0).bind(&scope.1).fetch_all(pool).await)
}

pub struct NewCheck<'a> {
    pub person_id: i64,
    pub key_person_id: Option<i64>,
    pub area_code: &'a str,
    pub on_date: NaiveDate,
    pub slot: u32,
    pub temperature_dc: i32,
    pub symptoms: &'a str,
    pub alarm: bool,
    pub ticket_id: Option<i64>,
    pub via: &'a str,
}

pub async fn insert_in(
    tx: &mut Tx,
    c: &NewCheck<'_>,
    now: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO epi_health_checks (person_id, key_person_id, area_code, on_date, \
         slot, temperature_dc, symptoms, alarm, ticket_id, via, recorded_at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
    platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(c.person_id).bind(c.key_person_id).bind(c.area_code).bind(c.on_date)
        .bind(c.slot as i32).bind(c.temperature_dc).bind(c.symptoms).bind(c.alarm)
        .bind(c.ticket_id).bind(c.via).bind(now).bind(by)
        .fetch_one(conn).await)
}

/// The (person, slot) pairs marked missed on `day` in the subtree.
pub async fn missed_on(
    db: &Db,
    scope: &(String, String),
    day: NaiveDate,
) -> Result<Vec<(i64, i32)>, sqlx::Error> {
    const SQL: &str = "SELECT person_id, slot FROM epi_missed_checks WHERE on_date = $1 \
         AND area_code >= $2 AND area_code < $3";
    platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(day).bind(&scope.0).bind(&scope.1).fetch_all(pool).await)
}

/// Marks a check missed; answers whether it was not marked before.
pub async fn mark_missed_in(
    tx: &mut Tx,
    person_id: i64,
    key_person_id: i64,
    area_code: &str,
    day: NaiveDate,
    slot: u32,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "INSERT INTO epi_missed_checks (person_id, on_date, slot, key_person_id, \
         area_code, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (person_id, on_date, slot) DO NOTHING";
    let n = platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(person_id).bind(day).bind(slot as i32).bind(key_person_id).bind(area_code).bind(now)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn set_missed_ticket_in(
    tx: &mut Tx,
    person_id: i64,
    day: NaiveDate,
    slot: u32,
    ticket_id: i64,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE epi_missed_checks SET ticket_id = $4 WHERE person_id = $1 \
         AND on_date = $2 AND slot = $3";
    platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(person_id).bind(day).bind(slot as i32).bind(ticket_id)
        .execute(conn).await.map(|_| ()))
}

pub async fn person_area(db: &Db, person_id: i64) -> Result<Option<String>, sqlx::Error> {
    const SQL: &str = "SELECT area_code FROM persons WHERE id = $1";
    platform::with_db!(db, pool => sqlx::query_scalar(SQL).bind(person_id).fetch_optional(pool).await)
}

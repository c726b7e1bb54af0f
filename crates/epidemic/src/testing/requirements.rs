//! Test requirements: a person must be tested from one day to another (a screening's referral,
//! a retest after a positive pool, a day of a quarantine's schedule).

use chrono::{NaiveDate, Utc};
use platform::db::Tx;
use platform::error::AppResult;

/// Why a person must be tested.
pub mod reasons {
    pub const SCREENING: &str = "screening";
    pub const POOL_RETEST: &str = "pool_retest";
    pub const QUARANTINE: &str = "quarantine";
    pub const RELEASED: &str = "released";
    /// A contact confirmed by an investigation and managed in the community.
    pub const TRACING: &str = "tracing";
}

/// A requirement to be tested.
#[derive(Clone, Debug)]
pub struct Requirement<'a> {
    pub person_id: i64,
    pub area_code: &'a str,
    pub reason: &'static str,
    pub source_ref: Option<String>,
    pub from_on: NaiveDate,
    pub due_on: NaiveDate,
}

/// Records a requirement inside the caller's transaction; the same person, reason and first day
/// again answers the existing one.
pub async fn require_in(tx: &mut Tx, actor_name: &str, req: &Requirement<'_>) -> AppResult<i64> {
    const INSERT: &str = "INSERT INTO epi_test_requirements (person_id, area_code, reason, source_ref, \
         from_on, due_on, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (person_id, reason, from_on) DO NOTHING";
    const FIND: &str = "SELECT id FROM epi_test_requirements WHERE person_id = $1 AND reason = $2 \
         AND from_on = $3";
    platform::with_conn!(tx, conn => sqlx::query(INSERT)
        .bind(req.person_id).bind(req.area_code).bind(req.reason).bind(req.source_ref.as_deref())
        .bind(req.from_on).bind(req.due_on).bind(Utc::now()).bind(actor_name)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    let id: i64 = platform::with_conn!(tx, conn => sqlx::query_scalar(FIND)
        .bind(req.person_id).bind(req.reason).bind(req.from_on)
        .fetch_one(conn).await)?;
    Ok(id)
}

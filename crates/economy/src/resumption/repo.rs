//! Resumption report storage: the day's report per enterprise (replaced by a second report of
//! the same day), lists, and the latest report before a day (the phone form's prefill).

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, Tx};

use super::model::{ReportRow, ValidReport};

const SELECT: &str = "SELECT r.id, r.enterprise_id, e.name AS enterprise_name, e.uscc, r.area_code, \
     r.report_on, r.status, r.on_duty, r.total_staff, r.returned, r.quarantined, r.capacity_pct, \
     r.planned_on, r.measures, r.version, r.reported_at, r.reported_by \
     FROM eco_reports r JOIN enterprises e ON e.id = r.enterprise_id";

/// The report of an enterprise for a day, inside `tx`.
pub async fn get_for_in(
    tx: &mut Tx,
    enterprise_id: i64,
    day: NaiveDate,
) -> Result<Option<ReportRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE r.enterprise_id = $1 AND r.report_on = $2");
    platform::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(enterprise_id).bind(day).fetch_optional(conn).await)
}

/// The enterprise's latest report on or before `day`: what the phone form starts from.
pub async fn latest_on_or_before(
    db: &Db,
    enterprise_id: i64,
    day: NaiveDate,
) -> Result<Option<ReportRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE r.enterprise_id = $1 AND r.report_on <= $2 ORDER BY r.report_on DESC LIMIT 1"
    );
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(enterprise_id).bind(day).fetch_optional(pool).await)
}

/// Stores the day's report, replacing an earlier one of the same day (its version counts up).
/// Answers the row's id.
pub async fn upsert_in(
    tx: &mut Tx,
    r: &ValidReport,
    area_code: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO eco_reports (enterprise_id, report_on, area_code, status, on_duty, \
         total_staff, returned, quarantined, capacity_pct, planned_on, measures, version, reported_at, \
         reported_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13) \
         ON CONFLICT (enterprise_id, report_on) DO UPDATE SET area_code = excluded.area_code, \
         status = excluded.status, on_duty = excluded.on_duty, total_staff = excluded.total_staff, \
         returned = excluded.returned, quarantined = excluded.quarantined, \
         capacity_pct = excluded.capacity_pct, planned_on = excluded.planned_on, \
         measures = excluded.measures, version = eco_reports.version + 1, \
         reported_at = excluded.reported_at, reported_by = excluded.reported_by \
         RETURNING id";
    platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(r.enterprise_id).bind(r.report_on).bind(area_code).bind(r.status)
        .bind(r.on_duty).bind(r.total_staff).bind(r.returned).bind(r.quarantined)
        .bind(r.capacity_pct).bind(r.planned_on).bind(r.measures.join(" "))
        .bind(at).bind(by).fetch_one(conn).await)
}

/// Which reports a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The area subtree, `[lo, hi)`.
    pub scope: (String, String),
    pub enterprise_id: Option<i64>,
    pub on: Option<NaiveDate>,
}

/// Reports newest first (by id), below `before` (0: from the newest).
pub async fn list(
    db: &Db,
    f: &Filter,
    before: i64,
    limit: u32,
) -> Result<Vec<ReportRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE r.area_code >= $1 AND r.area_code < $2 AND ($3 = 0 OR r.id < $3) \
         AND ($4 = -1 OR r.enterprise_id = $4) AND ($5 = 0 OR r.report_on = $6) \
         ORDER BY r.id DESC LIMIT $7"
    );
    let day = f.on.unwrap_or_default();
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&f.scope.0).bind(&f.scope.1).bind(before)
        .bind(f.enterprise_id.unwrap_or(-1)).bind(i64::from(f.on.is_some())).bind(day)
        .bind(i64::from(limit)).fetch_all(pool).await)
}

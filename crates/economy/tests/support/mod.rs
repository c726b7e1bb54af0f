//! What the economy tests share: the application with the economy module, as the binary
//! assembles it, over a fresh database with the tiny demo district.

#![allow(dead_code)]

use std::sync::Arc;

use testkit::{AppBuilder, Backend, TestApp};

pub async fn spawn(backend: Backend) -> TestApp {
    AppBuilder::new(backend)
        .module(Arc::new(economy::Economy))
        .spawn()
        .await
}

pub async fn scalar(app: &TestApp, sql: &'static str, binds: &[&str]) -> i64 {
    platform::with_db!(&app.db, pool => {
        let mut q = sqlx::query_scalar(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_one(pool).await
    })
    .unwrap()
}

/// The rates of `[lo, hi)` on `day`, computed independently of the module: each enterprise's
/// latest report by `ORDER BY … LIMIT 1`, counted in SQL.
#[derive(Debug, PartialEq)]
pub struct Expected {
    pub counted: i64,
    pub resumed: i64,
    pub above_size_resumed: i64,
    pub on_duty: i64,
    pub total_staff: i64,
    pub capacity_sum: i64,
}

impl Expected {
    pub fn resumption_rate(&self) -> f64 {
        self.resumed as f64 * 100.0 / self.counted as f64
    }
    pub fn workforce_rate(&self) -> f64 {
        self.on_duty as f64 * 100.0 / self.total_staff as f64
    }
    pub fn capacity(&self) -> f64 {
        self.capacity_sum as f64 / self.resumed as f64
    }
}

pub async fn expected(app: &TestApp, lo: &str, hi: &str, day: chrono::NaiveDate) -> Expected {
    // An open stop-work suspension on the day makes an enterprise that is not closed count as
    // suspended, with nobody on duty and no capacity used.
    const SQL: &str = "WITH raw AS (SELECT e.id, e.above_size, \
           (SELECT r.status FROM eco_reports r WHERE r.enterprise_id = e.id AND r.report_on <= $3 \
            ORDER BY r.report_on DESC LIMIT 1) AS status, \
           (SELECT r.on_duty FROM eco_reports r WHERE r.enterprise_id = e.id AND r.report_on <= $3 \
            ORDER BY r.report_on DESC LIMIT 1) AS on_duty, \
           (SELECT r.total_staff FROM eco_reports r WHERE r.enterprise_id = e.id AND r.report_on <= $3 \
            ORDER BY r.report_on DESC LIMIT 1) AS total_staff, \
           (SELECT r.capacity_pct FROM eco_reports r WHERE r.enterprise_id = e.id AND r.report_on <= $3 \
            ORDER BY r.report_on DESC LIMIT 1) AS capacity_pct, \
           (SELECT COUNT(*) FROM eco_suspensions s WHERE s.enterprise_id = e.id AND s.suspended_on <= $3 \
            AND (s.lifted_on IS NULL OR s.lifted_on > $3)) AS stopped \
         FROM enterprises e WHERE e.area_code >= $1 AND e.area_code < $2), \
         last AS (SELECT id, above_size, total_staff, \
           CASE WHEN stopped > 0 AND (status IS NULL OR status <> 'closed') THEN 'suspended' ELSE status END AS status, \
           CASE WHEN stopped > 0 AND (status IS NULL OR status <> 'closed') THEN 0 ELSE on_duty END AS on_duty, \
           CASE WHEN stopped > 0 AND (status IS NULL OR status <> 'closed') THEN 0 ELSE capacity_pct END AS capacity_pct \
         FROM raw) \
         SELECT COUNT(*), \
           COUNT(CASE WHEN status IN ('partly_resumed', 'fully_resumed') THEN 1 END), \
           COUNT(CASE WHEN status IN ('partly_resumed', 'fully_resumed') AND above_size THEN 1 END), \
           CAST(COALESCE(SUM(on_duty), 0) AS BIGINT), CAST(COALESCE(SUM(total_staff), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN status IN ('partly_resumed', 'fully_resumed') THEN capacity_pct END), 0) AS BIGINT) \
         FROM last WHERE status IS NULL OR status <> 'closed'";
    let row: (i64, i64, i64, i64, i64, i64) =
        platform::with_db!(&app.db, pool => sqlx::query_as(SQL)
        .bind(lo).bind(hi).bind(day).fetch_one(pool).await)
        .unwrap();
    Expected {
        counted: row.0,
        resumed: row.1,
        above_size_resumed: row.2,
        on_duty: row.3,
        total_staff: row.4,
        capacity_sum: row.5,
    }
}

/// The enterprise an enterprise account is linked to, and its area.
pub async fn enterprise_of(app: &TestApp, username: &str) -> (i64, String) {
    const SQL: &str = "SELECT e.id, e.area_code FROM users u JOIN enterprises e ON e.id = u.enterprise_id \
         WHERE u.username = $1";
    platform::with_db!(&app.db, pool => sqlx::query_as(SQL).bind(username).fetch_one(pool).await)
        .unwrap()
}

/// Another enterprise in `username`'s area than `not`.
pub async fn neighbour_of(app: &TestApp, username: &str, not: i64) -> i64 {
    const SQL: &str =
        "SELECT MIN(id) FROM enterprises WHERE area_code >= $1 AND area_code < $2 AND id <> $3";
    let area = app.area_of(username).await;
    let (lo, hi) = domain::DivisionCode::parse(&area).unwrap().subtree_range();
    let found: Option<i64> = platform::with_db!(&app.db, pool => sqlx::query_scalar(SQL)
        .bind(&lo).bind(&hi).bind(not).fetch_one(pool).await)
    .unwrap();
    found.expect("another enterprise in the area")
}

pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&domain::china_offset())
        .date_naive()
}

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
    const SQL: &str = "WITH last AS (SELECT e.id, e.above_size, \
           (SELECT r.status FROM eco_reports r WHERE r.enterprise_id = e.id AND r.report_on <= $3 \
            ORDER BY r.report_on DESC LIMIT 1) AS status, \
           (SELECT r.on_duty FROM eco_reports r WHERE r.enterprise_id = e.id AND r.report_on <= $3 \
            ORDER BY r.report_on DESC LIMIT 1) AS on_duty, \
           (SELECT r.total_staff FROM eco_reports r WHERE r.enterprise_id = e.id AND r.report_on <= $3 \
            ORDER BY r.report_on DESC LIMIT 1) AS total_staff, \
           (SELECT r.capacity_pct FROM eco_reports r WHERE r.enterprise_id = e.id AND r.report_on <= $3 \
            ORDER BY r.report_on DESC LIMIT 1) AS capacity_pct \
         FROM enterprises e WHERE e.area_code >= $1 AND e.area_code < $2) \
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

pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&domain::china_offset())
        .date_naive()
}

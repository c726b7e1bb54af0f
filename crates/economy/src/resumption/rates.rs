//! Resumption rates, live from the latest report of each enterprise on or before a day.
//!
//! Definitions (the figures, the API, the pages and the exports all use these):
//! - an enterprise counts unless its latest report says `closed`; one that never reported
//!   counts as not resumed;
//! - resumed: latest status `partly_resumed` or `fully_resumed`;
//! - resumption rate (by count) = resumed ÷ counted × 100;
//! - workforce rate = on duty ÷ total staff × 100, over the counted enterprises' latest reports;
//! - capacity utilisation = the mean of the resumed enterprises' reported utilisation;
//! - an enterprise under an open stop-work suspension on the day (`eco_suspensions`, from a
//!   failed inspection until a re-inspection passes) counts as `suspended`, with nobody on duty
//!   and no capacity used, whatever it reported meanwhile.

use chrono::NaiveDate;
use platform::db::Db;
use serde::Serialize;
use utoipa::ToSchema;

use super::model::is_resumed;

/// An enterprise of the registry with its latest report on or before the day, if any.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Latest {
    pub enterprise_id: i64,
    pub name: String,
    pub uscc: String,
    pub area_code: String,
    pub industry: String,
    pub above_size: bool,
    pub status: Option<String>,
    pub on_duty: Option<i64>,
    pub total_staff: Option<i64>,
    pub capacity_pct: Option<i64>,
    pub report_on: Option<NaiveDate>,
    pub planned_on: Option<NaiveDate>,
    /// Under an open stop-work suspension on the day.
    pub suspended: bool,
}

impl Latest {
    pub fn counted(&self) -> bool {
        self.status.as_deref() != Some("closed")
    }

    pub fn resumed(&self) -> bool {
        self.status.as_deref().is_some_and(is_resumed)
    }
}

/// The enterprises of `[lo, hi)` (only `only`, when given) with their latest report on or
/// before `day`, by id.
pub async fn latest(
    db: &Db,
    (lo, hi): (&str, &str),
    day: NaiveDate,
    only: Option<i64>,
) -> Result<Vec<Latest>, sqlx::Error> {
    const SQL: &str = "SELECT e.id AS enterprise_id, e.name, e.uscc, e.area_code, e.industry, \
         e.above_size, r.status, r.on_duty, r.total_staff, r.capacity_pct, r.report_on, r.planned_on, \
         EXISTS (SELECT 1 FROM eco_suspensions s WHERE s.enterprise_id = e.id AND s.suspended_on <= $3 \
           AND (s.lifted_on IS NULL OR s.lifted_on > $3)) AS suspended \
         FROM enterprises e LEFT JOIN eco_reports r ON r.enterprise_id = e.id AND r.report_on = \
         (SELECT MAX(r2.report_on) FROM eco_reports r2 WHERE r2.enterprise_id = e.id AND r2.report_on <= $3) \
         WHERE e.area_code >= $1 AND e.area_code < $2 AND ($4 = -1 OR e.id = $4) ORDER BY e.id";
    let mut rows: Vec<Latest> = platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(lo).bind(hi).bind(day).bind(only.unwrap_or(-1)).fetch_all(pool).await)?;
    for r in rows.iter_mut().filter(|r| r.suspended && r.counted()) {
        r.status = Some("suspended".to_string());
        r.on_duty = Some(0);
        r.capacity_pct = Some(0);
    }
    Ok(rows)
}

/// Counts over a set of enterprises, and the rates they give.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct Tally {
    /// Registered enterprises.
    pub enterprises: i64,
    /// Enterprises not closed: the rate's denominator.
    pub counted: i64,
    pub resumed: i64,
    /// Above designated size (规上), not closed.
    pub above_size: i64,
    pub above_size_resumed: i64,
    /// Employees on duty, from the counted enterprises' latest reports.
    pub on_duty: i64,
    pub total_staff: i64,
    /// resumed ÷ counted × 100.
    pub resumption_rate: f64,
    /// on duty ÷ total staff × 100.
    pub workforce_rate: f64,
    /// Mean reported capacity utilisation of the resumed enterprises, %.
    pub capacity_utilisation: f64,
    #[serde(skip)]
    capacity_sum: i64,
}

fn percent(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

impl Tally {
    pub fn add(&mut self, e: &Latest) {
        self.enterprises += 1;
        if !e.counted() {
            return;
        }
        self.counted += 1;
        if e.above_size {
            self.above_size += 1;
        }
        self.on_duty += e.on_duty.unwrap_or(0);
        self.total_staff += e.total_staff.unwrap_or(0);
        if e.resumed() {
            self.resumed += 1;
            self.capacity_sum += e.capacity_pct.unwrap_or(0);
            if e.above_size {
                self.above_size_resumed += 1;
            }
        }
        self.resumption_rate = percent(self.resumed, self.counted);
        self.workforce_rate = percent(self.on_duty, self.total_staff);
        self.capacity_utilisation = if self.resumed == 0 {
            0.0
        } else {
            self.capacity_sum as f64 / self.resumed as f64
        };
    }

    pub fn of<'a>(rows: impl IntoIterator<Item = &'a Latest>) -> Tally {
        let mut t = Tally::default();
        for r in rows {
            t.add(r);
        }
        t
    }
}

/// The tally of an area's subtree on a day.
pub async fn tally(
    db: &Db,
    scope: (&str, &str),
    day: NaiveDate,
    only: Option<i64>,
) -> Result<Tally, sqlx::Error> {
    Ok(Tally::of(&latest(db, scope, day, only).await?))
}

/// A one-decimal rendering of a rate, for tables and exports.
pub fn one_decimal(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

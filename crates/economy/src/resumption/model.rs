//! A resumption report as entered (`ReportInput`), checked (`ValidReport`) and shown
//! (`ReportView`), with the codes of its statuses and prevention measures.

use chrono::{DateTime, NaiveDate, Utc};
use platform::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an enterprise stands, as reported.
pub const STATUSES: [&str; 5] = [
    "not_resumed",
    "partly_resumed",
    "fully_resumed",
    "suspended",
    "closed",
];

/// Statuses that count as resumed (复工) in the rates.
pub const RESUMED: [&str; 2] = ["partly_resumed", "fully_resumed"];

/// The prevention measures a reopened enterprise keeps in place (防控措施).
pub const MEASURES: [&str; 6] = [
    "health_records",
    "temperature_checks",
    "masks_disinfectant",
    "canteen_spacing",
    "isolation_room",
    "emergency_plan",
];

/// The most staff a report may give.
pub const MAX_STAFF: i64 = 1_000_000;

pub fn is_resumed(status: &str) -> bool {
    RESUMED.contains(&status)
}

/// A day's report, as the phone form and the API send it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ReportInput {
    pub enterprise_id: i64,
    /// The day reported on, `YYYY-MM-DD`; today (Beijing) when absent. Never in the future.
    pub date: Option<String>,
    /// `not_resumed`, `partly_resumed`, `fully_resumed`, `suspended` or `closed`.
    pub status: String,
    /// Employees at work that day (在岗人数).
    pub on_duty: i64,
    /// All employees (职工总数).
    pub total_staff: i64,
    /// Workers who came back from other places (外地返岗人数).
    #[serde(default)]
    pub returned: i64,
    /// Of those, how many are in quarantine (隔离人数).
    #[serde(default)]
    pub quarantined: i64,
    /// Capacity utilisation, 0–100 (产能利用率 %).
    #[serde(default)]
    pub capacity_pct: i64,
    /// When the enterprise plans to resume, `YYYY-MM-DD` (计划复工日期).
    pub planned_on: Option<String>,
    /// Prevention measures in place: codes of `MEASURES`.
    #[serde(default)]
    pub measures: Vec<String>,
}

/// A report that passed its checks.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidReport {
    pub enterprise_id: i64,
    pub report_on: NaiveDate,
    pub status: &'static str,
    pub on_duty: i64,
    pub total_staff: i64,
    pub returned: i64,
    pub quarantined: i64,
    pub capacity_pct: i64,
    pub planned_on: Option<NaiveDate>,
    /// Codes of `MEASURES`, in its order, each once.
    pub measures: Vec<&'static str>,
}

pub fn parse_day(text: &str, field: &str) -> AppResult<NaiveDate> {
    domain::parse_date_lenient(text.trim())
        .map_err(|_| AppError::invalid("resumption.bad_date").on_field(field))
}

fn count(value: i64, field: &str) -> AppResult<i64> {
    if (0..=MAX_STAFF).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::invalid("resumption.bad_count").on_field(field))
    }
}

impl ReportInput {
    /// Checks every field against `today` (Beijing); an error names the field at fault.
    pub fn validate(&self, today: NaiveDate) -> AppResult<ValidReport> {
        let report_on = match self.date.as_deref().map(str::trim) {
            None | Some("") => today,
            Some(text) => parse_day(text, "date")?,
        };
        if report_on > today {
            return Err(AppError::invalid("resumption.future_date").on_field("date"));
        }
        let status = STATUSES
            .iter()
            .find(|s| **s == self.status.trim())
            .copied()
            .ok_or_else(|| AppError::invalid("resumption.bad_status").on_field("status"))?;
        let total_staff = count(self.total_staff, "total_staff")?;
        let on_duty = count(self.on_duty, "on_duty")?;
        if on_duty > total_staff {
            return Err(AppError::invalid("resumption.on_duty_above_total").on_field("on_duty"));
        }
        if is_resumed(status) && on_duty == 0 {
            return Err(AppError::invalid("resumption.resumed_without_staff").on_field("on_duty"));
        }
        let returned = count(self.returned, "returned")?;
        if returned > total_staff {
            return Err(AppError::invalid("resumption.returned_above_total").on_field("returned"));
        }
        let quarantined = count(self.quarantined, "quarantined")?;
        if quarantined > returned {
            return Err(
                AppError::invalid("resumption.quarantined_above_returned").on_field("quarantined")
            );
        }
        if !(0..=100).contains(&self.capacity_pct) {
            return Err(AppError::invalid("resumption.bad_capacity").on_field("capacity_pct"));
        }
        let planned_on = match self.planned_on.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(parse_day(text, "planned_on")?),
        };
        for m in &self.measures {
            if !MEASURES.contains(&m.trim()) {
                return Err(AppError::invalid("resumption.bad_measure").on_field("measures"));
            }
        }
        let measures = MEASURES
            .iter()
            .filter(|m| self.measures.iter().any(|given| given.trim() == **m))
            .copied()
            .collect();
        Ok(ValidReport {
            enterprise_id: self.enterprise_id,
            report_on,
            status,
            on_duty,
            total_staff,
            returned,
            quarantined,
            capacity_pct: self.capacity_pct,
            planned_on,
            measures,
        })
    }
}

/// A stored report with its enterprise.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    /// Unified social credit code.
    pub uscc: String,
    pub area_code: String,
    pub report_on: NaiveDate,
    pub status: String,
    pub on_duty: i64,
    pub total_staff: i64,
    pub returned: i64,
    pub quarantined: i64,
    pub capacity_pct: i64,
    pub planned_on: Option<NaiveDate>,
    /// Space-separated measure codes, as stored.
    #[serde(skip)]
    #[schema(ignore)]
    pub measures: String,
    /// 1 for the day's first report; each report of the same day replaces it and counts up.
    pub version: i32,
    pub reported_at: DateTime<Utc>,
    pub reported_by: String,
}

/// A report as the API answers it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReportView {
    #[serde(flatten)]
    pub row: ReportRow,
    /// Prevention measures in place: codes of `MEASURES`.
    pub measures: Vec<String>,
}

impl From<ReportRow> for ReportView {
    fn from(row: ReportRow) -> Self {
        let measures = row
            .measures
            .split_whitespace()
            .map(str::to_string)
            .collect();
        ReportView { row, measures }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ReportInput {
        ReportInput {
            enterprise_id: 1,
            status: "partly_resumed".into(),
            on_duty: 5,
            total_staff: 10,
            returned: 3,
            quarantined: 1,
            capacity_pct: 40,
            measures: vec!["emergency_plan".into(), "health_records".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_report_orders_its_measures_and_defaults_to_today() {
        let today = NaiveDate::from_ymd_opt(2020, 2, 20).unwrap();
        let v = input().validate(today).unwrap();
        assert_eq!(v.report_on, today);
        assert_eq!(v.measures, vec!["health_records", "emergency_plan"]);
    }

    #[test]
    fn each_bad_field_is_named() {
        let today = NaiveDate::from_ymd_opt(2020, 2, 20).unwrap();
        let cases: Vec<(ReportInput, &str)> = vec![
            (
                ReportInput {
                    status: "open".into(),
                    ..input()
                },
                "status",
            ),
            (
                ReportInput {
                    on_duty: 11,
                    ..input()
                },
                "on_duty",
            ),
            (
                ReportInput {
                    on_duty: 0,
                    ..input()
                },
                "on_duty",
            ),
            (
                ReportInput {
                    total_staff: -1,
                    ..input()
                },
                "total_staff",
            ),
            (
                ReportInput {
                    returned: 11,
                    ..input()
                },
                "returned",
            ),
            (
                ReportInput {
                    quarantined: 4,
                    ..input()
                },
                "quarantined",
            ),
            (
                ReportInput {
                    capacity_pct: 101,
                    ..input()
                },
                "capacity_pct",
            ),
            (
                ReportInput {
                    date: Some("2020-02-21".into()),
                    ..input()
                },
                "date",
            ),
            (
                ReportInput {
                    planned_on: Some("someday".into()),
                    ..input()
                },
                "planned_on",
            ),
            (
                ReportInput {
                    measures: vec!["prayer".into()],
                    ..input()
                },
                "measures",
            ),
        ];
        for (case, field) in cases {
            let err = case.validate(today).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{}", err.key);
        }
    }
}

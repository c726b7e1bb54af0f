//! Health-check figures of a day: checks due, done, missed, fevers.

use chrono::{NaiveDate, Utc};
use domain::DivisionCode;
use futures::FutureExt;
use platform::module::FigureDef;
use platform::state::AppState;

use super::model::SlotState;

pub fn all() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "epidemic.checks_due",
            label_key: "checks.figure.due",
            unit_key: "checks.unit.times",
            compute: |s, a, d| due(s, a, d).boxed(),
        },
        FigureDef {
            key: "epidemic.checks_done",
            label_key: "checks.figure.done",
            unit_key: "checks.unit.times",
            compute: |s, a, d| count(s, a, d, DONE).boxed(),
        },
        FigureDef {
            key: "epidemic.checks_missed",
            label_key: "checks.figure.missed",
            unit_key: "checks.unit.times",
            compute: |s, a, d| missed(s, a, d).boxed(),
        },
        FigureDef {
            key: "epidemic.fevers",
            label_key: "checks.figure.fevers",
            unit_key: "checks.unit.person",
            compute: |s, a, d| fevers(s, a, d).boxed(),
        },
    ]
}

const DONE: &str = "SELECT COUNT(*) FROM epi_health_checks WHERE on_date = $1 AND area_code >= $2 \
     AND area_code < $3";

async fn count(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
    sql: &'static str,
) -> anyhow::Result<f64> {
    let (lo, hi) = area.subtree_range();
    let n: i64 = platform::with_db!(state.db(), pool => sqlx::query_scalar(sql)
        .bind(day).bind(&lo).bind(&hi).fetch_one(pool).await)?;
    Ok(n as f64)
}

/// Checks due on the day: every due person × check of the day.
async fn due(state: &AppState, area: &DivisionCode, day: NaiveDate) -> anyhow::Result<f64> {
    let policy = crate::policy::load(state.db()).await?;
    let due = super::schedule::due_on(state.db(), &policy, &area.subtree_range(), day).await?;
    Ok(due.iter().map(|d| f64::from(d.per_day)).sum())
}

/// Checks whose window closed without a check.
async fn missed(state: &AppState, area: &DivisionCode, day: NaiveDate) -> anyhow::Result<f64> {
    let policy = crate::policy::load(state.db()).await?;
    let roster =
        super::roster::roster(state.db(), &policy, &area.subtree_range(), day, Utc::now()).await?;
    Ok(roster
        .iter()
        .filter(|e| e.state == SlotState::Missed)
        .count() as f64)
}

/// People with a fever reading on the day.
async fn fevers(state: &AppState, area: &DivisionCode, day: NaiveDate) -> anyhow::Result<f64> {
    const SQL: &str = "SELECT COUNT(DISTINCT person_id) FROM epi_health_checks WHERE on_date = $1 \
         AND area_code >= $2 AND area_code < $3 AND temperature_dc >= $4";
    let policy = crate::policy::load(state.db()).await?;
    let (lo, hi) = area.subtree_range();
    let n: i64 = platform::with_db!(state.db(), pool => sqlx::query_scalar(SQL)
        .bind(day).bind(&lo).bind(&hi).bind(policy.fever_threshold_dc).fetch_one(pool).await)?;
    Ok(n as f64)
}

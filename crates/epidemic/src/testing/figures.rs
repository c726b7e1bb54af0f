//! Samples and results of a day: `epidemic.samples_today`, `epidemic.results_today`,
//! `epidemic.positives_today`.

use chrono::NaiveDate;
use domain::DivisionCode;
use futures::FutureExt;
use platform::module::FigureDef;
use platform::state::AppState;

pub fn all() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "epidemic.samples_today",
            label_key: "testing.figure.samples_today",
            unit_key: "testing.unit.tubes",
            compute: |s, a, d| samples_on(s, a, d).boxed(),
        },
        FigureDef {
            key: "epidemic.results_today",
            label_key: "testing.figure.results_today",
            unit_key: "testing.unit.tubes",
            compute: |s, a, d| results_on(s, a, d, false).boxed(),
        },
        FigureDef {
            key: "epidemic.positives_today",
            label_key: "testing.figure.positives_today",
            unit_key: "testing.unit.tubes",
            compute: |s, a, d| results_on(s, a, d, true).boxed(),
        },
    ]
}

/// Tubes taken on `day` in the area's subtree.
pub async fn samples_on(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
) -> anyhow::Result<f64> {
    const SQL: &str = "SELECT COUNT(*) FROM epi_samples WHERE sampled_on = $1 \
         AND area_code >= $2 AND area_code < $3";
    let (lo, hi) = area.subtree_range();
    let n: i64 = platform::with_db!(state.db(), pool => sqlx::query_scalar(SQL)
        .bind(day).bind(&lo).bind(&hi).fetch_one(pool).await)?;
    Ok(n as f64)
}

/// Tubes with a result (positive only, when asked) on `day` in the area's subtree.
pub async fn results_on(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
    positive: bool,
) -> anyhow::Result<f64> {
    const SQL: &str = "SELECT COUNT(*) FROM epi_samples WHERE result_on = $1 \
         AND area_code >= $2 AND area_code < $3 AND ($4 = '' OR result = $4)";
    let (lo, hi) = area.subtree_range();
    let only = if positive { "positive" } else { "" };
    let n: i64 = platform::with_db!(state.db(), pool => sqlx::query_scalar(SQL)
        .bind(day).bind(&lo).bind(&hi).bind(only).fetch_one(pool).await)?;
    Ok(n as f64)
}

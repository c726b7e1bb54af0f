//! Case and risk-area figures: cases (case episodes started on or before the day; new on the
//! day) and the rated areas at each default level (`low`, `medium`, `high`; a level the
//! deployer's set does not have counts 0) in an area's subtree on a day.

use chrono::NaiveDate;
use domain::DivisionCode;
use futures::FutureExt;
use platform::AppState;
use platform::module::FigureDef;

async fn cases(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
    only_day: bool,
) -> anyhow::Result<f64> {
    const SQL: &str = "SELECT COUNT(*) FROM epi_key_persons WHERE category = 'case' \
         AND area_code >= $1 AND area_code < $2 AND starts_on <= $3 AND starts_on >= $4";
    let (lo, hi) = area.subtree_range();
    // The open lower bound as a date both backends take (PostgreSQL's dates start at 4713 BC).
    let from = if only_day {
        day
    } else {
        NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date")
    };
    let db = state.db();
    let n: i64 = platform::with_db!(db, pool => sqlx::query_scalar(SQL)
        .bind(&lo).bind(&hi).bind(day).bind(from).fetch_one(pool).await)?;
    Ok(n as f64)
}

async fn areas_at(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
    level: &str,
) -> anyhow::Result<f64> {
    let (now, counts) = platform::risk::view::rated_area_counts(state.db(), area, day).await?;
    Ok(now.settings.index_of(level).map_or(0, |i| counts[i]) as f64)
}

pub fn all() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "epidemic.cases_total",
            label_key: "figure.epidemic.cases_total",
            unit_key: "unit.cases",
            compute: |s, a, d| cases(s, a, d, false).boxed(),
        },
        FigureDef {
            key: "epidemic.cases_new",
            label_key: "figure.epidemic.cases_new",
            unit_key: "unit.cases",
            compute: |s, a, d| cases(s, a, d, true).boxed(),
        },
        FigureDef {
            key: "epidemic.risk_areas.high",
            label_key: "figure.epidemic.risk_areas.high",
            unit_key: "unit.areas",
            compute: |s, a, d| areas_at(s, a, d, "high").boxed(),
        },
        FigureDef {
            key: "epidemic.risk_areas.medium",
            label_key: "figure.epidemic.risk_areas.medium",
            unit_key: "unit.areas",
            compute: |s, a, d| areas_at(s, a, d, "medium").boxed(),
        },
        FigureDef {
            key: "epidemic.risk_areas.low",
            label_key: "figure.epidemic.risk_areas.low",
            unit_key: "unit.areas",
            compute: |s, a, d| areas_at(s, a, d, "low").boxed(),
        },
    ]
}

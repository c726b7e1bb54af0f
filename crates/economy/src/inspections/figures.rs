//! The inspection figures, for an area's subtree on a day: `economy.inspections_done` and
//! `economy.inspections_failed` (inspections up to the day), `economy.rectifications_open`
//! (rectification tickets inspections opened that are not closed or cancelled — as of now),
//! `economy.enterprises_suspended` (under a stop-work suspension on the day).

use chrono::NaiveDate;
use domain::DivisionCode;
use futures::FutureExt;
use platform::module::FigureDef;
use platform::state::AppState;

use super::repo;

pub fn all() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "economy.inspections_done",
            label_key: "inspections.figure.done",
            unit_key: "inspections.unit.times",
            compute: |s, a, d| count(s, a, d, |c| c.0).boxed(),
        },
        FigureDef {
            key: "economy.inspections_failed",
            label_key: "inspections.figure.failed",
            unit_key: "inspections.unit.times",
            compute: |s, a, d| count(s, a, d, |c| c.1).boxed(),
        },
        FigureDef {
            key: "economy.enterprises_suspended",
            label_key: "inspections.figure.suspended",
            unit_key: "economy.unit.enterprises",
            compute: |s, a, d| count(s, a, d, |c| c.2).boxed(),
        },
        FigureDef {
            key: "economy.rectifications_open",
            label_key: "inspections.figure.rectifications_open",
            unit_key: "inspections.unit.tickets",
            compute: |s, a, _| open(s, a).boxed(),
        },
    ]
}

async fn count(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
    pick: fn((i64, i64, i64)) -> i64,
) -> anyhow::Result<f64> {
    let (lo, hi) = area.subtree_range();
    Ok(pick(repo::counts(state.db(), (&lo, &hi), day).await?) as f64)
}

async fn open(state: &AppState, area: &DivisionCode) -> anyhow::Result<f64> {
    let (lo, hi) = area.subtree_range();
    Ok(repo::open_rectifications(state.db(), (&lo, &hi)).await? as f64)
}

//! The needs figures for an area's subtree: `economy.needs_open` (not closed or cancelled) and
//! `economy.needs_overdue` (of those, past their deadline) — as of now, whatever the day asked.

use chrono::Utc;
use domain::DivisionCode;
use futures::FutureExt;
use platform::module::FigureDef;
use platform::state::AppState;

pub fn all() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "economy.needs_open",
            label_key: "needs.figure.open",
            unit_key: "needs.unit.items",
            compute: |s, a, _| of(s, a, |c| c.0).boxed(),
        },
        FigureDef {
            key: "economy.needs_overdue",
            label_key: "needs.figure.overdue",
            unit_key: "needs.unit.items",
            compute: |s, a, _| of(s, a, |c| c.1).boxed(),
        },
    ]
}

async fn of(
    state: &AppState,
    area: &DivisionCode,
    pick: fn((i64, i64)) -> i64,
) -> anyhow::Result<f64> {
    let (lo, hi) = area.subtree_range();
    Ok(pick(super::repo::counts(state.db(), (&lo, &hi), Utc::now()).await?) as f64)
}

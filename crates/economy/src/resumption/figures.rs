//! The resumption figures, for an area's subtree on a day (`rates` defines them):
//! `economy.enterprises_resumed`, `economy.workers_on_duty`, `economy.above_size_resumed`,
//! `economy.resumption_rate`, `economy.workforce_rate`, `economy.capacity_utilisation`.

use chrono::NaiveDate;
use domain::DivisionCode;
use futures::FutureExt;
use platform::figures::memo::Memo;
use platform::module::FigureDef;
use platform::state::AppState;

use super::rates::{Tally, tally};

pub fn all() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "economy.enterprises_resumed",
            label_key: "resumption.figure.enterprises_resumed",
            unit_key: "economy.unit.enterprises",
            compute: |s, a, d| of(s, a, d, |t| t.resumed as f64).boxed(),
        },
        FigureDef {
            key: "economy.workers_on_duty",
            label_key: "resumption.figure.workers_on_duty",
            unit_key: "economy.unit.persons",
            compute: |s, a, d| of(s, a, d, |t| t.on_duty as f64).boxed(),
        },
        FigureDef {
            key: "economy.above_size_resumed",
            label_key: "resumption.figure.above_size_resumed",
            unit_key: "economy.unit.enterprises",
            compute: |s, a, d| of(s, a, d, |t| t.above_size_resumed as f64).boxed(),
        },
        FigureDef {
            key: "economy.resumption_rate",
            label_key: "resumption.figure.resumption_rate",
            unit_key: "economy.unit.percent",
            compute: |s, a, d| of(s, a, d, |t| t.resumption_rate).boxed(),
        },
        FigureDef {
            key: "economy.workforce_rate",
            label_key: "resumption.figure.workforce_rate",
            unit_key: "economy.unit.percent",
            compute: |s, a, d| of(s, a, d, |t| t.workforce_rate).boxed(),
        },
        FigureDef {
            key: "economy.capacity_utilisation",
            label_key: "resumption.figure.capacity_utilisation",
            unit_key: "economy.unit.percent",
            compute: |s, a, d| of(s, a, d, |t| t.capacity_utilisation).boxed(),
        },
    ]
}

async fn of(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
    pick: fn(&Tally) -> f64,
) -> anyhow::Result<f64> {
    // The six figures share one tally per area and day, as of the audit head.
    static TALLIES: Memo<Tally> = Memo::new();
    let (lo, hi) = area.subtree_range();
    let key = format!("{}|{lo}|{day}", state.config().db_url);
    let t = TALLIES
        .get_or(state.db(), key, || tally(state.db(), (&lo, &hi), day, None))
        .await?;
    Ok(pick(&t))
}

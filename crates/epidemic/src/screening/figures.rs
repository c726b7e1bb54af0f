//! Screening figures: screenings today, from abroad and from risk areas, referred onwards, with a
//! fever or symptoms — for an area's subtree on a day (the checkpoints in it).

use chrono::NaiveDate;
use domain::DivisionCode;
use futures::future::BoxFuture;
use platform::AppState;
use platform::module::FigureDef;

use super::repo;

/// Which screenings a figure counts.
#[derive(Clone, Copy)]
enum Which {
    All,
    Origin(&'static str),
    Referred,
    Symptomatic,
}

async fn count(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
    which: Which,
) -> anyhow::Result<f64> {
    let (lo, hi) = area.subtree_range();
    let (from, until) = crate::time::day_range(day);
    let rows = repo::counts(state.db(), (&lo, &hi), from, until).await?;
    Ok(rows
        .iter()
        .filter(|(origin, decision, symptomatic, _)| match which {
            Which::All => true,
            Which::Origin(o) => origin == o,
            Which::Referred => decision != "pass",
            Which::Symptomatic => *symptomatic,
        })
        .map(|r| r.3)
        .sum::<i64>() as f64)
}

macro_rules! figure {
    ($key:literal, $label:literal, $unit:literal, $which:expr) => {{
        fn compute<'a>(
            state: &'a AppState,
            area: &'a DivisionCode,
            day: NaiveDate,
        ) -> BoxFuture<'a, anyhow::Result<f64>> {
            Box::pin(count(state, area, day, $which))
        }
        FigureDef {
            key: $key,
            label_key: $label,
            unit_key: $unit,
            compute,
        }
    }};
}

pub fn all() -> Vec<FigureDef> {
    vec![
        figure!(
            "epidemic.screenings",
            "figure.epidemic.screenings",
            "unit.person_times",
            Which::All
        ),
        figure!(
            "epidemic.screenings_abroad",
            "figure.epidemic.screenings_abroad",
            "unit.person_times",
            Which::Origin("abroad")
        ),
        figure!(
            "epidemic.screenings_domestic_risk",
            "figure.epidemic.screenings_domestic_risk",
            "unit.person_times",
            Which::Origin("domestic_risk")
        ),
        figure!(
            "epidemic.screenings_referred",
            "figure.epidemic.screenings_referred",
            "unit.person_times",
            Which::Referred
        ),
        figure!(
            "epidemic.screenings_symptomatic",
            "figure.epidemic.screenings_symptomatic",
            "unit.person_times",
            Which::Symptomatic
        ),
    ]
}

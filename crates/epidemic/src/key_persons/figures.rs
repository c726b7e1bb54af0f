//! Key-person figures: people under management now (all, in quarantine, in follow-up), and new
//! today, for an area's subtree.

use chrono::NaiveDate;
use domain::DivisionCode;
use futures::future::BoxFuture;
use platform::AppState;
use platform::module::FigureDef;

use super::{repo, status};

async fn open(state: &AppState, area: &DivisionCode, wanted: Option<&str>) -> anyhow::Result<f64> {
    let (lo, hi) = area.subtree_range();
    let rows = repo::open_counts(state.db(), (&lo, &hi)).await?;
    Ok(rows
        .iter()
        .filter(|(_, s, _)| wanted.is_none_or(|w| s == w))
        .map(|r| r.2)
        .sum::<i64>() as f64)
}

fn managed<'a>(
    state: &'a AppState,
    area: &'a DivisionCode,
    _: NaiveDate,
) -> BoxFuture<'a, anyhow::Result<f64>> {
    Box::pin(open(state, area, None))
}

fn in_followup<'a>(
    state: &'a AppState,
    area: &'a DivisionCode,
    _: NaiveDate,
) -> BoxFuture<'a, anyhow::Result<f64>> {
    Box::pin(open(state, area, Some(status::FOLLOWUP)))
}

fn new_on<'a>(
    state: &'a AppState,
    area: &'a DivisionCode,
    day: NaiveDate,
) -> BoxFuture<'a, anyhow::Result<f64>> {
    Box::pin(async move {
        let (lo, hi) = area.subtree_range();
        Ok(repo::started_on(state.db(), (&lo, &hi), day).await? as f64)
    })
}

pub fn all() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "epidemic.key_persons_managed",
            label_key: "figure.epidemic.key_persons_managed",
            unit_key: "unit.persons",
            compute: managed,
        },
        FigureDef {
            key: "epidemic.key_persons_in_followup",
            label_key: "figure.epidemic.key_persons_in_followup",
            unit_key: "unit.persons",
            compute: in_followup,
        },
        FigureDef {
            key: "epidemic.key_persons_new",
            label_key: "figure.epidemic.key_persons_new",
            unit_key: "unit.persons",
            compute: new_on,
        },
    ]
}

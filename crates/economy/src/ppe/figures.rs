//! The PPE figures for an area's subtree on a day: `economy.ppe_output.{product}` (the
//! producers' reported output) and `economy.ppe_shortfall.{product}` (the district's daily
//! demand less that output, never below 0; 0 when no demand is set).

use chrono::NaiveDate;
use domain::DivisionCode;
use futures::FutureExt;
use platform::module::FigureDef;
use platform::state::AppState;

use super::model::{Supply, supply};

macro_rules! pair {
    ($product:literal, $index:literal) => {
        [
            FigureDef {
                key: concat!("economy.ppe_output.", $product),
                label_key: concat!("ppe.figure.output.", $product),
                unit_key: concat!("ppe.unit.", $product),
                compute: |s, a, d| of(s, a, d, $index, |x| x.output).boxed(),
            },
            FigureDef {
                key: concat!("economy.ppe_shortfall.", $product),
                label_key: concat!("ppe.figure.shortfall.", $product),
                unit_key: concat!("ppe.unit.", $product),
                compute: |s, a, d| of(s, a, d, $index, |x| x.shortfall.unwrap_or(0)).boxed(),
            },
        ]
    };
}

pub fn all() -> Vec<FigureDef> {
    let mut v = Vec::new();
    v.extend(pair!("masks", 0));
    v.extend(pair!("disinfectant", 1));
    v.extend(pair!("protective_clothing", 2));
    v
}

async fn of(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
    index: usize,
    pick: fn(&Supply) -> i64,
) -> anyhow::Result<f64> {
    let (lo, hi) = area.subtree_range();
    let lines = super::repo::lines(state.db(), (&lo, &hi), day, None).await?;
    let demand = super::repo::demand(state.db()).await?;
    Ok(pick(&supply(&lines, &demand)[index]) as f64)
}

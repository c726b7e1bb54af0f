//! Testing coverage (应检必检): who should have been tested by now and was not, by area and
//! group, live, and the call list for grid workers. Answers come from an in-memory index
//! (`index`) kept fresh from the database at every use.

pub mod api;
pub mod compute;
pub mod export;
pub mod groups;
pub mod index;
pub mod pages;

use axum::routing::get;
use domain::DivisionCode;
use futures::FutureExt;
use platform::module::FigureDef;
use platform::routes::Routes;
use platform::state::AppState;
use utoipa_axum::routes;

use crate::{READ, WRITE};

pub fn routes(r: &mut Routes) {
    r.api(READ, routes!(api::by_area));
    r.api(READ, routes!(api::untested));
    r.api(READ, routes!(groups::get_groups));
    r.api(WRITE, routes!(groups::post_group));
    r.api(WRITE, routes!(groups::post_members));
    r.api(WRITE, routes!(groups::post_round));
    r.page(READ, "/epidemic/coverage", get(pages::overview));
    r.page(
        READ,
        "/epidemic/coverage/export/{format}",
        get(export::export),
    );
}

pub fn figures() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "epidemic.coverage_rate",
            label_key: "coverage.figure.rate",
            unit_key: "coverage.unit.percent",
            compute: |s, a, d| figure(s, a, d, true).boxed(),
        },
        FigureDef {
            key: "epidemic.untested",
            label_key: "coverage.figure.untested",
            unit_key: "coverage.unit.people",
            compute: |s, a, d| figure(s, a, d, false).boxed(),
        },
    ]
}

/// The coverage rate (percent) or the untested count of an area's subtree on a day.
async fn figure(
    state: &AppState,
    area: &DivisionCode,
    day: chrono::NaiveDate,
    rate: bool,
) -> anyhow::Result<f64> {
    let shared = index::of(state);
    let index = shared.fresh().await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let c = compute::by_area(&index, index::day_num(day), area, None);
    Ok(if rate {
        (c.total.rate * 1000.0).round() / 10.0
    } else {
        c.total.untested as f64
    })
}

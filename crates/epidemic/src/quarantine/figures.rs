//! Quarantine figures: people in centralized and home quarantine on a day, free rooms now,
//! releases due.

use chrono::NaiveDate;
use domain::DivisionCode;
use futures::FutureExt;
use platform::module::FigureDef;
use platform::state::AppState;

pub fn all() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "epidemic.in_centralized_quarantine",
            label_key: "quarantine.figure.in_centralized",
            unit_key: "quarantine.unit.person",
            compute: |s, a, d| in_quarantine(s, a, d, "centralized").boxed(),
        },
        FigureDef {
            key: "epidemic.in_home_quarantine",
            label_key: "quarantine.figure.in_home",
            unit_key: "quarantine.unit.person",
            compute: |s, a, d| in_quarantine(s, a, d, "home").boxed(),
        },
        FigureDef {
            key: "epidemic.free_rooms",
            label_key: "quarantine.figure.free_rooms",
            unit_key: "quarantine.unit.room",
            compute: |s, a, _| free_rooms(s, a).boxed(),
        },
        FigureDef {
            key: "epidemic.releases_due",
            label_key: "quarantine.figure.releases_due",
            unit_key: "quarantine.unit.person",
            compute: |s, a, d| releases_due(s, a, d).boxed(),
        },
    ]
}

/// People whose order of `kind` held on `day`: checked in (active, or ended after that day).
pub async fn in_quarantine(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
    kind: &str,
) -> anyhow::Result<f64> {
    const SQL: &str = "SELECT COUNT(*) FROM epi_quarantine_orders WHERE area_code >= $1 \
         AND area_code < $2 AND kind = $3 AND starts_on <= $4 \
         AND (status = 'active' OR (status IN ('released', 'ended_early') AND ended_on > $4))";
    let (lo, hi) = area.subtree_range();
    let n: i64 = platform::with_db!(state.db(), pool => sqlx::query_scalar(SQL)
        .bind(&lo).bind(&hi).bind(kind).bind(day).fetch_one(pool).await)?;
    Ok(n as f64)
}

/// Rooms with a free bed in the sites of the area, now.
pub async fn free_rooms(state: &AppState, area: &DivisionCode) -> anyhow::Result<f64> {
    let scope = area.subtree_range();
    let sites = super::sites::list(state.db(), &scope, true, 0, 100_000).await?;
    Ok(sites.iter().map(|s| s.free_rooms).sum::<i64>() as f64)
}

/// Active orders whose planned end has come by `day`.
pub async fn releases_due(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
) -> anyhow::Result<f64> {
    const SQL: &str = "SELECT COUNT(*) FROM epi_quarantine_orders WHERE area_code >= $1 \
         AND area_code < $2 AND status = 'active' AND planned_end <= $3";
    let (lo, hi) = area.subtree_range();
    let n: i64 = platform::with_db!(state.db(), pool => sqlx::query_scalar(SQL)
        .bind(&lo).bind(&hi).bind(day).fetch_one(pool).await)?;
    Ok(n as f64)
}

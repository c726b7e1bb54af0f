//! Contact figures for an area's subtree on a day.
//!
//! - `epidemic.close_contacts_found` / `epidemic.secondary_contacts_found`: distinct people
//!   confirmed as close (hop 1) / secondary (hop 2) contacts by any investigation, whose registered
//!   area lies in the subtree, confirmed before the end of the day (China time).
//! - `epidemic.close_contacts_managed` / `epidemic.secondary_contacts_managed`: open key-person
//!   episodes (status not `ended`) of category `close_contact` / `secondary_contact` in the
//!   subtree, now (the key-person figures count every category together; these split them).
//! - `epidemic.contacts_found_within_24h`: of the confirmations counted by the two "found"
//!   figures (one per investigation and contact), the percentage whose confirmation
//!   (`decided_at`) came at most 24 hours after the investigation was started (`created_at`);
//!   rounded to one decimal, 0 when there is none.

use chrono::{Duration, NaiveDate};
use domain::DivisionCode;
use futures::FutureExt;
use platform::AppState;
use platform::module::FigureDef;

async fn found(
    state: &AppState,
    area: &DivisionCode,
    day: NaiveDate,
    hop: i32,
) -> anyhow::Result<f64> {
    const SQL: &str = "SELECT COUNT(DISTINCT person_id) FROM epi_investigation_contacts \
         WHERE state = 'confirmed' AND hop = $1 AND area_code >= $2 AND area_code < $3 \
         AND decided_at < $4";
    let (lo, hi) = area.subtree_range();
    let end = crate::time::day_range(day).1;
    let n: i64 = platform::with_db!(state.db(), pool => sqlx::query_scalar(SQL)
        .bind(hop).bind(&lo).bind(&hi).bind(end).fetch_one(pool).await)?;
    Ok(n as f64)
}

async fn managed(state: &AppState, area: &DivisionCode, category: &str) -> anyhow::Result<f64> {
    let (lo, hi) = area.subtree_range();
    let rows = crate::key_persons::repo::open_counts(state.db(), (&lo, &hi)).await?;
    Ok(rows
        .iter()
        .filter(|(c, _, _)| c == category)
        .map(|r| r.2)
        .sum::<i64>() as f64)
}

async fn within_24h(state: &AppState, area: &DivisionCode, day: NaiveDate) -> anyhow::Result<f64> {
    const SQL: &str = "SELECT i.created_at, c.decided_at FROM epi_investigation_contacts c \
         JOIN epi_investigations i ON i.id = c.investigation_id \
         WHERE c.state = 'confirmed' AND c.area_code >= $1 AND c.area_code < $2 \
         AND c.decided_at < $3";
    let (lo, hi) = area.subtree_range();
    let end = crate::time::day_range(day).1;
    let rows: Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = platform::with_db!(state.db(), pool => sqlx::query_as(SQL)
            .bind(&lo).bind(&hi).bind(end).fetch_all(pool).await)?;
    if rows.is_empty() {
        return Ok(0.0);
    }
    let within = rows
        .iter()
        .filter(|(created, decided)| *decided - *created <= Duration::hours(24))
        .count();
    Ok((within as f64 * 1000.0 / rows.len() as f64).round() / 10.0)
}

pub fn all() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "epidemic.close_contacts_found",
            label_key: "figure.epidemic.close_contacts_found",
            unit_key: "unit.persons",
            compute: |s, a, d| found(s, a, d, 1).boxed(),
        },
        FigureDef {
            key: "epidemic.secondary_contacts_found",
            label_key: "figure.epidemic.secondary_contacts_found",
            unit_key: "unit.persons",
            compute: |s, a, d| found(s, a, d, 2).boxed(),
        },
        FigureDef {
            key: "epidemic.close_contacts_managed",
            label_key: "figure.epidemic.close_contacts_managed",
            unit_key: "unit.persons",
            compute: |s, a, _| managed(s, a, "close_contact").boxed(),
        },
        FigureDef {
            key: "epidemic.secondary_contacts_managed",
            label_key: "figure.epidemic.secondary_contacts_managed",
            unit_key: "unit.persons",
            compute: |s, a, _| managed(s, a, "secondary_contact").boxed(),
        },
        FigureDef {
            key: "epidemic.contacts_found_within_24h",
            label_key: "figure.epidemic.contacts_found_within_24h",
            unit_key: "coverage.unit.percent",
            compute: |s, a, d| within_24h(s, a, d).boxed(),
        },
    ]
}

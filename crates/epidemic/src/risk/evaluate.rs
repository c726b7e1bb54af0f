//! Evaluates the kernel's risk rules (`platform::risk::rules`) against the cases: each rated area
//! (at the settings' level) gets the case episodes (`epi_key_persons` of category `case`, counted
//! on their start day) of its subtree, and every change due since its level in force is recorded
//! on the day it was due. Runs every ten minutes (`epidemic.risk_levels`) and on demand.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::DivisionCode;
use platform::audit::Actor;
use platform::db::Db;
use platform::error::AppResult;
use platform::risk::rules::{self, Change, Current};
use platform::risk::{repo, service, settings};

/// The day before which no case is looked at (a year before the evaluated day).
const LOOKBACK_DAYS: u64 = 366;

/// Case days per case area, up to `until`.
async fn cases(db: &Db, until: NaiveDate) -> AppResult<Vec<(String, NaiveDate)>> {
    const SQL: &str = "SELECT area_code, starts_on FROM epi_key_persons \
         WHERE category = 'case' AND starts_on <= $1 AND starts_on >= $2";
    let from = until - chrono::Days::new(LOOKBACK_DAYS);
    Ok(platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(until).bind(from).fetch_all(pool).await)?)
}

/// What an evaluation changed.
#[derive(Clone, Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Outcome {
    pub evaluated_until: Option<NaiveDate>,
    /// Rated areas looked at (with cases or a raised level).
    pub areas: usize,
    pub changes: usize,
}

/// Records every change due through `until`, for every rated area of the tree.
pub async fn run(db: &Db, actor: &Actor, audited: bool, until: NaiveDate) -> AppResult<Outcome> {
    let settings = settings::load(db).await?;
    let now = service::in_force(db, until).await?;
    let rated: Vec<String> =
        repo::areas_at_level(db, settings.area_level.as_str(), ("", "~")).await?;
    let rated_set: std::collections::BTreeSet<&str> = rated.iter().map(String::as_str).collect();
    let mut by_area: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for (area, day) in cases(db, until).await? {
        let Ok(code) = DivisionCode::parse(&area) else {
            continue;
        };
        // The rated area holding the case: itself or an ancestor at the rated level.
        let holder = std::iter::once(code.clone())
            .chain(code.ancestors())
            .find(|a| rated_set.contains(a.as_str()));
        if let Some(holder) = holder {
            by_area
                .entry(holder.as_str().to_string())
                .or_default()
                .push(day);
        }
    }
    for (code, _) in now.raised_areas() {
        if rated_set.contains(code.as_str()) {
            by_area.entry(code.clone()).or_default();
        }
    }
    let mut changes: Vec<(String, Change)> = Vec::new();
    for (area, days) in &by_area {
        let current = now.area_entry(area).map_or(Current::BASE, |e| e.current());
        let from = days
            .iter()
            .min()
            .copied()
            .unwrap_or(until)
            .max(until - chrono::Days::new(LOOKBACK_DAYS));
        for change in rules::advance(&settings, current, days, from, until) {
            changes.push((area.clone(), change));
        }
    }
    let n = service::record_rule_changes(db, actor, audited, &settings, &changes).await?;
    Ok(Outcome {
        evaluated_until: Some(until),
        areas: by_area.len(),
        changes: n,
    })
}

//! What the map shows for an area on a day — its sub-areas coloured by the highest level in
//! each, the areas and places raised, counts by level — and the 对号入座 lists: the enterprises
//! and places of an area at a level. One model serves the API, the map page and the command
//! screen.

use chrono::NaiveDate;
use domain::DivisionCode;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::repo::{self, Located};
use super::service::{self, InForce};
use crate::db::Db;
use crate::error::{AppError, AppResult};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LevelView {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub color: String,
    pub permits_resumption: bool,
}

/// A sub-area on the map.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MapArea {
    pub code: String,
    pub name: String,
    /// The highest level anywhere in it.
    pub level: String,
    pub has_shape: bool,
}

/// An area or place above the base level, with why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Raised {
    pub area_code: Option<String>,
    pub place_id: Option<i64>,
    pub name: String,
    pub level: String,
    pub since: NaiveDate,
    /// `rule`, `override` or `lift`.
    pub source: String,
    pub pinned: bool,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LevelCount {
    pub level: String,
    /// Rated areas (at the settings' `area_level`) in the area at this level.
    pub areas: usize,
    pub enterprises: usize,
    pub places: usize,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MapView {
    pub area_code: String,
    pub area_name: String,
    pub date: NaiveDate,
    /// Lowest first.
    pub levels: Vec<LevelView>,
    pub areas: Vec<MapArea>,
    /// A GeoJSON FeatureCollection of the sub-areas with a shape; each feature's properties
    /// carry `code`, `name`, `level`.
    #[schema(value_type = Object)]
    pub geojson: Value,
    pub raised: Vec<Raised>,
    pub counts: Vec<LevelCount>,
}

/// The level set as the API shows it.
pub fn levels(now: &InForce) -> Vec<LevelView> {
    now.settings
        .levels
        .iter()
        .map(|l| LevelView {
            key: l.key.clone(),
            name_zh: l.name_zh.clone(),
            name_en: l.name_en.clone(),
            color: l.color.clone(),
            permits_resumption: l.permits_resumption,
        })
        .collect()
}

/// The map of `area` (already scoped) on `date`.
pub async fn map(db: &Db, area: &DivisionCode, date: NaiveDate) -> AppResult<MapView> {
    let now = service::in_force(db, date).await?;
    let own = crate::areas::repo::get(db, area.as_str())
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut subs = crate::areas::repo::children(db, area.as_str(), "", 10_000).await?;
    if subs.is_empty() {
        subs.push(own.clone());
    }
    let codes: Vec<String> = subs.iter().map(|a| a.code.clone()).collect();
    let shapes: std::collections::HashMap<String, String> =
        repo::shapes(db, &codes).await?.into_iter().collect();
    let mut features = Vec::new();
    let areas: Vec<MapArea> = subs
        .iter()
        .map(|a| {
            let level = now.key(now.highest_within(&a.code)).to_string();
            if let Some(g) = shapes.get(&a.code)
                && let Ok(geometry) = serde_json::from_str::<Value>(g)
            {
                features.push(serde_json::json!({
                    "type": "Feature",
                    "properties": { "code": a.code, "name": a.name, "level": level },
                    "geometry": geometry,
                }));
            }
            MapArea {
                has_shape: shapes.contains_key(&a.code),
                code: a.code.clone(),
                name: a.name.clone(),
                level,
            }
        })
        .collect();
    let raised = raised_in(db, &now, area).await?;
    let counts = counts_in(db, &now, area).await?;
    Ok(MapView {
        area_code: own.code,
        area_name: own.name,
        date,
        levels: levels(&now),
        areas,
        geojson: serde_json::json!({ "type": "FeatureCollection", "features": features }),
        raised,
        counts,
    })
}

/// Areas and places above the base level within `area`, highest first.
async fn raised_in(db: &Db, now: &InForce, area: &DivisionCode) -> AppResult<Vec<Raised>> {
    let (lo, hi) = area.subtree_range();
    let mut out = Vec::new();
    let codes: Vec<String> = now
        .raised_areas()
        .filter(|(c, _)| c.as_str() >= lo.as_str() && c.as_str() < hi.as_str())
        .map(|(c, _)| c.clone())
        .collect();
    let names: std::collections::HashMap<String, String> = crate::areas::repo::names(db, &codes)
        .await?
        .into_iter()
        .collect();
    for code in codes {
        let e = now.area_entry(&code).expect("listed above");
        out.push(Raised {
            name: names.get(&code).cloned().unwrap_or_else(|| code.clone()),
            area_code: Some(code),
            place_id: None,
            level: now.key(e.level).to_string(),
            since: e.since,
            source: e.source.clone(),
            pinned: e.pinned,
            reason: e.reason.clone(),
        });
    }
    let places = repo::places_in(db, (&lo, &hi)).await?;
    for p in places {
        if let Some(e) = now.place_entry(p.id).filter(|e| e.level > 0) {
            out.push(Raised {
                area_code: None,
                place_id: Some(p.id),
                name: p.name,
                level: now.key(e.level).to_string(),
                since: e.since,
                source: e.source.clone(),
                pinned: e.pinned,
                reason: e.reason.clone(),
            });
        }
    }
    let rank = |r: &Raised| now.settings.index_of(&r.level).unwrap_or(0);
    out.sort_by(|a, b| rank(b).cmp(&rank(a)).then(a.since.cmp(&b.since)));
    Ok(out)
}

async fn counts_in(db: &Db, now: &InForce, area: &DivisionCode) -> AppResult<Vec<LevelCount>> {
    let (lo, hi) = area.subtree_range();
    let n = now.settings.levels.len();
    let mut counts: Vec<LevelCount> = now
        .settings
        .levels
        .iter()
        .map(|l| LevelCount {
            level: l.key.clone(),
            areas: 0,
            enterprises: 0,
            places: 0,
        })
        .collect();
    let rated = repo::areas_at_level(db, now.settings.area_level.as_str(), (&lo, &hi)).await?;
    for code in &rated {
        counts[now.highest_within(code).min(n - 1)].areas += 1;
    }
    for e in repo::enterprises_in(db, (&lo, &hi)).await? {
        counts[now.level_at(&e.area_code).min(n - 1)].enterprises += 1;
    }
    for p in repo::places_in(db, (&lo, &hi)).await? {
        counts[now.level_of_place(p.id, &p.area_code).min(n - 1)].places += 1;
    }
    Ok(counts)
}

/// The rated areas (at the settings' level) within `area` at each level: `counts[i]` for
/// `levels[i]`. What the `epidemic.risk_areas.*` figures count.
pub async fn rated_area_counts(
    db: &Db,
    area: &DivisionCode,
    date: NaiveDate,
) -> AppResult<(InForce, Vec<usize>)> {
    let now = service::in_force(db, date).await?;
    let (lo, hi) = area.subtree_range();
    let rated = repo::areas_at_level(db, now.settings.area_level.as_str(), (&lo, &hi)).await?;
    let mut counts = vec![0; now.settings.levels.len()];
    for code in &rated {
        counts[now.highest_within(code)] += 1;
    }
    Ok((now, counts))
}

/// `enterprise` or `place`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchedKind {
    Enterprise,
    Place,
}

impl MatchedKind {
    pub fn parse(text: &str) -> AppResult<MatchedKind> {
        match text {
            "enterprise" => Ok(MatchedKind::Enterprise),
            "place" => Ok(MatchedKind::Place),
            _ => Err(AppError::invalid("risk.bad_kind").on_field("kind")),
        }
    }
}

/// The enterprises or places of `area` at `level` (对号入座), by id after `after`, up to
/// `limit + 1` (for the page's next cursor).
pub async fn matched(
    db: &Db,
    area: &DivisionCode,
    date: NaiveDate,
    level: &str,
    kind: MatchedKind,
    after: i64,
    limit: u32,
) -> AppResult<Vec<Located>> {
    let now = service::in_force(db, date).await?;
    let want = now
        .settings
        .index_of(level)
        .ok_or_else(|| AppError::invalid("risk.unknown_level").on_field("level"))?;
    let (lo, hi) = area.subtree_range();
    let rows = match kind {
        MatchedKind::Enterprise => repo::enterprises_in(db, (&lo, &hi)).await?,
        MatchedKind::Place => repo::places_in(db, (&lo, &hi)).await?,
    };
    Ok(rows
        .into_iter()
        .filter(|r| r.id > after)
        .filter(|r| {
            let at = match kind {
                MatchedKind::Enterprise => now.level_at(&r.area_code),
                MatchedKind::Place => now.level_of_place(r.id, &r.area_code),
            };
            at == want
        })
        .take(limit as usize + 1)
        .collect())
}

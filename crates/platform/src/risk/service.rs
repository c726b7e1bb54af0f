//! Levels in force on a day, and the audited writes: rule changes (from the module that knows
//! cases), command overrides and their lifting.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use domain::DivisionCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::repo::{self, LevelRow, NewLevel};
use super::rules::{Change, Current};
use super::settings::{self, Settings};
use crate::audit::{self, Actor, Event};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// The level of one area or place in force on a day.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Index into `Settings::levels`.
    pub level: usize,
    pub since: NaiveDate,
    pub pinned: bool,
    pub source: String,
    pub reason: Option<String>,
}

impl Entry {
    pub fn current(&self) -> Current {
        Current {
            level: self.level,
            since: Some(self.since),
            pinned: self.pinned,
        }
    }
}

/// Every level in force on `day`: the latest row of each area and place.
#[derive(Clone, Debug)]
pub struct InForce {
    pub settings: Settings,
    pub day: NaiveDate,
    areas: BTreeMap<String, Entry>,
    places: HashMap<i64, Entry>,
}

impl InForce {
    pub fn from_rows(settings: Settings, day: NaiveDate, rows: Vec<LevelRow>) -> InForce {
        let mut areas = BTreeMap::new();
        let mut places = HashMap::new();
        for r in rows.into_iter().filter(|r| r.effective_on <= day) {
            let entry = Entry {
                level: settings.index_of(&r.level).unwrap_or(0),
                since: r.effective_on,
                pinned: r.pinned,
                source: r.source,
                reason: r.reason,
            };
            match (r.area_code, r.place_id) {
                (Some(code), _) => {
                    areas.insert(code, entry);
                }
                (None, Some(id)) => {
                    places.insert(id, entry);
                }
                (None, None) => {}
            }
        }
        InForce {
            settings,
            day,
            areas,
            places,
        }
    }

    /// The area's own latest entry.
    pub fn area_entry(&self, code: &str) -> Option<&Entry> {
        self.areas.get(code)
    }

    pub fn place_entry(&self, id: i64) -> Option<&Entry> {
        self.places.get(&id)
    }

    /// Areas with an entry above the base level, by code.
    pub fn raised_areas(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.areas.iter().filter(|(_, e)| e.level > 0)
    }

    /// Places with an entry above the base level.
    pub fn raised_places(&self) -> impl Iterator<Item = (&i64, &Entry)> {
        self.places.iter().filter(|(_, e)| e.level > 0)
    }

    /// The level at a point in `code`: the highest of its own and its ancestors' levels (a
    /// record in a medium-risk village is in a medium-risk area whatever its grid says).
    pub fn level_at(&self, code: &str) -> usize {
        let Ok(code) = DivisionCode::parse(code) else {
            return 0;
        };
        let own = self.areas.get(code.as_str()).map_or(0, |e| e.level);
        code.ancestors()
            .iter()
            .filter_map(|a| self.areas.get(a.as_str()))
            .map(|e| e.level)
            .fold(own, usize::max)
    }

    /// The level a map shows for a whole area: the highest at any point in it.
    pub fn highest_within(&self, code: &str) -> usize {
        let Ok(area) = DivisionCode::parse(code) else {
            return 0;
        };
        let (lo, hi) = area.subtree_range();
        self.areas
            .range(lo..hi)
            .map(|(_, e)| e.level)
            .fold(self.level_at(code), usize::max)
    }

    /// A place's level: its own, or its area's if higher.
    pub fn level_of_place(&self, id: i64, area: &str) -> usize {
        self.places
            .get(&id)
            .map_or(0, |e| e.level)
            .max(self.level_at(area))
    }

    pub fn key(&self, level: usize) -> &str {
        self.settings
            .levels
            .get(level)
            .map_or("", |l| l.key.as_str())
    }
}

/// The levels in force on `day`.
pub async fn in_force(db: &Db, day: NaiveDate) -> AppResult<InForce> {
    let settings = settings::load(db).await?;
    let rows = repo::until(db, day).await?;
    Ok(InForce::from_rows(settings, day, rows))
}

/// Stores what the rules decided, one audit entry per area changed (none for the demo's
/// history, like every demo write).
pub async fn record_rule_changes(
    db: &Db,
    actor: &Actor,
    audited: bool,
    settings: &Settings,
    changes: &[(String, Change)],
) -> AppResult<usize> {
    if changes.is_empty() {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    for (area, change) in changes {
        let key = settings.levels[change.level].key.as_str();
        let id = repo::insert_in(
            &mut tx,
            &actor.name,
            &NewLevel {
                area_code: Some(area),
                place_id: None,
                level: key,
                effective_on: change.effective_on,
                source: "rule",
                pinned: false,
                reason: None,
                cases: Some(change.cases as i32),
            },
        )
        .await?;
        let event = Event::new("risk.level.rule")
            .record(super::RECORD_KIND, id)
            .area(area)
            .after(serde_json::json!({
                "level": key, "effective_on": change.effective_on, "cases": change.cases
            }));
        if audited {
            audit::append(&mut tx, actor, event).await?;
        }
    }
    tx.commit().await?;
    Ok(changes.len())
}

/// What the command sends to set (override) or lift a level.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct OverrideInput {
    /// The area (division code) — or `place_id`, not both.
    pub area_code: Option<String>,
    pub place_id: Option<i64>,
    /// A level key of the settings; ignored when lifting.
    #[serde(default)]
    pub level: Option<String>,
    /// Why (required, up to 500 characters).
    pub reason: String,
    /// From when (default today, Beijing); not before today.
    pub effective_on: Option<NaiveDate>,
}

/// The target an override names, checked against the caller's scope.
async fn target(
    db: &Db,
    user: &CurrentUser,
    input: &OverrideInput,
) -> AppResult<(Option<String>, Option<i64>, String)> {
    match (&input.area_code, input.place_id) {
        (Some(code), None) => {
            let code = crate::areas::api::scoped_code(user, code, "area_code")?;
            if crate::areas::repo::get(db, code.as_str()).await?.is_none() {
                return Err(AppError::invalid("user.unknown_area").on_field("area_code"));
            }
            Ok((
                Some(code.as_str().to_string()),
                None,
                code.as_str().to_string(),
            ))
        }
        (None, Some(id)) => {
            let unknown = || AppError::invalid("risk.unknown_place").on_field("place_id");
            let area = repo::place_area(db, id).await?.ok_or_else(unknown)?;
            if user.require_record_area(&area).is_err() {
                return Err(unknown());
            }
            Ok((None, Some(id), area))
        }
        _ => Err(AppError::invalid("risk.one_target").on_field("area_code")),
    }
}

fn checked_reason(reason: &str) -> AppResult<&str> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::invalid("risk.reason_required").on_field("reason"));
    }
    Ok(reason)
}

/// Sets a pinned level (or, with `lift`, ends the override: the level returns to the base and
/// the rules apply again from the next evaluation).
pub async fn set_override(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &OverrideInput,
    lift: bool,
    today: NaiveDate,
) -> AppResult<i64> {
    let reason = checked_reason(&input.reason)?;
    let (area_code, place_id, area) = target(db, user, input).await?;
    let day = input.effective_on.unwrap_or(today);
    if day < today {
        return Err(AppError::invalid("risk.past_date").on_field("effective_on"));
    }
    let now = in_force(db, day).await?;
    let entry = match (&area_code, place_id) {
        (Some(code), _) => now.area_entry(code).cloned(),
        (None, Some(id)) => now.place_entry(id).cloned(),
        _ => None,
    };
    let level = if lift {
        // Back to the base level; the next evaluation raises it again if the cases call for it.
        match entry {
            Some(e) if e.pinned => now.settings.base().key.clone(),
            _ => return Err(AppError::invalid("risk.not_overridden").on_field("area_code")),
        }
    } else {
        let key = input.level.as_deref().unwrap_or_default();
        now.settings
            .index_of(key)
            .ok_or_else(|| AppError::invalid("risk.unknown_level").on_field("level"))?;
        key.to_string()
    };
    let source = if lift { "lift" } else { "override" };
    let mut tx = db.begin().await?;
    let id = repo::insert_in(
        &mut tx,
        &actor.name,
        &NewLevel {
            area_code: area_code.as_deref(),
            place_id,
            level: &level,
            effective_on: day,
            source,
            pinned: !lift,
            reason: Some(reason),
            cases: None,
        },
    )
    .await?;
    let event = Event::new(if lift {
        "risk.level.lift"
    } else {
        "risk.level.override"
    })
    .record(super::RECORD_KIND, id)
    .area(&area)
    .after(serde_json::json!({
        "area_code": area_code, "place_id": place_id, "level": level,
        "effective_on": day, "reason": reason
    }));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

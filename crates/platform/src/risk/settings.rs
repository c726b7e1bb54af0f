//! The level set and the rules, kept in the database (`risk_settings`, one row of JSON) so every
//! node reads the same; changed by the command through `PUT /api/v1/risk/settings` with an audit
//! entry. Missing fields take the defaults: 低风险 / 中风险 / 高风险, a case in 14 days makes an
//! area medium, three make it high, each steps down after 14 days without a case.

use chrono::Utc;
use domain::AreaLevel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// One level, lowest first in `Settings::levels`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LevelDef {
    /// Stable key (`low`, `medium`, `high`): lowercase letters, digits and `_`.
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// Map colour, `#rrggbb`.
    pub color: String,
    /// Days without a new case before the level steps down one step (unused for the base).
    pub step_down_days: u32,
    /// Whether enterprises in an area at this level may resume work (复工复产对号入座).
    pub permits_resumption: bool,
}

/// A rule: at least `min_cases` cases in an area on the `within_days` days ending a day raise
/// it to `level` that day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RuleDef {
    pub level: String,
    pub min_cases: u32,
    pub within_days: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Settings {
    /// Lowest first; the first is the base level every area has until a rule or an override
    /// raises it.
    pub levels: Vec<LevelDef>,
    pub rules: Vec<RuleDef>,
    /// The areas the rules rate: `township`, `village` (default) or `grid`.
    #[schema(value_type = String)]
    pub area_level: AreaLevel,
}

fn level(key: &str, zh: &str, en: &str, color: &str, days: u32, permits: bool) -> LevelDef {
    LevelDef {
        key: key.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        color: color.into(),
        step_down_days: days,
        permits_resumption: permits,
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            levels: vec![
                level("low", "低风险", "Low risk", "#2e9d5b", 0, true),
                level("medium", "中风险", "Medium risk", "#f2a20c", 14, true),
                level("high", "高风险", "High risk", "#d93025", 14, false),
            ],
            rules: vec![
                RuleDef {
                    level: "medium".into(),
                    min_cases: 1,
                    within_days: 14,
                },
                RuleDef {
                    level: "high".into(),
                    min_cases: 3,
                    within_days: 14,
                },
            ],
            area_level: AreaLevel::Village,
        }
    }
}

impl Settings {
    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.key == key)
    }

    pub fn base(&self) -> &LevelDef {
        &self.levels[0]
    }

    /// The level's name in the reader's language (`zh` or not).
    pub fn name_of<'a>(&'a self, key: &'a str, zh: bool) -> &'a str {
        match self.levels.iter().find(|l| l.key == key) {
            Some(l) if zh => &l.name_zh,
            Some(l) => &l.name_en,
            None => key,
        }
    }

    /// Refuses an inconsistent set; the field is named in the error.
    pub fn check(&self) -> AppResult<()> {
        let bad = |field: &str| AppError::invalid("risk.bad_settings").on_field(field);
        if !(2..=6).contains(&self.levels.len()) {
            return Err(bad("levels"));
        }
        for (i, l) in self.levels.iter().enumerate() {
            let key_ok = !l.key.is_empty()
                && l.key.len() <= 24
                && l.key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok || self.index_of(&l.key) != Some(i) {
                return Err(bad(&format!("levels[{i}].key")));
            }
            let color_ok = l.color.len() == 7
                && l.color.starts_with('#')
                && l.color[1..].bytes().all(|b| b.is_ascii_hexdigit());
            if !color_ok {
                return Err(bad(&format!("levels[{i}].color")));
            }
            if l.name_zh.trim().is_empty() || l.name_en.trim().is_empty() {
                return Err(bad(&format!("levels[{i}].name_zh")));
            }
            if i > 0 && !(1..=365).contains(&l.step_down_days) {
                return Err(bad(&format!("levels[{i}].step_down_days")));
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            if !matches!(self.index_of(&r.level), Some(n) if n > 0) {
                return Err(bad(&format!("rules[{i}].level")));
            }
            if !(1..=10_000).contains(&r.min_cases) {
                return Err(bad(&format!("rules[{i}].min_cases")));
            }
            if !(1..=365).contains(&r.within_days) {
                return Err(bad(&format!("rules[{i}].within_days")));
            }
        }
        if !matches!(
            self.area_level,
            AreaLevel::Township | AreaLevel::Village | AreaLevel::Grid
        ) {
            return Err(bad("area_level"));
        }
        Ok(())
    }
}

pub async fn load(db: &Db) -> AppResult<Settings> {
    const SQL: &str = "SELECT body FROM risk_settings WHERE id = 1";
    let body: Option<String> =
        crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_optional(pool).await)?;
    Ok(body
        .and_then(|b| serde_json::from_str::<Settings>(&b).ok())
        .filter(|s| s.check().is_ok())
        .unwrap_or_default())
}

/// Stores checked settings with their audit entry.
pub async fn save(db: &Db, actor: &Actor, settings: &Settings) -> AppResult<()> {
    const SQL: &str = "INSERT INTO risk_settings (id, body, version, updated_at, updated_by) \
         VALUES (1, $1, 1, $2, $3) ON CONFLICT (id) DO UPDATE SET body = excluded.body, \
         version = risk_settings.version + 1, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by";
    settings.check()?;
    let before = load(db).await?;
    let body = serde_json::to_string(settings).expect("settings serialize");
    let mut tx = db.begin().await?;
    crate::with_conn!(&mut tx, conn => sqlx::query(SQL)
        .bind(&body).bind(Utc::now()).bind(&actor.name)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    let event = Event::new("risk.settings.update")
        .before(serde_json::to_value(&before).unwrap_or_default())
        .after(serde_json::to_value(settings).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_their_own_check_and_bad_values_are_named() {
        Settings::default().check().unwrap();
        let mut s = Settings::default();
        s.rules[0].level = "low".into();
        let e = s.check().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rules[0].level"));
        let mut s = Settings::default();
        s.levels[2].color = "red".into();
        assert_eq!(
            s.check().unwrap_err().field.as_deref(),
            Some("levels[2].color")
        );
        let mut s = Settings::default();
        s.levels[1].key = "low".into();
        assert!(s.check().is_err());
    }
}

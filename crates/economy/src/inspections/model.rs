//! A prevention inspection as entered (`InspectionInput`), checked (`ValidInspection`) and
//! shown (`InspectionView`); checklist templates (`Checklist`).

use chrono::{DateTime, NaiveDate, Utc};
use platform::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Planned inspections and unannounced spot checks (暗访).
pub const KINDS: [&str; 2] = ["planned", "spot"];

/// The longest item label, note or checklist name, in characters.
pub const MAX_TEXT: usize = 500;
/// The most items a checklist may hold.
pub const MAX_ITEMS: usize = 40;

/// A checklist template: its items, in order.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Checklist {
    pub id: i64,
    pub name: String,
    pub items: Vec<String>,
    /// The checklist an inspection uses when it names none.
    pub is_default: bool,
    pub version: i32,
}

/// A checklist as its writers send it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ChecklistInput {
    pub name: String,
    pub items: Vec<String>,
    /// Make it the default (the previous default stops being one).
    #[serde(default)]
    pub is_default: bool,
}

impl ChecklistInput {
    /// Trimmed name and items; an error names the field at fault.
    pub fn validate(&self) -> AppResult<(String, Vec<String>)> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid("inspections.bad_checklist_name").on_field("name"));
        }
        let items: Vec<String> = self
            .items
            .iter()
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect();
        if items.is_empty()
            || items.len() > MAX_ITEMS
            || items.iter().any(|i| i.chars().count() > MAX_TEXT)
        {
            return Err(AppError::invalid("inspections.bad_items").on_field("items"));
        }
        Ok((name.to_string(), items))
    }
}

/// One item's finding.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct ItemResult {
    pub passed: bool,
    pub note: Option<String>,
}

/// An inspection, as the phone form and the API send it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct InspectionInput {
    pub enterprise_id: i64,
    /// `planned` (default) or `spot` (暗访).
    pub kind: Option<String>,
    /// The checklist followed; the default one when absent.
    pub checklist_id: Option<i64>,
    /// The inspection team (a unit); the inspector's own unit when absent.
    pub team_unit_id: Option<i64>,
    /// The day inspected, `YYYY-MM-DD`; today (Beijing) when absent. Never in the future.
    pub date: Option<String>,
    /// One finding per checklist item, in the checklist's order.
    pub items: Vec<ItemResult>,
    /// Stop work until a re-inspection passes (停工整改); needs a failed item.
    #[serde(default)]
    pub stop_work: bool,
    /// The inspection this one re-inspects; an open suspension's when absent.
    pub reinspection_of: Option<i64>,
    /// The rectification's time limit (`5 working days`, `24小时`); the kind's when absent.
    pub rectify_within: Option<String>,
    pub note: Option<String>,
}

/// An inspection that passed its checks (the checklist is known by then).
#[derive(Clone, Debug)]
pub struct ValidInspection {
    pub enterprise_id: i64,
    pub kind: &'static str,
    pub inspected_on: NaiveDate,
    pub items: Vec<ItemResult>,
    pub passed: bool,
    pub stop_work: bool,
    pub note: Option<String>,
    pub rectify_within: Option<String>,
}

fn note_of(text: Option<&str>, field: &str) -> AppResult<Option<String>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if t.chars().count() <= MAX_TEXT => Ok(Some(t.to_string())),
        Some(_) => Err(AppError::invalid("inspections.note_too_long").on_field(field)),
    }
}

impl InspectionInput {
    /// Checks every field against the checklist's item count and `today`.
    pub fn validate(&self, items: usize, today: NaiveDate) -> AppResult<ValidInspection> {
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => "planned",
            Some(k) => KINDS
                .iter()
                .find(|c| **c == k)
                .copied()
                .ok_or_else(|| AppError::invalid("inspections.bad_kind").on_field("kind"))?,
        };
        let inspected_on = match self.date.as_deref().map(str::trim) {
            None | Some("") => today,
            Some(t) => crate::resumption::model::parse_day(t, "date")?,
        };
        if inspected_on > today {
            return Err(AppError::invalid("resumption.future_date").on_field("date"));
        }
        if self.items.len() != items {
            return Err(AppError::invalid("inspections.item_count")
                .on_field("items")
                .with_arg("count", items.to_string()));
        }
        let mut checked = Vec::with_capacity(items);
        for item in &self.items {
            checked.push(ItemResult {
                passed: item.passed,
                note: note_of(item.note.as_deref(), "items")?,
            });
        }
        let passed = checked.iter().all(|i| i.passed);
        if self.stop_work && passed {
            return Err(
                AppError::invalid("inspections.stop_work_needs_failure").on_field("stop_work")
            );
        }
        let rectify_within = match self.rectify_within.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => {
                domain::TimeLimit::parse(t)
                    .map_err(|e| AppError::from(e).on_field("rectify_within"))?;
                Some(t.to_string())
            }
        };
        Ok(ValidInspection {
            enterprise_id: self.enterprise_id,
            kind,
            inspected_on,
            items: checked,
            passed,
            stop_work: self.stop_work,
            note: note_of(self.note.as_deref(), "note")?,
            rectify_within,
        })
    }
}

/// A stored inspection with its enterprise.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct InspectionRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub area_code: String,
    pub checklist_id: i64,
    /// `planned` or `spot`.
    pub kind: String,
    pub team_unit_id: Option<i64>,
    pub inspected_on: NaiveDate,
    pub passed: bool,
    pub stop_work: bool,
    pub reinspection_of: Option<i64>,
    /// The rectification ticket a failure opened.
    pub ticket_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// One item of a stored inspection.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ItemRow {
    pub position: i32,
    pub label: String,
    pub passed: bool,
    pub note: Option<String>,
}

/// A photo of an inspection (evidence).
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct PhotoView {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
}

/// An inspection with its items and photos, as the API answers it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InspectionView {
    #[serde(flatten)]
    pub row: InspectionRow,
    pub items: Vec<ItemRow>,
    pub photos: Vec<PhotoView>,
    /// Whether the enterprise is suspended for rectification after this inspection.
    pub enterprise_suspended: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 3, 1).unwrap()
    }

    fn input(passes: &[bool]) -> InspectionInput {
        InspectionInput {
            enterprise_id: 1,
            items: passes
                .iter()
                .map(|p| ItemResult {
                    passed: *p,
                    note: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn an_inspection_passes_only_when_every_item_passes() {
        assert!(input(&[true, true]).validate(2, day()).unwrap().passed);
        assert!(!input(&[true, false]).validate(2, day()).unwrap().passed);
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (input(&[true]), "items"),
            (
                InspectionInput {
                    stop_work: true,
                    ..input(&[true, true])
                },
                "stop_work",
            ),
            (
                InspectionInput {
                    kind: Some("surprise".into()),
                    ..input(&[true, true])
                },
                "kind",
            ),
            (
                InspectionInput {
                    date: Some("2020-03-02".into()),
                    ..input(&[true, true])
                },
                "date",
            ),
            (
                InspectionInput {
                    rectify_within: Some("soon".into()),
                    ..input(&[true, false])
                },
                "rectify_within",
            ),
        ];
        for (case, field) in cases {
            let err = case.validate(2, day()).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{}", err.key);
        }
    }
}

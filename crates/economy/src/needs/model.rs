//! An enterprise need (诉求) as filed (`NeedInput`) and shown (`NeedRow`, `NeedView`); its
//! categories and the departments that answer them by default.

use chrono::{DateTime, Utc};
use platform::error::{AppError, AppResult};
use platform::tickets::model::TimelineEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The ticket kind of a need.
pub const KIND: &str = "economy.need";

/// Categories of need: labour, finance (loan extension, bridge loans), supply chain, raw
/// materials, logistics, policy, PPE.
pub const CATEGORIES: [&str; 7] = [
    "labour",
    "finance",
    "supply_chain",
    "raw_materials",
    "logistics",
    "policy",
    "ppe",
];

/// The department that answers a category when no route is configured: the department of the
/// enterprise's district whose name ends so (the demo district's departments,
/// `platform::demo::DEPARTMENTS`).
pub const DEFAULT_ROUTES: [(&str, &str); 7] = [
    ("labour", "工业和信息化局"),
    ("finance", "发展和改革局"),
    ("supply_chain", "工业和信息化局"),
    ("raw_materials", "工业和信息化局"),
    ("logistics", "交通运输局"),
    ("policy", "发展和改革局"),
    ("ppe", "市场监督管理局"),
];

pub fn category(text: &str) -> AppResult<&'static str> {
    CATEGORIES
        .iter()
        .find(|c| **c == text.trim())
        .copied()
        .ok_or_else(|| AppError::invalid("needs.bad_category").on_field("category"))
}

/// A need as an enterprise account or a cadre files it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NeedInput {
    pub enterprise_id: i64,
    /// `labour`, `finance`, `supply_chain`, `raw_materials`, `logistics`, `policy` or `ppe`.
    pub category: String,
    /// What is needed, in a line.
    pub title: String,
    pub description: Option<String>,
    /// `normal` (default), `urgent`, `high`, `low`.
    pub priority: Option<String>,
}

/// A stored need with its ticket's state.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct NeedRow {
    pub id: i64,
    pub ticket_id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub area_code: String,
    pub category: String,
    pub title: String,
    pub description: Option<String>,
    /// The ticket's state (see the tickets module).
    pub state: String,
    pub owner_unit_id: Option<i64>,
    /// The department answering it.
    pub owner_unit_name: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue_at: Option<DateTime<Utc>>,
    /// The filer's rating: `satisfied`, `basically_satisfied`, `dissatisfied`.
    pub rating: Option<String>,
    pub filed_at: DateTime<Utc>,
    pub filed_by: String,
}

/// A need with its ticket's timeline: the department's answer is its `handle` entry.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NeedView {
    #[serde(flatten)]
    pub need: NeedRow,
    /// The department's answer: the reason given when it handled the need, if it has.
    pub answer: Option<String>,
    pub timeline: Vec<TimelineEntry>,
}

/// A rating of the answer.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct RatingInput {
    /// `satisfied`, `basically_satisfied` or `dissatisfied` (which reopens the need once).
    pub rating: String,
    pub comment: Option<String>,
}

/// Which department answers a category.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Route {
    pub category: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
}

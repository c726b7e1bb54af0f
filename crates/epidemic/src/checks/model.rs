//! Health checks as shown and as submitted, and the roster of a day.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::repo::CheckRow;

/// A recorded check.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CheckView {
    pub id: i64,
    pub person_id: i64,
    pub key_person_id: Option<i64>,
    pub area_code: String,
    /// The day (Beijing).
    pub on_date: NaiveDate,
    /// The check of the day, 1-based.
    pub slot: i32,
    /// ℃, one decimal.
    pub temperature: f64,
    /// Symptom codes (`epidemic::policy::SYMPTOMS`).
    pub symptoms: Vec<String>,
    /// A fever or an alarming symptom: an urgent ticket was opened.
    pub alarm: bool,
    pub ticket_id: Option<i64>,
    /// `staff` or `link` (the person through a one-time link).
    pub via: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl CheckView {
    pub fn from_row(row: CheckRow) -> Self {
        CheckView {
            id: row.id,
            person_id: row.person_id,
            key_person_id: row.key_person_id,
            area_code: row.area_code,
            on_date: row.on_date,
            slot: row.slot,
            temperature: f64::from(row.temperature_dc) / 10.0,
            symptoms: split_symptoms(&row.symptoms),
            alarm: row.alarm,
            ticket_id: row.ticket_id,
            via: row.via,
            recorded_at: row.recorded_at,
            recorded_by: row.recorded_by,
        }
    }
}

pub fn split_symptoms(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `POST /api/v1/epidemic/checks`
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CheckInput {
    pub person_id: i64,
    /// ℃, e.g. 37.5 (34.0–43.0).
    pub temperature: Option<f64>,
    /// Symptom codes: `fever`, `cough`, `sore_throat`, `fatigue`, `shortness_of_breath`,
    /// `loss_of_smell_taste`, `diarrhea`, `muscle_ache`.
    #[serde(default)]
    pub symptoms: Vec<String>,
    /// The check of the day (1-based); the current window's when absent.
    pub slot: Option<u32>,
}

/// Where a due check stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlotState {
    Done,
    Due,
    Missed,
}

/// One due check of the roster.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RosterEntry {
    pub person_id: i64,
    pub key_person_id: i64,
    pub person_name: String,
    pub area_code: String,
    pub slot: u32,
    pub per_day: u32,
    /// The window, Beijing time `HH:MM`.
    pub window_from: String,
    pub window_until: String,
    pub state: SlotState,
    /// ℃, when done.
    pub temperature: Option<f64>,
    pub fever: bool,
    pub alarm: bool,
}

/// `POST /api/v1/epidemic/checks/links`
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct LinkInput {
    pub person_id: i64,
}

/// A one-time link for the person to record their own check today.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LinkView {
    /// `/c/{token}`: works once, until the end of the day (Beijing).
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

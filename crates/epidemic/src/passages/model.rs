//! Passages as the API takes and shows them: a device's batch and its items, the phone form's
//! input, the stored row and the masked view.

use chrono::{DateTime, Utc};
use platform::pii::Personal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const DIRECTIONS: &[&str] = &["in", "out"];
pub const METHODS: &[&str] = &["manual", "id_reader", "code_scan"];

/// The most items in one batch.
pub const MAX_BATCH: usize = 10_000;

/// One entry or exit from a device (or the phone form).
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct PassageItem {
    /// Unique per event on this device: a retry records nothing twice.
    pub event_key: String,
    /// The registered person, when the device knows the id …
    pub person_id: Option<i64>,
    /// … else the document read (ID card reader, health-code scan).
    pub doc_type: Option<String>,
    pub doc_number: Option<String>,
    /// Name (and phone) to register a person the registry does not know yet.
    pub name: Option<String>,
    pub phone: Option<String>,
    /// The place, when not the batch's.
    pub place_id: Option<i64>,
    /// When, UTC (RFC 3339).
    pub at: DateTime<Utc>,
    /// `in` or `out`.
    pub direction: String,
    /// `manual`, `id_reader` (default) or `code_scan`.
    pub method: Option<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct Batch {
    /// The device's name; with each item's `event_key` it makes retries idempotent.
    pub device: String,
    /// The place the device stands at (items may name another).
    pub place_id: Option<i64>,
    /// At most 10,000.
    pub items: Vec<PassageItem>,
}

/// What became of one item: `created`, `duplicate` (recorded before) or `rejected`.
#[derive(Serialize, ToSchema)]
pub struct ItemResult {
    pub event_key: String,
    pub status: &'static str,
    pub id: Option<i64>,
    pub person_id: Option<i64>,
    pub error: Option<platform::api::ErrorBody>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchAnswer {
    pub created: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// One per item, in order.
    pub items: Vec<ItemResult>,
}

/// A passage checked and resolved, ready for the writer.
#[derive(Clone, Debug)]
pub struct NewPassage {
    pub person_id: i64,
    pub place_id: i64,
    pub area_code: String,
    pub at: DateTime<Utc>,
    pub direction: &'static str,
    pub method: &'static str,
    pub device: String,
    pub event_key: String,
    pub recorded_by: String,
}

/// A stored passage with the person's name and document.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PassageRow {
    pub id: i64,
    pub person_id: i64,
    pub place_id: i64,
    pub place_name: String,
    pub area_code: String,
    pub at: DateTime<Utc>,
    pub direction: String,
    pub method: String,
    pub device: String,
    pub recorded_by: String,
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
}

/// A passage as lists show it: the document masked.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PassageView {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    #[schema(value_type = String)]
    pub doc_number: Personal,
    pub place_id: i64,
    pub place_name: String,
    pub area_code: String,
    pub at: DateTime<Utc>,
    pub direction: String,
    pub method: String,
    pub device: String,
    pub recorded_by: String,
}

impl PassageView {
    pub fn from_row(r: PassageRow) -> PassageView {
        let doc_number = if r.doc_type == "resident_id" {
            Personal::id_number(r.doc_number)
        } else {
            Personal::new(
                platform::pii::PiiKind::IdNumber,
                platform::registry::person::model::mask_document(&r.doc_type, &r.doc_number),
            )
        };
        PassageView {
            id: r.id,
            person_id: r.person_id,
            name: r.name,
            doc_number,
            place_id: r.place_id,
            place_name: r.place_name,
            area_code: r.area_code,
            at: r.at,
            direction: r.direction,
            method: r.method,
            device: r.device,
            recorded_by: r.recorded_by,
        }
    }

    /// Beijing time, `YYYY-MM-DD HH:MM`.
    pub fn when(&self) -> String {
        self.at
            .with_timezone(&domain::dates::china_offset())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    pub fn masked_doc(&self) -> String {
        self.doc_number.to_string()
    }
}

//! Key persons as the API and pages show them (personal data masked), and what clients send.

use chrono::{DateTime, NaiveDate, Utc};
use platform::pii::Personal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::repo::{EventRow, ListedRow};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct KeyPersonView {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    #[schema(value_type = String)]
    pub doc_number: Personal,
    #[schema(value_type = Option<String>)]
    pub phone: Option<Personal>,
    pub area_code: String,
    /// `inbound`, `close_contact`, `secondary_contact`, `observation`, `released`, `case`.
    pub category: String,
    /// `managed`, `quarantined`, `followup`, `ended`.
    pub status: String,
    pub reason: Option<String>,
    /// `screening`, `manual`, `tracing`, `testing`.
    pub source: String,
    pub source_ref: Option<String>,
    pub exposure_on: Option<NaiveDate>,
    pub starts_on: NaiveDate,
    /// The planned end of management.
    pub ends_on: NaiveDate,
    pub grid_unit_id: Option<i64>,
    pub grid_user_id: Option<i64>,
    pub grid_user_name: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

impl KeyPersonView {
    pub fn from_row(r: ListedRow) -> KeyPersonView {
        let k = r.k;
        KeyPersonView {
            id: k.id,
            person_id: k.person_id,
            person_name: r.person_name,
            doc_number: Personal::id_number(r.doc_number),
            phone: r.phone.map(Personal::phone),
            area_code: k.area_code,
            category: k.category,
            status: k.status,
            reason: k.reason,
            source: k.source,
            source_ref: k.source_ref,
            exposure_on: k.exposure_on,
            starts_on: k.starts_on,
            ends_on: k.ends_on,
            grid_unit_id: k.grid_unit_id,
            grid_user_id: k.grid_user_id,
            grid_user_name: r.grid_user_name,
            version: k.version,
            created_at: k.created_at,
            created_by: k.created_by,
            updated_at: k.updated_at,
        }
    }
}

/// A key person with the history of every change.
#[derive(Serialize, ToSchema)]
pub struct KeyPersonDetail {
    pub key_person: KeyPersonView,
    pub history: Vec<EventRow>,
}

/// Putting a registered person under management by hand.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewKeyPersonInput {
    /// The person, by id…
    pub person_id: Option<i64>,
    /// …or by document number.
    pub doc_number: Option<String>,
    pub category: String,
    pub reason: String,
    /// Last exposure or arrival, `YYYY-MM-DD`; today when absent. Management runs from it for
    /// the policy's days for the category.
    pub exposure_on: Option<String>,
}

/// A change to an episode: `POST /api/v1/epidemic/key-persons/{id}/actions`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct KeyPersonAction {
    /// `category` (with `category`), `extend` (with `ends_on`), `assign` (with `grid_user_id`),
    /// `end` (with `reason`).
    pub action: String,
    /// The `version` read; a newer one refuses the change (409).
    pub version: i32,
    pub category: Option<String>,
    /// `YYYY-MM-DD`, later than the current end.
    pub ends_on: Option<String>,
    pub grid_user_id: Option<i64>,
    pub reason: Option<String>,
}

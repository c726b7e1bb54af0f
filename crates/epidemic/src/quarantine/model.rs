//! Orders as shown and as submitted.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::repo::{OrderEvent, OrderRow};

/// `status` of an order.
pub mod status {
    pub const REFERRED: &str = "referred";
    pub const ACTIVE: &str = "active";
    pub const RELEASED: &str = "released";
    pub const ENDED_EARLY: &str = "ended_early";
    pub const CANCELLED: &str = "cancelled";
    pub const ALL: &[&str] = &[REFERRED, ACTIVE, RELEASED, ENDED_EARLY, CANCELLED];
}

/// An order. The home address is masked.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrderView {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub key_person_id: Option<i64>,
    pub area_code: String,
    /// `centralized` or `home`.
    pub kind: String,
    /// `referred`, `active`, `released`, `ended_early`, `cancelled`.
    pub status: String,
    pub site_id: Option<i64>,
    pub site_name: Option<String>,
    pub room_id: Option<i64>,
    pub room_number: Option<String>,
    /// Masked after the township part.
    pub home_address: Option<String>,
    pub cadre_user_id: Option<i64>,
    pub cadre_name: Option<String>,
    pub reason: Option<String>,
    /// `screening`, `manual`, `tracing`, `follow_on`.
    pub source: String,
    pub starts_on: NaiveDate,
    /// The day after the last day of quarantine.
    pub planned_end: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    /// Health monitoring after release lasts until this day.
    pub followup_until: Option<NaiveDate>,
    /// Send it back with an action: a stale version is refused.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

impl OrderView {
    pub fn from_row(row: OrderRow) -> Self {
        OrderView {
            id: row.id,
            person_id: row.person_id,
            person_name: row.person_name,
            key_person_id: row.key_person_id,
            area_code: row.area_code,
            kind: row.kind,
            status: row.status,
            site_id: row.site_id,
            site_name: row.site_name,
            room_id: row.room_id,
            room_number: row.room_number,
            home_address: row.home_address.as_deref().map(domain::mask::mask_address),
            cadre_user_id: row.cadre_user_id,
            cadre_name: row.cadre_name,
            reason: row.reason,
            source: row.source,
            starts_on: row.starts_on,
            planned_end: row.planned_end,
            ended_on: row.ended_on,
            end_reason: row.end_reason,
            followup_until: row.followup_until,
            version: row.version,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
        }
    }
}

/// An order with its history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrderDetail {
    #[serde(flatten)]
    pub order: OrderView,
    pub events: Vec<OrderEvent>,
}

/// An order opened by hand for a registered person.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewOrder {
    pub person_id: i64,
    /// `centralized` or `home`.
    pub kind: String,
    /// The area the person is managed in; the person's own when absent.
    pub area_code: Option<String>,
    /// The first day, `YYYY-MM-DD` or `2020年3月10日`; today when absent.
    pub starts_on: Option<String>,
    pub reason: Option<String>,
    pub home_address: Option<String>,
    /// The key-person category when an episode must be opened (default `close_contact`).
    pub category: Option<String>,
}

/// An action on an order: `POST /api/v1/epidemic/quarantine/orders/{id}/actions`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ActionInput {
    /// `check_in`, `change_room`, `transfer`, `extend`, `end_early`, `release`.
    pub action: String,
    /// The `version` read; a newer one refuses the action (409).
    pub version: i32,
    /// `check_in`, `change_room`, `transfer` of a centralized order: the room (with a free bed).
    pub room_id: Option<i64>,
    /// `check_in` of a home order: the address (the order's when absent).
    pub home_address: Option<String>,
    /// `check_in` of a home order: the responsible cadre (a user).
    pub cadre_user_id: Option<i64>,
    /// `extend`: the new planned end, later than the current.
    pub new_end: Option<String>,
    /// `extend`, `end_early`: why (required); others: a note.
    pub reason: Option<String>,
}

pub const ACTIONS: &[&str] = &[
    "check_in",
    "change_room",
    "transfer",
    "extend",
    "end_early",
    "release",
];

//! Investigations as the API and pages show them (personal data masked), and what clients send.

use chrono::{DateTime, Utc};
use platform::pii::Personal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::repo::{CaseRow, ContactRow, InvestigationRow};

/// Starting an investigation: `POST /api/v1/epidemic/investigations`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewInvestigation {
    /// The cases' person ids (1–100): key persons of category `case` or any registered person.
    pub cases: Vec<i64>,
    /// At most 100 characters; "流调：<names of the cases>" when absent.
    pub title: Option<String>,
    /// Minutes around a case's stay (default: the policy's).
    pub window_minutes: Option<u32>,
}

/// Confirming candidates: `POST /api/v1/epidemic/investigations/{id}/confirm`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ConfirmInput {
    /// Person ids of candidates of this investigation (1–1,000).
    pub contacts: Vec<i64>,
    /// `centralized`, `home`, or absent for management in the community.
    pub quarantine: Option<String>,
}

/// Dismissing candidates: `POST /api/v1/epidemic/investigations/{id}/dismiss`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct DismissInput {
    /// Person ids of candidates of this investigation (1–1,000).
    pub contacts: Vec<i64>,
    /// Why (1–200 characters).
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InvestigationView {
    pub id: i64,
    pub title: String,
    pub area_code: String,
    /// `open`, `closed`.
    pub status: String,
    pub window_minutes: i32,
    pub last_run_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub close_contacts: i64,
    pub secondary_contacts: i64,
    pub confirmed: i64,
    pub dismissed: i64,
}

impl From<InvestigationRow> for InvestigationView {
    fn from(r: InvestigationRow) -> Self {
        InvestigationView {
            id: r.id,
            title: r.title,
            area_code: r.area_code,
            status: r.status,
            window_minutes: r.window_minutes,
            last_run_at: r.last_run_at,
            created_at: r.created_at,
            created_by: r.created_by,
            close_contacts: r.close_contacts,
            secondary_contacts: r.secondary_contacts,
            confirmed: r.confirmed,
            dismissed: r.dismissed,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub person_id: i64,
    pub name: String,
    #[schema(value_type = String)]
    pub doc_number: Personal,
    pub area_code: String,
}

impl From<CaseRow> for CaseView {
    fn from(r: CaseRow) -> Self {
        CaseView {
            person_id: r.person_id,
            name: r.name,
            doc_number: Personal::id_number(r.doc_number),
            area_code: r.area_code,
        }
    }
}

/// A candidate with their exposure: where, when, how long, via whom.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ContactView {
    pub person_id: i64,
    pub name: String,
    #[schema(value_type = String)]
    pub doc_number: Personal,
    #[schema(value_type = Option<String>)]
    pub phone: Option<Personal>,
    pub area_code: String,
    /// 1 close contact (密接), 2 secondary contact (次密接).
    pub hop: i32,
    pub via_person_id: i64,
    pub via_name: String,
    /// Absent for a contact the case named (manual contact).
    pub place_id: Option<i64>,
    pub place_name: Option<String>,
    pub first_at: Option<DateTime<Utc>>,
    pub last_at: Option<DateTime<Utc>>,
    /// Minutes together over all exposures, and how many exposures.
    pub minutes: i32,
    pub exposures: i32,
    pub relationship: Option<String>,
    /// `candidate`, `confirmed`, `dismissed`.
    pub state: String,
    pub dismissed_reason: Option<String>,
    /// The key-person episode once confirmed.
    pub key_person_id: Option<i64>,
    pub found_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

impl From<ContactRow> for ContactView {
    fn from(r: ContactRow) -> Self {
        ContactView {
            person_id: r.person_id,
            name: r.name,
            doc_number: Personal::id_number(r.doc_number),
            phone: r.phone.map(Personal::phone),
            area_code: r.area_code,
            hop: r.hop,
            via_person_id: r.via_person_id,
            via_name: r.via_name,
            place_id: r.place_id,
            place_name: r.place_name,
            first_at: r.first_at,
            last_at: r.last_at,
            minutes: r.minutes,
            exposures: r.exposures,
            relationship: r.relationship,
            state: r.state,
            dismissed_reason: r.dismissed_reason,
            key_person_id: r.key_person_id,
            found_at: r.found_at,
            decided_at: r.decided_at,
            decided_by: r.decided_by,
        }
    }
}

impl ContactView {
    /// The first exposure in China time, `MM-DD HH:MM`.
    pub fn when(&self) -> String {
        self.first_at
            .map(|t| {
                t.with_timezone(&domain::dates::china_offset())
                    .format("%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    }
}

/// An investigation with its cases and candidates.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InvestigationDetail {
    pub investigation: InvestigationView,
    pub cases: Vec<CaseView>,
    /// The page of candidates asked for (`offset`, `limit`).
    pub contacts: Vec<ContactView>,
    /// Candidates matching the filter, on every page.
    pub total_contacts: i64,
}

/// What a run added.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RunOutcome {
    pub investigation: InvestigationView,
    /// Candidates found for the first time by this run.
    pub added: usize,
}

/// One confirmed contact and the work opened for them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Confirmed {
    pub person_id: i64,
    pub key_person_id: i64,
    pub quarantine_order_id: Option<i64>,
    pub test_requirement_ids: Vec<i64>,
    pub grid_user_id: Option<i64>,
}

/// A contact already under management (an open key-person episode): confirmed, not duplicated.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AlreadyManaged {
    pub person_id: i64,
    pub key_person_id: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConfirmOutcome {
    pub confirmed: Vec<Confirmed>,
    pub already_managed: Vec<AlreadyManaged>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DismissOutcome {
    pub dismissed: usize,
}

/// The chain graph: cases, close and secondary contacts, and who exposed whom.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Graph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// Contacts left out: the graph draws the first `GRAPH_CONTACTS` in review order.
    pub left_out: usize,
}

/// The contacts a chain graph draws at most (a browser lays out a few thousand nodes).
pub const GRAPH_CONTACTS: usize = 2_000;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GraphNode {
    pub id: i64,
    pub name: String,
    /// `case`, `close`, `secondary`.
    pub kind: &'static str,
    /// For a contact: `candidate`, `confirmed`, `dismissed`.
    pub state: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GraphEdge {
    pub source: i64,
    pub target: i64,
    /// Where (absent for a manual contact).
    pub place_name: Option<String>,
}

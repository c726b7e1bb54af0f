//! A ticket as stored, as shown, and as submitted; its timeline.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A row of `tickets`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TicketRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    pub area_code: String,
    pub source: String,
    pub priority: String,
    pub state: String,
    pub paused_from: Option<String>,
    pub dispatcher_unit_id: Option<i64>,
    pub owner_unit_id: Option<i64>,
    pub owner_user_id: Option<i64>,
    pub verifier_unit_id: Option<i64>,
    pub reporter_user_id: Option<i64>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub time_limit: String,
    pub clock_from: DateTime<Utc>,
    pub extended_due: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub warned_at: Option<DateTime<Utc>>,
    pub overdue_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub escalation_level: i32,
    pub callback_done: bool,
    pub rating: Option<String>,
    pub reopened_by_rating: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A ticket as lists, pages and the API show it (the reporter's phone masked).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TicketView {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    /// `person`, `household`, `enterprise`, `place` or `area`, with `subject_id`.
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    pub area_code: String,
    pub source: String,
    /// `urgent`, `high`, `normal`, `low`.
    pub priority: String,
    /// See `domain::ticket::State`; `paused` with `paused_from`.
    pub state: String,
    pub paused_from: Option<String>,
    pub dispatcher_unit_id: Option<i64>,
    pub owner_unit_id: Option<i64>,
    pub owner_user_id: Option<i64>,
    pub verifier_unit_id: Option<i64>,
    pub reporter_name: Option<String>,
    /// Masked: `138****5678`.
    pub reporter_phone: Option<String>,
    /// As given: `13 working days`.
    pub time_limit: String,
    /// When the clock started.
    pub clock_from: DateTime<Utc>,
    /// The deadline in force; none while paused or once finished.
    pub due_at: Option<DateTime<Utc>>,
    /// Set when the deadline passed with the ticket open.
    pub overdue_at: Option<DateTime<Utc>>,
    /// 0, or 1 once escalated to the superior level (督办).
    pub escalation_level: i32,
    pub callback_done: bool,
    /// The reporter's rating at the callback: `satisfied`, `basically_satisfied`, `dissatisfied`.
    pub rating: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

impl TicketView {
    pub fn from_row(row: TicketRow) -> Self {
        TicketView {
            id: row.id,
            kind: row.kind,
            title: row.title,
            description: row.description,
            subject_kind: row.subject_kind,
            subject_id: row.subject_id,
            area_code: row.area_code,
            source: row.source,
            priority: row.priority,
            state: row.state,
            paused_from: row.paused_from,
            dispatcher_unit_id: row.dispatcher_unit_id,
            owner_unit_id: row.owner_unit_id,
            owner_user_id: row.owner_user_id,
            verifier_unit_id: row.verifier_unit_id,
            reporter_name: row.reporter_name,
            reporter_phone: row.reporter_phone.as_deref().map(domain::mask::mask_phone),
            time_limit: row.time_limit,
            clock_from: row.clock_from,
            due_at: row.due_at,
            overdue_at: row.overdue_at,
            escalation_level: row.escalation_level,
            callback_done: row.callback_done,
            rating: row.rating,
            closed_at: row.closed_at,
            version: row.version,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
        }
    }
}

/// What a client submits to open a ticket.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewTicket {
    /// A registered kind: `general`, `complaint`, `rectification`, or a module's.
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    /// `person`, `household`, `enterprise`, `place`, with `subject_id`; or neither.
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    /// The area the matter is in (the caller's or below).
    pub area_code: String,
    /// `manual` (default), `inspection`, `public_report`, `hotline`, `rule_alert`, `grid_patrol`.
    pub source: Option<String>,
    /// `normal` (default), `urgent`, `high`, `low`.
    pub priority: Option<String>,
    /// The handling unit; when absent, the subject's responsible unit if any.
    pub owner_unit_id: Option<i64>,
    pub owner_user_id: Option<i64>,
    /// The unit that verifies the work (an inspector's); the dispatcher's when absent.
    pub verifier_unit_id: Option<i64>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    /// A limit such as `3 working days` or `24小时` instead of the kind's for the priority.
    pub time_limit: Option<String>,
}

/// A move on a ticket: `POST /api/v1/tickets/{id}/actions`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ActionRequest {
    /// `file`, `dispatch`, `accept`, `handle`, `verify`, `close`, `return`, `reopen`, `cancel`,
    /// `pause`, `resume`, `extend`, `escalate`.
    pub action: String,
    /// The `version` read; a newer one refuses the move (409).
    pub version: i32,
    pub reason: Option<String>,
    /// For `dispatch`: the handling unit (and person).
    pub owner_unit_id: Option<i64>,
    pub owner_user_id: Option<i64>,
    /// For `extend`: the new deadline, `YYYY-MM-DD` (end of that working day) or RFC 3339.
    pub new_due: Option<String>,
}

/// One entry of a ticket's timeline.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct TimelineEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// A move (`dispatch`…), or `create`, `comment`, `callback`, `warn`, `overdue`.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

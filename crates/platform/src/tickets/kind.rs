//! Kinds of ticket: each module registers its own (`Module::ticket_kinds`) with the rules of
//! its life cycle (`domain::ticket::Rules`: who may make each move) and its time limits per
//! priority. The kernel's tickets module registers the general ones.

use domain::TimeLimit;
use domain::ticket::Rules;
use serde::Serialize;
use utoipa::ToSchema;

/// How urgent a ticket is; each kind gives each priority its time limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }

    pub fn parse(text: &str) -> Option<Priority> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == text.trim())
    }
}

/// Where a ticket came from.
pub const SOURCES: &[&str] = &[
    "manual",
    "inspection",
    "public_report",
    "hotline",
    "rule_alert",
    "grid_patrol",
];

/// A kind of ticket.
#[derive(Clone, Debug)]
pub struct TicketKind {
    /// Stable, snake_case: `complaint`, `economy.rectification`.
    pub code: &'static str,
    /// Catalog key of the name.
    pub label_key: &'static str,
    pub rules: Rules,
    /// Time limits as `TimeLimit` text, by priority: urgent, high, normal, low.
    pub limits: [&'static str; 4],
}

impl TicketKind {
    /// The time limit for `priority`. Kinds are checked at start (`tests/tickets.rs` parses
    /// every registered limit), so a bad text here is a programming error.
    pub fn limit(&self, priority: Priority) -> TimeLimit {
        let text = self.limits[Priority::ALL
            .iter()
            .position(|p| *p == priority)
            .expect("every priority is listed")];
        TimeLimit::parse(text).expect("registered time limits parse")
    }
}

/// The kernel's kinds: a general matter of the grid event loop, a complaint from the public
/// (13 working days, closed after the callback), and a rectification order (verified and closed
/// by the inspector's unit).
pub fn kernel_kinds() -> Vec<TicketKind> {
    vec![
        TicketKind {
            code: "general",
            label_key: "tickets.kind.general",
            rules: Rules::default(),
            limits: [
                "4 working hours",
                "1 working day",
                "5 working days",
                "10 working days",
            ],
        },
        TicketKind {
            code: "complaint",
            label_key: "tickets.kind.complaint",
            rules: Rules::complaint(),
            limits: [
                "1 working day",
                "3 working days",
                "13 working days",
                "13 working days",
            ],
        },
        TicketKind {
            code: "rectification",
            label_key: "tickets.kind.rectification",
            rules: Rules::rectification(),
            limits: [
                "1 working day",
                "3 working days",
                "10 working days",
                "20 working days",
            ],
        },
    ]
}

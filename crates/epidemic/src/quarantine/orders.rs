//! Quarantine orders: opening one (from a screening's referral, a trace, or by hand) with its
//! planned end from the policy.

use chrono::{Days, NaiveDate, Utc};
use platform::db::Tx;
use platform::error::AppResult;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::policy::Policy;

/// Centralized (at a site) or at home.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Centralized,
    Home,
}

impl OrderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Centralized => "centralized",
            OrderKind::Home => "home",
        }
    }

    pub fn parse(text: &str) -> Option<OrderKind> {
        match text.trim() {
            "centralized" => Some(OrderKind::Centralized),
            "home" => Some(OrderKind::Home),
            _ => None,
        }
    }

    /// Days of quarantine under `policy`.
    pub fn days(self, policy: &Policy) -> u32 {
        match self {
            OrderKind::Centralized => policy.quarantine.centralized_days,
            OrderKind::Home => policy.quarantine.home_days,
        }
    }
}

/// What a referral to quarantine carries.
#[derive(Clone, Debug)]
pub struct Referral<'a> {
    pub person_id: i64,
    pub key_person_id: Option<i64>,
    /// The area the person is managed in (their destination, their village).
    pub area_code: &'a str,
    pub kind: OrderKind,
    pub reason: Option<&'a str>,
    /// `screening`, `manual`, `tracing`.
    pub source: &'a str,
    pub source_ref: Option<String>,
    pub starts_on: NaiveDate,
    pub home_address: Option<&'a str>,
}

/// The planned end of an order of `kind` starting on `starts_on`: the day after its last day.
pub fn planned_end(policy: &Policy, kind: OrderKind, starts_on: NaiveDate) -> NaiveDate {
    starts_on
        .checked_add_days(Days::new(u64::from(kind.days(policy))))
        .unwrap_or(starts_on)
}

/// Opens a referred order (waiting for check-in) inside the caller's transaction, or answers the
/// person's open order when there is one: a person is in at most one quarantine.
pub async fn refer_in(
    tx: &mut Tx,
    actor_name: &str,
    policy: &Policy,
    referral: &Referral<'_>,
) -> AppResult<i64> {
    const OPEN: &str = "SELECT id FROM epi_quarantine_orders WHERE person_id = $1 \
         AND status IN ('referred', 'active')";
    const INSERT: &str = "INSERT INTO epi_quarantine_orders (person_id, key_person_id, area_code, \
         kind, status, home_address, reason, source, source_ref, starts_on, planned_end, \
         created_at, created_by, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, 'referred', $5, $6, $7, $8, $9, $10, $11, $12, $11, $12) RETURNING id";
    const EVENT: &str = "INSERT INTO epi_quarantine_events (order_id, action, detail, happened_at, by_name) \
         VALUES ($1, 'refer', $2, $3, $4)";
    let open: Option<i64> = platform::with_conn!(tx, conn => sqlx::query_scalar(OPEN)
        .bind(referral.person_id).fetch_optional(conn).await)?;
    if let Some(id) = open {
        return Ok(id);
    }
    let now = Utc::now();
    let end = planned_end(policy, referral.kind, referral.starts_on);
    let id: i64 = platform::with_conn!(tx, conn => sqlx::query_scalar(INSERT)
        .bind(referral.person_id).bind(referral.key_person_id).bind(referral.area_code)
        .bind(referral.kind.as_str()).bind(referral.home_address).bind(referral.reason)
        .bind(referral.source).bind(referral.source_ref.as_deref())
        .bind(referral.starts_on).bind(end).bind(now).bind(actor_name)
        .fetch_one(conn).await)?;
    platform::with_conn!(tx, conn => sqlx::query(EVENT)
        .bind(id).bind(referral.reason).bind(now).bind(actor_name)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(id)
}

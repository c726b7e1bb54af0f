//! `GET /api/v1/audit`: the audit log for auditors, newest first, filtered, one keyset page at a
//! time. An auditor sees the entries of their area's subtree and those without an area.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::chain::Entry;
use super::repo::{self, Filter};
use crate::api::{ApiQuery, ErrorBody, ListPage, ListParams, page_of};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Deserialize, IntoParams, Default, Clone, Debug)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Who acted: a user name, `token:NAME`, `cli:USER` or `anonymous`.
    pub actor: Option<String>,
    /// An action (`user.create`), or every action of a kind ending in a dot (`user.`).
    pub action: Option<String>,
    /// From this day (Beijing time, `2020-02-03`) or instant (RFC 3339).
    pub from: Option<String>,
    /// Up to and including this day (Beijing time), or before this instant (RFC 3339).
    pub to: Option<String>,
    /// Kind of record: `user`, `token`, `unit`, `session`…
    pub record_kind: Option<String>,
    /// The record's id.
    pub record_id: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An entry as auditors see it.
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    /// Position in the chain: 1, 2, 3… without gaps.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// The acting user's id; null for tokens, the command line and anonymous callers.
    pub actor_id: Option<i64>,
    pub actor: String,
    pub client_addr: Option<String>,
    pub action: String,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub area_code: Option<String>,
    pub reason: Option<String>,
    /// The record's fields before the change.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The record's fields after the change.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    pub prev_hash: String,
    /// SHA-256 of the entry's canonical form, `prev_hash` included.
    pub hash: String,
}

impl From<Entry> for AuditEntry {
    fn from(e: Entry) -> Self {
        let parse =
            |t: Option<String>| t.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)));
        AuditEntry {
            seq: e.seq,
            at: e.at,
            actor_id: e.actor_id,
            actor: e.actor_name,
            client_addr: e.client_addr,
            action: e.action,
            record_kind: e.record_kind,
            record_id: e.record_id,
            area_code: e.area_code,
            reason: e.reason,
            before: parse(e.before_json),
            after: parse(e.after_json),
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// A day (Beijing time) or an RFC 3339 instant; `end_of_day` moves a day to the next midnight.
fn instant(text: &str, field: &str, end_of_day: bool) -> AppResult<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(at.with_timezone(&Utc));
    }
    let day: NaiveDate =
        domain::parse_date_lenient(text).map_err(|e| AppError::from(e).on_field(field))?;
    let day = if end_of_day {
        day.succ_opt()
            .ok_or_else(|| AppError::invalid("audit.bad_date").on_field(field))?
    } else {
        day
    };
    let midnight = day
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(domain::china_offset()).single())
        .ok_or_else(|| AppError::invalid("audit.bad_date").on_field(field))?;
    Ok(midnight.with_timezone(&Utc))
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The filter a query asks for, within the auditor's subtree.
pub fn filter_of(user: &CurrentUser, q: &AuditQuery) -> AppResult<Filter> {
    let from = nonempty(&q.from)
        .map(|t| instant(&t, "from", false))
        .transpose()?;
    let until = nonempty(&q.to)
        .map(|t| instant(&t, "to", true))
        .transpose()?;
    Ok(Filter {
        actor: nonempty(&q.actor),
        action: nonempty(&q.action),
        from,
        until,
        record_kind: nonempty(&q.record_kind),
        record_id: nonempty(&q.record_id),
        scope: user.area.subtree_range(),
    })
}

/// One page of entries for a query: `limit + 1` fetched so the page knows whether more follow.
pub async fn page(
    state: &AppState,
    user: &CurrentUser,
    q: &AuditQuery,
) -> AppResult<ListPage<Entry>> {
    let paging = ListParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = paging.limit()?;
    let before = match paging.after()? {
        None => None,
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| AppError::invalid("api.bad_cursor").on_field("cursor"))?,
        ),
    };
    let filter = filter_of(user, q)?;
    let rows = repo::list(state.db(), &filter, before, limit + 1).await?;
    Ok(page_of(rows, limit, |e| e.seq.to_string()))
}

#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "Audit entries, newest first", body = ListPage<AuditEntry>),
        (status = 403, description = "Only auditors read the audit log", body = ErrorBody),
        (status = 422, description = "Bad date, limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> AppResult<Json<ListPage<AuditEntry>>> {
    let listed = page(&state, &user, &q).await?;
    Ok(Json(ListPage {
        items: listed.items.into_iter().map(AuditEntry::from).collect(),
        next_cursor: listed.next_cursor,
    }))
}

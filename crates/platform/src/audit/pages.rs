//! `/audit`: the audit log for auditors — filters (actor, action, dates, record) and pages of
//! entries, newest first.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use chrono::{DateTime, Utc};

use super::api::{AuditQuery, page};
use super::chain::Entry;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{Page, render};

/// Actions the kernel records, offered as suggestions in the filter.
pub const KERNEL_ACTIONS: &[&str] = &[
    "session.login",
    "session.logout",
    "session.logout_all",
    "session.throttled",
    "user.create",
    "user.disable",
    "user.enable",
    "user.password_change",
    "user.password_set",
    "user.pii_grant",
    "user.pii_revoke",
    "unit.create",
    "module.grant",
    "module.revoke",
    "token.create",
    "token.revoke",
    "pii.reveal",
    "export.pii",
    "system.demo",
];

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    page: Page,
    entries: Vec<Entry>,
    next_cursor: Option<String>,
    q: AuditQuery,
    actions: &'static [&'static str],
    /// A filter that could not be understood, and why.
    error: Option<(String, String)>,
}

impl ListPage {
    fn empty() -> crate::api::ListPage<Entry> {
        crate::api::ListPage {
            items: Vec::new(),
            next_cursor: None,
        }
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    fn value<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }

    fn at(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&domain::china_offset())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    fn record(&self, e: &Entry) -> String {
        match (&e.record_kind, &e.record_id) {
            (Some(kind), Some(id)) => format!("{kind}:{id}"),
            (Some(kind), None) => kind.clone(),
            _ => String::new(),
        }
    }

    fn change(&self, e: &Entry) -> String {
        match (&e.before_json, &e.after_json) {
            (Some(b), Some(a)) => format!("{b} → {a}"),
            (None, Some(a)) => a.clone(),
            (Some(b), None) => b.clone(),
            (None, None) => String::new(),
        }
    }

    fn short_hash<'a>(&self, hash: &'a str) -> &'a str {
        &hash[..hash.len().min(12)]
    }

    fn next_href(&self, cursor: &str) -> String {
        let q = &self.q;
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("actor", self.value(&q.actor))
            .append_pair("action", self.value(&q.action))
            .append_pair("from", self.value(&q.from))
            .append_pair("to", self.value(&q.to))
            .append_pair("record_kind", self.value(&q.record_kind))
            .append_pair("record_id", self.value(&q.record_id))
            .append_pair("cursor", cursor)
            .finish();
        format!("/audit?{query}")
    }
}

/// `GET /audit`
pub async fn list(
    State(state): State<AppState>,
    page_ctx: Page,
    user: CurrentUser,
    Query(mut q): Query<AuditQuery>,
) -> AppResult<Html<String>> {
    q.limit = None;
    let (listed, error) = match page(&state, &user, &q).await {
        Ok(listed) => (listed, None),
        Err(err) if err.status.is_client_error() => {
            let message = page_ctx.t(&err.key).to_string();
            (
                ListPage::empty(),
                Some((err.field.clone().unwrap_or_default(), message)),
            )
        }
        Err(err) => return Err(err),
    };
    render(&ListPage {
        page: page_ctx.titled("audit.title"),
        entries: listed.items,
        next_cursor: listed.next_cursor,
        q,
        actions: KERNEL_ACTIONS,
        error,
    })
}

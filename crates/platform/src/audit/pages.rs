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
use crate::web::kit::{Cell, Column, Field, FieldKind, Table};
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

    /// The log as a kit table under its filters.
    fn table(&self) -> Table {
        let tr = &self.page.tr;
        let q = &self.q;
        let mut table = Table::new("audit-table", tr.t("audit.title"), "/audit").labels(tr);
        table.columns = vec![
            Column::new("seq", tr.t("audit.seq")).numeric(),
            Column::new("at", tr.t("audit.at")),
            Column::new("actor", tr.t("audit.actor")),
            Column::new("client_addr", tr.t("audit.client_addr")),
            Column::new("action", tr.t("audit.action")),
            Column::new("record", tr.t("audit.record")),
            Column::new("area", tr.t("audit.area")),
            Column::new("reason", tr.t("audit.reason")),
            Column::new("change", tr.t("audit.change")),
            Column::new("hash", tr.t("audit.hash")),
        ];
        table.rows = self
            .entries
            .iter()
            .map(|e| {
                vec![
                    Cell::Num(e.seq.to_string()),
                    Cell::text(self.at(&e.at)),
                    Cell::Code(e.actor_name.clone()),
                    Cell::text(e.client_addr.clone().unwrap_or_default()),
                    Cell::Code(e.action.clone()),
                    Cell::text(self.record(e)),
                    Cell::Code(e.area_code.clone().unwrap_or_default()),
                    Cell::text(e.reason.clone().unwrap_or_default()),
                    Cell::Code(self.change(e)),
                    Cell::Code(self.short_hash(&e.hash).to_string()),
                ]
            })
            .collect();
        table.query = [
            ("actor", &q.actor),
            ("action", &q.action),
            ("from", &q.from),
            ("to", &q.to),
            ("record_kind", &q.record_kind),
            ("record_id", &q.record_id),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), self.value(v).to_string()))
        .collect();
        table.next_cursor = self.next_cursor.clone();
        table.empty_text = tr.t("audit.none").to_string();
        let field = |name: &str, label: &str, kind: FieldKind, value: &Option<String>| {
            let field = Field::new(name, tr.t(label), kind).value(self.value(value));
            match self.error_for(name) {
                Some(message) => field.error(message),
                None => field,
            }
        };
        table.filters = vec![
            field("actor", "audit.actor", FieldKind::Text, &q.actor),
            field("action", "audit.action", FieldKind::Text, &q.action)
                .placeholder(self.actions.join(" ")),
            field("from", "audit.from", FieldKind::Date, &q.from).placeholder("2020-02-03"),
            field("to", "audit.to", FieldKind::Date, &q.to).placeholder("2020-02-03"),
            field(
                "record_kind",
                "audit.record_kind",
                FieldKind::Text,
                &q.record_kind,
            ),
            field(
                "record_id",
                "audit.record_id",
                FieldKind::Text,
                &q.record_id,
            ),
        ];
        table
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

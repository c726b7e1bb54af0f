//! The ledger export: the ticket list with the list's filters, to xlsx or CSV, with the owner
//! unit's name. The reporter's name and phone are not exported.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::api::filter_of;
use super::pages::ListQuery;
use super::repo;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::tabular::{Cell, describe_filter};
use crate::web::download::ExportSink;

const PAGE: u32 = 2000;

/// Beijing time, to the minute.
fn when(at: Option<DateTime<Utc>>) -> String {
    at.map(|d| {
        d.with_timezone(&domain::dates::china_offset())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

async fn unit_name(state: &AppState, id: i64) -> AppResult<String> {
    const SQL: &str = "SELECT name FROM org_units WHERE id = $1";
    let name: Option<String> = crate::with_db!(state.db(), pool =>
        sqlx::query_scalar(SQL).bind(id).fetch_optional(pool).await)?;
    Ok(name.unwrap_or_else(|| id.to_string()))
}

/// `GET /tickets/export/{xlsx|csv}?kind=&state=&open=&overdue=&area=&owner_unit_id=&from=&to=`
pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Path(format): Path<String>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let api_query = query.to_api()?;
    let filter = filter_of(&state, &user, &api_query)?;
    let headers: Vec<&str> = [
        "tickets.col_id",
        "tickets.title",
        "tickets.col_kind",
        "tickets.state",
        "tickets.priority_label",
        "tickets.source_label",
        "tickets.col_area",
        "tickets.owner_unit",
        "tickets.due",
        "tickets.col_overdue",
        "tickets.col_created",
        "tickets.col_closed",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let kind = filter
        .kind
        .as_deref()
        .and_then(|k| state.ticket_kind(k))
        .map(|k| tr.t(k.label_key).to_string())
        .unwrap_or_default();
    let state_label = filter
        .state
        .as_deref()
        .map(|s| tr.t(&format!("ticket.state.{s}")).to_string())
        .unwrap_or_default();
    let owner = match filter.owner_unit_id {
        Some(id) => unit_name(&state, id).await?,
        None => String::new(),
    };
    let yes = tr.t("tickets.yes");
    let flag = |on: bool| if on { yes } else { "" };
    let described: Vec<(&str, &str)> = [
        (tr.t("tickets.col_area"), query.area.trim()),
        (tr.t("tickets.col_kind"), kind.as_str()),
        (tr.t("tickets.state"), state_label.as_str()),
        (tr.t("tickets.only_open"), flag(filter.open)),
        (tr.t("tickets.only_overdue"), flag(filter.overdue)),
        (tr.t("tickets.owner_unit"), owner.as_str()),
        (tr.t("tickets.created_from"), query.from.trim()),
        (tr.t("tickets.created_to"), query.to.trim()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let described = describe_filter(&tr, &described);
    let title = tr.t("tickets.list_title").to_string();
    let mut sink = ExportSink::new(&format, &title, &described, &headers)?;
    let no = tr.t("tickets.no");
    let mut before = i64::MAX;
    loop {
        let rows = repo::ledger(state.db(), &filter, before, PAGE).await?;
        let Some(last) = rows.last().map(|r| r.ticket.id) else {
            break;
        };
        for row in rows {
            let t = &row.ticket;
            let kind = state
                .ticket_kind(&t.kind)
                .map(|k| tr.t(k.label_key).to_string())
                .unwrap_or_else(|| t.kind.clone());
            let overdue = t.overdue_at.is_some()
                || matches!((t.closed_at, t.due_at), (Some(c), Some(d)) if c > d);
            sink.push(&[
                Cell::Int(t.id),
                Cell::Text(&t.title),
                Cell::Text(&kind),
                Cell::Text(tr.t(&format!("ticket.state.{}", t.state))),
                Cell::Text(tr.t(&format!("tickets.priority.{}", t.priority))),
                Cell::Text(tr.t(&format!("tickets.source.{}", t.source))),
                Cell::Id(&t.area_code),
                row.owner_unit_name
                    .as_deref()
                    .map(Cell::Text)
                    .unwrap_or(Cell::Empty),
                Cell::Text(&when(t.due_at)),
                Cell::Text(if overdue { yes } else { no }),
                Cell::Text(&when(Some(t.created_at))),
                Cell::Text(&when(t.closed_at)),
            ])?;
        }
        before = last;
    }
    sink.finish().await
}

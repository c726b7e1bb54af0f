//! `/api/v1/epidemic/investigations`: start an investigation (runs the trace and keeps the
//! candidates), list and read them, re-run, confirm and dismiss candidates, the chain graph.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use platform::AppState;
use platform::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{
    ConfirmInput, ConfirmOutcome, DismissInput, DismissOutcome, GRAPH_CONTACTS, Graph, GraphEdge,
    GraphNode, InvestigationDetail, InvestigationView, NewInvestigation, RunOutcome,
};
use super::{repo, service, state};

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct InvestigationQuery {
    /// An area of the caller's (default: the caller's own).
    pub area: Option<String>,
    /// `open` or `closed`; both when absent.
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    q: &InvestigationQuery,
    limit: u32,
) -> AppResult<ListPage<InvestigationView>> {
    let scope = platform::areas::api::scope_range(user, q.area.as_deref(), "area")?;
    let status = q.status.as_deref().map(str::trim).unwrap_or_default();
    if !["", "open", "closed"].contains(&status) {
        return Err(AppError::invalid("investigation.bad_status").on_field("status"));
    }
    let before = match platform::api::id_cursor(q.cursor.as_deref())? {
        0 => i64::MAX,
        n => n,
    };
    let rows = repo::list(state.db(), &scope, status, before, limit + 1).await?;
    let page = platform::api::page_of(rows, limit, |r| r.id.to_string());
    Ok(ListPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    })
}

#[utoipa::path(get, path = "/api/v1/epidemic/investigations", tag = "epidemic", params(InvestigationQuery),
    responses(
        (status = 200, description = "Investigations of the caller's area, newest first, with their counts", body = ListPage<InvestigationView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<InvestigationQuery>,
) -> AppResult<Json<ListPage<InvestigationView>>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &q, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/epidemic/investigations", tag = "epidemic", request_body = NewInvestigation,
    responses(
        (status = 201, description = "Started: the trace ran and its candidates are stored", body = InvestigationView),
        (status = 422, description = "No cases, too many, a person unknown or outside the caller's area, a bad title or window", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<NewInvestigation>,
) -> AppResult<(StatusCode, Json<InvestigationView>)> {
    let created = service::create(&state, &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct DetailQuery {
    /// 1 close contacts, 2 secondary contacts; both when absent.
    pub hop: Option<i32>,
    /// `candidate`, `confirmed`, `dismissed`; all when absent.
    pub state: Option<String>,
    /// Candidates per page, 1–5,000 (default 500).
    pub limit: Option<i64>,
    /// Candidates to skip (default 0).
    pub offset: Option<i64>,
}

/// The page a detail query asks for: (offset, limit).
pub fn window_of(q: &DetailQuery, default_limit: i64) -> AppResult<(i64, i64)> {
    let limit = q.limit.unwrap_or(default_limit);
    if !(1..=5_000).contains(&limit) {
        return Err(AppError::invalid("investigation.bad_limit").on_field("limit"));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(AppError::invalid("investigation.bad_offset").on_field("offset"));
    }
    Ok((offset, limit))
}

/// Checks a detail filter.
pub fn filter_of(q: &DetailQuery) -> AppResult<(Option<i32>, Option<&str>)> {
    let hop = q.hop.filter(|h| *h != 0);
    if hop.is_some_and(|h| h != 1 && h != 2) {
        return Err(AppError::invalid("investigation.bad_hop").on_field("hop"));
    }
    let wanted = q.state.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if wanted.is_some_and(|s| !state::ALL.contains(&s)) {
        return Err(AppError::invalid("investigation.bad_state").on_field("state"));
    }
    Ok((hop, wanted))
}

#[utoipa::path(get, path = "/api/v1/epidemic/investigations/{id}", tag = "epidemic",
    params(("id" = i64, Path, description = "Investigation id"), DetailQuery),
    responses(
        (status = 200, description = "The investigation, its cases and candidates with their exposure, personal data masked", body = InvestigationDetail),
        (status = 404, description = "No such investigation in the caller's area", body = ErrorBody),
        (status = 422, description = "Bad filter", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<DetailQuery>,
) -> AppResult<Json<InvestigationDetail>> {
    let filter = filter_of(&q)?;
    let window = window_of(&q, 500)?;
    Ok(Json(
        service::detail(&state, &user, id, filter, Some(window)).await?,
    ))
}

/// The chain graph of an investigation.
pub async fn graph_of(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Graph> {
    let d = service::detail(state, user, id, (None, None), None).await?;
    let left_out = d.contacts.len().saturating_sub(GRAPH_CONTACTS);
    let mut nodes: Vec<GraphNode> = d
        .cases
        .iter()
        .map(|c| GraphNode {
            id: c.person_id,
            name: c.name.clone(),
            kind: "case",
            state: None,
        })
        .collect();
    let mut edges = Vec::new();
    for c in d.contacts.iter().take(GRAPH_CONTACTS) {
        nodes.push(GraphNode {
            id: c.person_id,
            name: c.name.clone(),
            kind: if c.hop == 1 { "close" } else { "secondary" },
            state: Some(c.state.clone()),
        });
        edges.push(GraphEdge {
            source: c.via_person_id,
            target: c.person_id,
            place_name: c.place_name.clone(),
        });
    }
    Ok(Graph {
        nodes,
        edges,
        left_out,
    })
}

#[utoipa::path(get, path = "/api/v1/epidemic/investigations/{id}/graph", tag = "epidemic",
    params(("id" = i64, Path, description = "Investigation id")),
    responses(
        (status = 200, description = "Nodes (cases, close and secondary contacts) and edges (who exposed whom, where)", body = Graph),
        (status = 404, description = "No such investigation in the caller's area", body = ErrorBody),
    ))]
pub async fn graph(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Graph>> {
    Ok(Json(graph_of(&state, &user, id).await?))
}

#[utoipa::path(post, path = "/api/v1/epidemic/investigations/{id}/run", tag = "epidemic",
    params(("id" = i64, Path, description = "Investigation id")),
    responses(
        (status = 200, description = "Ran again: newly found candidates added, decisions kept", body = RunOutcome),
        (status = 404, description = "No such investigation in the caller's area", body = ErrorBody),
        (status = 409, description = "The investigation is closed", body = ErrorBody),
    ))]
pub async fn run(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Json<RunOutcome>> {
    Ok(Json(service::run(&state, &actor, &user, id).await?))
}

#[utoipa::path(post, path = "/api/v1/epidemic/investigations/{id}/confirm", tag = "epidemic",
    params(("id" = i64, Path, description = "Investigation id")), request_body = ConfirmInput,
    responses(
        (status = 200, description = "Confirmed in one transaction: key persons, quarantine orders and test requirements opened, assigned to the grid workers of the contacts' grids; people already managed reported", body = ConfirmOutcome),
        (status = 404, description = "No such investigation in the caller's area", body = ErrorBody),
        (status = 409, description = "The investigation is closed", body = ErrorBody),
        (status = 422, description = "A person is not a candidate of this investigation, already confirmed, or a bad quarantine kind; nothing changed", body = ErrorBody),
    ))]
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> AppResult<Json<ConfirmOutcome>> {
    Ok(Json(
        service::confirm(&state, &actor, &user, id, &input).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/epidemic/investigations/{id}/dismiss", tag = "epidemic",
    params(("id" = i64, Path, description = "Investigation id")), request_body = DismissInput,
    responses(
        (status = 200, description = "Dismissed with the reason", body = DismissOutcome),
        (status = 404, description = "No such investigation in the caller's area", body = ErrorBody),
        (status = 422, description = "A person is not a candidate of this investigation or already confirmed, or no reason; nothing changed", body = ErrorBody),
    ))]
pub async fn dismiss(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DismissInput>,
) -> AppResult<Json<DismissOutcome>> {
    Ok(Json(
        service::dismiss(&state, &actor, &user, id, &input).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/epidemic/investigations/{id}/close", tag = "epidemic",
    params(("id" = i64, Path, description = "Investigation id")),
    responses(
        (status = 200, description = "Closed: no more runs or decisions", body = InvestigationView),
        (status = 404, description = "No such investigation in the caller's area", body = ErrorBody),
        (status = 409, description = "Already closed", body = ErrorBody),
    ))]
pub async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Json<InvestigationView>> {
    Ok(Json(service::close(&state, &actor, &user, id).await?))
}

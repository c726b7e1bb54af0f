//! `/api/v1/tickets`: open, list, read with the timeline and the moves on offer, move, comment,
//! record the callback; `/api/v1/inbox`: my work.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use domain::ticket::Action;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::inbox::{self, Inbox};
use super::model::{ActionRequest, NewTicket, TicketView, TimelineEntry};
use super::{repo, service};
use crate::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// Only tickets in this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    pub kind: Option<String>,
    /// A state code: `dispatched`, `handled`, `closed`…
    pub state: Option<String>,
    /// Only open tickets (not closed or cancelled).
    pub open: Option<bool>,
    /// Only open tickets past their deadline.
    pub overdue: Option<bool>,
    /// Only tickets about this record: `enterprise:12`.
    pub subject: Option<String>,
    /// Only tickets handled by this unit (its id).
    pub owner_unit_id: Option<i64>,
    /// Only tickets created on or after this day, `YYYY-MM-DD` (Beijing time).
    pub from: Option<String>,
    /// Only tickets created on or before this day, `YYYY-MM-DD` (Beijing time).
    pub to: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// From (inclusive) and until (exclusive), each optional.
pub type Period = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The instants bounding tickets created from day `from` through day `to` (Beijing dates,
/// `YYYY-MM-DD`), each optional; a bad date or `to` before `from` is refused on its field.
pub fn period_of(from: Option<&str>, to: Option<&str>) -> AppResult<Period> {
    fn day(text: Option<&str>, field: &str) -> AppResult<Option<NaiveDate>> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .filter(|d| (1970..3000).contains(&d.year()))
                .map(Some)
                .ok_or_else(|| AppError::invalid("tickets.bad_date").on_field(field)),
        }
    }
    let (from, to) = (day(from, "from")?, day(to, "to")?);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(AppError::invalid("tickets.bad_period").on_field("to"));
    }
    let start = |d: NaiveDate| {
        d.and_time(NaiveTime::MIN)
            .and_local_timezone(domain::dates::china_offset())
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    Ok((
        from.and_then(start),
        to.and_then(|d| d.succ_opt()).and_then(start),
    ))
}

/// The repository filter a list query asks for, validated and scoped to the caller's area.
pub fn filter_of(
    state: &AppState,
    user: &CurrentUser,
    query: &TicketQuery,
) -> AppResult<repo::Filter> {
    let scope = crate::areas::api::scope_range(user, query.area.as_deref(), "area")?;
    fn some(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|t| !t.is_empty())
    }
    if let Some(kind) = some(&query.kind)
        && state.ticket_kind(kind).is_none()
    {
        return Err(AppError::invalid("tickets.unknown_kind").on_field("kind"));
    }
    if let Some(s) = some(&query.state)
        && domain::ticket::State::parse(s, Some("dispatched")).is_err()
        && domain::ticket::State::parse(s, None).is_err()
    {
        return Err(AppError::invalid("ticket.error.unknown_state").on_field("state"));
    }
    let subject = match some(&query.subject) {
        None => None,
        Some(s) => {
            let (kind, id) = s
                .split_once(':')
                .and_then(|(k, id)| Some((k.to_string(), id.parse::<i64>().ok()?)))
                .ok_or_else(|| AppError::invalid("tickets.bad_subject").on_field("subject"))?;
            Some((kind, id))
        }
    };
    let (from, until) = period_of(query.from.as_deref(), query.to.as_deref())?;
    Ok(repo::Filter {
        scope,
        kind: some(&query.kind).map(str::to_string),
        state: some(&query.state).map(str::to_string),
        open: query.open.unwrap_or(false),
        overdue: query.overdue.unwrap_or(false),
        owner_unit_id: query.owner_unit_id,
        subject,
        from,
        until,
    })
}

pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    query: &TicketQuery,
    limit: u32,
) -> AppResult<ListPage<TicketView>> {
    let filter = filter_of(state, user, query)?;
    let before = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => i64::MAX,
        Some(c) => crate::api::id_cursor(Some(c))?,
    };
    let rows = repo::list(state.db(), &filter, before, limit + 1).await?;
    let page = crate::api::page_of(rows, limit, |r| r.id.to_string());
    Ok(ListPage {
        items: page.items.into_iter().map(TicketView::from_row).collect(),
        next_cursor: page.next_cursor,
    })
}

#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketQuery),
    responses(
        (status = 200, description = "Tickets in the caller's area, newest first", body = ListPage<TicketView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<TicketQuery>,
) -> AppResult<Json<ListPage<TicketView>>> {
    let limit = crate::api::ListParams {
        limit: query.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &query, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = NewTicket,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same key again (from the same caller) answers the ticket the first request made, with 200, instead of making another")),
    responses(
        (status = 201, description = "Opened; dispatched at once when a handling unit is known", body = TicketView),
        (status = 200, description = "A retry: the ticket made by the first request with this Idempotency-Key", body = TicketView),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    headers: axum::http::HeaderMap,
    ApiJson(input): ApiJson<NewTicket>,
) -> AppResult<Response> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| AppError::invalid("tickets.bad_idempotency_key"))?,
        ),
    };
    let opened = service::open(&state, &actor, &user, &input, key).await?;
    let status = if opened.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(opened.ticket)).into_response())
}

/// A ticket with its timeline and the moves the caller may make.
#[derive(Serialize, ToSchema)]
pub struct TicketDetail {
    pub ticket: TicketView,
    pub timeline: Vec<TimelineEntry>,
    pub attachments: Vec<super::attachments::AttachmentView>,
    /// Action codes for `POST /api/v1/tickets/{id}/actions`.
    pub actions: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The ticket, its timeline and the caller's moves", body = TicketDetail),
        (status = 404, description = "No such ticket in the caller's area or work", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<TicketDetail>> {
    let row = service::get_scoped(state.db(), &user, id).await?;
    let actions = service::available(&state, &user, &row)
        .await?
        .into_iter()
        .map(|a: Action| a.as_str().to_string())
        .collect();
    Ok(Json(TicketDetail {
        timeline: repo::timeline(state.db(), id).await?,
        attachments: super::attachments::list(state.db(), id).await?,
        ticket: TicketView::from_row(row),
        actions,
    }))
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/actions", tag = "tickets", request_body = ActionRequest,
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "Moved", body = TicketView),
        (status = 403, description = "The caller's part in the ticket does not allow this move", body = ErrorBody),
        (status = 404, description = "No such ticket in the caller's area or work", body = ErrorBody),
        (status = 409, description = "Not in this state, moved by someone else since `version`, or a precondition (verification, callback) missing", body = ErrorBody),
        (status = 422, description = "Unknown action, missing reason, bad deadline or unit", body = ErrorBody),
    ))]
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: Tr,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<ActionRequest>,
) -> AppResult<Json<TicketView>> {
    Ok(Json(
        service::act(&state, &actor, &user, &tr, id, &request).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NoteRequest {
    pub text: String,
    /// At the callback: `satisfied`, `basically_satisfied` or `dissatisfied` (which reopens a
    /// handled or closed ticket, once).
    pub rating: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/comments", tag = "tickets", request_body = NoteRequest,
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 204, description = "On the timeline"),
        (status = 404, description = "No such ticket in the caller's area or work", body = ErrorBody),
        (status = 422, description = "Empty or too long", body = ErrorBody),
    ))]
pub async fn comment(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<NoteRequest>,
) -> AppResult<StatusCode> {
    service::note(
        &state,
        &actor,
        &user,
        id,
        &request.text,
        false,
        request.rating.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/callback", tag = "tickets", request_body = NoteRequest,
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 204, description = "The callback (回访) to the reporting citizen is recorded"),
        (status = 403, description = "The caller has no part in the ticket", body = ErrorBody),
        (status = 404, description = "No such ticket in the caller's area or work", body = ErrorBody),
        (status = 422, description = "No note of the callback", body = ErrorBody),
    ))]
pub async fn callback(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<NoteRequest>,
) -> AppResult<StatusCode> {
    service::note(
        &state,
        &actor,
        &user,
        id,
        &request.text,
        true,
        request.rating.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A registered kind of ticket.
#[derive(Serialize, ToSchema)]
pub struct KindView {
    pub code: String,
    pub name: String,
    /// Time limits by priority.
    pub urgent: String,
    pub high: String,
    pub normal: String,
    pub low: String,
}

#[utoipa::path(get, path = "/api/v1/tickets/kinds", tag = "tickets",
    responses((status = 200, description = "Every registered kind with its time limits", body = Vec<KindView>)))]
pub async fn kinds(State(state): State<AppState>, tr: Tr) -> Json<Vec<KindView>> {
    Json(
        state
            .ticket_kinds()
            .iter()
            .map(|k| KindView {
                code: k.code.to_string(),
                name: tr.t(k.label_key).to_string(),
                urgent: k.limits[0].to_string(),
                high: k.limits[1].to_string(),
                normal: k.limits[2].to_string(),
                low: k.limits[3].to_string(),
            })
            .collect(),
    )
}

#[utoipa::path(get, path = "/api/v1/inbox", tag = "tickets",
    responses((status = 200, description = "What the caller and their unit must do", body = Inbox)))]
pub async fn my_inbox(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Inbox>> {
    Ok(Json(inbox::of(state.db(), &user).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ReadRequest {
    /// Notices up to this id are marked read.
    pub up_to: i64,
}

#[utoipa::path(post, path = "/api/v1/inbox/read", tag = "tickets", request_body = ReadRequest,
    responses((status = 204, description = "Marked read")))]
pub async fn mark_read(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(request): ApiJson<ReadRequest>,
) -> AppResult<StatusCode> {
    inbox::mark_read(state.db(), &user, request.up_to).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The multipart form of an attachment.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AttachmentForm {
    /// JPEG, PNG, HEIC, PDF, docx or xlsx, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/attachments", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body(content_type = "multipart/form-data", content = AttachmentForm),
    responses(
        (status = 201, description = "Attached, and on the timeline", body = super::attachments::AttachmentView),
        (status = 404, description = "No such ticket in the caller's area or work", body = ErrorBody),
        (status = 422, description = "No file, too large, or not a photo, PDF or Office file", body = ErrorBody),
    ))]
pub async fn attach(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    form: axum::extract::Multipart,
) -> AppResult<Response> {
    let (name, bytes) = super::attachments::read_file(form).await?;
    let view = super::attachments::attach(&state, &actor, &user, id, &name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments/{attachment_id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), ("attachment_id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file as attached"),
        (status = 404, description = "No such file on a ticket the caller sees", body = ErrorBody),
    ))]
pub async fn attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, attachment_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (name, content_type, bytes) =
        super::attachments::fetch(&state, &user, id, attachment_id).await?;
    Ok(crate::web::download::attachment(
        &name,
        &content_type,
        bytes,
    ))
}

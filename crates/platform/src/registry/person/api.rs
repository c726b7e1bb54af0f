//! `/api/v1/persons`: list and search, register, read, change, reveal one personal field, history,
//! merge. Everything is scoped to the caller's area and masked by default.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{PersonInput, PersonPatch, PersonView};
use super::service::{self, Registered};
use super::{RECORD_KIND, repo};
use crate::api::{ApiJson, ApiQuery, ErrorBody, ListPage, page_of};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::pii::{RecordRef, reveal as pii_reveal};
use crate::state::AppState;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Only people in this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    /// Only people with this tag (`elderly_alone`, `disabled`, …).
    pub tag: Option<String>,
    /// A full document number (finds its person though the answer shows it masked), a mobile
    /// number, or the start of a name.
    pub q: Option<String>,
    /// Also list records merged into others.
    pub include_merged: Option<bool>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Builds the repository filter from a query, inside the caller's scope.
pub fn filter_of(user: &CurrentUser, query: &PersonQuery) -> AppResult<repo::Filter> {
    let scope = crate::areas::api::scope_range(user, query.area.as_deref(), "area")?;
    let mut filter = repo::Filter {
        scope,
        include_merged: query.include_merged.unwrap_or(false),
        ..Default::default()
    };
    if let Some(tag) = query
        .tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if !crate::registry::tags::PERSON_TAGS.contains(&tag) {
            return Err(AppError::invalid("person.unknown_tag")
                .on_field("tag")
                .with_arg("tag", tag));
        }
        filter.tag = Some(tag.to_string());
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if let Ok(id) = domain::IdNumber::parse(q) {
            filter.doc_number = Some(id.as_str().to_string());
        } else if let Ok(phone) = domain::Phone::parse(q) {
            filter.phone = Some(phone.as_str().to_string());
        } else if q.chars().any(|c| c.is_ascii_digit()) && q.len() >= 5 {
            filter.doc_number = Some(q.to_ascii_uppercase());
        } else {
            filter.name_prefix = Some(q.to_string());
        }
    }
    Ok(filter)
}

pub use crate::api::id_cursor as cursor_of;

#[utoipa::path(get, path = "/api/v1/persons", tag = "registry", params(PersonQuery),
    responses(
        (status = 200, description = "People, masked", body = ListPage<PersonView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<PersonQuery>,
) -> AppResult<Json<ListPage<PersonView>>> {
    let limit = crate::api::ListParams {
        limit: query.limit,
        cursor: None,
    }
    .limit()?;
    let after = cursor_of(query.cursor.as_deref())?;
    let filter = filter_of(&user, &query)?;
    let rows = repo::list(state.db(), &filter, after, limit + 1).await?;
    let page = page_of(rows, limit, |r| r.id.to_string());
    let items = service::views(state.db(), page.items).await?;
    Ok(Json(ListPage {
        items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/persons", tag = "registry", request_body = PersonInput,
    responses(
        (status = 201, description = "Registered, with records that look like the same person", body = Registered),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 409, description = "A person with this document is registered already", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<PersonInput>,
) -> AppResult<Response> {
    let registered = service::create(state.db(), &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(registered)).into_response())
}

#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "registry",
    params(("id" = i64, Path, description = "Person id")),
    responses(
        (status = 200, description = "The person, masked", body = PersonView),
        (status = 404, description = "No such person in the caller's area", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<PersonView>> {
    let row = service::get_scoped(state.db(), &user, id).await?;
    Ok(Json(service::views(state.db(), vec![row]).await?.remove(0)))
}

#[utoipa::path(patch, path = "/api/v1/persons/{id}", tag = "registry", request_body = PersonPatch,
    params(("id" = i64, Path, description = "Person id")),
    responses(
        (status = 200, description = "Changed", body = PersonView),
        (status = 404, description = "No such person in the caller's area", body = ErrorBody),
        (status = 409, description = "Changed by someone else since `version`, or merged", body = ErrorBody),
        (status = 422, description = "A field is wrong", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<PersonPatch>,
) -> AppResult<Json<PersonView>> {
    Ok(Json(
        service::update(state.db(), &actor, &user, id, &patch).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RevealRequest {
    /// `doc_number`, `phone` or `address`.
    pub field: String,
    /// Why the full value is needed; written to the audit log.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RevealedValue {
    pub field: String,
    pub value: Option<String>,
}

/// Reveals one field in full for a holder of the `pii` permission, audited.
pub async fn reveal_field(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    field: &str,
    reason: &str,
) -> AppResult<RevealedValue> {
    let row = service::get_scoped(state.db(), user, id).await?;
    let value = match field {
        "doc_number" => Some(row.doc_number.clone()),
        "phone" => row.phone.clone(),
        "address" => row.address.clone(),
        _ => return Err(AppError::invalid("person.unknown_field").on_field("field")),
    };
    let record = RecordRef {
        kind: RECORD_KIND,
        id: id.to_string(),
        area_code: &row.area_code,
    };
    pii_reveal(state.db(), actor, user, &record, field, reason).await?;
    Ok(RevealedValue {
        field: field.to_string(),
        value,
    })
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/reveal", tag = "registry", request_body = RevealRequest,
    params(("id" = i64, Path, description = "Person id")),
    responses(
        (status = 200, description = "The full value; the reveal is in the audit log", body = RevealedValue),
        (status = 403, description = "No `pii` permission", body = ErrorBody),
        (status = 404, description = "No such person in the caller's area", body = ErrorBody),
        (status = 422, description = "No reason, or an unknown field", body = ErrorBody),
    ))]
pub async fn reveal(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<RevealRequest>,
) -> AppResult<Json<RevealedValue>> {
    Ok(Json(
        reveal_field(&state, &actor, &user, id, &request.field, &request.reason).await?,
    ))
}

pub use crate::registry::history::HistoryEntry;

#[utoipa::path(get, path = "/api/v1/persons/{id}/history", tag = "registry",
    params(("id" = i64, Path, description = "Person id")),
    responses(
        (status = 200, description = "Every change and reveal, newest first", body = Vec<HistoryEntry>),
        (status = 404, description = "No such person in the caller's area", body = ErrorBody),
    ))]
pub async fn history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<HistoryEntry>>> {
    service::get_scoped(state.db(), &user, id).await?;
    Ok(Json(
        crate::registry::history::entries(state.db(), RECORD_KIND, id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct MergeRequest {
    /// The person this record duplicates.
    pub into: i64,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/merge", tag = "registry", request_body = MergeRequest,
    params(("id" = i64, Path, description = "The duplicate record")),
    responses(
        (status = 200, description = "Merged; the answer is the person that stays", body = PersonView),
        (status = 404, description = "Either person is not in the caller's area", body = ErrorBody),
        (status = 409, description = "One of them was merged already", body = ErrorBody),
        (status = 422, description = "No reason, or merging a record into itself", body = ErrorBody),
    ))]
pub async fn merge(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<MergeRequest>,
) -> AppResult<Json<PersonView>> {
    Ok(Json(
        service::merge(state.db(), &actor, &user, id, request.into, &request.reason).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/imports/persons", tag = "registry",
    request_body(content_type = "multipart/form-data", content = crate::imports::api::ImportForm),
    responses(
        (status = 200, description = "What was stored and which rows were rejected, with reasons", body = crate::imports::Summary),
        (status = 422, description = "The file cannot be read as a person sheet, or a bad mode or area", body = ErrorBody),
    ))]
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: crate::i18n::Tr,
    form: axum::extract::Multipart,
) -> AppResult<Json<crate::imports::Summary>> {
    let summary =
        crate::imports::api::receive(&state, &user, &actor, &tr, form, &super::import::PERSONS)
            .await?;
    Ok(Json(summary))
}

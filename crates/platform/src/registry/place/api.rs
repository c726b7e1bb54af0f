//! `/api/v1/places`: list and search, register, read, change, history. Everything is scoped to
//! the caller's area.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{PlaceInput, PlacePatch, PlaceView, valid_kind};
use super::{RECORD_KIND, repo, service};
use crate::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::registry::history::HistoryEntry;
use crate::state::AppState;

pub use crate::api::id_cursor as cursor_of;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PlaceQuery {
    /// Only places in this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    /// Only this kind (code such as `school`, or Chinese name such as `学校`).
    pub kind: Option<String>,
    /// Text found anywhere in the name or the address.
    pub q: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn some(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// Builds the repository filter from a query, inside the caller's scope.
pub fn filter_of(user: &CurrentUser, query: &PlaceQuery) -> AppResult<repo::Filter> {
    let scope = crate::areas::api::scope_range(user, query.area.as_deref(), "area")?;
    let kind = some(query.kind.as_deref())
        .map(|k| valid_kind(k).map(|k| k.as_str().to_string()))
        .transpose()?;
    Ok(repo::Filter {
        scope,
        kind,
        text: some(query.q.as_deref()).map(str::to_string),
    })
}

/// One page of places and the cursor of the next.
pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    query: &PlaceQuery,
    limit: u32,
) -> AppResult<ListPage<PlaceView>> {
    let after = cursor_of(query.cursor.as_deref())?;
    let filter = filter_of(user, query)?;
    let rows = repo::list(state.db(), &filter, after, limit + 1).await?;
    let page = crate::api::page_of(rows, limit, |r| r.id.to_string());
    Ok(ListPage {
        items: page.items.into_iter().map(PlaceView::from_row).collect(),
        next_cursor: page.next_cursor,
    })
}

#[utoipa::path(get, path = "/api/v1/places", tag = "registry", params(PlaceQuery),
    responses(
        (status = 200, description = "Places", body = ListPage<PlaceView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<PlaceQuery>,
) -> AppResult<Json<ListPage<PlaceView>>> {
    let limit = crate::api::ListParams {
        limit: query.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &query, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/places", tag = "registry", request_body = PlaceInput,
    responses(
        (status = 201, description = "Registered", body = PlaceView),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<PlaceInput>,
) -> AppResult<Response> {
    let place = service::create(state.db(), &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(place)).into_response())
}

#[utoipa::path(get, path = "/api/v1/places/{id}", tag = "registry",
    params(("id" = i64, Path, description = "Place id")),
    responses(
        (status = 200, description = "The place", body = PlaceView),
        (status = 404, description = "No such place in the caller's area", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<PlaceView>> {
    let row = service::get_scoped(state.db(), &user, id).await?;
    Ok(Json(PlaceView::from_row(row)))
}

#[utoipa::path(patch, path = "/api/v1/places/{id}", tag = "registry", request_body = PlacePatch,
    params(("id" = i64, Path, description = "Place id")),
    responses(
        (status = 200, description = "Changed", body = PlaceView),
        (status = 403, description = "The new area lies outside the caller's", body = ErrorBody),
        (status = 404, description = "No such place in the caller's area", body = ErrorBody),
        (status = 409, description = "Changed by someone else since `version`", body = ErrorBody),
        (status = 422, description = "A field is wrong", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<PlacePatch>,
) -> AppResult<Json<PlaceView>> {
    Ok(Json(
        service::update(state.db(), &actor, &user, id, &patch).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/places/{id}/history", tag = "registry",
    params(("id" = i64, Path, description = "Place id")),
    responses(
        (status = 200, description = "Every change, newest first", body = Vec<HistoryEntry>),
        (status = 404, description = "No such place in the caller's area", body = ErrorBody),
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

#[utoipa::path(post, path = "/api/v1/imports/places", tag = "registry",
    request_body(content_type = "multipart/form-data", content = crate::imports::api::ImportForm),
    responses(
        (status = 200, description = "What was stored and which rows were rejected, with reasons", body = crate::imports::Summary),
        (status = 422, description = "The file cannot be read as a place sheet, or a bad mode or area", body = ErrorBody),
    ))]
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: crate::i18n::Tr,
    form: axum::extract::Multipart,
) -> AppResult<Json<crate::imports::Summary>> {
    let summary =
        crate::imports::api::receive(&state, &user, &actor, &tr, form, &super::import::PLACES)
            .await?;
    Ok(Json(summary))
}

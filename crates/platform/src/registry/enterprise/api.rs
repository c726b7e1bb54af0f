//! `/api/v1/enterprises`: list and search, register, read, change. Everything is scoped to the
//! caller's area; contact phones are masked.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{IndustrySection, Uscc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{EnterpriseInput, EnterprisePatch, EnterpriseView};
use super::repo;
use super::service::{self, Registered};
use crate::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::registry::history::HistoryEntry;
use crate::state::AppState;

pub use crate::api::id_cursor as cursor_of;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct EnterpriseQuery {
    /// Only enterprises in this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    /// Only this GB/T 4754 section (letter or Chinese name).
    pub industry: Option<String>,
    /// Only those above (`true`) or below (`false`) designated size.
    pub above_size: Option<bool>,
    /// A full unified social credit code, or the start of a name.
    pub q: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Builds the repository filter from a query, inside the caller's scope.
pub fn filter_of(user: &CurrentUser, query: &EnterpriseQuery) -> AppResult<repo::Filter> {
    let scope = crate::areas::api::scope_range(user, query.area.as_deref(), "area")?;
    let mut filter = repo::Filter {
        scope,
        above_size: query.above_size,
        ..Default::default()
    };
    if let Some(industry) = query
        .industry
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let section =
            IndustrySection::parse(industry).map_err(|e| AppError::from(e).on_field("industry"))?;
        filter.industry = Some(section.as_str().to_string());
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        match Uscc::parse(q) {
            Ok(code) if q.chars().any(|c| c.is_ascii_digit()) => {
                filter.uscc = Some(code.as_str().to_string())
            }
            _ => filter.name_prefix = Some(q.to_string()),
        }
    }
    Ok(filter)
}

/// One page of enterprises and the cursor of the next.
pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    query: &EnterpriseQuery,
    limit: u32,
) -> AppResult<ListPage<EnterpriseView>> {
    let after = cursor_of(query.cursor.as_deref())?;
    let filter = filter_of(user, query)?;
    let rows = repo::list(state.db(), &filter, after, limit + 1).await?;
    let page = crate::api::page_of(rows, limit, |r| r.id.to_string());
    let items = page
        .items
        .into_iter()
        .map(EnterpriseView::from_row)
        .collect();
    Ok(ListPage {
        items,
        next_cursor: page.next_cursor,
    })
}

#[utoipa::path(get, path = "/api/v1/enterprises", tag = "registry", params(EnterpriseQuery),
    responses(
        (status = 200, description = "Enterprises, contact phones masked", body = ListPage<EnterpriseView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<EnterpriseQuery>,
) -> AppResult<Json<ListPage<EnterpriseView>>> {
    let limit = crate::api::ListParams {
        limit: query.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &query, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/enterprises", tag = "registry", request_body = EnterpriseInput,
    responses(
        (status = 201, description = "Registered, with warnings to double-check", body = Registered),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 409, description = "An enterprise with this code is registered already", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: Tr,
    ApiJson(input): ApiJson<EnterpriseInput>,
) -> AppResult<Response> {
    let registered = service::create(state.db(), &actor, &user, &tr, &input).await?;
    Ok((StatusCode::CREATED, Json(registered)).into_response())
}

#[utoipa::path(get, path = "/api/v1/enterprises/{id}", tag = "registry",
    params(("id" = i64, Path, description = "Enterprise id")),
    responses(
        (status = 200, description = "The enterprise, contact phone masked", body = EnterpriseView),
        (status = 404, description = "No such enterprise in the caller's area", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<EnterpriseView>> {
    let row = service::get_scoped(state.db(), &user, id).await?;
    Ok(Json(EnterpriseView::from_row(row)))
}

#[utoipa::path(patch, path = "/api/v1/enterprises/{id}", tag = "registry", request_body = EnterprisePatch,
    params(("id" = i64, Path, description = "Enterprise id")),
    responses(
        (status = 200, description = "Changed", body = EnterpriseView),
        (status = 404, description = "No such enterprise in the caller's area", body = ErrorBody),
        (status = 409, description = "Changed by someone else since `version`", body = ErrorBody),
        (status = 422, description = "A field is wrong", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<EnterprisePatch>,
) -> AppResult<Json<EnterpriseView>> {
    Ok(Json(
        service::update(state.db(), &actor, &user, id, &patch).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/imports/enterprises", tag = "registry",
    request_body(content_type = "multipart/form-data", content = crate::imports::api::ImportForm),
    responses(
        (status = 200, description = "What was stored and which rows were rejected, with reasons", body = crate::imports::Summary),
        (status = 422, description = "The file cannot be read as an enterprise sheet, or a bad mode or area", body = ErrorBody),
    ))]
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: Tr,
    form: axum::extract::Multipart,
) -> AppResult<Json<crate::imports::Summary>> {
    let summary = crate::imports::api::receive(
        &state,
        &user,
        &actor,
        &tr,
        form,
        &super::import::ENTERPRISES,
    )
    .await?;
    Ok(Json(summary))
}

#[utoipa::path(get, path = "/api/v1/enterprises/{id}/history", tag = "registry",
    params(("id" = i64, Path, description = "Enterprise id")),
    responses(
        (status = 200, description = "Every change, newest first", body = Vec<HistoryEntry>),
        (status = 404, description = "No such enterprise in the caller's area", body = ErrorBody),
    ))]
pub async fn history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<HistoryEntry>>> {
    service::get_scoped(state.db(), &user, id).await?;
    Ok(Json(
        crate::registry::history::entries(state.db(), super::RECORD_KIND, id).await?,
    ))
}

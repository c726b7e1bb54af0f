//! `/api/v1/economy/needs` (file, list, one with its answer, rate) and
//! `/api/v1/economy/need-routes` (which department answers a category).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::AppResult;
use platform::i18n::Tr;
use platform::state::AppState;
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{NeedInput, NeedRow, NeedView, RatingInput, Route};
use super::{repo, service};

#[utoipa::path(post, path = "/api/v1/economy/needs", tag = "economy",
    request_body = NeedInput,
    responses(
        (status = 201, description = "Filed: a ticket of kind `economy.need` in the answering department's inbox, with its deadline", body = NeedView),
        (status = 403, description = "An enterprise account filing for another enterprise", body = ErrorBody),
        (status = 404, description = "No such enterprise in the caller's area", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<NeedInput>,
) -> AppResult<Response> {
    let view = service::file(&state, &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    pub enterprise_id: Option<i64>,
    /// Only open needs.
    pub open: Option<bool>,
    /// Only this area's subtree (inside the caller's).
    pub area: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of needs, newest first; an enterprise account sees its own only.
pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    q: &NeedQuery,
    limit: u32,
) -> AppResult<ListPage<NeedRow>> {
    let before = platform::api::id_cursor(q.cursor.as_deref())?;
    let scope = platform::areas::api::scope_range(user, q.area.as_deref(), "area")?;
    let enterprise_id = crate::scope::enterprise_filter(user, q.enterprise_id)?;
    let filter = repo::Filter {
        scope,
        enterprise_id,
        open: q.open.unwrap_or(false),
    };
    let rows = repo::list(state.db(), &filter, before, limit + 1).await?;
    Ok(platform::api::page_of(rows, limit, |r: &NeedRow| {
        r.id.to_string()
    }))
}

#[utoipa::path(get, path = "/api/v1/economy/needs", tag = "economy", params(NeedQuery),
    responses(
        (status = 200, description = "Needs, newest first", body = ListPage<NeedRow>),
        (status = 403, description = "The area lies outside the caller's, or another enterprise's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<NeedQuery>,
) -> AppResult<Json<ListPage<NeedRow>>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &q, limit).await?))
}

#[utoipa::path(get, path = "/api/v1/economy/needs/{id}", tag = "economy",
    params(("id" = i64, Path, description = "Need id")),
    responses(
        (status = 200, description = "The need with the department's answer and its timeline", body = NeedView),
        (status = 404, description = "No such need for the caller", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<NeedView>> {
    let row = service::get_scoped(state.db(), &user, id).await?;
    Ok(Json(service::view(state.db(), row).await?))
}

#[utoipa::path(post, path = "/api/v1/economy/needs/{id}/rating", tag = "economy",
    params(("id" = i64, Path, description = "Need id")),
    request_body = RatingInput,
    responses(
        (status = 200, description = "Rated at the callback; dissatisfied reopens the need once", body = NeedView),
        (status = 403, description = "Not the need's filer", body = ErrorBody),
        (status = 404, description = "No such need for the caller", body = ErrorBody),
        (status = 409, description = "Not answered yet", body = ErrorBody),
        (status = 422, description = "Unknown rating", body = ErrorBody),
    ))]
pub async fn rate(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: Tr,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RatingInput>,
) -> AppResult<Json<NeedView>> {
    Ok(Json(
        service::rate(&state, &actor, &user, &tr, id, &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/economy/need-routes", tag = "economy",
    responses((status = 200, description = "Each category with the department answering it for the caller's area", body = Vec<Route>)))]
pub async fn routes(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<Route>>> {
    Ok(Json(service::routes(state.db(), user.area.as_str()).await?))
}

#[utoipa::path(put, path = "/api/v1/economy/need-routes", tag = "economy",
    request_body = Route,
    responses(
        (status = 200, description = "Routed; every category with its department", body = Vec<Route>),
        (status = 403, description = "An enterprise account", body = ErrorBody),
        (status = 422, description = "Unknown category or unit", body = ErrorBody),
    ))]
pub async fn set_route(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(route): ApiJson<Route>,
) -> AppResult<Json<Vec<Route>>> {
    Ok(Json(
        service::set_route(state.db(), &actor, &user, &route).await?,
    ))
}

//! `/api/v1/epidemic/key-persons`: the people under management — list, put under management,
//! read with history, change.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::AppState;
use platform::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{KeyPersonAction, KeyPersonDetail, KeyPersonView, NewKeyPersonInput};
use super::repo::{self, Filter};
use super::{service, status};
use crate::policy::CATEGORIES;

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct KeyPersonQuery {
    pub area: Option<String>,
    pub category: Option<String>,
    /// A status, or `all`; every open one (not ended) when absent.
    pub status: Option<String>,
    /// Part of the name.
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn some(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

pub fn filter_of(user: &CurrentUser, q: &KeyPersonQuery) -> AppResult<Filter> {
    let scope = platform::areas::api::scope_range(user, q.area.as_deref(), "area")?;
    let category = some(q.category.as_deref());
    if category
        .as_deref()
        .is_some_and(|c| !CATEGORIES.contains(&c))
    {
        return Err(AppError::invalid("key_person.bad_category").on_field("category"));
    }
    let wanted = some(q.status.as_deref());
    if wanted
        .as_deref()
        .is_some_and(|s| s != "all" && !status::ALL.contains(&s))
    {
        return Err(AppError::invalid("key_person.bad_status").on_field("status"));
    }
    Ok(Filter {
        scope,
        category,
        status: wanted,
        name: some(q.q.as_deref()),
    })
}

pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    q: &KeyPersonQuery,
    limit: u32,
) -> AppResult<ListPage<KeyPersonView>> {
    let before = match platform::api::id_cursor(q.cursor.as_deref())? {
        0 => i64::MAX,
        n => n,
    };
    let rows = repo::list(state.db(), &filter_of(user, q)?, before, limit + 1).await?;
    let page = platform::api::page_of(rows, limit, |r| r.k.id.to_string());
    Ok(ListPage {
        items: page
            .items
            .into_iter()
            .map(KeyPersonView::from_row)
            .collect(),
        next_cursor: page.next_cursor,
    })
}

#[utoipa::path(get, path = "/api/v1/epidemic/key-persons", tag = "epidemic", params(KeyPersonQuery),
    responses(
        (status = 200, description = "Key persons, newest first, personal data masked", body = ListPage<KeyPersonView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<KeyPersonQuery>,
) -> AppResult<Json<ListPage<KeyPersonView>>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &q, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/epidemic/key-persons", tag = "epidemic", request_body = NewKeyPersonInput,
    responses(
        (status = 201, description = "Under management, with the grid worker of the person's area", body = KeyPersonView),
        (status = 409, description = "The person is already under management", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<NewKeyPersonInput>,
) -> AppResult<Response> {
    let created = service::create(&state, &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(get, path = "/api/v1/epidemic/key-persons/{id}", tag = "epidemic",
    params(("id" = i64, Path, description = "Key person id")),
    responses(
        (status = 200, description = "The key person and the history of every change", body = KeyPersonDetail),
        (status = 404, description = "No such key person in the caller's area", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<KeyPersonDetail>> {
    Ok(Json(service::detail(&state, &user, id).await?))
}

#[utoipa::path(post, path = "/api/v1/epidemic/key-persons/{id}/actions", tag = "epidemic",
    params(("id" = i64, Path, description = "Key person id")), request_body = KeyPersonAction,
    responses(
        (status = 200, description = "Changed, with a history row and an audit entry", body = KeyPersonView),
        (status = 409, description = "Changed by someone else first, or already ended", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<KeyPersonAction>,
) -> AppResult<Json<KeyPersonView>> {
    Ok(Json(service::act(&state, &actor, &user, id, &input).await?))
}

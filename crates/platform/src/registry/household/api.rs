//! `/api/v1/households`: list and search, register, read (with members), change, add and
//! remove members. Everything is scoped to the caller's area; addresses and members' document
//! numbers are masked.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{AddMember, HouseholdInput, HouseholdPatch, HouseholdView};
use super::{repo, service};
use crate::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

pub use crate::api::id_cursor as cursor_of;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// Only households in this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    /// The full document number of any member (finds the household though answers stay
    /// masked), the start of the head's name, or part of the address.
    pub q: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Builds the repository filter from a query, inside the caller's scope; `None` when the query
/// names a document whose person is in no household, so nothing can match.
pub async fn filter_of(
    state: &AppState,
    user: &CurrentUser,
    query: &HouseholdQuery,
) -> AppResult<Option<repo::Filter>> {
    let scope = crate::areas::api::scope_range(user, query.area.as_deref(), "area")?;
    let mut filter = repo::Filter {
        scope,
        ..Default::default()
    };
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let number = match domain::IdNumber::parse(q) {
            Ok(id) => Some(id.as_str().to_string()),
            // Other documents: letters and digits only, with digits (an address has neither
            // shape, a name no digits).
            Err(_)
                if q.len() >= 5
                    && q.chars().all(|c| c.is_ascii_alphanumeric())
                    && q.chars().any(|c| c.is_ascii_digit()) =>
            {
                Some(q.to_ascii_uppercase())
            }
            Err(_) => None,
        };
        match number {
            Some(number) => match repo::household_of_document(state.db(), &number).await? {
                Some(id) => filter.household_id = Some(id),
                None => return Ok(None),
            },
            None => filter.text = Some(q.to_string()),
        }
    }
    Ok(Some(filter))
}

/// One page of households and the cursor of the next.
pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    query: &HouseholdQuery,
    limit: u32,
) -> AppResult<ListPage<HouseholdView>> {
    let after = cursor_of(query.cursor.as_deref())?;
    let Some(filter) = filter_of(state, user, query).await? else {
        return Ok(ListPage {
            items: Vec::new(),
            next_cursor: None,
        });
    };
    let rows = repo::list(state.db(), &filter, after, limit + 1).await?;
    let page = crate::api::page_of(rows, limit, |r| r.id.to_string());
    Ok(ListPage {
        items: page
            .items
            .into_iter()
            .map(HouseholdView::from_row)
            .collect(),
        next_cursor: page.next_cursor,
    })
}

#[utoipa::path(get, path = "/api/v1/households", tag = "registry", params(HouseholdQuery),
    responses(
        (status = 200, description = "Households, addresses masked", body = ListPage<HouseholdView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<HouseholdQuery>,
) -> AppResult<Json<ListPage<HouseholdView>>> {
    let limit = crate::api::ListParams {
        limit: query.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &query, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/households", tag = "registry", request_body = HouseholdInput,
    responses(
        (status = 201, description = "Registered, with its members", body = HouseholdView),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 409, description = "A person is in another household (send `move: true` to move them) or heads one", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<HouseholdInput>,
) -> AppResult<Response> {
    let household = service::create(state.db(), &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(household)).into_response())
}

#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry",
    params(("id" = i64, Path, description = "Household id")),
    responses(
        (status = 200, description = "The household with its members, masked", body = HouseholdView),
        (status = 404, description = "No such household in the caller's area", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<HouseholdView>> {
    Ok(Json(service::detail(state.db(), &user, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/households/{id}", tag = "registry", request_body = HouseholdPatch,
    params(("id" = i64, Path, description = "Household id")),
    responses(
        (status = 200, description = "Changed", body = HouseholdView),
        (status = 404, description = "No such household in the caller's area", body = ErrorBody),
        (status = 409, description = "Changed by someone else since `version`", body = ErrorBody),
        (status = 422, description = "A field is wrong, or the new head is not a member", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<HouseholdPatch>,
) -> AppResult<Json<HouseholdView>> {
    Ok(Json(
        service::update(state.db(), &actor, &user, id, &patch).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/households/{id}/members", tag = "registry", request_body = AddMember,
    params(("id" = i64, Path, description = "Household id")),
    responses(
        (status = 200, description = "Added (or the relation changed); the household with its members", body = HouseholdView),
        (status = 404, description = "No such household in the caller's area", body = ErrorBody),
        (status = 409, description = "The person is in another household (send `move: true`) or heads one, or a stale `version`", body = ErrorBody),
        (status = 422, description = "Unknown person or relation", body = ErrorBody),
    ))]
pub async fn add_member(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<AddMember>,
) -> AppResult<Json<HouseholdView>> {
    Ok(Json(
        service::add_member(state.db(), &actor, &user, id, &request).await?,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The household's `version` the client read; when sent, a newer one refuses the change.
    pub version: Option<i32>,
}

#[utoipa::path(delete, path = "/api/v1/households/{id}/members/{person_id}", tag = "registry",
    params(
        ("id" = i64, Path, description = "Household id"),
        ("person_id" = i64, Path, description = "The member to take out"),
        VersionQuery,
    ),
    responses(
        (status = 200, description = "Removed; the household with its members", body = HouseholdView),
        (status = 404, description = "No such household in the caller's area, or the person is not a member", body = ErrorBody),
        (status = 409, description = "The head cannot be removed (change the head first), or a stale `version`", body = ErrorBody),
    ))]
pub async fn remove_member(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path((id, person_id)): Path<(i64, i64)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> AppResult<Json<HouseholdView>> {
    Ok(Json(
        service::remove_member(state.db(), &actor, &user, id, person_id, query.version).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/imports/households", tag = "registry",
    request_body(content_type = "multipart/form-data", content = crate::imports::api::ImportForm),
    responses(
        (status = 200, description = "What was stored (one row per member; a member in another household is moved) and which rows were rejected, with reasons — among them heads and members not yet registered as persons", body = crate::imports::Summary),
        (status = 422, description = "The file cannot be read as a household sheet, or a bad mode or area", body = ErrorBody),
    ))]
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: crate::i18n::Tr,
    form: axum::extract::Multipart,
) -> AppResult<Json<crate::imports::Summary>> {
    let summary =
        crate::imports::api::receive(&state, &user, &actor, &tr, form, &super::import::HOUSEHOLDS)
            .await?;
    Ok(Json(summary))
}

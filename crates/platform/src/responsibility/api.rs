//! `/api/v1/responsibilities`: list, assign, read, end, and the coverage lists. Everything is
//! scoped to the caller's area.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ResponsibilityRole;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{AssignInput, Assignment, EndInput, SubjectKind};
use super::repo::{self, Activity, UncoveredEnterprise, UncoveredGrid};
use super::{service, today};
use crate::api::{ApiJson, ApiQuery, ErrorBody, ListPage, ListParams};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    /// Only this kind of subject: `area`, `person`, `household`, `enterprise` or `place`.
    pub subject_kind: Option<String>,
    /// Only this record (with `subject_kind`).
    pub subject_id: Option<i64>,
    /// Only this area as the subject (kind `area`).
    pub subject_area: Option<String>,
    /// Only subjects in this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    /// Only this role (code or Chinese name).
    pub role: Option<String>,
    /// Only this unit's assignments.
    pub unit_id: Option<i64>,
    /// Only this user's assignments.
    pub user_id: Option<i64>,
    /// `true`: only those that hold today; `false`: only those that do not (ended or not yet
    /// started); absent: all.
    pub active: Option<bool>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn some(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// Builds the repository filter from a query, inside the caller's scope.
pub fn filter_of(user: &CurrentUser, query: &AssignmentQuery) -> AppResult<repo::Filter> {
    let scope = crate::areas::api::scope_range(user, query.area.as_deref(), "area")?;
    let subject_kind = some(query.subject_kind.as_deref())
        .map(|k| {
            SubjectKind::parse(k)
                .map(|k| k.as_str().to_string())
                .ok_or_else(|| {
                    AppError::invalid("responsibility.bad_subject_kind").on_field("subject_kind")
                })
        })
        .transpose()?
        .unwrap_or_default();
    let subject_area = some(query.subject_area.as_deref())
        .map(|a| {
            domain::DivisionCode::parse(a)
                .map(|c| c.as_str().to_string())
                .map_err(|e| AppError::from(e).on_field("subject_area"))
        })
        .transpose()?
        .unwrap_or_default();
    let role = some(query.role.as_deref())
        .map(|r| {
            ResponsibilityRole::parse(r)
                .map(|r| r.as_str().to_string())
                .map_err(|e| AppError::from(e).on_field("role"))
        })
        .transpose()?
        .unwrap_or_default();
    Ok(repo::Filter {
        scope,
        subject_kind,
        subject_id: query.subject_id.unwrap_or_default(),
        subject_area,
        role,
        unit_id: query.unit_id.unwrap_or_default(),
        user_id: query.user_id.unwrap_or_default(),
        activity: match query.active {
            None => Activity::Any,
            Some(true) => Activity::Active,
            Some(false) => Activity::Inactive,
        },
        on: today(),
    })
}

/// One page of assignments and the cursor of the next.
pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    query: &AssignmentQuery,
    limit: u32,
) -> AppResult<ListPage<Assignment>> {
    let after = crate::api::id_cursor(query.cursor.as_deref())?;
    let filter = filter_of(user, query)?;
    let rows = repo::list(state.db(), &filter, after, limit + 1).await?;
    let page = crate::api::page_of(rows, limit, |r| r.id.to_string());
    Ok(ListPage {
        items: page
            .items
            .into_iter()
            .map(|r| Assignment::from_row(r, filter.on))
            .collect(),
        next_cursor: page.next_cursor,
    })
}

fn limit_of(limit: Option<u32>) -> AppResult<u32> {
    ListParams {
        limit,
        cursor: None,
    }
    .limit()
}

#[utoipa::path(get, path = "/api/v1/responsibilities", tag = "registry", params(AssignmentQuery),
    responses(
        (status = 200, description = "Assignments", body = ListPage<Assignment>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<AssignmentQuery>,
) -> AppResult<Json<ListPage<Assignment>>> {
    let limit = limit_of(query.limit)?;
    Ok(Json(page_of(&state, &user, &query, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/responsibilities", tag = "registry", request_body = AssignInput,
    responses(
        (status = 201, description = "Assigned", body = Assignment),
        (status = 403, description = "The subject area lies outside the caller's", body = ErrorBody),
        (status = 409, description = "The subject already has an active leader or grid worker", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<AssignInput>,
) -> AppResult<Response> {
    let assignment = service::assign(state.db(), &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(assignment)).into_response())
}

#[utoipa::path(get, path = "/api/v1/responsibilities/{id}", tag = "registry",
    params(("id" = i64, Path, description = "Assignment id")),
    responses(
        (status = 200, description = "The assignment", body = Assignment),
        (status = 404, description = "No such assignment in the caller's area", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Assignment>> {
    let row = service::get_scoped(state.db(), &user, id).await?;
    Ok(Json(Assignment::from_row(row, today())))
}

#[utoipa::path(post, path = "/api/v1/responsibilities/{id}/end", tag = "registry",
    request_body = EndInput,
    params(("id" = i64, Path, description = "Assignment id")),
    responses(
        (status = 200, description = "Ended", body = Assignment),
        (status = 404, description = "No such assignment in the caller's area", body = ErrorBody),
        (status = 409, description = "Already ended, or changed since `version`", body = ErrorBody),
        (status = 422, description = "No reason, or a bad date", body = ErrorBody),
    ))]
pub async fn end(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<EndInput>,
) -> AppResult<Json<Assignment>> {
    Ok(Json(
        service::end(state.db(), &actor, &user, id, &input).await?,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// Only this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of a coverage list with the number of all its items.
#[derive(Serialize, ToSchema)]
pub struct CoveragePage<T> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// How many there are in the whole area.
    pub total: i64,
}

pub async fn enterprises_page(
    state: &AppState,
    user: &CurrentUser,
    query: &CoverageQuery,
    limit: u32,
) -> AppResult<CoveragePage<UncoveredEnterprise>> {
    let scope = crate::areas::api::scope_range(user, query.area.as_deref(), "area")?;
    let after = crate::api::id_cursor(query.cursor.as_deref())?;
    let on = today();
    let rows = repo::enterprises_without_leader(state.db(), &scope, on, after, limit + 1).await?;
    let page = crate::api::page_of(rows, limit, |r| r.id.to_string());
    let total = repo::count_enterprises_without_leader(state.db(), &scope, on).await?;
    Ok(CoveragePage {
        items: page.items,
        next_cursor: page.next_cursor,
        total,
    })
}

pub async fn grids_page(
    state: &AppState,
    user: &CurrentUser,
    query: &CoverageQuery,
    limit: u32,
) -> AppResult<CoveragePage<UncoveredGrid>> {
    let scope = crate::areas::api::scope_range(user, query.area.as_deref(), "area")?;
    let after = ListParams {
        limit: None,
        cursor: query.cursor.clone().filter(|c| !c.is_empty()),
    }
    .after()?
    .unwrap_or_default();
    let on = today();
    let rows = repo::grids_without_worker(state.db(), &scope, on, &after, limit + 1).await?;
    let page = crate::api::page_of(rows, limit, |r| r.code.clone());
    let total = repo::count_grids_without_worker(state.db(), &scope, on).await?;
    Ok(CoveragePage {
        items: page.items,
        next_cursor: page.next_cursor,
        total,
    })
}

#[utoipa::path(get, path = "/api/v1/responsibilities/coverage/enterprises-without-leader",
    tag = "registry", params(CoverageQuery),
    responses(
        (status = 200, description = "Enterprises above designated size with no active 包保 leader", body = CoveragePage<UncoveredEnterprise>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad area, limit or cursor", body = ErrorBody),
    ))]
pub async fn enterprises_without_leader(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<CoverageQuery>,
) -> AppResult<Json<CoveragePage<UncoveredEnterprise>>> {
    let limit = limit_of(query.limit)?;
    Ok(Json(enterprises_page(&state, &user, &query, limit).await?))
}

#[utoipa::path(get, path = "/api/v1/responsibilities/coverage/grids-without-worker",
    tag = "registry", params(CoverageQuery),
    responses(
        (status = 200, description = "Grids with no active grid worker", body = CoveragePage<UncoveredGrid>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad area, limit or cursor", body = ErrorBody),
    ))]
pub async fn grids_without_worker(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<CoverageQuery>,
) -> AppResult<Json<CoveragePage<UncoveredGrid>>> {
    let limit = limit_of(query.limit)?;
    Ok(Json(grids_page(&state, &user, &query, limit).await?))
}

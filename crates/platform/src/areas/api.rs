//! `GET /api/v1/areas` and `GET /api/v1/areas/{code}`, scoped to the caller's subtree: an area
//! outside it answers 403.

use axum::Json;
use axum::extract::{Path, State};
use domain::DivisionCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::repo::{self, Area};
use crate::api::{ApiQuery, ErrorBody, ListPage, ListParams, page_of};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AreaListParams {
    /// List the children of this area. Without it (and without `q`), the caller's own area.
    pub parent: Option<String>,
    /// Search the caller's subtree by name or code prefix.
    pub q: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AreaRef {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct AreaDetail {
    #[serde(flatten)]
    pub area: Area,
    /// From the top of the tree down to this area.
    pub path: Vec<AreaRef>,
}

/// Parses a code from the API and checks it lies in the caller's subtree.
pub fn scoped_code(user: &CurrentUser, text: &str, field: &str) -> AppResult<DivisionCode> {
    let code = DivisionCode::parse(text).map_err(|e| AppError::from(e).on_field(field))?;
    if !user.covers(&code) {
        return Err(AppError::forbidden());
    }
    Ok(code)
}

/// The subtree range a list covers: the area named by an optional filter (which must lie in the
/// caller's subtree, else 403), or the caller's own subtree.
pub fn scope_range(
    user: &CurrentUser,
    area: Option<&str>,
    field: &str,
) -> AppResult<(String, String)> {
    match area.map(str::trim).filter(|a| !a.is_empty()) {
        Some(text) => Ok(scoped_code(user, text, field)?.subtree_range()),
        None => Ok(user.area.subtree_range()),
    }
}

#[utoipa::path(
    get, path = "/api/v1/areas", tag = "areas",
    params(AreaListParams),
    responses(
        (status = 200, description = "Areas", body = ListPage<Area>),
        (status = 403, description = "The parent lies outside the caller's area", body = ErrorBody),
        (status = 422, description = "Bad code, limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<AreaListParams>,
) -> AppResult<Json<ListPage<Area>>> {
    let paging = ListParams {
        limit: params.limit,
        cursor: params.cursor.clone(),
    };
    let limit = paging.limit()?;
    let after = paging.after()?.unwrap_or_default();
    let rows = if let Some(q) = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        repo::search(state.db(), &user.area, q, &after, limit + 1).await?
    } else if let Some(parent) = params.parent.as_deref() {
        let parent = scoped_code(&user, parent, "parent")?;
        repo::children(state.db(), parent.as_str(), &after, limit + 1).await?
    } else {
        repo::get(state.db(), user.area.as_str())
            .await?
            .into_iter()
            .collect()
    };
    Ok(Json(page_of(rows, limit, |a| a.code.clone())))
}

#[utoipa::path(
    get, path = "/api/v1/areas/{code}", tag = "areas",
    params(("code" = String, Path, description = "Division code, 12 digits (15 for a grid)")),
    responses(
        (status = 200, description = "The area and its path from the top", body = AreaDetail),
        (status = 403, description = "Outside the caller's area", body = ErrorBody),
        (status = 404, description = "No such area", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<AreaDetail>> {
    let code = scoped_code(&user, &code, "code")?;
    let area = repo::get(state.db(), code.as_str())
        .await?
        .ok_or_else(AppError::not_found)?;
    let path = repo::path_to(state.db(), &code)
        .await?
        .into_iter()
        .map(|(code, name)| AreaRef { code, name })
        .collect();
    Ok(Json(AreaDetail { area, path }))
}

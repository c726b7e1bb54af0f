//! `GET/POST /api/v1/tokens`, `DELETE /api/v1/tokens/{id}`: API tokens for admins, within their
//! area subtree. The secret is in the creation's answer only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::DivisionCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::tokens::{self, NewToken, TokenInfo};
use super::{CurrentUser, Role};
use crate::api::{ApiJson, ApiQuery, ErrorBody, ListPage, ListParams, page_of};
use crate::audit::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

fn default_days() -> i64 {
    90
}

#[derive(Deserialize, ToSchema)]
pub struct CreateToken {
    /// What the token is for: `卡口设备 03`, `统计局数据交换`.
    pub name: String,
    /// Any role but `admin`.
    pub role: Role,
    /// The area the token works in (its subtree), inside the admin's own.
    pub area_code: String,
    /// Modules the token may use: `name` to read and write, `name:read` to read only.
    #[serde(default)]
    pub modules: Vec<String>,
    /// Days until it expires, 1–730 (default 90).
    #[serde(default = "default_days")]
    pub days: i64,
}

/// A new token: shown this once, stored only as a hash.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    /// Send as `Authorization: Bearer …`.
    pub token: String,
}

#[utoipa::path(
    get, path = "/api/v1/tokens", tag = "tokens",
    params(ListParams),
    responses(
        (status = 200, description = "Tokens in the admin's area, newest first", body = ListPage<TokenInfo>),
        (status = 403, description = "Admins only", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(paging): ApiQuery<ListParams>,
) -> AppResult<Json<ListPage<TokenInfo>>> {
    let limit = paging.limit()?;
    let before = paging
        .after()?
        .map(|c| c.parse::<i64>())
        .transpose()
        .map_err(|_| AppError::invalid("api.bad_cursor").on_field("cursor"))?;
    let (lo, hi) = user.area.subtree_range();
    let rows = tokens::list(state.db(), (&lo, &hi), before, limit + 1).await?;
    Ok(Json(page_of(rows, limit, |t| t.id.to_string())))
}

#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "tokens",
    request_body = CreateToken,
    responses(
        (status = 201, description = "Created; the token is in this answer only", body = CreatedToken),
        (status = 403, description = "Admins only", body = ErrorBody),
        (status = 422, description = "Bad name, role, area, module or lifetime", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(body): ApiJson<CreateToken>,
) -> AppResult<(StatusCode, Json<CreatedToken>)> {
    let area = DivisionCode::parse(&body.area_code)
        .map_err(|e| AppError::from(e).on_field("area_code"))?;
    let new = NewToken {
        name: body.name,
        role: body.role,
        area,
        modules: body.modules,
        days: body.days,
    };
    let (id, token) = tokens::create(&state, &actor, &user, &new).await?;
    let info = tokens::get(state.db(), id)
        .await?
        .ok_or_else(|| AppError::internal("a token just created is missing"))?;
    Ok((StatusCode::CREATED, Json(CreatedToken { info, token })))
}

#[utoipa::path(
    delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked: the token answers 401 from now on"),
        (status = 403, description = "Admins only", body = ErrorBody),
        (status = 404, description = "No such token in the admin's area", body = ErrorBody),
        (status = 409, description = "Revoked already", body = ErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    tokens::revoke(&state, &actor, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `/api/v1/epidemic/quarantine/…`: sites with occupancy and rooms, free rooms, orders (list,
//! read with history, open by hand, act). Everything is scoped to the caller's area.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::state::AppState;
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{ActionInput, NewOrder, OrderDetail, OrderView, status};
use super::sites::{self, FreeRoom, NewRooms, RoomsAdded, SiteDetail, SiteView};
use super::{repo, service};

fn some(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

fn limit_of(limit: Option<u32>) -> AppResult<u32> {
    platform::api::ListParams {
        limit,
        cursor: None,
    }
    .limit()
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct SiteQuery {
    /// Only sites in this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    /// Only sites with a free room.
    pub free: Option<bool>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of sites with their occupancy.
pub async fn sites_page(
    state: &AppState,
    user: &CurrentUser,
    query: &SiteQuery,
    limit: u32,
) -> AppResult<ListPage<SiteView>> {
    let scope = platform::areas::api::scope_range(user, query.area.as_deref(), "area")?;
    let after = platform::api::id_cursor(query.cursor.as_deref())?;
    let rows = sites::list(
        state.db(),
        &scope,
        query.free.unwrap_or(false),
        after,
        limit + 1,
    )
    .await?;
    Ok(platform::api::page_of(rows, limit, |s| s.id.to_string()))
}

#[utoipa::path(get, path = "/api/v1/epidemic/quarantine/sites", tag = "epidemic",
    params(SiteQuery),
    responses(
        (status = 200, description = "Quarantine sites with rooms, beds, occupied beds and free rooms", body = ListPage<SiteView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list_sites(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<SiteQuery>,
) -> AppResult<Json<ListPage<SiteView>>> {
    let limit = limit_of(query.limit)?;
    Ok(Json(sites_page(&state, &user, &query, limit).await?))
}

#[utoipa::path(get, path = "/api/v1/epidemic/quarantine/sites/{id}", tag = "epidemic",
    params(("id" = i64, Path, description = "Site (place) id")),
    responses(
        (status = 200, description = "The site with every room and its occupancy", body = SiteDetail),
        (status = 404, description = "No such site in the caller's area", body = ErrorBody),
    ))]
pub async fn get_site(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<SiteDetail>> {
    let site = sites::get_scoped(state.db(), &user, id).await?;
    let room_list = sites::rooms(state.db(), id).await?;
    Ok(Json(SiteDetail {
        free_beds: site.free_beds(),
        site,
        room_list,
    }))
}

#[utoipa::path(post, path = "/api/v1/epidemic/quarantine/sites/{id}/rooms", tag = "epidemic",
    request_body = NewRooms,
    params(("id" = i64, Path, description = "Site (place) id")),
    responses(
        (status = 201, description = "Rooms added; numbers that existed are listed and left alone", body = RoomsAdded),
        (status = 404, description = "No such site in the caller's area", body = ErrorBody),
        (status = 422, description = "Bad numbers or beds; `field` names it", body = ErrorBody),
    ))]
pub async fn add_rooms(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NewRooms>,
) -> AppResult<Response> {
    let added = sites::add_rooms(state.db(), &actor, &user, id, &input).await?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct FreeRoomQuery {
    /// Only sites in this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/epidemic/quarantine/free-rooms", tag = "epidemic",
    params(FreeRoomQuery),
    responses(
        (status = 200, description = "Rooms with a free bed, by site (at most 500)", body = Vec<FreeRoom>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
    ))]
pub async fn free_rooms(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<FreeRoomQuery>,
) -> AppResult<Json<Vec<FreeRoom>>> {
    let scope = platform::areas::api::scope_range(&user, query.area.as_deref(), "area")?;
    Ok(Json(sites::free_rooms(state.db(), &scope, 500).await?))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Only orders in this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    /// `centralized` or `home`.
    pub kind: Option<String>,
    /// `referred`, `active`, `released`, `ended_early`, `cancelled`.
    pub status: Option<String>,
    /// Only orders at this site.
    pub site: Option<i64>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub fn filter_of(user: &CurrentUser, query: &OrderQuery) -> AppResult<repo::Filter> {
    let scope = platform::areas::api::scope_range(user, query.area.as_deref(), "area")?;
    let kind = some(query.kind.as_deref())
        .map(|k| {
            super::orders::OrderKind::parse(k)
                .map(|k| k.as_str().to_string())
                .ok_or_else(|| AppError::invalid("quarantine.bad_kind").on_field("kind"))
        })
        .transpose()?;
    let status = some(query.status.as_deref())
        .map(|s| {
            status::ALL
                .iter()
                .find(|a| **a == s)
                .map(|a| a.to_string())
                .ok_or_else(|| AppError::invalid("quarantine.bad_status").on_field("status"))
        })
        .transpose()?;
    Ok(repo::Filter {
        scope,
        kind,
        status,
        site_id: query.site.filter(|s| *s > 0),
    })
}

/// One page of orders, newest first.
pub async fn orders_page(
    state: &AppState,
    user: &CurrentUser,
    query: &OrderQuery,
    limit: u32,
) -> AppResult<ListPage<OrderView>> {
    let filter = filter_of(user, query)?;
    let before = match platform::api::id_cursor(query.cursor.as_deref())? {
        0 => i64::MAX,
        n => n,
    };
    let rows = repo::list(state.db(), &filter, before, limit + 1).await?;
    let page = platform::api::page_of(rows, limit, |r| r.id.to_string());
    Ok(ListPage {
        items: page.items.into_iter().map(OrderView::from_row).collect(),
        next_cursor: page.next_cursor,
    })
}

#[utoipa::path(get, path = "/api/v1/epidemic/quarantine/orders", tag = "epidemic",
    params(OrderQuery),
    responses(
        (status = 200, description = "Quarantine orders, newest first", body = ListPage<OrderView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list_orders(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<OrderQuery>,
) -> AppResult<Json<ListPage<OrderView>>> {
    let limit = limit_of(query.limit)?;
    Ok(Json(orders_page(&state, &user, &query, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/epidemic/quarantine/orders", tag = "epidemic",
    request_body = NewOrder,
    responses(
        (status = 201, description = "Opened, waiting for check-in", body = OrderView),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 409, description = "The person is already in quarantine", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create_order(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<NewOrder>,
) -> AppResult<Response> {
    let order = service::create(&state, &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(order)).into_response())
}

#[utoipa::path(get, path = "/api/v1/epidemic/quarantine/orders/{id}", tag = "epidemic",
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order with its history", body = OrderDetail),
        (status = 404, description = "No such order in the caller's area", body = ErrorBody),
    ))]
pub async fn get_order(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<OrderDetail>> {
    let row = service::get_scoped(state.db(), &user, id).await?;
    let events = repo::events(state.db(), id).await?;
    Ok(Json(OrderDetail {
        order: OrderView::from_row(row),
        events,
    }))
}

#[utoipa::path(post, path = "/api/v1/epidemic/quarantine/orders/{id}/actions", tag = "epidemic",
    request_body = ActionInput,
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "Done", body = OrderView),
        (status = 404, description = "No such order in the caller's area", body = ErrorBody),
        (status = 409, description = "Changed since `version`, or not in a state for this action", body = ErrorBody),
        (status = 422, description = "A field is wrong, or release refused (too early, too few negative tests)", body = ErrorBody),
    ))]
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ActionInput>,
) -> AppResult<Json<OrderView>> {
    Ok(Json(service::act(&state, &actor, &user, id, &input).await?))
}

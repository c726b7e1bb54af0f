//! `/api/v1/economy/ppe` (the day's supply per product and producer),
//! `/api/v1/economy/ppe/producers/{enterprise_id}` (a producer's lines),
//! `/api/v1/economy/ppe/output` (a day's output), `/api/v1/economy/ppe/demand`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::api::{ApiJson, ApiQuery, ErrorBody};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::AppResult;
use platform::state::AppState;
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{DemandInput, OutputInput, ProducerInput, SupplyView};
use super::service;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct SupplyQuery {
    /// The area (its subtree); the caller's when absent.
    pub area: Option<String>,
    /// The day, `YYYY-MM-DD`; today (Beijing) when absent.
    pub date: Option<String>,
}

/// The supply picture the caller may see.
pub async fn supply_of(
    state: &AppState,
    user: &CurrentUser,
    q: &SupplyQuery,
) -> AppResult<SupplyView> {
    let area = crate::resumption::api::area_of(user, q.area.as_deref())?;
    let day = crate::resumption::api::day_of(q.date.as_deref())?;
    let (lo, hi) = area.subtree_range();
    service::view(
        state.db(),
        (&lo, &hi),
        area.as_str(),
        day,
        crate::scope::own_enterprise(user),
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/economy/ppe", tag = "economy", params(SupplyQuery),
    responses(
        (status = 200, description = "Capacity, output, demand and shortfall per product, and each producer's line", body = SupplyView),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad area or date", body = ErrorBody),
    ))]
pub async fn supply(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<SupplyQuery>,
) -> AppResult<Json<SupplyView>> {
    Ok(Json(supply_of(&state, &user, &q).await?))
}

#[utoipa::path(put, path = "/api/v1/economy/ppe/producers/{enterprise_id}", tag = "economy",
    params(("enterprise_id" = i64, Path, description = "Enterprise id")),
    request_body = ProducerInput,
    responses(
        (status = 200, description = "The producer's lines replaced; its supply today", body = SupplyView),
        (status = 403, description = "An enterprise account for another enterprise", body = ErrorBody),
        (status = 404, description = "No such enterprise in the caller's area", body = ErrorBody),
        (status = 422, description = "Unknown product, repeated product or bad capacity", body = ErrorBody),
    ))]
pub async fn set_lines(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(enterprise_id): Path<i64>,
    ApiJson(input): ApiJson<ProducerInput>,
) -> AppResult<Json<SupplyView>> {
    Ok(Json(
        service::set_lines(state.db(), &actor, &user, enterprise_id, &input).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/economy/ppe/output", tag = "economy",
    request_body = OutputInput,
    responses(
        (status = 201, description = "Recorded (a second report of the day replaces the first); the producer's supply that day", body = SupplyView),
        (status = 403, description = "An enterprise account for another enterprise", body = ErrorBody),
        (status = 404, description = "No such enterprise in the caller's area", body = ErrorBody),
        (status = 422, description = "Not a producer of the product, bad quantity or date", body = ErrorBody),
    ))]
pub async fn report_output(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<OutputInput>,
) -> AppResult<Response> {
    let view = service::report_output(state.db(), &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(put, path = "/api/v1/economy/ppe/demand", tag = "economy",
    request_body = DemandInput,
    responses(
        (status = 200, description = "The district's daily demand per product", body = Vec<DemandInput>),
        (status = 403, description = "An enterprise account", body = ErrorBody),
        (status = 422, description = "Unknown product or bad quantity", body = ErrorBody),
    ))]
pub async fn set_demand(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<DemandInput>,
) -> AppResult<Json<Vec<DemandInput>>> {
    let all = service::set_demand(state.db(), &actor, &user, &input).await?;
    Ok(Json(
        all.into_iter()
            .map(|(product, daily_demand)| DemandInput {
                product,
                daily_demand,
            })
            .collect(),
    ))
}

//! `GET`/`PUT /api/v1/epidemic/policy`: the policy in force; the command changes it.

use axum::Json;
use axum::extract::State;
use platform::AppState;
use platform::api::{ApiJson, ErrorBody};
use platform::audit::Actor;
use platform::error::AppResult;

use super::Policy;

#[utoipa::path(get, path = "/api/v1/epidemic/policy", tag = "epidemic",
    responses((status = 200, description = "The policy in force: durations, schedules, thresholds", body = Policy)))]
pub async fn get_policy(State(state): State<AppState>) -> AppResult<Json<Policy>> {
    Ok(Json(super::load(state.db()).await?))
}

#[utoipa::path(put, path = "/api/v1/epidemic/policy", tag = "epidemic", request_body = Policy,
    responses(
        (status = 200, description = "Stored and audited; in force at once on every node", body = Policy),
        (status = 422, description = "An inconsistent value; `field` names it", body = ErrorBody),
    ))]
pub async fn put_policy(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(policy): ApiJson<Policy>,
) -> AppResult<Json<Policy>> {
    super::save(state.db(), &actor, &policy).await?;
    Ok(Json(policy))
}

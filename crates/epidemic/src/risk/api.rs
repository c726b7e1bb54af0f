//! `POST /api/v1/epidemic/risk/evaluate`: runs the risk rules now (the job runs them every ten
//! minutes), up to today or an earlier day.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use platform::AppState;
use platform::api::{ApiJson, ErrorBody};
use platform::audit::Actor;
use platform::error::{AppError, AppResult};
use serde::Deserialize;
use utoipa::ToSchema;

use super::evaluate::{self, Outcome};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct EvaluateInput {
    /// Evaluate through this day (default today, Beijing); not after today.
    pub until: Option<NaiveDate>,
}

#[utoipa::path(post, path = "/api/v1/epidemic/risk/evaluate", tag = "epidemic", request_body = EvaluateInput,
    responses(
        (status = 200, description = "Every level change due is recorded on the day it was due", body = Outcome),
        (status = 422, description = "A day after today", body = ErrorBody),
    ))]
pub async fn post_evaluate(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<EvaluateInput>,
) -> AppResult<Json<Outcome>> {
    let today = crate::time::today();
    let until = input.until.unwrap_or(today);
    if until > today {
        return Err(AppError::invalid("epidemic.risk.future_date").on_field("until"));
    }
    Ok(Json(evaluate::run(state.db(), &actor, true, until).await?))
}

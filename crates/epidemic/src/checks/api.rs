//! `/api/v1/epidemic/checks…`: record a check, today's (or a day's) roster, one-time links.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use platform::api::{ApiJson, ApiQuery, ErrorBody};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::state::AppState;
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{CheckInput, CheckView, LinkInput, LinkView, RosterEntry};
use super::{links, roster, schedule, service};

#[utoipa::path(post, path = "/api/v1/epidemic/checks", tag = "epidemic",
    request_body = CheckInput,
    responses(
        (status = 201, description = "Recorded; a fever or an alarming symptom opened an urgent ticket (`ticket_id`)", body = CheckView),
        (status = 409, description = "This check of the day is recorded already", body = ErrorBody),
        (status = 422, description = "A field is wrong, or the person is not due for checks; `field` names it", body = ErrorBody),
    ))]
pub async fn record(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<CheckInput>,
) -> AppResult<Response> {
    let check = service::record(&state, &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(check)).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// The day, `YYYY-MM-DD`; today (Beijing) when absent.
    pub date: Option<String>,
    /// Only this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
}

pub fn day_of(text: Option<&str>) -> AppResult<chrono::NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(schedule::beijing_day(Utc::now())),
        Some(t) => domain::parse_date_lenient(t)
            .map_err(|_| AppError::invalid("checks.bad_date").on_field("date")),
    }
}

#[utoipa::path(get, path = "/api/v1/epidemic/checks/roster", tag = "epidemic",
    params(RosterQuery),
    responses(
        (status = 200, description = "Every due person × check of the day: done (with the reading), due or missed", body = Vec<RosterEntry>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad date or area", body = ErrorBody),
    ))]
pub async fn get_roster(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<RosterQuery>,
) -> AppResult<Json<Vec<RosterEntry>>> {
    let day = day_of(query.date.as_deref())?;
    let scope = platform::areas::api::scope_range(&user, query.area.as_deref(), "area")?;
    let policy = crate::policy::load(state.db()).await?;
    Ok(Json(
        roster::roster(state.db(), &policy, &scope, day, Utc::now()).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/epidemic/checks/links", tag = "epidemic",
    request_body = LinkInput,
    responses(
        (status = 201, description = "A one-time link for the person, good until the end of the day", body = LinkView),
        (status = 422, description = "The person is not due for checks in the caller's area", body = ErrorBody),
    ))]
pub async fn create_link(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<LinkInput>,
) -> AppResult<Response> {
    let link = links::create(&state, &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(link)).into_response())
}

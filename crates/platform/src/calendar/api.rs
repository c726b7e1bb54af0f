//! `GET /api/v1/calendar/add-working-days?from=YYYY-MM-DD&days=N`: working days counted with the
//! node's calendar (`AppState::calendar`), for forms and clients that show deadlines.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiQuery, ErrorBody};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The largest number of working days, either way, one call may count.
pub const MAX_DAYS: i64 = 3650;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AddWorkingDaysParams {
    /// The starting date, YYYY-MM-DD.
    pub from: Option<String>,
    /// Working days to add, -3650 to 3650; negative counts backwards, 0 gives `from` if it is a
    /// working day, else the next working day.
    pub days: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkingDate {
    /// The date reached, YYYY-MM-DD.
    pub date: String,
    /// False when a day on the way lies in a year whose holiday notice is not loaded: weekdays
    /// were assumed working days, and the answer may change once the notice is loaded.
    pub covered: bool,
}

#[utoipa::path(
    get, path = "/api/v1/calendar/add-working-days", tag = "calendar",
    params(AddWorkingDaysParams),
    responses(
        (status = 200, description = "The date `days` working days from `from`", body = WorkingDate),
        (status = 400, description = "Bad date, days not a whole number, or |days| > 3650", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
pub async fn add_working_days(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<AddWorkingDaysParams>,
) -> AppResult<Json<WorkingDate>> {
    let from = params
        .from
        .as_deref()
        .map(str::trim)
        .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .ok_or_else(|| AppError::bad_request("calendar.bad_date").on_field("from"))?;
    let days: i64 = params
        .days
        .as_deref()
        .map(str::trim)
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| AppError::bad_request("calendar.bad_days").on_field("days"))?;
    if days.unsigned_abs() > MAX_DAYS.unsigned_abs() {
        return Err(AppError::bad_request("calendar.days_out_of_range").on_field("days"));
    }
    let reached = state.calendar().add_working_days_assumed(from, days);
    Ok(Json(WorkingDate {
        date: reached.value.format("%Y-%m-%d").to_string(),
        covered: reached.covered,
    }))
}

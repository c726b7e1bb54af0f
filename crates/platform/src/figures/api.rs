//! `GET /api/v1/figures`: the figures the caller may read, with their definitions;
//! `GET /api/v1/figures/{key}?area=&date=&compare=`: one figure's value for an area's subtree on a
//! day, with the day before and the week before when asked.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{Days, NaiveDate};
use domain::DivisionCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiQuery, ErrorBody};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;

/// A figure's definition.
#[derive(Serialize, ToSchema)]
pub struct FigureInfo {
    /// Stable, `module.name`.
    pub key: String,
    pub module: String,
    /// In the caller's language.
    pub label: String,
    pub unit: String,
}

#[utoipa::path(get, path = "/api/v1/figures", tag = "figures",
    responses((status = 200, description = "Every figure the caller may read: key, label and unit in the caller's language", body = Vec<FigureInfo>)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    tr: Tr,
) -> AppResult<Json<Vec<FigureInfo>>> {
    let figures = super::readable(&state, &user).await?;
    Ok(Json(
        figures
            .iter()
            .map(|f| FigureInfo {
                key: f.key.to_string(),
                module: super::module_of(f.key).to_string(),
                label: tr.t(f.label_key).to_string(),
                unit: tr.t(f.unit_key).to_string(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct FigureQuery {
    /// The area whose subtree is counted; the caller's own when absent.
    pub area: Option<String>,
    /// `YYYY-MM-DD` (Beijing); today when absent.
    pub date: Option<String>,
    /// Also the values of the day before and the week before (环比).
    pub compare: Option<bool>,
}

/// A figure's value.
#[derive(Serialize, ToSchema)]
pub struct FigureValue {
    pub key: String,
    pub label: String,
    pub unit: String,
    pub area_code: String,
    pub date: NaiveDate,
    pub value: f64,
    /// With `compare`: the value on the day before.
    pub day_before: Option<f64>,
    /// With `compare`: the value seven days before.
    pub week_before: Option<f64>,
}

#[utoipa::path(get, path = "/api/v1/figures/{key}", tag = "figures", params(("key" = String, Path, description = "Figure key, e.g. `epidemic.screenings`"), FigureQuery),
    responses(
        (status = 200, description = "The value for the area's subtree on the day", body = FigureValue),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 404, description = "No such figure, or not the caller's to read", body = ErrorBody),
        (status = 422, description = "Bad area or date", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    tr: Tr,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<FigureQuery>,
) -> AppResult<Json<FigureValue>> {
    let figure = super::readable_one(&state, &user, &key).await?;
    let area = match q.area.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => user.area.clone(),
        Some(a) => {
            let code = DivisionCode::parse(a).map_err(|e| AppError::from(e).on_field("area"))?;
            if !user.covers(&code) {
                return Err(AppError::forbidden().on_field("area"));
            }
            code
        }
    };
    let date = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => crate::responsibility::today(),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::invalid("figures.bad_date").on_field("date"))?,
    };
    let value = super::compute(&state, &figure, &area, date).await?;
    let (day_before, week_before) = if q.compare.unwrap_or(false) {
        let at = |days| date.checked_sub_days(Days::new(days));
        let (d1, d7) = (at(1), at(7));
        (
            match d1 {
                Some(d) => Some(super::compute(&state, &figure, &area, d).await?),
                None => None,
            },
            match d7 {
                Some(d) => Some(super::compute(&state, &figure, &area, d).await?),
                None => None,
            },
        )
    } else {
        (None, None)
    };
    Ok(Json(FigureValue {
        key: figure.key.to_string(),
        label: tr.t(figure.label_key).to_string(),
        unit: tr.t(figure.unit_key).to_string(),
        area_code: area.as_str().to_string(),
        date,
        value,
        day_before,
        week_before,
    }))
}

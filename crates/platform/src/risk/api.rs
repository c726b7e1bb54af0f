//! `/api/v1/risk/*`: the settings, the map of an area on a day, the 对号入座 lists, an area's or
//! place's history, the command's overrides, and the deployer's map shapes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::repo::{self, LevelRow, Located};
use super::settings::{self, Settings};
use super::shapes::{self, Loaded};
use super::view::{self, MapView, MatchedKind};
use crate::api::{ApiJson, ApiQuery, ErrorBody, ListPage, ListParams, id_cursor, page_of};
use crate::areas::api::scoped_code;
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapParams {
    /// Division code (default: the caller's area).
    pub area: Option<String>,
    /// The day (default today, Beijing).
    pub date: Option<NaiveDate>,
}

/// The area asked for, in the caller's scope.
pub fn area_of(user: &CurrentUser, area: Option<&str>) -> AppResult<domain::DivisionCode> {
    match area.map(str::trim).filter(|a| !a.is_empty()) {
        Some(text) => scoped_code(user, text, "area"),
        None => Ok(user.area.clone()),
    }
}

#[utoipa::path(get, path = "/api/v1/risk/settings", tag = "risk",
    responses((status = 200, description = "The level set and the rules in force", body = Settings)))]
pub async fn get_settings(State(state): State<AppState>) -> AppResult<Json<Settings>> {
    Ok(Json(settings::load(state.db()).await?))
}

#[utoipa::path(put, path = "/api/v1/risk/settings", tag = "risk", request_body = Settings,
    responses(
        (status = 200, description = "Stored and audited; in force at the next evaluation", body = Settings),
        (status = 422, description = "An inconsistent value; `field` names it", body = ErrorBody),
    ))]
pub async fn put_settings(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(settings): ApiJson<Settings>,
) -> AppResult<Json<Settings>> {
    settings::save(state.db(), &actor, &settings).await?;
    Ok(Json(settings))
}

#[utoipa::path(get, path = "/api/v1/risk/map", tag = "risk", params(MapParams),
    responses(
        (status = 200, description = "The sub-areas coloured by level, the areas and places raised, counts by level", body = MapView),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
    ))]
pub async fn get_map(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<MapParams>,
) -> AppResult<Json<MapView>> {
    let area = area_of(&user, params.area.as_deref())?;
    let date = params.date.unwrap_or_else(crate::calendar::today);
    Ok(Json(view::map(state.db(), &area, date).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchedParams {
    pub area: Option<String>,
    pub date: Option<NaiveDate>,
    /// A level key (`low`, `medium`, `high`, …).
    pub level: String,
    /// `enterprise` or `place`.
    pub kind: String,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/risk/matched", tag = "risk", params(MatchedParams),
    responses(
        (status = 200, description = "Enterprises or places of the area at the level (对号入座), by id", body = ListPage<Located>),
        (status = 422, description = "Unknown level or kind, bad cursor", body = ErrorBody),
    ))]
pub async fn get_matched(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<MatchedParams>,
) -> AppResult<Json<ListPage<Located>>> {
    let area = area_of(&user, params.area.as_deref())?;
    let kind = MatchedKind::parse(&params.kind)?;
    let paging = ListParams {
        limit: params.limit,
        cursor: params.cursor.clone(),
    };
    let limit = paging.limit()?;
    let after = id_cursor(params.cursor.as_deref())?;
    let date = params.date.unwrap_or_else(crate::calendar::today);
    let rows = view::matched(state.db(), &area, date, &params.level, kind, after, limit).await?;
    Ok(Json(page_of(rows, limit, |r| r.id.to_string())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    pub area_code: Option<String>,
    pub place_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/risk/history", tag = "risk", params(HistoryParams),
    responses(
        (status = 200, description = "Every level the area or place had, newest first", body = Vec<LevelRow>),
        (status = 422, description = "Neither or both of area_code and place_id, or an unknown place", body = ErrorBody),
    ))]
pub async fn get_history(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<HistoryParams>,
) -> AppResult<Json<Vec<LevelRow>>> {
    let rows = match (params.area_code.as_deref(), params.place_id) {
        (Some(code), None) => {
            let code = scoped_code(&user, code, "area_code")?;
            repo::history(state.db(), Some(code.as_str()), None).await?
        }
        (None, Some(id)) => {
            let unknown = || AppError::invalid("risk.unknown_place").on_field("place_id");
            let area = repo::place_area(state.db(), id)
                .await?
                .ok_or_else(unknown)?;
            user.require_record_area(&area).map_err(|_| unknown())?;
            repo::history(state.db(), None, Some(id)).await?
        }
        _ => return Err(AppError::invalid("risk.one_target").on_field("area_code")),
    };
    Ok(Json(rows))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recorded {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/risk/overrides", tag = "risk", request_body = super::service::OverrideInput,
    responses(
        (status = 201, description = "The level is set and pinned: rules leave it alone until lifted", body = Recorded),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Unknown level, area or place; no reason; a past date", body = ErrorBody),
    ))]
pub async fn post_override(
    State(state): State<AppState>,
    actor: Actor,
    user: CurrentUser,
    ApiJson(input): ApiJson<super::service::OverrideInput>,
) -> AppResult<(StatusCode, Json<Recorded>)> {
    let today = crate::calendar::today();
    let id = super::service::set_override(state.db(), &actor, &user, &input, false, today).await?;
    Ok((StatusCode::CREATED, Json(Recorded { id })))
}

#[utoipa::path(post, path = "/api/v1/risk/overrides/lift", tag = "risk", request_body = super::service::OverrideInput,
    responses(
        (status = 201, description = "The override ends: the level returns to the base, and the next evaluation raises it again if the cases call for it", body = Recorded),
        (status = 422, description = "The area or place has no override in force, or no reason", body = ErrorBody),
    ))]
pub async fn post_lift(
    State(state): State<AppState>,
    actor: Actor,
    user: CurrentUser,
    ApiJson(input): ApiJson<super::service::OverrideInput>,
) -> AppResult<(StatusCode, Json<Recorded>)> {
    let today = crate::calendar::today();
    let id = super::service::set_override(state.db(), &actor, &user, &input, true, today).await?;
    Ok((StatusCode::CREATED, Json(Recorded { id })))
}

#[utoipa::path(put, path = "/api/v1/risk/shapes", tag = "risk",
    request_body(content = Object, description = "A GeoJSON FeatureCollection; each feature's properties name its area by `code`, `adcode` or `area_code`"),
    responses(
        (status = 200, description = "Stored shapes and the codes not in the area tree", body = Loaded),
        (status = 422, description = "Not a FeatureCollection, or a feature without a code or a (Multi)Polygon; nothing stored", body = ErrorBody),
    ))]
pub async fn put_shapes(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(collection): ApiJson<Value>,
) -> AppResult<Json<Loaded>> {
    Ok(Json(shapes::load(state.db(), &actor, &collection).await?))
}

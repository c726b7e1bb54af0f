//! `/api/v1/economy/reports` (report, list) and `/api/v1/economy/resumption` (the rates, the
//! enterprises not resumed); sheets through `/api/v1/imports/resumption_reports`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use domain::DivisionCode;
use platform::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::state::AppState;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{ReportInput, ReportView, parse_day};
use super::rates::{Tally, latest};
use super::views::{By, Group, Pending, TrendPoint, groups, pending, trend};
use super::{repo, service};

fn some(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A `date` query value, today (Beijing) when absent.
pub fn day_of(text: Option<&str>) -> AppResult<NaiveDate> {
    match some(text) {
        None => Ok(platform::responsibility::today()),
        Some(t) => parse_day(t, "date"),
    }
}

/// The area a view is about: the named one (inside the caller's, else 403) or the caller's.
pub fn area_of(user: &CurrentUser, text: Option<&str>) -> AppResult<DivisionCode> {
    match some(text) {
        Some(t) => platform::areas::api::scoped_code(user, t, "area"),
        None => Ok(user.area.clone()),
    }
}

#[utoipa::path(post, path = "/api/v1/economy/reports", tag = "economy",
    request_body = ReportInput,
    responses(
        (status = 201, description = "Recorded; a second report of the same day replaced the first (`version`)", body = ReportView),
        (status = 403, description = "An enterprise account reporting for another enterprise", body = ErrorBody),
        (status = 404, description = "No such enterprise in the caller's area", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<ReportInput>,
) -> AppResult<Response> {
    let view = service::report(state.db(), &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Only this enterprise's reports.
    pub enterprise_id: Option<i64>,
    /// Only reports of this day, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Only this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of reports, newest first; an enterprise account sees its own only.
pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    q: &ReportQuery,
    limit: u32,
) -> AppResult<ListPage<ReportView>> {
    let before = platform::api::id_cursor(q.cursor.as_deref())?;
    let scope = platform::areas::api::scope_range(user, q.area.as_deref(), "area")?;
    let enterprise_id = crate::scope::enterprise_filter(user, q.enterprise_id)?;
    let on = some(q.date.as_deref())
        .map(|t| parse_day(t, "date"))
        .transpose()?;
    let filter = repo::Filter {
        scope,
        enterprise_id,
        on,
    };
    let rows = repo::list(state.db(), &filter, before, limit + 1).await?;
    let views = rows.into_iter().map(ReportView::from).collect();
    Ok(platform::api::page_of(views, limit, |r: &ReportView| {
        r.row.id.to_string()
    }))
}

#[utoipa::path(get, path = "/api/v1/economy/reports", tag = "economy", params(ReportQuery),
    responses(
        (status = 200, description = "Reports, newest first", body = ListPage<ReportView>),
        (status = 403, description = "The area lies outside the caller's, or another enterprise's reports", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> AppResult<Json<ListPage<ReportView>>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &q, limit).await?))
}

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct RatesQuery {
    /// The area (its subtree); the caller's when absent.
    pub area: Option<String>,
    /// The day, `YYYY-MM-DD`; today (Beijing) when absent.
    pub date: Option<String>,
    /// The breakdown: `area` (child areas, the default), `industry`, `size` or `risk` (the risk
    /// level of the enterprise's area on the day).
    pub by: Option<String>,
    /// Also the last 30 days' trend.
    pub trend: Option<bool>,
}

/// The rates of an area on a day.
#[derive(Serialize, ToSchema)]
pub struct Rates {
    pub area: String,
    pub date: NaiveDate,
    pub by: String,
    pub total: Tally,
    pub groups: Vec<Group>,
    /// The last 30 days, oldest first, when asked for.
    pub trend: Option<Vec<TrendPoint>>,
}

/// What a rates view is about, checked.
pub struct Checked {
    pub area: DivisionCode,
    pub day: NaiveDate,
    pub by: By,
    pub only: Option<i64>,
}

pub fn check(user: &CurrentUser, q: &RatesQuery) -> AppResult<Checked> {
    Ok(Checked {
        area: area_of(user, q.area.as_deref())?,
        day: day_of(q.date.as_deref())?,
        by: By::parse(q.by.as_deref())?,
        only: crate::scope::own_enterprise(user),
    })
}

/// The rates of a checked query.
pub async fn rates_of(
    state: &AppState,
    tr: &Tr,
    c: &Checked,
    with_trend: bool,
) -> AppResult<Rates> {
    let (lo, hi) = c.area.subtree_range();
    let rows = latest(state.db(), (&lo, &hi), c.day, c.only).await?;
    let trend = if with_trend {
        Some(trend(state.db(), (&lo, &hi), c.day, c.only, 30).await?)
    } else {
        None
    };
    Ok(Rates {
        area: c.area.as_str().to_string(),
        date: c.day,
        by: c.by.as_str().to_string(),
        total: Tally::of(&rows),
        groups: groups(state.db(), tr, &c.area, &rows, c.by, c.day).await?,
        trend,
    })
}

#[utoipa::path(get, path = "/api/v1/economy/resumption", tag = "economy", params(RatesQuery),
    responses(
        (status = 200, description = "Resumption rates of the area on the day, in total and by child area, industry or size", body = Rates),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad area, date or breakdown", body = ErrorBody),
    ))]
pub async fn rates(
    State(state): State<AppState>,
    user: CurrentUser,
    tr: Tr,
    ApiQuery(q): ApiQuery<RatesQuery>,
) -> AppResult<Json<Rates>> {
    let c = check(&user, &q)?;
    Ok(Json(
        rates_of(&state, &tr, &c, q.trend.unwrap_or(false)).await?,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PendingQuery {
    /// The area (its subtree); the caller's when absent.
    pub area: Option<String>,
    /// The day, `YYYY-MM-DD`; today (Beijing) when absent.
    pub date: Option<String>,
    /// Only enterprises whose area's risk level permits resumption (对号入座).
    pub permitted: Option<bool>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of the enterprises not resumed, by id.
pub async fn pending_page(
    state: &AppState,
    user: &CurrentUser,
    q: &PendingQuery,
    limit: u32,
) -> AppResult<ListPage<Pending>> {
    let after = platform::api::id_cursor(q.cursor.as_deref())?;
    let area = area_of(user, q.area.as_deref())?;
    let day = day_of(q.date.as_deref())?;
    let (lo, hi) = area.subtree_range();
    let rows = latest(
        state.db(),
        (&lo, &hi),
        day,
        crate::scope::own_enterprise(user),
    )
    .await?;
    let permitted = q.permitted.unwrap_or(false);
    let found = pending(
        state.db(),
        &rows,
        day,
        (after, limit as usize + 1),
        permitted,
    )
    .await?;
    Ok(platform::api::page_of(found, limit, |p: &Pending| {
        p.enterprise_id.to_string()
    }))
}

#[utoipa::path(get, path = "/api/v1/economy/resumption/pending", tag = "economy", params(PendingQuery),
    responses(
        (status = 200, description = "Enterprises not resumed on the day (closed ones left out), with their 包保 cadre and their area's risk level", body = ListPage<Pending>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad area, date, limit or cursor", body = ErrorBody),
    ))]
pub async fn list_pending(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<PendingQuery>,
) -> AppResult<Json<ListPage<Pending>>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(pending_page(&state, &user, &q, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/imports/resumption_reports", tag = "economy",
    request_body(content_type = "multipart/form-data", content = platform::imports::api::ImportForm),
    responses(
        (status = 200, description = "What was stored and which rows were rejected, with reasons", body = platform::imports::Summary),
        (status = 403, description = "An enterprise account: it reports for its own enterprise only", body = ErrorBody),
        (status = 422, description = "The file cannot be read as a resumption sheet", body = ErrorBody),
    ))]
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: Tr,
    form: axum::extract::Multipart,
) -> AppResult<Json<platform::imports::Summary>> {
    if crate::scope::own_enterprise(&user).is_some() {
        return Err(AppError::forbidden());
    }
    let summary = platform::imports::api::receive(
        &state,
        &user,
        &actor,
        &tr,
        form,
        &super::import::RESUMPTION_REPORTS,
    )
    .await?;
    Ok(Json(summary))
}

//! `/api/v1/epidemic/samples` and `/api/v1/epidemic/results`: recording samples (one, or a
//! device's batch), reading them, and receiving lab results (a batch, or a sheet through
//! `/api/v1/imports/lab_results`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use platform::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::model::{ResultBatch, SampleBatch, SampleInput, SampleView};
use super::{cases, results, samples};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct SampleQuery {
    /// Only samples in this area's subtree (it must lie in the caller's).
    pub area: Option<String>,
    /// Only samples taken on this day, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// `pending`, `negative`, `positive` or `invalid`.
    pub result: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn some(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A `YYYY-MM-DD` query value.
pub fn day_of(text: Option<&str>, field: &str) -> AppResult<Option<NaiveDate>> {
    some(text)
        .map(|t| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map_err(|_| AppError::invalid("testing.bad_date").on_field(field))
        })
        .transpose()
}

pub fn filter_of(user: &CurrentUser, q: &SampleQuery) -> AppResult<samples::Filter> {
    let scope = platform::areas::api::scope_range(user, q.area.as_deref(), "area")?;
    let result = some(q.result.as_deref()).map(str::to_string);
    if result
        .as_deref()
        .is_some_and(|r| !["pending", "negative", "positive", "invalid"].contains(&r))
    {
        return Err(AppError::invalid("testing.bad_result").on_field("result"));
    }
    Ok(samples::Filter {
        scope,
        on: day_of(q.date.as_deref(), "date")?,
        result,
    })
}

/// One page of samples, newest first.
pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    q: &SampleQuery,
    limit: u32,
) -> AppResult<ListPage<SampleView>> {
    let before = platform::api::id_cursor(q.cursor.as_deref())?;
    let filter = filter_of(user, q)?;
    let rows = samples::list(state.db(), &filter, before, limit + 1).await?;
    Ok(platform::api::page_of(rows, limit, |r| r.id.to_string()))
}

#[utoipa::path(get, path = "/api/v1/epidemic/samples", tag = "epidemic", params(SampleQuery),
    responses(
        (status = 200, description = "Samples, newest first", body = ListPage<SampleView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<SampleQuery>,
) -> AppResult<Json<ListPage<SampleView>>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &q, limit).await?))
}

/// A sample with its members' ids.
#[derive(Serialize, ToSchema)]
pub struct SampleDetail {
    #[serde(flatten)]
    pub sample: SampleView,
    pub members: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/epidemic/samples", tag = "epidemic", request_body = SampleInput,
    responses(
        (status = 201, description = "Recorded", body = SampleView),
        (status = 403, description = "The point lies outside the caller's area", body = ErrorBody),
        (status = 409, description = "The barcode is taken", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<SampleInput>,
) -> AppResult<Response> {
    let view = samples::create(state.db(), &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(post, path = "/api/v1/epidemic/samples/batch", tag = "epidemic", request_body = SampleBatch,
    responses(
        (status = 200, description = "Every sample of the batch as stored (a barcode sent again answers the first)", body = Vec<SampleView>),
        (status = 409, description = "A barcode is taken by a sample with other members", body = ErrorBody),
        (status = 422, description = "An item is wrong; `field` names it as `samples.N.…`", body = ErrorBody),
    ))]
pub async fn create_batch(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(batch): ApiJson<SampleBatch>,
) -> AppResult<Json<Vec<SampleView>>> {
    Ok(Json(
        samples::create_batch(state.db(), &actor, &user, &batch.samples).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/epidemic/samples/{id}", tag = "epidemic",
    params(("id" = i64, Path, description = "Sample id")),
    responses(
        (status = 200, description = "The sample and its members", body = SampleDetail),
        (status = 404, description = "No such sample in the caller's area", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<SampleDetail>> {
    let sample = samples::get(state.db(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    user.require_record_area(&sample.area_code)?;
    let members = samples::members(state.db(), id).await?;
    Ok(Json(SampleDetail { sample, members }))
}

/// What a batch of results did.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ResultSummary {
    /// Samples whose result changed.
    pub updated: u64,
    /// Results equal to the stored ones.
    pub unchanged: u64,
    /// Members of positive pools now required to be retested.
    pub retests: u64,
    /// Case notification tickets opened.
    pub tickets: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/epidemic/results", tag = "epidemic", request_body = ResultBatch,
    responses(
        (status = 200, description = "What the results changed", body = ResultSummary),
        (status = 422, description = "A result is wrong or names an unknown barcode; `field` names it as `results.N.…`; nothing is stored", body = ErrorBody),
    ))]
pub async fn post_results(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(batch): ApiJson<ResultBatch>,
) -> AppResult<Json<ResultSummary>> {
    if batch.results.is_empty() || batch.results.len() > 1000 {
        return Err(AppError::invalid("testing.bad_batch").on_field("results"));
    }
    let now = Utc::now();
    let mut valid = Vec::with_capacity(batch.results.len());
    for (i, r) in batch.results.iter().enumerate() {
        let v = r.validate(now).map_err(|e| {
            let field = e.field.clone().unwrap_or_default();
            e.on_field(format!("results.{i}.{field}"))
        })?;
        valid.push(v);
    }
    let mut summary = ResultSummary::default();
    let mut tx = state.db().begin().await?;
    for (i, r) in valid.iter().enumerate() {
        let sample = results::sample_in(&mut tx, &r.barcode)
            .await?
            .filter(|s| user.require_record_area(&s.area_code).is_ok())
            .ok_or_else(|| {
                AppError::invalid("testing.unknown_barcode")
                    .on_field(format!("results.{i}.barcode"))
            })?;
        let applied = results::apply_in(&mut tx, &actor.name, &sample, r).await?;
        summary.retests += applied.retests;
        match applied.changed {
            Some(id) => {
                summary.updated += 1;
                let event = Event::new("epidemic.result.record")
                    .record(samples::RECORD_KIND, id)
                    .area(&sample.area_code)
                    .after(json!({"barcode": r.barcode, "result": r.outcome.as_str(),
                        "tested_at": r.tested_at, "lab": r.lab, "retests": applied.retests}));
                audit::append(&mut tx, &actor, event).await?;
            }
            None => summary.unchanged += 1,
        }
        for notice in applied.notices {
            summary
                .tickets
                .extend(cases::notify_in(&state, &mut tx, &actor, notice).await?);
        }
    }
    tx.commit().await?;
    Ok(Json(summary))
}

#[utoipa::path(post, path = "/api/v1/imports/lab_results", tag = "epidemic",
    request_body(content_type = "multipart/form-data", content = platform::imports::api::ImportForm),
    responses(
        (status = 200, description = "What was stored and which rows were rejected, with reasons", body = platform::imports::Summary),
        (status = 422, description = "The file cannot be read as a lab sheet", body = ErrorBody),
    ))]
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: platform::i18n::Tr,
    form: axum::extract::Multipart,
) -> AppResult<Json<platform::imports::Summary>> {
    let summary = platform::imports::api::receive(
        &state,
        &user,
        &actor,
        &tr,
        form,
        &super::import::LAB_RESULTS,
    )
    .await?;
    // The sheet's positive singles wait as notices: their tickets now.
    cases::notify_pending(&state, &actor).await?;
    Ok(Json(summary))
}

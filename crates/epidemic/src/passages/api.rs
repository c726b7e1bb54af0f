//! `/api/v1/epidemic/passages`: device batches (idempotent, per-item answers), one passage (the
//! phone form's road), and the list per place or person (newest first, keyset, masked).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::AppState;
use platform::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{Batch, BatchAnswer, ItemResult, PassageItem, PassageView};
use super::repo::{self, Filter};
use super::service;

#[utoipa::path(post, path = "/api/v1/epidemic/passages/batch", tag = "epidemic", request_body = Batch,
    responses(
        (status = 200, description = "One result per item, in order: created, duplicate (a retry) or rejected with its error; the accepted ones are durable", body = BatchAnswer),
        (status = 422, description = "The batch itself is wrong (device, empty or over 10,000 items); nothing recorded", body = ErrorBody),
    ))]
pub async fn batch(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: Tr,
    ApiJson(batch): ApiJson<Batch>,
) -> AppResult<Json<BatchAnswer>> {
    Ok(Json(
        service::ingest(&state, &actor, &user, &tr, &batch).await?,
    ))
}

/// Records one passage as the caller's own device (`user:ID`): (id, created, person) or the
/// item's error.
pub async fn record_one(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    item: PassageItem,
) -> AppResult<(i64, bool, i64)> {
    let batch = Batch {
        device: format!("user:{}", user.id),
        place_id: None,
        items: vec![item],
    };
    service::ingest_items(state, actor, user, &batch)
        .await?
        .pop()
        .ok_or_else(AppError::not_found)?
}

#[utoipa::path(post, path = "/api/v1/epidemic/passages", tag = "epidemic", request_body = PassageItem,
    responses(
        (status = 201, description = "Recorded (durable)", body = ItemResult),
        (status = 200, description = "A retry with the same event key: the passage recorded first", body = ItemResult),
        (status = 422, description = "A field is wrong; `field` names it; nothing recorded", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(item): ApiJson<PassageItem>,
) -> AppResult<Response> {
    let key = item.event_key.clone();
    let (id, created, person) = record_one(&state, &actor, &user, item).await?;
    let result = ItemResult {
        event_key: key,
        status: if created { "created" } else { "duplicate" },
        id: Some(id),
        person_id: Some(person),
        error: None,
    };
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(result)).into_response())
}

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct PassageQuery {
    /// Passages at places in this area's subtree (default: the caller's area).
    pub area: Option<String>,
    pub place_id: Option<i64>,
    pub person_id: Option<i64>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    q: &PassageQuery,
    limit: u32,
) -> AppResult<ListPage<PassageView>> {
    let before = match platform::api::id_cursor(q.cursor.as_deref())? {
        0 => i64::MAX,
        n => n,
    };
    let filter = Filter {
        scope: platform::areas::api::scope_range(user, q.area.as_deref(), "area")?,
        place_id: q.place_id,
        person_id: q.person_id,
    };
    let rows = repo::list(state.db(), &filter, before, limit + 1).await?;
    let page = platform::api::page_of(rows, limit, |r| r.id.to_string());
    Ok(ListPage {
        items: page.items.into_iter().map(PassageView::from_row).collect(),
        next_cursor: page.next_cursor,
    })
}

#[utoipa::path(get, path = "/api/v1/epidemic/passages", tag = "epidemic", params(PassageQuery),
    responses(
        (status = 200, description = "Passages, newest first, documents masked", body = ListPage<PassageView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<PassageQuery>,
) -> AppResult<Json<ListPage<PassageView>>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &q, limit).await?))
}

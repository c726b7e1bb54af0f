//! `/api/v1/epidemic/screenings`: record one (phones), record many (gate devices, each with its
//! idempotency key), list by day, checkpoint, origin and decision, read one, and look a document
//! up to prefill the form.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use platform::AppState;
use platform::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::pii::Personal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{ORIGINS, ScreeningInput, ScreeningView};
use super::repo::{self, Filter};
use super::service;

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct ScreeningQuery {
    /// Screenings at checkpoints in, or of people heading to, this area's subtree.
    pub area: Option<String>,
    /// From this day, `YYYY-MM-DD` (Beijing).
    pub from: Option<String>,
    /// Through this day.
    pub to: Option<String>,
    pub place_id: Option<i64>,
    /// `domestic_risk`, `abroad`, `other`.
    pub origin: Option<String>,
    /// `pass`, `testing`, `quarantine`, `hospital`.
    pub decision: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn some(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

pub fn filter_of(user: &CurrentUser, q: &ScreeningQuery) -> AppResult<Filter> {
    let scope = platform::areas::api::scope_range(user, q.area.as_deref(), "area")?;
    let period = platform::tickets::api::period_of(q.from.as_deref(), q.to.as_deref())?;
    let origin = some(q.origin.as_deref());
    if origin.as_deref().is_some_and(|o| !ORIGINS.contains(&o)) {
        return Err(AppError::invalid("screening.bad_origin").on_field("origin"));
    }
    let decision = some(q.decision.as_deref());
    if decision
        .as_deref()
        .is_some_and(|d| super::model::Decision::parse(d).is_none())
    {
        return Err(AppError::invalid("screening.bad_decision").on_field("decision"));
    }
    Ok(Filter {
        scope,
        period,
        place_id: q.place_id,
        origin,
        decision,
    })
}

pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    q: &ScreeningQuery,
    limit: u32,
) -> AppResult<ListPage<ScreeningView>> {
    let before = match platform::api::id_cursor(q.cursor.as_deref())? {
        0 => i64::MAX,
        n => n,
    };
    let filter = filter_of(user, q)?;
    let rows = repo::list(state.db(), &filter, before, limit + 1).await?;
    let page = platform::api::page_of(rows, limit, |r| r.id.to_string());
    Ok(ListPage {
        items: page
            .items
            .into_iter()
            .map(ScreeningView::from_row)
            .collect(),
        next_cursor: page.next_cursor,
    })
}

#[utoipa::path(get, path = "/api/v1/epidemic/screenings", tag = "epidemic", params(ScreeningQuery),
    responses(
        (status = 200, description = "Screenings, newest first, documents masked", body = ListPage<ScreeningView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ScreeningQuery>,
) -> AppResult<Json<ListPage<ScreeningView>>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &q, limit).await?))
}

fn key_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{1}"))
}

#[utoipa::path(post, path = "/api/v1/epidemic/screenings", tag = "epidemic", request_body = ScreeningInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same key again (from the same caller) answers the first screening with 200 instead of recording another")),
    responses(
        (status = 201, description = "Recorded, with what followed: key person, quarantine referral, test requirement, urgent ticket", body = ScreeningView),
        (status = 200, description = "A retry: the screening the first request with this key recorded", body = ScreeningView),
        (status = 422, description = "A field is wrong; `field` names it; nothing was recorded", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ScreeningInput>,
) -> AppResult<Response> {
    let recorded = service::record(&state, &actor, &user, &input, key_of(&headers), None).await?;
    let status = if recorded.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(recorded.screening)).into_response())
}

/// One screening of a device's batch, with its key.
#[derive(Deserialize, ToSchema)]
pub struct BatchItem {
    /// Unique per screening on this device: a retry of the batch records nothing twice.
    pub idempotency_key: String,
    #[serde(flatten)]
    pub screening: ScreeningInput,
}

#[derive(Deserialize, ToSchema)]
pub struct Batch {
    /// The device's name, kept with each screening.
    pub device: Option<String>,
    /// At most 500.
    pub items: Vec<BatchItem>,
}

/// What became of one item: `created`, `duplicate` (recorded before) or `rejected`.
#[derive(Serialize, ToSchema)]
pub struct BatchResult {
    pub idempotency_key: String,
    pub status: String,
    pub id: Option<i64>,
    pub decision: Option<String>,
    pub error: Option<ErrorBody>,
}

#[utoipa::path(post, path = "/api/v1/epidemic/screenings/batch", tag = "epidemic", request_body = Batch,
    responses(
        (status = 200, description = "One result per item, in order; each item is recorded on its own", body = Vec<BatchResult>),
        (status = 422, description = "The batch itself is wrong (empty, too large, a key missing)", body = ErrorBody),
    ))]
pub async fn batch(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: Tr,
    ApiJson(batch): ApiJson<Batch>,
) -> AppResult<Json<Vec<BatchResult>>> {
    if batch.items.is_empty() || batch.items.len() > 500 {
        return Err(AppError::invalid("screening.batch_size").on_field("items"));
    }
    let device = batch
        .device
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty() && d.chars().count() <= 100);
    let mut results = Vec::with_capacity(batch.items.len());
    for item in &batch.items {
        if service::valid_key(Some(&item.idempotency_key))?.is_none() {
            return Err(AppError::invalid("screening.bad_idempotency_key").on_field("items"));
        }
    }
    for item in batch.items {
        let outcome = service::record(
            &state,
            &actor,
            &user,
            &item.screening,
            Some(&item.idempotency_key),
            device,
        )
        .await;
        results.push(match outcome {
            Ok(r) => BatchResult {
                idempotency_key: item.idempotency_key,
                status: if r.created { "created" } else { "duplicate" }.into(),
                id: Some(r.screening.id),
                decision: Some(r.screening.decision),
                error: None,
            },
            Err(e) => BatchResult {
                idempotency_key: item.idempotency_key,
                status: "rejected".into(),
                id: None,
                decision: None,
                error: Some(ErrorBody::of(&e, &tr)),
            },
        });
    }
    Ok(Json(results))
}

#[utoipa::path(get, path = "/api/v1/epidemic/screenings/{id}", tag = "epidemic",
    params(("id" = i64, Path, description = "Screening id")),
    responses(
        (status = 200, description = "The screening", body = ScreeningView),
        (status = 404, description = "No such screening in the caller's area", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ScreeningView>> {
    Ok(Json(service::get_scoped(&state, &user, id).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    pub doc_number: String,
    pub doc_type: Option<String>,
}

/// What the registry already knows about a traveller, for the form: masked.
#[derive(Serialize, ToSchema)]
pub struct Known {
    pub registered: bool,
    pub name: Option<String>,
    #[schema(value_type = Option<String>)]
    pub phone: Option<Personal>,
    pub area_code: Option<String>,
    /// An open key-person episode: category and status.
    pub key_person: Option<(String, String)>,
}

pub async fn known(state: &AppState, doc_number: &str, doc_type: Option<&str>) -> AppResult<Known> {
    let doc = platform::registry::person::model::parse_document(doc_type, doc_number)?;
    let found = platform::registry::person::repo::find_by_document(
        state.db(),
        doc.kind().as_str(),
        doc.number(),
    )
    .await?;
    let Some(p) = found else {
        return Ok(Known {
            registered: false,
            name: None,
            phone: None,
            area_code: None,
            key_person: None,
        });
    };
    const OPEN: &str =
        "SELECT category, status FROM epi_key_persons WHERE person_id = $1 AND status <> 'ended'";
    let id = p.merged_into.unwrap_or(p.id);
    let key_person: Option<(String, String)> = platform::with_db!(state.db(), pool => sqlx::query_as(OPEN)
        .bind(id).fetch_optional(pool).await)?;
    Ok(Known {
        registered: true,
        name: Some(p.name),
        phone: p.phone.map(Personal::phone),
        area_code: Some(p.area_code),
        key_person,
    })
}

#[utoipa::path(get, path = "/api/v1/epidemic/screenings/lookup", tag = "epidemic", params(LookupQuery),
    responses(
        (status = 200, description = "Whether the person is registered, with name and masked phone, and any open key-person episode", body = Known),
        (status = 422, description = "Not a valid document number", body = ErrorBody),
    ))]
pub async fn lookup(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> AppResult<Json<Known>> {
    Ok(Json(
        known(&state, &q.doc_number, q.doc_type.as_deref()).await?,
    ))
}

//! `/api/v1/economy/checklists` (templates) and `/api/v1/economy/inspections` (record, list,
//! one with its items and photos, photos as evidence).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::state::AppState;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::model::{
    Checklist, ChecklistInput, InspectionInput, InspectionRow, InspectionView, PhotoView,
};
use super::{repo, service};

#[utoipa::path(get, path = "/api/v1/economy/checklists", tag = "economy",
    responses((status = 200, description = "Checklist templates, the default first", body = Vec<Checklist>)))]
pub async fn checklists(State(state): State<AppState>) -> AppResult<Json<Vec<Checklist>>> {
    Ok(Json(repo::checklists(state.db()).await?))
}

#[utoipa::path(post, path = "/api/v1/economy/checklists", tag = "economy",
    request_body = ChecklistInput,
    responses(
        (status = 201, description = "Stored", body = Checklist),
        (status = 403, description = "An enterprise account", body = ErrorBody),
        (status = 422, description = "No name, or no items; `field` names it", body = ErrorBody),
    ))]
pub async fn create_checklist(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<ChecklistInput>,
) -> AppResult<Response> {
    let saved = service::save_checklist(state.db(), &actor, &user, None, &input).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

#[utoipa::path(put, path = "/api/v1/economy/checklists/{id}", tag = "economy",
    params(("id" = i64, Path, description = "Checklist id")),
    request_body = ChecklistInput,
    responses(
        (status = 200, description = "Replaced; past inspections keep the items they used", body = Checklist),
        (status = 403, description = "An enterprise account", body = ErrorBody),
        (status = 404, description = "No such checklist", body = ErrorBody),
        (status = 422, description = "No name, or no items; `field` names it", body = ErrorBody),
    ))]
pub async fn update_checklist(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ChecklistInput>,
) -> AppResult<Json<Checklist>> {
    Ok(Json(
        service::save_checklist(state.db(), &actor, &user, Some(id), &input).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/economy/inspections", tag = "economy",
    request_body = InspectionInput,
    responses(
        (status = 201, description = "Recorded; a failure opened a rectification ticket (`ticket_id`), a stop-work finding suspended the enterprise, a passed re-inspection lifted it", body = InspectionView),
        (status = 403, description = "An enterprise account, or an area outside the caller's", body = ErrorBody),
        (status = 404, description = "No such enterprise in the caller's area", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: Tr,
    ApiJson(input): ApiJson<InspectionInput>,
) -> AppResult<Response> {
    let view = service::record(&state, &actor, &user, &tr, &input).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct InspectionQuery {
    pub enterprise_id: Option<i64>,
    /// Only failed inspections.
    pub failed: Option<bool>,
    /// Only this area's subtree (inside the caller's).
    pub area: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of inspections, newest first; an enterprise account sees its own only.
pub async fn page_of(
    state: &AppState,
    user: &CurrentUser,
    q: &InspectionQuery,
    limit: u32,
) -> AppResult<ListPage<InspectionRow>> {
    let before = platform::api::id_cursor(q.cursor.as_deref())?;
    let scope = platform::areas::api::scope_range(user, q.area.as_deref(), "area")?;
    let enterprise_id = crate::scope::enterprise_filter(user, q.enterprise_id)?;
    let filter = repo::Filter {
        scope,
        enterprise_id,
        failed: q.failed.unwrap_or(false),
    };
    let rows = repo::list(state.db(), &filter, before, limit + 1).await?;
    Ok(platform::api::page_of(rows, limit, |r: &InspectionRow| {
        r.id.to_string()
    }))
}

#[utoipa::path(get, path = "/api/v1/economy/inspections", tag = "economy", params(InspectionQuery),
    responses(
        (status = 200, description = "Inspections, newest first", body = ListPage<InspectionRow>),
        (status = 403, description = "The area lies outside the caller's, or another enterprise's", body = ErrorBody),
        (status = 422, description = "Bad filter, limit or cursor", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<InspectionQuery>,
) -> AppResult<Json<ListPage<InspectionRow>>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    Ok(Json(page_of(&state, &user, &q, limit).await?))
}

#[utoipa::path(get, path = "/api/v1/economy/inspections/{id}", tag = "economy",
    params(("id" = i64, Path, description = "Inspection id")),
    responses(
        (status = 200, description = "The inspection with its items and photos", body = InspectionView),
        (status = 404, description = "No such inspection in the caller's area", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<InspectionView>> {
    let row = service::get_scoped(state.db(), &user, id).await?;
    Ok(Json(service::view(state.db(), row).await?))
}

/// The multipart form of a photo.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PhotoForm {
    /// JPEG, PNG, HEIC or PDF, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[utoipa::path(post, path = "/api/v1/economy/inspections/{id}/photos", tag = "economy",
    params(("id" = i64, Path, description = "Inspection id")),
    request_body(content_type = "multipart/form-data", content = PhotoForm),
    responses(
        (status = 201, description = "Attached", body = PhotoView),
        (status = 404, description = "No such inspection in the caller's area", body = ErrorBody),
        (status = 422, description = "No file, too large, or not a photo or PDF", body = ErrorBody),
    ))]
pub async fn attach(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    form: axum::extract::Multipart,
) -> AppResult<Response> {
    let (name, bytes) = platform::tickets::attachments::read_file(form).await?;
    let view = service::attach_photo(state.db(), &actor, &user, id, &name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(get, path = "/api/v1/economy/inspections/{id}/photos/{photo_id}", tag = "economy",
    params(("id" = i64, Path, description = "Inspection id"), ("photo_id" = i64, Path, description = "Photo id")),
    responses(
        (status = 200, description = "The photo as attached"),
        (status = 404, description = "No such photo of an inspection the caller sees", body = ErrorBody),
    ))]
pub async fn photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, photo_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    service::get_scoped(state.db(), &user, id).await?;
    let (name, content_type, bytes) = repo::photo(state.db(), id, photo_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(platform::web::download::attachment(
        &name,
        &content_type,
        bytes,
    ))
}

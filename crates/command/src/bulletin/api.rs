//! The bulletin API: templates (`/api/v1/command/bulletin-templates…`), a bulletin composed for
//! an area and day (`/api/v1/command/bulletins/compose`), and the archive
//! (`/api/v1/command/bulletins…`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use platform::AppState;
use platform::api::{ApiJson, ApiQuery, ErrorBody, ListPage};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::compose::Bulletin;
use super::service::{self, TemplateInfo, TemplateInput};
use crate::api::{ScreenQuery, area_and_date};

#[utoipa::path(get, path = "/api/v1/command/bulletin-templates", tag = "command",
    responses((status = 200, description = "Every bulletin template, bundled and the office's own, by name", body = Vec<TemplateInfo>)))]
pub async fn list_templates(State(state): State<AppState>) -> AppResult<Json<Vec<TemplateInfo>>> {
    Ok(Json(service::templates(state.db()).await?))
}

#[utoipa::path(get, path = "/api/v1/command/bulletin-templates/{name}", tag = "command",
    params(("name" = String, Path, description = "Template name, e.g. `dual-campaign`")),
    responses(
        (status = 200, description = "The template", body = TemplateInfo),
        (status = 404, description = "No such template", body = ErrorBody),
    ))]
pub async fn get_template(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Json<TemplateInfo>> {
    Ok(Json(service::template_or_404(state.db(), &name).await?))
}

#[utoipa::path(put, path = "/api/v1/command/bulletin-templates/{name}", tag = "command",
    params(("name" = String, Path, description = "Template name: 1–40 of a-z, 0-9, -")),
    request_body = TemplateInput,
    responses(
        (status = 200, description = "Stored and audited", body = TemplateInfo),
        (status = 409, description = "Changed by someone else since it was read (`version`)", body = ErrorBody),
        (status = 422, description = "A bad name, title or time, or a mistake in the body: the message names its line", body = ErrorBody),
    ))]
pub async fn put_template(
    State(state): State<AppState>,
    actor: Actor,
    Path(name): Path<String>,
    ApiJson(input): ApiJson<TemplateInput>,
) -> AppResult<Json<TemplateInfo>> {
    Ok(Json(service::save(state.db(), &actor, &name, input).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The version read.
    pub version: i64,
}

#[utoipa::path(delete, path = "/api/v1/command/bulletin-templates/{name}", tag = "command",
    params(("name" = String, Path, description = "Template name"), VersionQuery),
    responses(
        (status = 204, description = "The office's edit dropped: a bundled template is as shipped again, an office template is gone"),
        (status = 404, description = "No edited template of that name", body = ErrorBody),
        (status = 409, description = "Changed by someone else since it was read", body = ErrorBody),
    ))]
pub async fn delete_template(
    State(state): State<AppState>,
    actor: Actor,
    Path(name): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> AppResult<StatusCode> {
    service::reset(state.db(), &actor, &name, q.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct BulletinQuery {
    /// Template name; `dual-campaign` when absent.
    pub template: Option<String>,
    /// The area (its subtree); the caller's own when absent.
    pub area: Option<String>,
    /// `YYYY-MM-DD`; today (Beijing) when absent.
    pub date: Option<String>,
}

pub const DEFAULT_TEMPLATE: &str = "dual-campaign";

impl BulletinQuery {
    pub fn template(&self) -> &str {
        self.template
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or(DEFAULT_TEMPLATE)
    }

    pub fn area_and_date(
        &self,
        user: &CurrentUser,
    ) -> AppResult<(domain::DivisionCode, NaiveDate)> {
        area_and_date(
            user,
            &ScreenQuery {
                area: self.area.clone(),
                date: self.date.clone(),
            },
        )
    }
}

#[utoipa::path(get, path = "/api/v1/command/bulletins/compose", tag = "command", params(BulletinQuery),
    responses(
        (status = 200, description = "The bulletin filled in for the area and day: its blocks, and every figure quoted (with the day and week before where the bulletin shows a change); figures the platform cannot know are marked unavailable", body = Bulletin),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 404, description = "No such template", body = ErrorBody),
        (status = 422, description = "Bad area or date", body = ErrorBody),
    ))]
pub async fn compose(
    State(state): State<AppState>,
    user: CurrentUser,
    tr: Tr,
    ApiQuery(q): ApiQuery<BulletinQuery>,
) -> AppResult<Json<Bulletin>> {
    let (area, date) = q.area_and_date(&user)?;
    Ok(Json(
        service::compose(&state, &user, &tr, q.template(), &area, date).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct GenerateInput {
    pub template: String,
    /// The area; the caller's own when absent.
    pub area: Option<String>,
    /// `YYYY-MM-DD`; today (Beijing) when absent.
    pub date: Option<String>,
}

/// An archived bulletin.
#[derive(Serialize, ToSchema)]
pub struct ArchivedView {
    pub id: i64,
    pub template: String,
    pub title: String,
    pub area_code: String,
    pub date: NaiveDate,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub generated_by: String,
    /// The Word document.
    pub docx_href: String,
}

impl From<super::repo::Archived> for ArchivedView {
    fn from(a: super::repo::Archived) -> Self {
        ArchivedView {
            docx_href: format!("/command/bulletins/archive/{}/docx", a.id),
            id: a.id,
            template: a.template_name,
            title: a.title,
            area_code: a.area_code,
            date: a.bulletin_on,
            generated_at: a.generated_at,
            generated_by: a.generated_by,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/command/bulletins", tag = "command", request_body = GenerateInput,
    responses(
        (status = 201, description = "Generated into the archive (replacing one of the same template, area and day), audited", body = ArchivedView),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 404, description = "No such template", body = ErrorBody),
        (status = 422, description = "Bad area or date", body = ErrorBody),
    ))]
pub async fn generate(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    tr: Tr,
    ApiJson(input): ApiJson<GenerateInput>,
) -> AppResult<(StatusCode, Json<ArchivedView>)> {
    let (area, date) = area_and_date(
        &user,
        &ScreenQuery {
            area: input.area,
            date: input.date,
        },
    )?;
    let (id, ..) =
        service::generate(&state, &actor, &user, &tr, &input.template, &area, date).await?;
    let row = super::repo::archived_one(state.db(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    /// The area (its subtree); the caller's own when absent.
    pub area: Option<String>,
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of the archive within the caller's area, newest first.
pub async fn archive_page(
    state: &AppState,
    user: &CurrentUser,
    q: &ArchiveQuery,
) -> AppResult<ListPage<ArchivedView>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    let before = match platform::api::id_cursor(q.cursor.as_deref())? {
        0 => None,
        id => Some(id),
    };
    let (lo, hi) = platform::areas::api::scope_range(user, q.area.as_deref(), "area")?;
    let rows = super::repo::archived(state.db(), &lo, &hi, before, limit + 1).await?;
    let views: Vec<ArchivedView> = rows.into_iter().map(Into::into).collect();
    Ok(platform::api::page_of(views, limit, |v| v.id.to_string()))
}

#[utoipa::path(get, path = "/api/v1/command/bulletins", tag = "command", params(ArchiveQuery),
    responses(
        (status = 200, description = "Archived bulletins of the area's subtree, newest first", body = ListPage<ArchivedView>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad area, limit or cursor", body = ErrorBody),
    ))]
pub async fn list_archive(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ArchiveQuery>,
) -> AppResult<Json<ListPage<ArchivedView>>> {
    Ok(Json(archive_page(&state, &user, &q).await?))
}

//! The import routes every importer shares: its error report. Each module registers its own
//! `POST /api/v1/imports/{kind}` (a two-line handler calling [`receive`]) so the route carries
//! the module's write permission and its own OpenAPI description.

use axum::extract::{Path, State};
use axum::response::Response;

use super::{SheetImport, Summary, Upload};
use crate::api::ErrorBody;
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::download::{XLSX, attachment};

/// The multipart form of every import.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// The sheet: xlsx, xls or csv (UTF-8 or GBK).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// `valid-rows` (default) or `all-or-nothing`.
    pub mode: Option<String>,
    /// The area for rows without an area code.
    pub area: Option<String>,
}

/// Reads the multipart upload and imports it with `importer`.
pub async fn receive(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    tr: &Tr,
    form: axum::extract::Multipart,
    importer: &dyn SheetImport,
) -> AppResult<Summary> {
    let upload = Upload::read(form).await?;
    Ok(upload
        .import(importer, state.db(), actor, tr, user)
        .await?
        .summary)
}

#[utoipa::path(get, path = "/api/v1/imports/{id}/report", tag = "imports",
    params(("id" = i64, Path, description = "The import, as its summary's `id` names it")),
    responses(
        (status = 200, description = "The rejected rows as they were, each with its reasons and the bad cells in red", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, description = "No such import of the caller's, or it rejected nothing", body = ErrorBody),
    ))]
pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    tr: Tr,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (file_name, bytes) = super::record::report(state.db(), id, &user.username)
        .await?
        .ok_or_else(AppError::not_found)?;
    let stem = file_name
        .rsplit_once('.')
        .map(|(stem, _)| stem)
        .unwrap_or(&file_name);
    let name = tr.f("import.report_file", &[("file", stem)]);
    Ok(attachment(&format!("{name}.xlsx"), XLSX, bytes))
}

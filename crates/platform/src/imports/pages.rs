//! The upload page every importer shares: the file, the mode, a default area; the answer is the
//! summary, the rejected rows with their reasons, and the error report to download.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

use super::{SheetImport, Summary, Upload};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::kit::{Field, SelectOption};
use crate::web::{Page, render};

/// Where an importer's page lives and what it links to.
pub struct ImportPage {
    pub importer: &'static dyn SheetImport,
    /// The page's title, `import.title_persons`.
    pub title_key: &'static str,
    /// This page's path, where the form posts.
    pub action: &'static str,
    /// The blank template to download.
    pub template: &'static str,
    /// The list the imported records join, and its label's key.
    pub list: &'static str,
    pub list_key: &'static str,
}

#[derive(Template)]
#[template(path = "imports/form.html")]
struct FormPage {
    page: Page,
    spec: &'static ImportPage,
    fields: Vec<Field>,
    summary: Option<Summary>,
    error: Option<String>,
}

/// `GET` the form and `POST` (multipart) the file at `spec.action`.
pub fn routes(spec: &'static ImportPage) -> MethodRouter<AppState> {
    get(move |page: Page| form(page, spec)).post(
        move |state: State<AppState>,
              page: Page,
              user: CurrentUser,
              actor: Actor,
              multipart: axum::extract::Multipart| {
            submit(state, page, user, actor, multipart, spec)
        },
    )
}

fn fields(page: &Page) -> Vec<Field> {
    let tr = &page.tr;
    vec![
        Field::file("file", tr.t("import.file"), ".xlsx,.xls,.csv")
            .required()
            .help(tr.t("import.file_help")),
        Field::select(
            "mode",
            tr.t("import.mode"),
            vec![
                SelectOption::new("valid-rows", tr.t("import.mode_valid_rows")),
                SelectOption::new("all-or-nothing", tr.t("import.mode_all_or_nothing")),
            ],
        ),
        Field::area_picker("area", tr.t("import.default_area"))
            .help(tr.t("import.default_area_help")),
    ]
}

fn titled(page: Page, spec: &ImportPage) -> Page {
    let mut page = page.titled(spec.title_key);
    page.crumbs = vec![(spec.list.to_string(), page.tr.t(spec.list_key).to_string())];
    page
}

async fn form(page: Page, spec: &'static ImportPage) -> AppResult<Response> {
    let fields = fields(&page);
    Ok(render(&FormPage {
        page: titled(page, spec),
        spec,
        fields,
        summary: None,
        error: None,
    })?
    .into_response())
}

async fn submit(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    multipart: axum::extract::Multipart,
    spec: &'static ImportPage,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let result = match Upload::read(multipart).await {
        Ok(upload) => upload
            .import(spec.importer, state.db(), &actor, &tr, &user)
            .await
            .map(|o| o.summary),
        Err(err) => Err(err),
    };
    let fields = fields(&page);
    let page = titled(page, spec);
    match result {
        Ok(summary) => Ok(render(&FormPage {
            page,
            spec,
            fields,
            summary: Some(summary),
            error: None,
        })?
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let error = Some(err.message(&tr));
            Ok((
                err.status,
                render(&FormPage {
                    page,
                    spec,
                    fields,
                    summary: None,
                    error,
                })?,
            )
                .into_response())
        }
        Err(err) => Err(err),
    }
}

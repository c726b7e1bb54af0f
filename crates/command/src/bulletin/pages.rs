//! Bulletin pages: `/command/bulletins` (templates, the compose form, the archive), the preview
//! with its downloads (`/command/bulletins/preview`, `…/docx`, `…/xlsx`), the archive's
//! documents, and the template editor (command office only).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use platform::AppState;
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::web::download::attachment;
use platform::web::kit::{Cell, Column, Field, FieldKind, SelectOption, Table};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{ArchiveQuery, BulletinQuery, archive_page};
use super::compose::{Block, Bulletin};
use super::service::{self, TemplateInfo, TemplateInput};

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Template)]
#[template(path = "command/bulletins.html")]
struct IndexPage {
    page: Page,
    templates: Table,
    fields: Vec<Field>,
    archive: Table,
    can_edit: bool,
}

/// Whether the user edits templates: the command office (and admins).
pub fn edits_templates(user: &CurrentUser) -> bool {
    super::EDITORS.contains(&user.role)
}

fn template_options(templates: &[TemplateInfo]) -> Vec<SelectOption> {
    templates
        .iter()
        .map(|t| SelectOption::new(t.name.clone(), format!("{}（{}）", t.title, t.name)))
        .collect()
}

/// `GET /command/bulletins?cursor=`
pub async fn index(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ArchiveQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let templates = service::templates(state.db()).await?;
    let can_edit = edits_templates(&user);

    let mut table = Table::new("templates-table", tr.t("bulletin.templates"), "").labels(&tr);
    table.columns = vec![
        Column::new("title", tr.t("bulletin.title")),
        Column::new("name", tr.t("bulletin.name")),
        Column::new("daily_at", tr.t("bulletin.daily_at")),
        Column::new("state", tr.t("bulletin.state")),
        Column::new("actions", tr.t("bulletin.actions")),
    ];
    table.rows = templates
        .iter()
        .map(|t| {
            let state = match (t.bundled, t.edited) {
                (true, false) => tr.t("bulletin.state.bundled"),
                (true, true) => tr.t("bulletin.state.bundled_edited"),
                _ => tr.t("bulletin.state.own"),
            };
            let actions = if can_edit {
                Cell::link(
                    format!("/command/bulletins/templates/{}/edit", t.name),
                    tr.t("bulletin.edit"),
                )
            } else {
                Cell::text("")
            };
            vec![
                Cell::link(
                    format!("/command/bulletins/preview?template={}", t.name),
                    t.title.clone(),
                ),
                Cell::text(t.name.clone()),
                Cell::text(t.daily_at.clone().unwrap_or_else(|| "—".into())),
                Cell::text(state),
                actions,
            ]
        })
        .collect();

    let fields = vec![
        Field::new(
            "template",
            tr.t("bulletin.template"),
            FieldKind::Select(template_options(&templates)),
        )
        .value(super::api::DEFAULT_TEMPLATE)
        .required(),
        Field::area_picker("area", tr.t("bulletin.area"))
            .value(user.area.as_str())
            .chosen(user.area_name.clone()),
        Field::date("date", tr.t("bulletin.date"))
            .value(platform::responsibility::today().to_string())
            .validate("date"),
    ];

    let archive_list = archive_page(&state, &user, &q).await?;
    let mut archive = Table::new(
        "archive-table",
        tr.t("bulletin.archive"),
        "/command/bulletins",
    )
    .labels(&tr);
    archive.columns = vec![
        Column::new("date", tr.t("bulletin.date")),
        Column::new("title", tr.t("bulletin.title")),
        Column::new("area", tr.t("bulletin.area")),
        Column::new("generated", tr.t("bulletin.generated_at")),
        Column::new("files", tr.t("bulletin.files")),
    ];
    let codes: Vec<String> = archive_list
        .items
        .iter()
        .map(|a| a.area_code.clone())
        .collect();
    let names = platform::areas::repo::names(state.db(), &codes).await?;
    let name_of = |code: &str| {
        names
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_string())
    };
    archive.rows = archive_list
        .items
        .iter()
        .map(|a| {
            vec![
                Cell::text(a.date.to_string()),
                Cell::link(
                    format!("/command/bulletins/archive/{}", a.id),
                    a.title.clone(),
                ),
                Cell::text(name_of(&a.area_code)),
                Cell::text(
                    a.generated_at
                        .with_timezone(&domain::dates::china_offset())
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                ),
                Cell::link(a.docx_href.clone(), tr.t("bulletin.download_docx")),
            ]
        })
        .collect();
    archive.next_cursor = archive_list.next_cursor;
    archive.empty_text = tr.t("bulletin.archive_empty").to_string();

    let page = page.titled(tr.t("nav.command.bulletins"));
    Ok(render(&IndexPage {
        page,
        templates: table,
        fields,
        archive,
        can_edit,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "command/bulletin.html")]
struct PreviewPage {
    page: Page,
    bulletin: Bulletin,
    /// Where the DOCX and XLSX are.
    docx_href: String,
    xlsx_href: String,
    /// The archive form's values, when the bulletin is not from the archive.
    archive_form: Option<(String, String, String)>,
    unavailable: usize,
}

impl PreviewPage {
    fn tables(&self) -> Vec<&super::compose::Table> {
        self.bulletin
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .collect()
    }
}

fn count_unavailable(b: &Bulletin) -> usize {
    b.figures.iter().filter(|f| f.value.is_none()).count()
}

fn query_of(template: &str, area: &str, date: chrono::NaiveDate) -> String {
    let encoded: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("template", template)
        .append_pair("area", area)
        .append_pair("date", &date.to_string())
        .finish();
    encoded
}

/// `GET /command/bulletins/preview?template=&area=&date=`
pub async fn preview(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<BulletinQuery>,
) -> AppResult<Response> {
    let (area, date) = q.area_and_date(&user)?;
    let tr = page.tr.clone();
    let bulletin = service::compose(&state, &user, &tr, q.template(), &area, date).await?;
    let query = query_of(q.template(), area.as_str(), date);
    let page = page.titled_text(format!(
        "{} · {} · {}",
        bulletin.title, bulletin.area_name, bulletin.official_date
    ));
    Ok(render(&PreviewPage {
        docx_href: format!("/command/bulletins/docx?{query}"),
        xlsx_href: format!("/command/bulletins/xlsx?{query}"),
        archive_form: Some((
            q.template().to_string(),
            area.as_str().to_string(),
            date.to_string(),
        )),
        unavailable: count_unavailable(&bulletin),
        bulletin,
        page,
    })?
    .into_response())
}

/// `GET /command/bulletins/docx?template=&area=&date=`: the Word document, composed now.
pub async fn docx(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Query(q): Query<BulletinQuery>,
) -> AppResult<Response> {
    let (area, date) = q.area_and_date(&user)?;
    let bulletin = service::compose(&state, &user, &tr, q.template(), &area, date).await?;
    let bytes = service::docx(&bulletin)?;
    Ok(attachment(
        &service::file_name(&bulletin, "docx"),
        DOCX,
        bytes,
    ))
}

/// `GET /command/bulletins/xlsx?template=&area=&date=`: the bulletin's tables.
pub async fn xlsx(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Query(q): Query<BulletinQuery>,
) -> AppResult<Response> {
    let (area, date) = q.area_and_date(&user)?;
    let bulletin = service::compose(&state, &user, &tr, q.template(), &area, date).await?;
    let bytes = service::xlsx(&tr, &bulletin)?;
    Ok(attachment(
        &service::file_name(&bulletin, "xlsx"),
        XLSX,
        bytes,
    ))
}

#[derive(Deserialize)]
pub struct ArchiveForm {
    pub template: String,
    pub area: String,
    pub date: String,
}

/// `POST /command/bulletins/archive`: generates into the archive, then shows the archived one.
pub async fn archive(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<ArchiveForm>,
) -> AppResult<Response> {
    let q = BulletinQuery {
        template: Some(form.template),
        area: Some(form.area),
        date: Some(form.date),
    };
    let (area, date) = q.area_and_date(&user)?;
    let (id, ..) = service::generate(&state, &actor, &user, &tr, q.template(), &area, date).await?;
    Ok(Redirect::to(&format!(
        "/command/bulletins/archive/{id}?flash=flash.bulletin_archived"
    ))
    .into_response())
}

/// `GET /command/bulletins/archive/{id}`: an archived bulletin as it was generated.
pub async fn archived(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (_, bulletin, _) = service::archived(state.db(), &user, id).await?;
    let page = page.titled_text(format!(
        "{} · {} · {}",
        bulletin.title, bulletin.area_name, bulletin.official_date
    ));
    Ok(render(&PreviewPage {
        docx_href: format!("/command/bulletins/archive/{id}/docx"),
        xlsx_href: format!("/command/bulletins/archive/{id}/xlsx"),
        archive_form: None,
        unavailable: count_unavailable(&bulletin),
        bulletin,
        page,
    })?
    .into_response())
}

/// `GET /command/bulletins/archive/{id}/docx`
pub async fn archived_docx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (_, bulletin, document) = service::archived(state.db(), &user, id).await?;
    Ok(attachment(
        &service::file_name(&bulletin, "docx"),
        DOCX,
        document,
    ))
}

/// `GET /command/bulletins/archive/{id}/xlsx`
pub async fn archived_xlsx(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (_, bulletin, _) = service::archived(state.db(), &user, id).await?;
    let bytes = service::xlsx(&tr, &bulletin)?;
    Ok(attachment(
        &service::file_name(&bulletin, "xlsx"),
        XLSX,
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "command/bulletin_edit.html")]
struct EditPage {
    page: Page,
    action: String,
    fields: Vec<Field>,
    version: i64,
    error: Option<String>,
    can_reset: bool,
    name: String,
}

#[derive(Deserialize, Default)]
pub struct TemplateForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub daily_at: String,
    #[serde(default)]
    pub version: i64,
}

fn edit_page(
    page: Page,
    new: bool,
    form: &TemplateForm,
    template: Option<&TemplateInfo>,
    error: Option<&AppError>,
    status: StatusCode,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let field = error.and_then(|e| e.field.as_deref());
    let message = error.map(|e| e.message(&tr)).unwrap_or_default();
    let mut fields = Vec::new();
    if new {
        fields.push(
            Field::text("name", tr.t("bulletin.name"))
                .value(&form.name)
                .help(tr.t("bulletin.name_help"))
                .required()
                .error_if(field.filter(|f| *f == "name"), &message),
        );
    }
    fields.push(
        Field::text("title", tr.t("bulletin.title"))
            .value(&form.title)
            .required()
            .error_if(field.filter(|f| *f == "title"), &message),
    );
    fields.push(
        Field::text("daily_at", tr.t("bulletin.daily_at"))
            .value(&form.daily_at)
            .placeholder("08:00")
            .help(tr.t("bulletin.daily_at_help"))
            .error_if(field.filter(|f| *f == "daily_at"), &message),
    );
    fields.push(
        Field::new("body", tr.t("bulletin.body"), FieldKind::Textarea)
            .value(&form.body)
            .help(tr.t("bulletin.syntax_help"))
            .required()
            .error_if(field.filter(|f| *f == "body"), &message),
    );
    let title = if new {
        tr.t("bulletin.new_template").to_string()
    } else {
        format!("{} · {}", tr.t("bulletin.edit"), form.name)
    };
    let general_error = error.filter(|e| e.field.is_none()).map(|e| e.message(&tr));
    let body = EditPage {
        action: if new {
            "/command/bulletins/templates/new".to_string()
        } else {
            format!("/command/bulletins/templates/{}/edit", form.name)
        },
        fields,
        version: form.version,
        error: general_error,
        can_reset: template.is_some_and(|t| t.edited),
        name: form.name.clone(),
        page: page.titled_text(title),
    };
    Ok((status, render(&body)?).into_response())
}

/// `GET /command/bulletins/templates/new`
pub async fn new_form(page: Page) -> AppResult<Response> {
    let form = TemplateForm::default();
    edit_page(page, true, &form, None, None, StatusCode::OK)
}

/// `GET /command/bulletins/templates/{name}/edit`
pub async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let t = service::template_or_404(state.db(), &name).await?;
    let form = TemplateForm {
        name: t.name.clone(),
        title: t.title.clone(),
        body: t.body.clone(),
        daily_at: t.daily_at.clone().unwrap_or_default(),
        version: t.version,
    };
    edit_page(page, false, &form, Some(&t), None, StatusCode::OK)
}

async fn save_form(
    state: &AppState,
    page: Page,
    actor: &Actor,
    new: bool,
    form: TemplateForm,
) -> AppResult<Response> {
    if new
        && service::template(state.db(), form.name.trim())
            .await?
            .is_some()
    {
        let err = AppError::invalid("bulletin.error.name_taken").on_field("name");
        return edit_page(page, true, &form, None, Some(&err), err.status);
    }
    let input = TemplateInput {
        title: form.title.clone(),
        body: form.body.clone(),
        daily_at: Some(form.daily_at.clone()),
        version: form.version,
    };
    match service::save(state.db(), actor, form.name.trim(), input).await {
        Ok(saved) => Ok(Redirect::to(&format!(
            "/command/bulletins/preview?template={}&flash=flash.bulletin_template_saved",
            saved.name
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let current = service::template(state.db(), form.name.trim()).await?;
            edit_page(page, new, &form, current.as_ref(), Some(&err), err.status)
        }
        Err(err) => Err(err),
    }
}

/// `POST /command/bulletins/templates/new`
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    actor: Actor,
    Form(form): Form<TemplateForm>,
) -> AppResult<Response> {
    save_form(&state, page, &actor, true, form).await
}

/// `POST /command/bulletins/templates/{name}/edit`
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    actor: Actor,
    Path(name): Path<String>,
    Form(mut form): Form<TemplateForm>,
) -> AppResult<Response> {
    service::template_or_404(state.db(), &name).await?;
    form.name = name;
    save_form(&state, page, &actor, false, form).await
}

#[derive(Deserialize)]
pub struct ResetForm {
    pub version: i64,
}

/// `POST /command/bulletins/templates/{name}/reset`
pub async fn reset(
    State(state): State<AppState>,
    actor: Actor,
    Path(name): Path<String>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    service::reset(state.db(), &actor, &name, form.version).await?;
    Ok(Redirect::to("/command/bulletins?flash=flash.bulletin_template_reset").into_response())
}

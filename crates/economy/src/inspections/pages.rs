//! `/economy/inspect`: the inspector's phone form (enterprise, planned or spot check, each
//! checklist item passed or failed with a note, stop work, the rectification's time limit);
//! `/economy/inspections`: the list; `/economy/inspections/{id}`: one inspection with its
//! items, its rectification ticket and its photos, where a photo is added.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::state::AppState;
use platform::web::kit::{Badge, Cell, Column, Field, FieldKind, Table, Tone};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{InspectionQuery, page_of};
use super::model::{InspectionInput, ItemResult, KINDS};
use super::{repo, service};

fn result_badge(tr: &Tr, passed: bool, stop_work: bool) -> Badge {
    match (passed, stop_work) {
        (true, _) => Badge::new(Tone::Ok, tr.t("inspections.passed")),
        (false, true) => Badge::new(Tone::Danger, tr.t("inspections.stop_work")),
        (false, false) => Badge::new(Tone::Warn, tr.t("inspections.failed")),
    }
}

#[derive(Template)]
#[template(path = "economy/inspections.html")]
struct ListPage {
    page: Page,
    table: Table,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub failed: String,
    pub cursor: Option<String>,
}

/// `GET /economy/inspections?area=&failed=`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let failed = q.failed == "1";
    let iq = InspectionQuery {
        area: Some(q.area.clone()).filter(|a| !a.trim().is_empty()),
        failed: Some(failed),
        cursor: q.cursor.clone(),
        ..Default::default()
    };
    let found = page_of(&state, &user, &iq, 50).await?;
    let mut table = Table::new(
        "inspections-table",
        tr.t("inspections.list_caption"),
        "/economy/inspections",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("date", tr.t("inspections.date")),
        Column::new("enterprise", tr.t("resumption.enterprise")),
        Column::new("kind", tr.t("inspections.kind")),
        Column::new("result", tr.t("inspections.result")),
        Column::new("ticket", tr.t("inspections.ticket")),
        Column::new("area", tr.t("resumption.area")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|r| {
            vec![
                Cell::link(
                    format!("/economy/inspections/{}", r.id),
                    r.inspected_on.to_string(),
                ),
                Cell::text(r.enterprise_name.clone()),
                Cell::text(tr.t(&format!("inspections.kind.{}", r.kind))),
                Cell::Badge(result_badge(&tr, r.passed, r.stop_work)),
                r.ticket_id
                    .map(|t| Cell::link(format!("/tickets/{t}"), format!("#{t}")))
                    .unwrap_or(Cell::Empty),
                Cell::Code(r.area_code.clone()),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = vec![
        ("area".into(), q.area.clone()),
        ("failed".into(), q.failed.clone()),
    ];
    table.empty_text = tr.t("inspections.none").to_string();
    table.filters = vec![
        Field::area_picker("area", tr.t("resumption.area")).value(q.area.clone()),
        Field::select(
            "failed",
            tr.t("inspections.result"),
            vec![
                platform::web::kit::SelectOption::new("", tr.t("inspections.all")),
                platform::web::kit::SelectOption::new("1", tr.t("inspections.failed")),
            ],
        )
        .value(q.failed.clone()),
    ];
    Ok(render(&ListPage {
        page: page.titled("nav.economy.inspections"),
        table,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "economy/inspection.html")]
struct DetailPage {
    page: Page,
    id: i64,
    summary: Vec<(String, String)>,
    result: Badge,
    items: Table,
    photos: Vec<(String, String)>,
    ticket: Option<(String, String)>,
    upload: Field,
}

/// `GET /economy/inspections/{id}`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let row = service::get_scoped(state.db(), &user, id).await?;
    let view = service::view(state.db(), row).await?;
    let r = &view.row;
    let summary = vec![
        (
            tr.t("resumption.enterprise").to_string(),
            r.enterprise_name.clone(),
        ),
        (
            tr.t("inspections.date").to_string(),
            r.inspected_on.to_string(),
        ),
        (
            tr.t("inspections.kind").to_string(),
            tr.t(&format!("inspections.kind.{}", r.kind)).to_string(),
        ),
        (
            tr.t("inspections.inspector").to_string(),
            r.created_by.clone(),
        ),
        (
            tr.t("inspections.note").to_string(),
            r.note.clone().unwrap_or_default(),
        ),
    ];
    let mut items = Table::new(
        "items-table",
        tr.t("inspections.items_caption"),
        "/economy/inspections",
    )
    .labels(&tr);
    items.columns = vec![
        Column::new("item", tr.t("inspections.item")),
        Column::new("result", tr.t("inspections.result")),
        Column::new("note", tr.t("inspections.note")),
    ];
    items.rows = view
        .items
        .iter()
        .map(|i| {
            vec![
                Cell::text(i.label.clone()),
                Cell::Badge(result_badge(&tr, i.passed, false)),
                Cell::text(i.note.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let photos = view
        .photos
        .iter()
        .map(|p| {
            (
                format!("/api/v1/economy/inspections/{id}/photos/{}", p.id),
                p.file_name.clone(),
            )
        })
        .collect();
    let ticket = r.ticket_id.map(|t| {
        (
            format!("/tickets/{t}"),
            tr.f("inspections.ticket_link", &[("id", &t.to_string())]),
        )
    });
    Ok(render(&DetailPage {
        page: page.titled("inspections.detail_title"),
        id,
        summary,
        result: result_badge(&tr, r.passed, r.stop_work),
        items,
        photos,
        ticket,
        upload: Field::file("file", tr.t("inspections.photo"), "image/*,.pdf").required(),
    })?
    .into_response())
}

/// `POST /economy/inspections/{id}/photos` (multipart `file`): back to the inspection.
pub async fn add_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    form: axum::extract::Multipart,
) -> AppResult<Response> {
    let (name, bytes) = platform::tickets::attachments::read_file(form).await?;
    service::attach_photo(state.db(), &actor, &user, id, &name, &bytes).await?;
    Ok(Redirect::to(&format!(
        "/economy/inspections/{id}?flash=flash.photo_added"
    ))
    .into_response())
}

/// One checklist item on the form.
pub struct ItemChoice {
    pub index: usize,
    pub label: String,
    pub passed: bool,
    pub failed: bool,
    pub note: String,
}

/// A radio of the form.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "economy/inspect.html")]
struct FormPage {
    page: Page,
    enterprise: Field,
    kinds: Vec<Choice>,
    items: Vec<ItemChoice>,
    stop_work: bool,
    fields: Vec<Field>,
    checklist_id: i64,
    reinspection_of: String,
    error: Option<String>,
}

/// The form as posted.
#[derive(Clone, Debug, Default)]
pub struct InspectForm {
    pub enterprise_id: String,
    pub kind: String,
    pub checklist_id: String,
    pub results: Vec<(usize, String)>,
    pub notes: Vec<(usize, String)>,
    pub stop_work: bool,
    pub rectify_within: String,
    pub note: String,
    pub reinspection_of: String,
}

impl InspectForm {
    pub fn parse(body: &[u8]) -> InspectForm {
        let mut f = InspectForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "enterprise_id" => f.enterprise_id = v,
                "kind" => f.kind = v,
                "checklist_id" => f.checklist_id = v,
                "stop_work" => f.stop_work = true,
                "rectify_within" => f.rectify_within = v,
                "note" => f.note = v,
                "reinspection_of" => f.reinspection_of = v,
                other => {
                    if let Some(i) = other.strip_prefix("item_").and_then(|i| i.parse().ok()) {
                        f.results.push((i, v));
                    } else if let Some(i) = other.strip_prefix("note_").and_then(|i| i.parse().ok())
                    {
                        f.notes.push((i, v));
                    }
                }
            }
        }
        f
    }

    fn result(&self, i: usize) -> Option<&str> {
        self.results
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, v)| v.as_str())
    }

    fn note_of(&self, i: usize) -> &str {
        self.notes
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The API input; every item must be marked.
    pub fn input(&self, items: usize) -> AppResult<InspectionInput> {
        let enterprise_id = self.enterprise_id.trim().parse().map_err(|_| {
            AppError::invalid("resumption.choose_enterprise").on_field("enterprise_id")
        })?;
        let mut results = Vec::with_capacity(items);
        for i in 0..items {
            let passed = match self.result(i) {
                Some("pass") => true,
                Some("fail") => false,
                _ => return Err(AppError::invalid("inspections.mark_every_item").on_field("items")),
            };
            results.push(ItemResult {
                passed,
                note: Some(self.note_of(i).to_string()),
            });
        }
        Ok(InspectionInput {
            enterprise_id,
            kind: Some(self.kind.clone()),
            checklist_id: self.checklist_id.trim().parse().ok(),
            items: results,
            stop_work: self.stop_work,
            reinspection_of: self.reinspection_of.trim().parse().ok(),
            rectify_within: Some(self.rectify_within.clone()),
            note: Some(self.note.clone()),
            ..Default::default()
        })
    }
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    pub enterprise_id: Option<i64>,
    pub reinspection_of: Option<i64>,
}

async fn render_form(
    state: &AppState,
    page: Page,
    form: &InspectForm,
    error: Option<(String, String)>,
    status: axum::http::StatusCode,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let checklist = repo::checklist(state.db(), form.checklist_id.trim().parse().ok())
        .await?
        .ok_or_else(AppError::not_found)?;
    let (bad, message) = error.clone().unwrap_or_default();
    let enterprise = Field::picker(
        "enterprise_id",
        tr.t("resumption.enterprise"),
        "enterprises",
    )
    .required()
    .value(form.enterprise_id.clone())
    .error_if(Some(&bad), &message);
    let kinds = KINDS
        .iter()
        .map(|k| Choice {
            value: k,
            label: tr.t(&format!("inspections.kind.{k}")).to_string(),
            checked: form.kind == *k || (form.kind.is_empty() && *k == "planned"),
        })
        .collect();
    let items = checklist
        .items
        .iter()
        .enumerate()
        .map(|(index, label)| ItemChoice {
            index,
            label: label.clone(),
            passed: form.result(index) == Some("pass"),
            failed: form.result(index) == Some("fail"),
            note: form.note_of(index).to_string(),
        })
        .collect();
    let fields: Vec<Field> = vec![
        Field::text("rectify_within", tr.t("inspections.rectify_within"))
            .value(form.rectify_within.clone())
            .placeholder(tr.t("inspections.rectify_within_placeholder"))
            .help(tr.t("inspections.rectify_within_help")),
        Field::new("note", tr.t("inspections.note"), FieldKind::Textarea).value(form.note.clone()),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(&bad), &message))
    .collect();
    let shown = bad == "enterprise_id" || bad == "rectify_within" || bad == "note";
    Ok((
        status,
        render(&FormPage {
            page: page.titled("inspections.form_title"),
            enterprise,
            kinds,
            items,
            stop_work: form.stop_work,
            fields,
            checklist_id: checklist.id,
            reinspection_of: form.reinspection_of.clone(),
            error: error.filter(|_| !shown).map(|(_, m)| m),
        })?,
    )
        .into_response())
}

/// `GET /economy/inspect?enterprise_id=&reinspection_of=`
pub async fn form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<FormQuery>,
) -> AppResult<Response> {
    let form = InspectForm {
        enterprise_id: q.enterprise_id.map(|i| i.to_string()).unwrap_or_default(),
        reinspection_of: q.reinspection_of.map(|i| i.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    render_form(&state, page, &form, None, axum::http::StatusCode::OK).await
}

/// `POST /economy/inspect`: records the inspection, then shows it.
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    body: Bytes,
) -> AppResult<Response> {
    let form = InspectForm::parse(&body);
    let checklist = repo::checklist(state.db(), form.checklist_id.trim().parse().ok())
        .await?
        .ok_or_else(AppError::not_found)?;
    let result = match form.input(checklist.items.len()) {
        Ok(input) => service::record(&state, &actor, &user, &page.tr, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(view) => Ok(Redirect::to(&format!(
            "/economy/inspections/{}?flash=flash.inspection_saved",
            view.row.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let message = err.message(&page.tr);
            let field = err.field.clone().unwrap_or_default();
            render_form(&state, page, &form, Some((field, message)), err.status).await
        }
        Err(err) => Err(err),
    }
}

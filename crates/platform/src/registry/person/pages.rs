//! The person pages: a searchable list, a detail with reveal and history, a registration form,
//! and the person picker other forms use.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::api::{HistoryEntry, PersonQuery, RevealedValue, cursor_of, filter_of, reveal_field};
use super::model::{PersonInput, PersonView};
use super::{repo, service};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::registry::tags::PERSON_TAGS;
use crate::state::AppState;
use crate::web::kit::{Badge, Cell, Column, Field, FieldKind, SelectOption, Table, Tone};
use crate::web::ui::{PickOption, pick_options};
use crate::web::{Page, render};

fn tag_label(page: &Page, tag: &str) -> String {
    page.t(&format!("tag.{tag}")).to_string()
}

fn sex_label(page: &Page, sex: Option<&str>) -> String {
    sex.map(|s| page.t(&format!("sex.{s}")).to_string())
        .unwrap_or_default()
}

fn tag_options(page: &Page, all_label: &str) -> Vec<SelectOption> {
    let mut options = vec![SelectOption::new("", all_label)];
    options.extend(
        PERSON_TAGS
            .iter()
            .map(|t| SelectOption::new(*t, tag_label(page, t))),
    );
    options
}

#[derive(Template)]
#[template(path = "registry/persons.html")]
struct ListPage {
    page: Page,
    table: Table,
    can_write: bool,
}

/// `GET /registry/persons`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<PersonQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let filter = filter_of(&user, &query)?;
    let limit = 50;
    let rows = repo::list(
        state.db(),
        &filter,
        cursor_of(query.cursor.as_deref())?,
        limit + 1,
    )
    .await?;
    let listed = crate::api::page_of(rows, limit, |r| r.id.to_string());
    let next = listed.next_cursor;
    let people = service::views(state.db(), listed.items).await?;
    let mut table = Table::new(
        "persons-table",
        tr.t("person.list_title"),
        "/registry/persons",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("name", tr.t("person.name")),
        Column::new("doc_number", tr.t("person.doc_number")),
        Column::new("sex", tr.t("person.sex")),
        Column::new("birth_date", tr.t("person.birth_date")),
        Column::new("phone", tr.t("person.phone")),
        Column::new("area", tr.t("person.area")),
        Column::new("tags", tr.t("person.tags")),
    ];
    table.rows = people
        .iter()
        .map(|p| {
            vec![
                Cell::link(format!("/registry/persons/{}", p.id), p.name.clone()),
                Cell::Code(p.doc_number.clone()),
                Cell::text(sex_label(&page, p.sex.as_deref())),
                Cell::text(p.birth_date.map(|d| d.to_string()).unwrap_or_default()),
                Cell::Code(p.phone.clone().unwrap_or_default()),
                Cell::Code(p.area_code.clone()),
                Cell::text(
                    p.tags
                        .iter()
                        .map(|t| tag_label(&page, t))
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
            ]
        })
        .collect();
    table.next_cursor = next;
    table.query = vec![
        ("q".into(), query.q.clone().unwrap_or_default()),
        ("tag".into(), query.tag.clone().unwrap_or_default()),
        ("area".into(), query.area.clone().unwrap_or_default()),
    ];
    table.empty_text = tr.t("person.none").to_string();
    table.export_to(
        "/registry/persons/export",
        tr.t("person.export_xlsx"),
        tr.t("person.export_csv"),
    );
    table.filters = vec![
        Field::new("q", tr.t("person.search"), FieldKind::Search)
            .value(query.q.clone().unwrap_or_default())
            .placeholder(tr.t("person.search_placeholder")),
        Field::select(
            "tag",
            tr.t("person.tags"),
            tag_options(&page, tr.t("person.all_tags")),
        )
        .value(query.tag.clone().unwrap_or_default()),
        Field::area_picker("area", tr.t("person.area"))
            .value(query.area.clone().unwrap_or_default()),
    ];
    let can_write = crate::auth::permission::allows(
        &state,
        &user,
        crate::registry::MODULE,
        crate::auth::Action::Write,
    )
    .await?;
    let page = page.titled("person.list_title");
    Ok(render(&ListPage {
        page,
        table,
        can_write,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "registry/person.html")]
struct DetailPage {
    page: Page,
    person: PersonView,
    doc_type: String,
    sex: String,
    tags: String,
    /// The person's relation to the head of their household, named.
    household_relation: String,
    revealed: Option<RevealedValue>,
    reveal_error: Option<String>,
    can_reveal: bool,
    history: Vec<HistoryEntry>,
    duplicates: Vec<PersonView>,
    merged: Option<Badge>,
}

async fn detail_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
) -> AppResult<DetailPage> {
    let row = service::get_scoped(state.db(), user, id).await?;
    let duplicates = service::duplicates_of(state.db(), user, &row).await?;
    let person = service::views(state.db(), vec![row]).await?.remove(0);
    let path = crate::areas::repo::path_to(
        state.db(),
        &domain::DivisionCode::parse(&person.area_code)
            .map_err(crate::error::AppError::internal)?,
    )
    .await?;
    let history = history_of(state.db(), id).await?;
    let sex = sex_label(&page, person.sex.as_deref());
    let doc_type = page.t(&format!("doc_type.{}", person.doc_type)).to_string();
    let tags = person
        .tags
        .iter()
        .map(|t| tag_label(&page, t))
        .collect::<Vec<_>>()
        .join("、");
    let household_relation = crate::registry::household::pages::relation_label(
        &page.tr,
        person.household_relation.as_deref(),
    );
    let merged = person.merged_into.map(|into| {
        Badge::new(
            Tone::Muted,
            page.f("person.merged_into", &[("id", &into.to_string())]),
        )
    });
    let page = page.titled_text(person.name.clone()).with_area_crumbs(
        &path,
        &[(format!("/registry/persons/{id}"), person.name.clone())],
    );
    Ok(DetailPage {
        page,
        person,
        doc_type,
        sex,
        tags,
        household_relation,
        revealed: None,
        reveal_error: None,
        can_reveal: user.can_reveal_pii,
        history,
        duplicates,
        merged,
    })
}

/// `GET /registry/persons/{id}`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    render(&detail_page(&state, page, &user, id).await?)
}

#[derive(Deserialize)]
pub struct RevealForm {
    pub field: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /registry/persons/{id}`: reveals one field with a reason.
pub async fn reveal(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    Form(form): Form<RevealForm>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let mut view = detail_page(&state, page, &user, id).await?;
    match reveal_field(&state, &actor, &user, id, &form.field, &form.reason).await {
        Ok(value) => {
            view.revealed = Some(value);
            view.history = history_of(state.db(), id).await?;
            Ok(render(&view)?.into_response())
        }
        Err(err)
            if err.status.is_client_error() && err.status != axum::http::StatusCode::NOT_FOUND =>
        {
            view.reveal_error = Some(tr.t(&err.key).to_string());
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "registry/person_new.html")]
struct NewPage {
    page: Page,
    fields: Vec<Field>,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    pub doc_type: String,
    #[serde(default)]
    pub doc_number: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub area_code: String,
    /// One tag from the form's select (more through the API).
    #[serde(default)]
    pub tag: String,
}

fn new_fields(page: &Page, form: &NewForm, error: Option<(&str, &str)>) -> Vec<Field> {
    let tr = &page.tr;
    let (bad_field, message) = error.unwrap_or(("", ""));
    let mut doc_types = vec![SelectOption::new("", tr.t("person.doc_type_guess"))];
    doc_types.extend(
        domain::DocumentType::ALL
            .iter()
            .map(|d| SelectOption::new(d.as_str(), tr.t(&format!("doc_type.{}", d.as_str())))),
    );
    let sexes = vec![
        SelectOption::new("", tr.t("person.sex_from_document")),
        SelectOption::new("male", tr.t("sex.male")),
        SelectOption::new("female", tr.t("sex.female")),
    ];
    vec![
        Field::select("doc_type", tr.t("person.doc_type"), doc_types).value(form.doc_type.clone()),
        Field::text("doc_number", tr.t("person.doc_number"))
            .required()
            .validate("id_number")
            .value(form.doc_number.clone())
            .help(tr.t("ui.field.id_number_help")),
        Field::text("name", tr.t("person.name"))
            .required()
            .value(form.name.clone())
            .autocomplete("off"),
        Field::select("sex", tr.t("person.sex"), sexes).value(form.sex.clone()),
        Field::date("birth_date", tr.t("person.birth_date"))
            .value(form.birth_date.clone())
            .help(tr.t("person.birth_date_help")),
        Field::text("phone", tr.t("person.phone"))
            .validate("phone")
            .value(form.phone.clone())
            .autocomplete("off"),
        Field::text("address", tr.t("person.address")).value(form.address.clone()),
        Field::area_picker("area_code", tr.t("person.area"))
            .required()
            .value(form.area_code.clone())
            .help(tr.t("person.area_help")),
        Field::select(
            "tag",
            tr.t("person.tags"),
            tag_options(page, tr.t("person.no_tag")),
        )
        .value(form.tag.clone()),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(bad_field), message))
    .collect()
}

/// `GET /registry/persons/new`
pub async fn new_form(page: Page) -> AppResult<Html<String>> {
    let fields = new_fields(&page, &NewForm::default(), None);
    render(&NewPage {
        page: page.titled("person.new_title"),
        fields,
        error: None,
    })
}

/// `POST /registry/persons/new`
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<NewForm>,
) -> AppResult<Response> {
    let input = PersonInput {
        doc_type: Some(form.doc_type.clone()),
        doc_number: form.doc_number.clone(),
        name: form.name.clone(),
        sex: Some(form.sex.clone()),
        birth_date: Some(form.birth_date.clone()),
        phone: Some(form.phone.clone()),
        address: Some(form.address.clone()),
        area_code: form.area_code.clone(),
        tags: if form.tag.is_empty() {
            Vec::new()
        } else {
            vec![form.tag.clone()]
        },
    };
    match service::create(state.db(), &actor, &user, &input).await {
        Ok(registered) => Ok(Redirect::to(&format!(
            "/registry/persons/{}?flash=flash.person_registered",
            registered.person.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let message = err.message(&page.tr);
            let field = err.field.clone().unwrap_or_default();
            let fields = new_fields(&page, &form, Some((&field, &message)));
            let general = if fields.iter().any(|f| f.error.is_some()) {
                None
            } else {
                Some(message)
            };
            let view = NewPage {
                page: page.titled("person.new_title"),
                fields,
                error: general,
            };
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

/// `GET /ui/pick/persons?field=NAME&NAME=TEXT`: people of the caller's area matching a name
/// start, a document number or a phone, as picker options (masked).
pub async fn pick(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(field): Query<crate::web::ui::FieldQuery>,
    Query(all): Query<std::collections::HashMap<String, String>>,
) -> AppResult<Html<String>> {
    let text = all
        .get(&field.field)
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    if text.is_empty() {
        return Ok(Html(String::new()));
    }
    let query = PersonQuery {
        q: Some(text),
        ..Default::default()
    };
    let rows = repo::list(state.db(), &filter_of(&user, &query)?, 0, 20).await?;
    let people = service::views(state.db(), rows).await?;
    let options = people.into_iter().map(|p| PickOption {
        value: p.id.to_string(),
        chosen: Some(format!("{} {}", p.name, p.doc_number)),
        label: p.name,
        code: Some(p.doc_number),
        ..PickOption::default()
    });
    Ok(pick_options(options, page.t("person.none")))
}

async fn history_of(db: &crate::db::Db, id: i64) -> AppResult<Vec<HistoryEntry>> {
    crate::registry::history::entries(db, super::RECORD_KIND, id).await
}

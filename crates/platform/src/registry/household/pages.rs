//! The household pages: a searchable list, a registration form (the head chosen with the person
//! picker), and a detail with its members, an add-member form and remove buttons.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::HouseholdRelation;
use serde::Deserialize;

use super::api::{HouseholdQuery, page_of};
use super::model::{AddMember, HouseholdInput, HouseholdView};
use super::service;
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::kit::{Cell, Column, Field, FieldKind, RowAction, SelectOption, Table};
use crate::web::{Page, render};

/// The catalog's name of a relation code.
pub fn relation_label(tr: &Tr, code: Option<&str>) -> String {
    code.map(|c| tr.t(&format!("household.relation_{c}")).to_string())
        .unwrap_or_default()
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// The list's query as a form sends it: every value text, empty for "any".
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub q: String,
    pub cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "registry/households.html")]
struct ListPage {
    page: Page,
    table: Table,
    can_write: bool,
}

/// `GET /registry/households`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let api_query = HouseholdQuery {
        area: some(&query.area),
        q: some(&query.q),
        limit: None,
        cursor: query.cursor.clone(),
    };
    let found = page_of(&state, &user, &api_query, 50).await?;
    let mut table = Table::new(
        "households-table",
        tr.t("household.list_title"),
        "/registry/households",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("id", tr.t("household.number")),
        Column::new("head", tr.t("household.head")),
        Column::new("members", tr.t("household.member_count")).numeric(),
        Column::new("address", tr.t("household.address")),
        Column::new("area", tr.t("household.area")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|h| {
            vec![
                Cell::link(format!("/registry/households/{}", h.id), h.id.to_string()),
                Cell::link(
                    format!("/registry/households/{}", h.id),
                    h.head_name.clone(),
                ),
                Cell::Num(h.member_count.to_string()),
                Cell::text(h.address.clone().unwrap_or_default()),
                Cell::Code(h.area_code.clone()),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = vec![
        ("q".into(), query.q.clone()),
        ("area".into(), query.area.clone()),
    ];
    table.empty_text = tr.t("household.none").to_string();
    table.export_to(
        "/registry/households/export",
        tr.t("household.export_xlsx"),
        tr.t("household.export_csv"),
    );
    table.filters = vec![
        Field::new("q", tr.t("household.search"), FieldKind::Search)
            .value(query.q.clone())
            .placeholder(tr.t("household.search_placeholder")),
        Field::area_picker("area", tr.t("household.area")).value(query.area.clone()),
    ];
    let can_write = crate::auth::permission::allows(
        &state,
        &user,
        crate::registry::MODULE,
        crate::auth::Action::Write,
    )
    .await?;
    let page = page.titled("household.list_title");
    Ok(render(&ListPage {
        page,
        table,
        can_write,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "registry/household.html")]
struct DetailPage {
    page: Page,
    household: HouseholdView,
    /// The members, with remove buttons for all but the head when the user may write.
    table: Table,
    /// The add-member form, for users who may write.
    fields: Vec<Field>,
    can_write: bool,
    error: Option<String>,
    history: Vec<crate::registry::person::api::HistoryEntry>,
}

#[derive(Deserialize, Default, Clone)]
pub struct MemberForm {
    #[serde(default)]
    pub person_id: String,
    #[serde(default)]
    pub relation: String,
    #[serde(default, rename = "move")]
    pub move_member: String,
    #[serde(default)]
    pub version: String,
}

fn member_fields(tr: &Tr, form: &MemberForm, error: Option<(&str, &str)>) -> Vec<Field> {
    let (bad_field, message) = error.unwrap_or(("", ""));
    let mut relations = vec![SelectOption::new("", tr.t("household.choose_relation"))];
    relations.extend(
        HouseholdRelation::ALL
            .iter()
            .filter(|r| **r != HouseholdRelation::Head)
            .map(|r| SelectOption::new(r.as_str(), relation_label(tr, Some(r.as_str())))),
    );
    vec![
        Field::picker("person_id", tr.t("household.member"), "persons")
            .required()
            .value(form.person_id.clone())
            .help(tr.t("household.member_help")),
        Field::select("relation", tr.t("household.relation"), relations)
            .required()
            .value(form.relation.clone()),
        Field::select(
            "move",
            tr.t("household.move"),
            vec![
                SelectOption::new("false", tr.t("household.move_no")),
                SelectOption::new("true", tr.t("household.move_yes")),
            ],
        )
        .value(form.move_member.clone())
        .help(tr.t("household.move_help")),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(bad_field), message))
    .collect()
}

async fn history_of(
    state: &AppState,
    id: i64,
) -> AppResult<Vec<crate::registry::person::api::HistoryEntry>> {
    let filter = crate::audit::repo::Filter {
        record_kind: Some(super::RECORD_KIND.to_string()),
        record_id: Some(id.to_string()),
        scope: (String::new(), "~".to_string()),
        ..Default::default()
    };
    let entries = crate::audit::repo::list(state.db(), &filter, None, 200).await?;
    Ok(entries
        .into_iter()
        .map(|e| crate::registry::person::api::HistoryEntry {
            seq: e.seq,
            at: e.at,
            actor: e.actor_name,
            action: e.action,
            reason: e.reason,
            before: e.before_json,
            after: e.after_json,
        })
        .collect())
}

async fn detail_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
    form: &MemberForm,
    error: Option<&AppError>,
) -> AppResult<DetailPage> {
    let tr = page.tr.clone();
    let household = service::detail(state.db(), user, id).await?;
    let can_write = crate::auth::permission::allows(
        state,
        user,
        crate::registry::MODULE,
        crate::auth::Action::Write,
    )
    .await?;
    let mut table = Table::new(
        "household-members",
        tr.t("household.members"),
        format!("/registry/households/{id}"),
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("name", tr.t("person.name")),
        Column::new("relation", tr.t("household.relation")),
        Column::new("doc_number", tr.t("person.doc_number")),
        Column::new("birth_date", tr.t("person.birth_date")),
        Column::new("actions", tr.t("household.actions")),
    ];
    let confirm = tr.t("household.remove_confirm").to_string();
    table.rows = household
        .members
        .iter()
        .flatten()
        .map(|p| {
            let actions = if can_write && p.id != household.head_person_id {
                Cell::Actions(vec![
                    RowAction::post(
                        tr.t("household.remove"),
                        format!("/registry/households/{id}/members/{}/remove", p.id),
                    )
                    .confirm(confirm.clone()),
                ])
            } else {
                Cell::Empty
            };
            vec![
                Cell::link(format!("/registry/persons/{}", p.id), p.name.clone()),
                Cell::text(relation_label(&tr, p.household_relation.as_deref())),
                Cell::Code(p.doc_number.clone()),
                Cell::text(p.birth_date.map(|d| d.to_string()).unwrap_or_default()),
                actions,
            ]
        })
        .collect();
    table.empty_text = tr.t("household.no_members").to_string();
    let message = error.map(|e| e.message(&tr));
    let field = error.and_then(|e| e.field.clone()).unwrap_or_default();
    let fields = member_fields(&tr, form, message.as_deref().map(|m| (field.as_str(), m)));
    let general = if fields.iter().any(|f| f.error.is_some()) {
        None
    } else {
        message
    };
    let history = history_of(state, id).await?;
    let path = crate::areas::repo::path_to(
        state.db(),
        &domain::DivisionCode::parse(&household.area_code).map_err(AppError::internal)?,
    )
    .await?;
    let title = tr.f(
        "household.title",
        &[("id", &id.to_string()), ("head", &household.head_name)],
    );
    let page = page
        .titled_text(title.clone())
        .with_area_crumbs(&path, &[(format!("/registry/households/{id}"), title)]);
    Ok(DetailPage {
        page,
        household,
        table,
        fields,
        can_write,
        error: general,
        history,
    })
}

/// `GET /registry/households/{id}`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    render(&detail_page(&state, page, &user, id, &MemberForm::default(), None).await?)
}

/// Answers a member change: back to the household with a flash, or the page with the error.
async fn after_change(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
    form: &MemberForm,
    result: AppResult<HouseholdView>,
    flash: &str,
) -> AppResult<Response> {
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/registry/households/{id}?flash={flash}")).into_response())
        }
        Err(err)
            if err.status.is_client_error() && err.status != axum::http::StatusCode::NOT_FOUND =>
        {
            let view = detail_page(state, page, user, id, form, Some(&err)).await?;
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

/// `POST /registry/households/{id}/members`: adds (or moves in) a person.
pub async fn add_member(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> AppResult<Response> {
    let result = match form.person_id.trim().parse::<i64>() {
        Ok(person_id) => {
            let request = AddMember {
                person_id,
                relation: form.relation.clone(),
                move_member: form.move_member.trim() == "true",
                version: form.version.trim().parse().ok(),
            };
            service::add_member(state.db(), &actor, &user, id, &request).await
        }
        Err(_) => Err(AppError::invalid("household.choose_person").on_field("person_id")),
    };
    after_change(
        &state,
        page,
        &user,
        id,
        &form,
        result,
        "flash.household_member_added",
    )
    .await
}

/// `POST /registry/households/{id}/members/{person_id}/remove`
pub async fn remove_member(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path((id, person_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    // A refusal is about the button pressed, not the add-member form's fields.
    let result = service::remove_member(state.db(), &actor, &user, id, person_id, None)
        .await
        .map_err(|mut err| {
            err.field = None;
            err
        });
    after_change(
        &state,
        page,
        &user,
        id,
        &MemberForm::default(),
        result,
        "flash.household_member_removed",
    )
    .await
}

#[derive(Template)]
#[template(path = "registry/household_new.html")]
struct NewPage {
    page: Page,
    fields: Vec<Field>,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    pub head_person_id: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub area_code: String,
    #[serde(default, rename = "move")]
    pub move_members: String,
}

fn new_fields(tr: &Tr, form: &NewForm, error: Option<(&str, &str)>) -> Vec<Field> {
    let (bad_field, message) = error.unwrap_or(("", ""));
    vec![
        Field::picker("head_person_id", tr.t("household.head"), "persons")
            .required()
            .value(form.head_person_id.clone())
            .help(tr.t("household.head_help")),
        Field::text("address", tr.t("household.address"))
            .required()
            .value(form.address.clone()),
        Field::area_picker("area_code", tr.t("household.area"))
            .required()
            .value(form.area_code.clone())
            .help(tr.t("household.area_help")),
        Field::select(
            "move",
            tr.t("household.move"),
            vec![
                SelectOption::new("false", tr.t("household.move_no")),
                SelectOption::new("true", tr.t("household.move_yes")),
            ],
        )
        .value(form.move_members.clone())
        .help(tr.t("household.move_help")),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(bad_field), message))
    .collect()
}

/// `GET /registry/households/new`
pub async fn new_form(page: Page) -> AppResult<Html<String>> {
    let fields = new_fields(&page.tr, &NewForm::default(), None);
    render(&NewPage {
        page: page.titled("household.new_title"),
        fields,
        error: None,
    })
}

/// `POST /registry/households/new`
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<NewForm>,
) -> AppResult<Response> {
    let result = match form.head_person_id.trim().parse::<i64>() {
        Ok(head) => {
            let input = HouseholdInput {
                head_person_id: head,
                address: form.address.clone(),
                area_code: form.area_code.clone(),
                members: Vec::new(),
                move_members: form.move_members.trim() == "true",
            };
            service::create(state.db(), &actor, &user, &input).await
        }
        Err(_) => Err(AppError::invalid("household.choose_head").on_field("head_person_id")),
    };
    match result {
        Ok(household) => Ok(Redirect::to(&format!(
            "/registry/households/{}?flash=flash.household_registered",
            household.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let message = err.message(&page.tr);
            let field = err.field.clone().unwrap_or_default();
            let fields = new_fields(&page.tr, &form, Some((&field, &message)));
            let general = if fields.iter().any(|f| f.error.is_some()) {
                None
            } else {
                Some(message)
            };
            let view = NewPage {
                page: page.titled("household.new_title"),
                fields,
                error: general,
            };
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

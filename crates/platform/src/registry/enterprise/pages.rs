//! The enterprise pages: a searchable list, a detail, and a registration form.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::IndustrySection;
use serde::Deserialize;

use super::api::{EnterpriseQuery, page_of};
use super::model::{EnterpriseInput, EnterpriseView};
use super::service;
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::kit::{Badge, Cell, Column, Field, FieldKind, SelectOption, Table, Tone};
use crate::web::ui::{PickOption, pick_options};
use crate::web::{Page, render};

fn industry_options(all_label: &str) -> Vec<SelectOption> {
    let mut options = vec![SelectOption::new("", all_label)];
    options.extend(
        IndustrySection::ALL
            .iter()
            .map(|s| SelectOption::new(s.as_str(), format!("{} {}", s.as_str(), s.name_zh()))),
    );
    options
}

fn size_options(tr: &Tr, all_label: &str) -> Vec<SelectOption> {
    vec![
        SelectOption::new("", all_label),
        SelectOption::new("true", tr.t("enterprise.above_size_yes")),
        SelectOption::new("false", tr.t("enterprise.above_size_no")),
    ]
}

fn size_badge(tr: &Tr, above: bool) -> Badge {
    if above {
        Badge::new(Tone::Info, tr.t("enterprise.above_size_yes"))
    } else {
        Badge::new(Tone::Muted, tr.t("enterprise.above_size_no"))
    }
}

/// The list's query as a form sends it: every value text, empty for "any".
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub above_size: String,
    #[serde(default)]
    pub q: String,
    pub cursor: Option<String>,
}

impl ListQuery {
    /// The API's query for the same filters; a bad size choice is refused.
    pub fn to_api(&self) -> AppResult<EnterpriseQuery> {
        let above_size = match self.above_size.trim() {
            "" => None,
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                return Err(AppError::invalid("enterprise.bad_above_size").on_field("above_size"));
            }
        };
        Ok(EnterpriseQuery {
            area: some(&self.area),
            industry: some(&self.industry),
            above_size,
            q: some(&self.q),
            limit: None,
            cursor: self.cursor.clone(),
        })
    }
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

#[derive(Template)]
#[template(path = "registry/enterprises.html")]
struct ListPage {
    page: Page,
    table: Table,
    can_write: bool,
}

/// `GET /registry/enterprises`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let api_query = query.to_api()?;
    let found = page_of(&state, &user, &api_query, 50).await?;
    let mut table = Table::new(
        "enterprises-table",
        tr.t("enterprise.list_title"),
        "/registry/enterprises",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("name", tr.t("enterprise.name")),
        Column::new("uscc", tr.t("enterprise.uscc")),
        Column::new("industry", tr.t("enterprise.industry")),
        Column::new("above_size", tr.t("enterprise.above_size")),
        Column::new("employees", tr.t("enterprise.employees")).numeric(),
        Column::new("area", tr.t("enterprise.area")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|e| {
            vec![
                Cell::link(format!("/registry/enterprises/{}", e.id), e.name.clone()),
                Cell::Code(e.uscc.clone()),
                Cell::text(e.industry_name.clone()),
                Cell::Badge(size_badge(&tr, e.above_size)),
                Cell::Num(e.employees.map(|n| n.to_string()).unwrap_or_default()),
                Cell::Code(e.area_code.clone()),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = vec![
        ("q".into(), query.q.clone()),
        ("industry".into(), query.industry.clone()),
        ("above_size".into(), query.above_size.clone()),
        ("area".into(), query.area.clone()),
    ];
    table.empty_text = tr.t("enterprise.none").to_string();
    table.export_to(
        "/registry/enterprises/export",
        tr.t("enterprise.export_xlsx"),
        tr.t("enterprise.export_csv"),
    );
    table.filters = vec![
        Field::new("q", tr.t("enterprise.search"), FieldKind::Search)
            .value(query.q.clone())
            .placeholder(tr.t("enterprise.search_placeholder")),
        Field::select(
            "industry",
            tr.t("enterprise.industry"),
            industry_options(tr.t("enterprise.all_industries")),
        )
        .value(query.industry.clone()),
        Field::select(
            "above_size",
            tr.t("enterprise.above_size"),
            size_options(&tr, tr.t("enterprise.all_sizes")),
        )
        .value(query.above_size.clone()),
        Field::area_picker("area", tr.t("enterprise.area")).value(query.area.clone()),
    ];
    let can_write = crate::auth::permission::allows(
        &state,
        &user,
        crate::registry::MODULE,
        crate::auth::Action::Write,
    )
    .await?;
    let page = page.titled("enterprise.list_title");
    Ok(render(&ListPage {
        page,
        table,
        can_write,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "registry/enterprise.html")]
struct DetailPage {
    page: Page,
    enterprise: EnterpriseView,
    /// Above or below designated size.
    badge: Badge,
    history: Vec<crate::registry::history::HistoryEntry>,
    responsibility: crate::responsibility::pages::OnSubject,
}

/// `GET /registry/enterprises/{id}`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let row = service::get_scoped(state.db(), &user, id).await?;
    let enterprise = EnterpriseView::from_row(row);
    let path = crate::areas::repo::path_to(
        state.db(),
        &domain::DivisionCode::parse(&enterprise.area_code).map_err(AppError::internal)?,
    )
    .await?;
    let history = crate::registry::history::entries(state.db(), super::RECORD_KIND, id).await?;
    let badge = size_badge(&page.tr, enterprise.above_size);
    let responsibility = crate::responsibility::pages::on_subject(
        &state,
        &user,
        &page.tr,
        crate::responsibility::Subject::Enterprise(id),
    )
    .await?;
    let page = page.titled_text(enterprise.name.clone()).with_area_crumbs(
        &path,
        &[(
            format!("/registry/enterprises/{id}"),
            enterprise.name.clone(),
        )],
    );
    render(&DetailPage {
        page,
        enterprise,
        badge,
        history,
        responsibility,
    })
}

#[derive(Template)]
#[template(path = "registry/enterprise_new.html")]
struct NewPage {
    page: Page,
    fields: Vec<Field>,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub above_size: String,
    #[serde(default)]
    pub employees: String,
    #[serde(default)]
    pub legal_rep: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub area_code: String,
}

fn new_fields(tr: &Tr, form: &NewForm, error: Option<(&str, &str)>) -> Vec<Field> {
    let (bad_field, message) = error.unwrap_or(("", ""));
    vec![
        Field::text("uscc", tr.t("enterprise.uscc"))
            .required()
            .validate("uscc")
            .value(form.uscc.clone())
            .autocomplete("off"),
        Field::text("name", tr.t("enterprise.name"))
            .required()
            .value(form.name.clone())
            .autocomplete("off"),
        Field::select(
            "industry",
            tr.t("enterprise.industry"),
            industry_options(tr.t("enterprise.choose_industry")),
        )
        .required()
        .value(form.industry.clone()),
        Field::select(
            "above_size",
            tr.t("enterprise.above_size"),
            vec![
                SelectOption::new("false", tr.t("enterprise.above_size_no")),
                SelectOption::new("true", tr.t("enterprise.above_size_yes")),
            ],
        )
        .value(form.above_size.clone()),
        Field::new("employees", tr.t("enterprise.employees"), FieldKind::Number)
            .value(form.employees.clone()),
        Field::text("legal_rep", tr.t("enterprise.legal_rep")).value(form.legal_rep.clone()),
        Field::text("contact_phone", tr.t("enterprise.contact_phone"))
            .validate("phone")
            .value(form.contact_phone.clone())
            .autocomplete("off"),
        Field::text("address", tr.t("enterprise.address")).value(form.address.clone()),
        Field::area_picker("area_code", tr.t("enterprise.area"))
            .required()
            .value(form.area_code.clone())
            .help(tr.t("enterprise.area_help")),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(bad_field), message))
    .collect()
}

/// `GET /registry/enterprises/new`
pub async fn new_form(page: Page) -> AppResult<Html<String>> {
    let fields = new_fields(&page.tr, &NewForm::default(), None);
    render(&NewPage {
        page: page.titled("enterprise.new_title"),
        fields,
        error: None,
    })
}

/// `POST /registry/enterprises/new`
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<NewForm>,
) -> AppResult<Response> {
    let employees = match form.employees.trim() {
        "" => Ok(None),
        n => n
            .parse::<i32>()
            .map(Some)
            .map_err(|_| AppError::invalid("enterprise.bad_employees").on_field("employees")),
    };
    let result = match employees {
        Ok(employees) => {
            let input = EnterpriseInput {
                uscc: form.uscc.clone(),
                name: form.name.clone(),
                industry: form.industry.clone(),
                above_size: form.above_size.trim() == "true",
                employees,
                legal_rep: Some(form.legal_rep.clone()),
                contact_phone: Some(form.contact_phone.clone()),
                address: Some(form.address.clone()),
                area_code: form.area_code.clone(),
            };
            service::create(state.db(), &actor, &user, &page.tr, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(registered) => {
            let flash = if registered.warnings.is_empty() {
                "flash.enterprise_registered"
            } else {
                "flash.enterprise_registered_check_uscc"
            };
            Ok(Redirect::to(&format!(
                "/registry/enterprises/{}?flash={flash}",
                registered.enterprise.id
            ))
            .into_response())
        }
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
                page: page.titled("enterprise.new_title"),
                fields,
                error: general,
            };
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

/// `GET /ui/pick/enterprises?field=NAME&NAME=TEXT`: enterprises of the caller's area whose name
/// contains the text, or the one with that full credit code, as picker options.
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
    let mut filter = super::api::filter_of(
        &user,
        &EnterpriseQuery {
            q: Some(text.clone()),
            ..Default::default()
        },
    )?;
    if filter.name_prefix.take().is_some() {
        filter.name_contains = Some(text);
    }
    let rows = super::repo::list(state.db(), &filter, 0, 20).await?;
    let options = rows.into_iter().map(|e| PickOption {
        value: e.id.to_string(),
        label: e.name,
        code: Some(e.uscc),
        ..PickOption::default()
    });
    Ok(pick_options(options, page.t("enterprise.none")))
}

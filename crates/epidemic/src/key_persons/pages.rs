//! The key-person pages: the list with filters and exports, the detail with its history and the
//! changes a user may make, and the form to put someone under management.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use platform::AppState;
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::web::kit::{Badge, Cell, Column, Field, SelectOption, Table, Tone};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{KeyPersonQuery, page_of};
use super::model::{KeyPersonAction, KeyPersonView, NewKeyPersonInput};
use super::repo::EventRow;
use super::{service, status};
use crate::policy::CATEGORIES;
use crate::screening::pages::when;

pub fn category_label(tr: &Tr, category: &str) -> String {
    tr.t(&format!("key_person.categories.{category}"))
        .to_string()
}

pub fn status_badge(tr: &Tr, s: &str) -> Badge {
    let tone = match s {
        status::QUARANTINED => Tone::Warn,
        status::MANAGED => Tone::Info,
        status::FOLLOWUP => Tone::Ok,
        _ => Tone::Muted,
    };
    Badge::new(tone, tr.t(&format!("key_person.statuses.{s}")))
}

fn category_options(tr: &Tr, first: &str) -> Vec<SelectOption> {
    let mut options = vec![SelectOption::new("", first)];
    options.extend(
        CATEGORIES
            .iter()
            .map(|c| SelectOption::new(*c, category_label(tr, c))),
    );
    options
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub q: String,
    pub cursor: Option<String>,
}

impl ListQuery {
    pub fn to_api(&self) -> KeyPersonQuery {
        let some = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
        KeyPersonQuery {
            area: some(&self.area),
            category: some(&self.category),
            status: some(&self.status),
            q: some(&self.q),
            limit: None,
            cursor: self.cursor.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "epidemic/key_persons.html")]
struct ListPage {
    page: Page,
    table: Table,
}

/// `GET /epidemic/key-persons`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let found = page_of(&state, &user, &q.to_api(), 50).await?;
    let mut table = Table::new(
        "key-persons-table",
        tr.t("key_person.list_title"),
        "/epidemic/key-persons",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("name", tr.t("key_person.person")),
        Column::new("category", tr.t("key_person.category")),
        Column::new("status", tr.t("key_person.status")),
        Column::new("dates", tr.t("key_person.period")),
        Column::new("grid", tr.t("key_person.grid_worker")),
        Column::new("area", tr.t("key_person.area")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|k| {
            vec![
                Cell::link(
                    format!("/epidemic/key-persons/{}", k.id),
                    format!("{} {}", k.person_name, k.doc_number.masked()),
                ),
                Cell::text(category_label(&tr, &k.category)),
                Cell::Badge(status_badge(&tr, &k.status)),
                Cell::text(format!("{} — {}", k.starts_on, k.ends_on)),
                Cell::text(k.grid_user_name.clone().unwrap_or_default()),
                Cell::Code(k.area_code.clone()),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = vec![
        ("area".into(), q.area.clone()),
        ("category".into(), q.category.clone()),
        ("status".into(), q.status.clone()),
        ("q".into(), q.q.clone()),
    ];
    table.empty_text = tr.t("key_person.none").to_string();
    let mut statuses = vec![SelectOption::new("", tr.t("key_person.open_statuses"))];
    statuses.extend(
        status::ALL
            .iter()
            .map(|s| SelectOption::new(*s, tr.t(&format!("key_person.statuses.{s}")))),
    );
    statuses.push(SelectOption::new("all", tr.t("key_person.all_statuses")));
    table.filters = vec![
        Field::new(
            "q",
            tr.t("key_person.search"),
            platform::web::kit::FieldKind::Search,
        )
        .value(q.q.clone()),
        Field::select(
            "category",
            tr.t("key_person.category"),
            category_options(&tr, tr.t("key_person.all_categories")),
        )
        .value(q.category.clone()),
        Field::select("status", tr.t("key_person.status"), statuses).value(q.status.clone()),
        Field::area_picker("area", tr.t("key_person.area")).value(q.area.clone()),
    ];
    let page = page.titled("key_person.list_title");
    Ok(render(&ListPage { page, table })?.into_response())
}

#[derive(Template)]
#[template(path = "epidemic/key_person.html")]
struct DetailPage {
    page: Page,
    k: KeyPersonView,
    status: Badge,
    category: String,
    history: Vec<EventRow>,
    error: Option<String>,
    categories: Vec<SelectOption>,
    open: bool,
    /// The person's open quarantine order, if any.
    order_id: Option<i64>,
}

impl DetailPage {
    fn source(&self) -> String {
        self.page
            .tr
            .t(&format!("key_person.sources.{}", self.k.source))
            .to_string()
    }

    fn when(&self, e: &EventRow) -> String {
        when(e.happened_at)
    }

    fn change(&self, e: &EventRow) -> String {
        let tr = &self.page.tr;
        let mut parts = vec![
            tr.t(&format!("key_person.actions.{}", e.action))
                .to_string(),
        ];
        if let Some(c) = &e.to_category
            && e.from_category.as_ref() != Some(c)
        {
            parts.push(category_label(tr, c));
        }
        if let Some(s) = &e.to_status
            && e.from_status.as_ref() != Some(s)
        {
            parts.push(tr.t(&format!("key_person.statuses.{s}")).to_string());
        }
        parts.join(" · ")
    }
}

async fn detail_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
    error: Option<String>,
) -> AppResult<DetailPage> {
    let detail = service::detail(state, user, id).await?;
    let tr = page.tr.clone();
    let k = detail.key_person;
    const ORDER: &str = "SELECT id FROM epi_quarantine_orders WHERE person_id = $1 \
         AND status IN ('referred', 'active')";
    let order_id: Option<i64> = platform::with_db!(state.db(), pool => sqlx::query_scalar(ORDER)
        .bind(k.person_id).fetch_optional(pool).await)?;
    Ok(DetailPage {
        order_id,
        status: status_badge(&tr, &k.status),
        category: category_label(&tr, &k.category),
        open: k.status != status::ENDED,
        categories: category_options(&tr, tr.t("key_person.choose_category")),
        page: page.titled_text(format!(
            "{} · {}",
            k.person_name,
            category_label(&tr, &k.category)
        )),
        k,
        history: detail.history,
        error,
    })
}

/// `GET /epidemic/key-persons/{id}`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    Ok(render(&detail_page(&state, page, &user, id, None).await?)?.into_response())
}

/// An action as its form posts it.
#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /epidemic/key-persons/{id}/act`
pub async fn act(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let some = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
    let input = KeyPersonAction {
        action: form.action.clone(),
        version: form.version.trim().parse().unwrap_or(-1),
        category: some(&form.category),
        ends_on: some(&form.ends_on),
        grid_user_id: None,
        reason: some(&form.reason),
    };
    match service::act(&state, &actor, &user, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/epidemic/key-persons/{id}?flash=flash.key_person_changed"
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() && err.status != 404 => {
            let status = err.status;
            let message = err.message(&page.tr);
            let page = detail_page(&state, page, &user, id, Some(message)).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "epidemic/key_person_new.html")]
struct NewPage {
    page: Page,
    fields: Vec<Field>,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    pub doc_number: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub exposure_on: String,
}

fn new_page(page: Page, form: &NewForm, err: Option<&AppError>) -> NewPage {
    let tr = page.tr.clone();
    let field = err.and_then(|e| e.field.as_deref());
    let message = err.map(|e| e.message(&tr)).unwrap_or_default();
    let field = match field {
        Some("person_id") => Some("doc_number"),
        other => other,
    };
    let fields = vec![
        Field::text("doc_number", tr.t("key_person.doc_number"))
            .value(form.doc_number.clone())
            .required()
            .help(tr.t("key_person.doc_number_help"))
            .error_if(field, &message),
        Field::select(
            "category",
            tr.t("key_person.category"),
            category_options(&tr, tr.t("key_person.choose_category")),
        )
        .value(form.category.clone())
        .required()
        .error_if(field, &message),
        Field::text("reason", tr.t("key_person.reason"))
            .value(form.reason.clone())
            .required()
            .error_if(field, &message),
        Field::date("exposure_on", tr.t("key_person.exposure_on"))
            .value(form.exposure_on.clone())
            .help(tr.t("key_person.exposure_on_help"))
            .error_if(field, &message),
    ];
    NewPage {
        page: page.titled("key_person.new_title"),
        fields,
        error: err.map(|_| message),
    }
}

/// `GET /epidemic/key-persons/new`
pub async fn new_form(page: Page) -> AppResult<Response> {
    Ok(render(&new_page(page, &NewForm::default(), None))?.into_response())
}

/// `POST /epidemic/key-persons/new`
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<NewForm>,
) -> AppResult<Response> {
    let input = NewKeyPersonInput {
        person_id: None,
        doc_number: Some(form.doc_number.clone()),
        category: form.category.clone(),
        reason: form.reason.clone(),
        exposure_on: Some(form.exposure_on.clone()),
    };
    match service::create(&state, &actor, &user, &input).await {
        Ok(k) => Ok(Redirect::to(&format!(
            "/epidemic/key-persons/{}?flash=flash.key_person_created",
            k.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let status = err.status;
            Ok((status, render(&new_page(page, &form, Some(&err)))?).into_response())
        }
        Err(err) => Err(err),
    }
}

/// The referral form on a key person's page.
#[derive(Deserialize, Default)]
pub struct ReferForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /epidemic/key-persons/{id}/quarantine`: refers the person to quarantine.
pub async fn refer(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    Form(form): Form<ReferForm>,
) -> AppResult<Response> {
    let k = service::get_scoped(&state, &user, id).await?;
    let input = crate::quarantine::model::NewOrder {
        person_id: k.person_id,
        kind: form.kind.clone(),
        area_code: Some(k.area_code.clone()),
        starts_on: None,
        reason: Some(form.reason.trim().to_string()).filter(|r| !r.is_empty()),
        home_address: None,
        category: None,
    };
    match crate::quarantine::service::create(&state, &actor, &user, &input).await {
        Ok(order) => Ok(Redirect::to(&format!(
            "/epidemic/quarantine/orders/{}?flash=flash.quarantine_referred",
            order.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() && err.status != 404 => {
            let status = err.status;
            let message = err.message(&page.tr);
            let page = detail_page(&state, page, &user, id, Some(message)).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(err) => Err(err),
    }
}

//! The place pages: a searchable list, a detail with its history and an edit form, a
//! registration form, and the place picker other forms use.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::PlaceKind;
use serde::Deserialize;

use super::api::{PlaceQuery, filter_of, page_of};
use super::model::{PlaceInput, PlacePatch, PlaceView};
use super::{RECORD_KIND, repo, service};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::registry::history::HistoryEntry;
use crate::state::AppState;
use crate::web::kit::{Cell, Column, Field, FieldKind, SelectOption, Table};
use crate::web::ui::{PickOption, pick_options};
use crate::web::{Page, render};

/// The kind's label in the page's language.
fn kind_label(tr: &Tr, kind: &str) -> String {
    tr.t(&format!("place.kinds.{kind}")).to_string()
}

fn kind_options(tr: &Tr, first_label: &str) -> Vec<SelectOption> {
    let mut options = vec![SelectOption::new("", first_label)];
    options.extend(
        PlaceKind::ALL
            .iter()
            .map(|k| SelectOption::new(k.as_str(), kind_label(tr, k.as_str()))),
    );
    options
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

async fn can_write(state: &AppState, user: &CurrentUser) -> AppResult<bool> {
    crate::auth::permission::allows(
        state,
        user,
        crate::registry::MODULE,
        crate::auth::Action::Write,
    )
    .await
}

/// The list's query as a form sends it: every value text, empty for "any".
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub q: String,
    pub cursor: Option<String>,
}

impl ListQuery {
    /// The API's query for the same filters.
    pub fn to_api(&self) -> PlaceQuery {
        PlaceQuery {
            area: some(&self.area),
            kind: some(&self.kind),
            q: some(&self.q),
            limit: None,
            cursor: self.cursor.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "registry/places.html")]
struct ListPage {
    page: Page,
    table: Table,
    can_write: bool,
}

/// `GET /registry/places`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let api_query = query.to_api();
    let found = page_of(&state, &user, &api_query, 50).await?;
    let mut table =
        Table::new("places-table", tr.t("place.list_title"), "/registry/places").labels(&tr);
    table.columns = vec![
        Column::new("name", tr.t("place.name")),
        Column::new("kind", tr.t("place.kind")),
        Column::new("address", tr.t("place.address")),
        Column::new("capacity", tr.t("place.capacity")).numeric(),
        Column::new("area", tr.t("place.area")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|p| {
            vec![
                Cell::link(format!("/registry/places/{}", p.id), p.name.clone()),
                Cell::text(kind_label(&tr, &p.kind)),
                Cell::text(p.address.clone().unwrap_or_default()),
                Cell::Num(p.capacity.map(|n| n.to_string()).unwrap_or_default()),
                Cell::Code(p.area_code.clone()),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = vec![
        ("q".into(), query.q.clone()),
        ("kind".into(), query.kind.clone()),
        ("area".into(), query.area.clone()),
    ];
    table.empty_text = tr.t("place.none").to_string();
    table.export_to(
        "/registry/places/export",
        tr.t("place.export_xlsx"),
        tr.t("place.export_csv"),
    );
    table.filters = vec![
        Field::new("q", tr.t("place.search"), FieldKind::Search)
            .value(query.q.clone())
            .placeholder(tr.t("place.search_placeholder")),
        Field::select(
            "kind",
            tr.t("place.kind"),
            kind_options(&tr, tr.t("place.all_kinds")),
        )
        .value(query.kind.clone()),
        Field::area_picker("area", tr.t("place.area")).value(query.area.clone()),
    ];
    let can_write = can_write(&state, &user).await?;
    let page = page.titled("place.list_title");
    Ok(render(&ListPage {
        page,
        table,
        can_write,
    })?
    .into_response())
}

/// The form of a place as the new and edit pages send it: every value text.
#[derive(Deserialize, Default, Clone)]
pub struct PlaceForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub area_code: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub lon: String,
    /// The edit form's version; absent on the new form.
    #[serde(default)]
    pub version: String,
}

impl PlaceForm {
    fn of(place: &PlaceView) -> Self {
        let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        PlaceForm {
            kind: place.kind.clone(),
            name: place.name.clone(),
            address: place.address.clone().unwrap_or_default(),
            area_code: place.area_code.clone(),
            capacity: place.capacity.map(|n| n.to_string()).unwrap_or_default(),
            lat: number(place.lat),
            lon: number(place.lon),
            version: place.version.to_string(),
        }
    }

    fn capacity(&self) -> AppResult<Option<i32>> {
        match self.capacity.trim() {
            "" => Ok(None),
            n => n
                .parse::<i32>()
                .map(Some)
                .map_err(|_| AppError::invalid("place.bad_capacity").on_field("capacity")),
        }
    }

    fn coordinate(text: &str, key: &str, field: &str) -> AppResult<Option<f64>> {
        match text.trim() {
            "" => Ok(None),
            n => n
                .parse::<f64>()
                .map(Some)
                .map_err(|_| AppError::invalid(key).on_field(field)),
        }
    }

    fn lat(&self) -> AppResult<Option<f64>> {
        Self::coordinate(&self.lat, "place.bad_lat", "lat")
    }

    fn lon(&self) -> AppResult<Option<f64>> {
        Self::coordinate(&self.lon, "place.bad_lon", "lon")
    }

    fn input(&self) -> AppResult<PlaceInput> {
        Ok(PlaceInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            address: Some(self.address.clone()),
            area_code: self.area_code.clone(),
            capacity: self.capacity()?,
            lat: self.lat()?,
            lon: self.lon()?,
        })
    }

    /// Every field is sent, so an emptied one is cleared.
    fn patch(&self) -> AppResult<PlacePatch> {
        let version = self
            .version
            .trim()
            .parse()
            .map_err(|_| AppError::conflict("place.stale_version").on_field("version"))?;
        Ok(PlacePatch {
            version,
            kind: Some(self.kind.clone()),
            name: Some(self.name.clone()),
            address: Some(self.address.clone()),
            area_code: Some(self.area_code.clone()),
            capacity: Some(self.capacity()?),
            lat: Some(self.lat()?),
            lon: Some(self.lon()?),
        })
    }
}

/// The form's fields, with the error (field, message) shown on its field.
fn form_fields(tr: &Tr, form: &PlaceForm, error: Option<(&str, &str)>) -> Vec<Field> {
    let (bad_field, message) = error.unwrap_or(("", ""));
    vec![
        Field::select(
            "kind",
            tr.t("place.kind"),
            kind_options(tr, tr.t("place.choose_kind")),
        )
        .required()
        .value(form.kind.clone()),
        Field::text("name", tr.t("place.name"))
            .required()
            .value(form.name.clone())
            .autocomplete("off"),
        Field::text("address", tr.t("place.address")).value(form.address.clone()),
        Field::area_picker("area_code", tr.t("place.area"))
            .required()
            .value(form.area_code.clone())
            .help(tr.t("place.area_help")),
        Field::new("capacity", tr.t("place.capacity"), FieldKind::Number)
            .value(form.capacity.clone())
            .help(tr.t("place.capacity_help")),
        Field::text("lat", tr.t("place.lat"))
            .value(form.lat.clone())
            .placeholder("30.5928")
            .help(tr.t("place.coordinates_help")),
        Field::text("lon", tr.t("place.lon"))
            .value(form.lon.clone())
            .placeholder("114.3055"),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(bad_field), message))
    .collect()
}

/// The message of a client error, and the fields with it shown where it belongs; the message
/// comes back as a general one when no field is named.
fn with_error(tr: &Tr, form: &PlaceForm, err: &AppError) -> (Vec<Field>, Option<String>) {
    let message = err.message(tr);
    let field = err.field.clone().unwrap_or_default();
    let fields = form_fields(tr, form, Some((&field, &message)));
    let general = if fields.iter().any(|f| f.error.is_some()) {
        None
    } else {
        Some(message)
    };
    (fields, general)
}

#[derive(Template)]
#[template(path = "registry/place.html")]
struct DetailPage {
    page: Page,
    place: PlaceView,
    kind: String,
    history: Vec<HistoryEntry>,
    can_write: bool,
    /// The edit form.
    fields: Vec<Field>,
    version: String,
    error: Option<String>,
    responsibility: crate::responsibility::pages::OnSubject,
}

async fn detail_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
) -> AppResult<DetailPage> {
    let row = service::get_scoped(state.db(), user, id).await?;
    let place = PlaceView::from_row(row);
    let path = crate::areas::repo::path_to(
        state.db(),
        &domain::DivisionCode::parse(&place.area_code).map_err(AppError::internal)?,
    )
    .await?;
    let history = crate::registry::history::entries(state.db(), RECORD_KIND, id).await?;
    let form = PlaceForm::of(&place);
    let fields = form_fields(&page.tr, &form, None);
    let kind = kind_label(&page.tr, &place.kind);
    let responsibility = crate::responsibility::pages::on_subject(
        state,
        user,
        &page.tr,
        crate::responsibility::Subject::Place(id),
    )
    .await?;
    let page = page.titled_text(place.name.clone()).with_area_crumbs(
        &path,
        &[(format!("/registry/places/{id}"), place.name.clone())],
    );
    Ok(DetailPage {
        page,
        kind,
        history,
        can_write: can_write(state, user).await?,
        fields,
        version: form.version,
        error: None,
        responsibility,
        place,
    })
}

/// `GET /registry/places/{id}`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    render(&detail_page(&state, page, &user, id).await?)
}

/// `POST /registry/places/{id}/edit`: the edit form, a PATCH of every field.
pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    Form(form): Form<PlaceForm>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let result = match form.patch() {
        Ok(patch) => service::update(state.db(), &actor, &user, id, &patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/registry/places/{id}?flash=flash.place_updated"))
                .into_response(),
        ),
        Err(err)
            if err.status.is_client_error() && err.status != axum::http::StatusCode::NOT_FOUND =>
        {
            let mut view = detail_page(&state, page, &user, id).await?;
            let (fields, general) = with_error(&tr, &form, &err);
            view.fields = fields;
            view.error = general;
            view.version = form.version.clone();
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "registry/place_new.html")]
struct NewPage {
    page: Page,
    fields: Vec<Field>,
    error: Option<String>,
}

/// `GET /registry/places/new`
pub async fn new_form(page: Page) -> AppResult<Html<String>> {
    let fields = form_fields(&page.tr, &PlaceForm::default(), None);
    render(&NewPage {
        page: page.titled("place.new_title"),
        fields,
        error: None,
    })
}

/// `POST /registry/places/new`
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<PlaceForm>,
) -> AppResult<Response> {
    let result = match form.input() {
        Ok(input) => service::create(state.db(), &actor, &user, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(place) => Ok(Redirect::to(&format!(
            "/registry/places/{}?flash=flash.place_registered",
            place.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let (fields, error) = with_error(&page.tr, &form, &err);
            let view = NewPage {
                page: page.titled("place.new_title"),
                fields,
                error,
            };
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

/// `GET /ui/pick/places?field=NAME&NAME=TEXT`: places of the caller's area whose name or
/// address contains the text, as picker options.
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
    let query = PlaceQuery {
        q: Some(text),
        ..Default::default()
    };
    let rows = repo::list(state.db(), &filter_of(&user, &query)?, 0, 20).await?;
    let options = rows
        .into_iter()
        .map(PlaceView::from_row)
        .map(|p| PickOption {
            value: p.id.to_string(),
            muted: Some(kind_label(&page.tr, &p.kind)),
            label: p.name,
            text: p.address,
            ..PickOption::default()
        });
    Ok(pick_options(options, page.t("place.none")))
}

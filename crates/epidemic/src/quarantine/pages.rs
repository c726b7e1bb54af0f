//! The quarantine pages: sites with their occupancy and the orders list (`/epidemic/quarantine`),
//! a site's rooms with the add-rooms form, an order's detail with its history and action forms,
//! and the check-in form (a room with a free bed, or an address and a cadre).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::state::AppState;
use platform::web::kit::{
    Badge, Cell, Column, Field, FieldKind, FigureCard, SelectOption, Table, Tone,
};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{OrderQuery, SiteQuery, orders_page, sites_page};
use super::model::{ActionInput, OrderView, status};
use super::repo::OrderEvent;
use super::sites::{self, NewRooms, RoomView, SiteView};
use super::{repo, service};

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

fn kind_label(tr: &Tr, kind: &str) -> String {
    tr.t(&format!("quarantine.kind.{kind}")).to_string()
}

/// The badge of an order's status.
pub fn status_badge(tr: &Tr, status: &str) -> Badge {
    let tone = match status {
        status::ACTIVE => Tone::Warn,
        status::REFERRED => Tone::Info,
        status::RELEASED => Tone::Ok,
        _ => Tone::Muted,
    };
    Badge::new(tone, tr.t(&format!("quarantine.status.{status}")))
}

async fn can_write(state: &AppState, user: &CurrentUser) -> AppResult<bool> {
    platform::auth::permission::allows(state, user, crate::MODULE, platform::auth::Action::Write)
        .await
}

fn site_table(tr: &Tr, found: &[SiteView]) -> Table {
    let mut table = Table::new(
        "sites-table",
        tr.t("quarantine.sites_title"),
        "/epidemic/quarantine",
    )
    .labels(tr);
    table.columns = vec![
        Column::new("name", tr.t("quarantine.site")),
        Column::new("area", tr.t("quarantine.area")),
        Column::new("rooms", tr.t("quarantine.rooms")).numeric(),
        Column::new("beds", tr.t("quarantine.beds")).numeric(),
        Column::new("occupied", tr.t("quarantine.occupied")).numeric(),
        Column::new("free_beds", tr.t("quarantine.free_beds")).numeric(),
        Column::new("free_rooms", tr.t("quarantine.free_rooms")).numeric(),
    ];
    table.rows = found
        .iter()
        .map(|s| {
            vec![
                Cell::link(
                    format!("/epidemic/quarantine/sites/{}", s.id),
                    s.name.clone(),
                ),
                Cell::Code(s.area_code.clone()),
                Cell::Num(s.rooms.to_string()),
                Cell::Num(s.beds.to_string()),
                Cell::Num(s.occupied.to_string()),
                Cell::Num(s.free_beds().to_string()),
                if s.free_rooms > 0 {
                    Cell::Num(s.free_rooms.to_string())
                } else {
                    Cell::Badge(Badge::new(Tone::Danger, tr.t("quarantine.full")))
                },
            ]
        })
        .collect();
    table.empty_text = tr.t("quarantine.no_sites").to_string();
    table
}

/// The orders list's query as its filter form sends it.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    pub cursor: Option<String>,
}

fn order_table(tr: &Tr, query: &ListQuery, items: &[OrderView], next: Option<String>) -> Table {
    let mut table = Table::new(
        "orders-table",
        tr.t("quarantine.orders_title"),
        "/epidemic/quarantine",
    )
    .labels(tr);
    table.columns = vec![
        Column::new("person", tr.t("quarantine.person")),
        Column::new("kind", tr.t("quarantine.kind")),
        Column::new("status", tr.t("quarantine.status")),
        Column::new("place", tr.t("quarantine.place")),
        Column::new("starts_on", tr.t("quarantine.starts_on")),
        Column::new("planned_end", tr.t("quarantine.planned_end")),
    ];
    table.rows = items
        .iter()
        .map(|o| {
            let place = match (&o.site_name, &o.room_number) {
                (Some(s), Some(r)) => format!("{s} {r}"),
                _ => o.home_address.clone().unwrap_or_default(),
            };
            vec![
                Cell::link(
                    format!("/epidemic/quarantine/orders/{}", o.id),
                    o.person_name.clone(),
                ),
                Cell::text(kind_label(tr, &o.kind)),
                Cell::Badge(status_badge(tr, &o.status)),
                Cell::text(place),
                Cell::text(o.starts_on.to_string()),
                Cell::text(o.planned_end.to_string()),
            ]
        })
        .collect();
    table.next_cursor = next;
    table.query = vec![
        ("kind".into(), query.kind.clone()),
        ("status".into(), query.status.clone()),
        ("area".into(), query.area.clone()),
    ];
    table.empty_text = tr.t("quarantine.no_orders").to_string();
    let mut kinds = vec![SelectOption::new("", tr.t("quarantine.all_kinds"))];
    kinds.extend(
        ["centralized", "home"]
            .iter()
            .map(|k| SelectOption::new(*k, kind_label(tr, k))),
    );
    let mut statuses = vec![SelectOption::new("", tr.t("quarantine.all_statuses"))];
    statuses.extend(
        status::ALL
            .iter()
            .map(|s| SelectOption::new(*s, tr.t(&format!("quarantine.status.{s}")))),
    );
    table.filters = vec![
        Field::select("kind", tr.t("quarantine.kind"), kinds).value(query.kind.clone()),
        Field::select("status", tr.t("quarantine.status"), statuses).value(query.status.clone()),
        Field::area_picker("area", tr.t("quarantine.area")).value(query.area.clone()),
    ];
    table
}

#[derive(Template)]
#[template(path = "epidemic/quarantine/index.html")]
struct IndexPage {
    page: Page,
    cards: Vec<FigureCard>,
    sites: Table,
    orders: Table,
}

/// `GET /epidemic/quarantine`
pub async fn index(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let site_query = SiteQuery {
        area: some(&query.area),
        ..SiteQuery::default()
    };
    let found_sites = sites_page(&state, &user, &site_query, 200).await?;
    let order_query = OrderQuery {
        area: some(&query.area),
        kind: some(&query.kind),
        status: some(&query.status),
        site: None,
        limit: None,
        cursor: query.cursor.clone(),
    };
    let found = orders_page(&state, &user, &order_query, 50).await?;
    let area = match some(&query.area) {
        Some(a) => platform::areas::api::scoped_code(&user, &a, "area")?,
        None => user.area.clone(),
    };
    let today = service::today();
    let mut cards = Vec::new();
    for def in super::figures::all() {
        let value = (def.compute)(&state, &area, today).await?;
        cards.push(FigureCard::new(
            tr.t(def.label_key),
            value,
            tr.t(def.unit_key),
        ));
    }
    let view = IndexPage {
        sites: site_table(&tr, &found_sites.items),
        orders: order_table(&tr, &query, &found.items, found.next_cursor),
        cards,
        page: page.titled("quarantine.title"),
    };
    Ok(render(&view)?.into_response())
}

#[derive(Template)]
#[template(path = "epidemic/quarantine/site.html")]
struct SitePage {
    page: Page,
    site: SiteView,
    rooms: Vec<RoomView>,
    can_write: bool,
    fields: Vec<Field>,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct RoomsForm {
    #[serde(default)]
    pub numbers: String,
    #[serde(default)]
    pub beds: String,
}

fn rooms_fields(tr: &Tr, form: &RoomsForm, error: Option<&AppError>) -> Vec<Field> {
    let message = error.map(|e| e.message(tr)).unwrap_or_default();
    let field = error.and_then(|e| e.field.clone());
    vec![
        Field::text("numbers", tr.t("quarantine.room_numbers"))
            .required()
            .value(form.numbers.clone())
            .placeholder("101-130")
            .help(tr.t("quarantine.room_numbers_help")),
        Field::new("beds", tr.t("quarantine.beds_per_room"), FieldKind::Number).value(
            if form.beds.is_empty() {
                "1".to_string()
            } else {
                form.beds.clone()
            },
        ),
    ]
    .into_iter()
    .map(|f| f.error_if(field.as_deref(), &message))
    .collect()
}

async fn site_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
) -> AppResult<SitePage> {
    let site = sites::get_scoped(state.db(), user, id).await?;
    let rooms = sites::rooms(state.db(), id).await?;
    let fields = rooms_fields(&page.tr, &RoomsForm::default(), None);
    Ok(SitePage {
        page: page.titled_text(site.name.clone()),
        can_write: can_write(state, user).await?,
        site,
        rooms,
        fields,
        error: None,
    })
}

/// `GET /epidemic/quarantine/sites/{id}`
pub async fn site(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    render(&site_page(&state, page, &user, id).await?)
}

/// `POST /epidemic/quarantine/sites/{id}/rooms`
pub async fn add_rooms(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    Form(form): Form<RoomsForm>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let beds = match form.beds.trim() {
        "" => Ok(None),
        b => b
            .parse::<i32>()
            .map(Some)
            .map_err(|_| AppError::invalid("quarantine.bad_beds").on_field("beds")),
    };
    let result = match beds {
        Ok(beds) => {
            let input = NewRooms {
                numbers: form.numbers.clone(),
                beds,
            };
            sites::add_rooms(state.db(), &actor, &user, id, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/epidemic/quarantine/sites/{id}?flash=flash.quarantine.rooms_added"
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() && err.status != StatusCode::NOT_FOUND => {
            let mut view = site_page(&state, page, &user, id).await?;
            view.fields = rooms_fields(&tr, &form, Some(&err));
            if err.field.is_none() {
                view.error = Some(err.message(&tr));
            }
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "epidemic/quarantine/order.html")]
struct OrderPage {
    page: Page,
    order: OrderView,
    status: Badge,
    kind: String,
    events: Vec<OrderEvent>,
    can_write: bool,
    /// Rooms with a free bed, for room changes and transfers.
    rooms: Vec<SelectOption>,
    error: Option<String>,
}

impl OrderPage {
    fn is(&self, s: &str) -> bool {
        self.order.status == s
    }

    fn centralized(&self) -> bool {
        self.order.kind == "centralized"
    }

    fn action_label(&self, action: &str) -> String {
        self.page
            .t(&format!("quarantine.action.{action}"))
            .to_string()
    }
}

fn room_options(tr: &Tr, rooms: &[sites::FreeRoom]) -> Vec<SelectOption> {
    let mut options = vec![SelectOption::new("", tr.t("quarantine.choose_room"))];
    options.extend(rooms.iter().map(|r| {
        SelectOption::new(
            r.room_id.to_string(),
            format!(
                "{} {} ({} {})",
                r.site_name,
                r.number,
                tr.t("quarantine.free_beds"),
                r.free
            ),
        )
    }));
    options
}

async fn order_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
) -> AppResult<OrderPage> {
    let row = service::get_scoped(state.db(), user, id).await?;
    let events = repo::events(state.db(), id).await?;
    let order = OrderView::from_row(row);
    let tr = page.tr.clone();
    let rooms = if order.kind == "centralized" && order.status == status::ACTIVE {
        room_options(
            &tr,
            &sites::free_rooms(state.db(), &user.area.subtree_range(), 500).await?,
        )
    } else {
        Vec::new()
    };
    Ok(OrderPage {
        status: status_badge(&tr, &order.status),
        kind: kind_label(&tr, &order.kind),
        page: page.titled_text(order.person_name.clone()),
        can_write: can_write(state, user).await?,
        events,
        rooms,
        order,
        error: None,
    })
}

/// `GET /epidemic/quarantine/orders/{id}`
pub async fn order(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    render(&order_page(&state, page, &user, id).await?)
}

/// An action form as the detail page sends it.
#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub room_id: String,
    #[serde(default)]
    pub home_address: String,
    #[serde(default)]
    pub cadre_user_id: String,
    #[serde(default)]
    pub new_end: String,
    #[serde(default)]
    pub reason: String,
}

impl ActionForm {
    fn input(&self) -> AppResult<ActionInput> {
        let id = |text: &str, field: &str| -> AppResult<Option<i64>> {
            match text.trim() {
                "" => Ok(None),
                t => t.parse().map(Some).map_err(|_| {
                    AppError::invalid(format!("quarantine.bad_{field}")).on_field(field)
                }),
            }
        };
        Ok(ActionInput {
            action: self.action.clone(),
            version: self
                .version
                .trim()
                .parse()
                .map_err(|_| AppError::conflict("quarantine.stale_version").on_field("version"))?,
            room_id: id(&self.room_id, "room_id")?,
            home_address: some(&self.home_address),
            cadre_user_id: id(&self.cadre_user_id, "cadre_user_id")?,
            new_end: some(&self.new_end),
            reason: some(&self.reason),
        })
    }
}

/// `POST /epidemic/quarantine/orders/{id}/act`: any action from the detail page.
pub async fn act(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let result = match form.input() {
        Ok(input) => service::act(&state, &actor, &user, id, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/epidemic/quarantine/orders/{id}?flash=flash.quarantine.done"
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() && err.status != StatusCode::NOT_FOUND => {
            let mut view = order_page(&state, page, &user, id).await?;
            view.error = Some(err.message(&tr));
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "epidemic/quarantine/check_in.html")]
struct CheckInPage {
    page: Page,
    order: OrderView,
    fields: Vec<Field>,
    error: Option<String>,
}

async fn check_in_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
    form: &ActionForm,
    error: Option<&AppError>,
) -> AppResult<CheckInPage> {
    let row = service::get_scoped(state.db(), user, id).await?;
    let order = OrderView::from_row(row.clone());
    let tr = page.tr.clone();
    let message = error.map(|e| e.message(&tr)).unwrap_or_default();
    let bad = error.and_then(|e| e.field.clone());
    let fields: Vec<Field> = if order.kind == "centralized" {
        let rooms = sites::free_rooms(state.db(), &user.area.subtree_range(), 500).await?;
        vec![
            Field::select(
                "room_id",
                tr.t("quarantine.room"),
                room_options(&tr, &rooms),
            )
            .required()
            .value(form.room_id.clone())
            .help(tr.t("quarantine.room_help")),
        ]
    } else {
        let address = if form.home_address.is_empty() {
            row.home_address.clone().unwrap_or_default()
        } else {
            form.home_address.clone()
        };
        vec![
            Field::text("home_address", tr.t("quarantine.home_address"))
                .required()
                .value(address),
            Field::picker("cadre_user_id", tr.t("quarantine.cadre"), "users")
                .required()
                .value(form.cadre_user_id.clone())
                .help(tr.t("quarantine.cadre_help")),
        ]
    };
    let general = error
        .filter(|e| {
            e.field
                .as_deref()
                .is_none_or(|f| !fields.iter().any(|x| x.name == f))
        })
        .map(|e| e.message(&tr));
    let fields = fields
        .into_iter()
        .map(|f| f.error_if(bad.as_deref(), &message))
        .collect();
    Ok(CheckInPage {
        page: page.titled("quarantine.check_in_title"),
        order,
        fields,
        error: general,
    })
}

/// `GET /epidemic/quarantine/orders/{id}/check-in`
pub async fn check_in_form(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    render(&check_in_page(&state, page, &user, id, &ActionForm::default(), None).await?)
}

/// `POST /epidemic/quarantine/orders/{id}/check-in`
pub async fn check_in(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    Form(mut form): Form<ActionForm>,
) -> AppResult<Response> {
    form.action = "check_in".into();
    let result = match form.input() {
        Ok(input) => service::act(&state, &actor, &user, id, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/epidemic/quarantine/orders/{id}?flash=flash.quarantine.checked_in"
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() && err.status != StatusCode::NOT_FOUND => {
            let view = check_in_page(&state, page, &user, id, &form, Some(&err)).await?;
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

//! The ticket pages: the ledger list with filters, a ticket with its timeline and the moves the
//! user may make, the form to open one, and the inbox ("我的待办"), built for phones first.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use domain::ticket::Action;
use serde::Deserialize;

use super::api::{TicketQuery, page_of};
use super::inbox::{self, Inbox};
use super::kind::{Priority, SOURCES};
use super::model::{ActionRequest, NewTicket, TicketView, TimelineEntry};
use super::{repo, service};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::kit::{Badge, Cell, Column, Field, FieldKind, SelectOption, Table, Tone};
use crate::web::{Page, render};

/// A state's badge: overdue in red, finished muted, waiting in amber, the rest informational.
pub fn state_badge(tr: &Tr, t: &TicketView) -> Badge {
    let label = tr.t(&format!("ticket.state.{}", t.state)).to_string();
    let tone = match t.state.as_str() {
        "closed" | "cancelled" => Tone::Muted,
        _ if t.overdue_at.is_some() => Tone::Danger,
        "handled" | "verified" => Tone::Ok,
        "reported" | "filed" | "returned" | "paused" => Tone::Warn,
        _ => Tone::Info,
    };
    Badge::new(tone, label)
}

fn due_text(tr: &Tr, due: Option<DateTime<Utc>>) -> String {
    due.map(|d| {
        d.with_timezone(&domain::dates::china_offset())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
    .unwrap_or_else(|| tr.t("tickets.no_due").to_string())
}

fn kind_options(state: &AppState, tr: &Tr, first: Option<&str>) -> Vec<SelectOption> {
    let mut options: Vec<SelectOption> = first
        .map(|label| vec![SelectOption::new("", label)])
        .unwrap_or_default();
    options.extend(
        state
            .ticket_kinds()
            .iter()
            .map(|k| SelectOption::new(k.code, tr.t(k.label_key))),
    );
    options
}

/// The list's query as a form sends it.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub open: String,
    #[serde(default)]
    pub overdue: String,
    #[serde(default)]
    pub owner_unit_id: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    pub cursor: Option<String>,
}

impl ListQuery {
    /// The API's query for these filters; an owner that is not a unit id is refused.
    pub fn to_api(&self) -> AppResult<TicketQuery> {
        let owner = self.owner_unit_id.trim();
        Ok(TicketQuery {
            area: some(&self.area),
            kind: some(&self.kind),
            state: some(&self.state),
            open: Some(self.open == "true"),
            overdue: Some(self.overdue == "true"),
            subject: None,
            owner_unit_id: if owner.is_empty() {
                None
            } else {
                Some(owner.parse().map_err(|_| {
                    AppError::invalid("tickets.unknown_unit").on_field("owner_unit_id")
                })?)
            },
            from: some(&self.from),
            to: some(&self.to),
            limit: None,
            cursor: self.cursor.clone(),
        })
    }

    /// The filters as query pairs (for paging and the export links).
    pub fn pairs(&self) -> Vec<(String, String)> {
        vec![
            ("kind".into(), self.kind.clone()),
            ("state".into(), self.state.clone()),
            ("open".into(), self.open.clone()),
            ("overdue".into(), self.overdue.clone()),
            ("area".into(), self.area.clone()),
            ("owner_unit_id".into(), self.owner_unit_id.clone()),
            ("from".into(), self.from.clone()),
            ("to".into(), self.to.clone()),
        ]
    }
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

#[derive(Template)]
#[template(path = "tickets/list.html")]
struct ListPage {
    page: Page,
    table: Table,
}

/// `GET /tickets`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let api_query = query.to_api()?;
    let found = page_of(&state, &user, &api_query, 50).await?;
    let mut table = Table::new("tickets-table", tr.t("tickets.list_title"), "/tickets").labels(&tr);
    table.columns = vec![
        Column::new("title", tr.t("tickets.title")),
        Column::new("kind", tr.t("tickets.kind")),
        Column::new("state", tr.t("tickets.state")),
        Column::new("due", tr.t("tickets.due")),
        Column::new("area", tr.t("tickets.area")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|t| {
            let kind = state
                .ticket_kind(&t.kind)
                .map(|k| tr.t(k.label_key).to_string())
                .unwrap_or_else(|| t.kind.clone());
            vec![
                Cell::link(format!("/tickets/{}", t.id), t.title.clone()),
                Cell::text(kind),
                Cell::Badge(state_badge(&tr, t)),
                Cell::text(due_text(&tr, t.due_at)),
                Cell::Code(t.area_code.clone()),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = query.pairs();
    table.empty_text = tr.t("tickets.none").to_string();
    table.export_to(
        "/tickets/export",
        tr.t("tickets.export_xlsx"),
        tr.t("tickets.export_csv"),
    );
    let mut owners = vec![SelectOption::new("", tr.t("tickets.all_units"))];
    owners.extend(units(state.db(), &user).await?);
    let states: Vec<SelectOption> =
        std::iter::once(SelectOption::new("", tr.t("tickets.all_states")))
            .chain(
                [
                    "reported",
                    "filed",
                    "dispatched",
                    "in_progress",
                    "handled",
                    "verified",
                    "closed",
                    "returned",
                    "cancelled",
                    "paused",
                ]
                .iter()
                .map(|s| SelectOption::new(*s, tr.t(&format!("ticket.state.{s}")))),
            )
            .collect();
    let yes_any = |name: &str, label: &str, value: &str| {
        Field::select(
            name,
            label,
            vec![
                SelectOption::new("", tr.t("tickets.any")),
                SelectOption::new("true", tr.t("tickets.yes")),
            ],
        )
        .value(value)
    };
    table.filters = vec![
        Field::select(
            "kind",
            tr.t("tickets.kind"),
            kind_options(&state, &tr, Some(tr.t("tickets.all_kinds"))),
        )
        .value(query.kind.clone()),
        Field::select("state", tr.t("tickets.state"), states).value(query.state.clone()),
        yes_any("open", tr.t("tickets.only_open"), &query.open),
        yes_any("overdue", tr.t("tickets.only_overdue"), &query.overdue),
        Field::area_picker("area", tr.t("tickets.area")).value(query.area.clone()),
        Field::select("owner_unit_id", tr.t("tickets.owner_unit"), owners)
            .value(query.owner_unit_id.clone()),
        Field::date("from", tr.t("tickets.created_from")).value(query.from.clone()),
        Field::date("to", tr.t("tickets.created_to")).value(query.to.clone()),
    ];
    Ok(render(&ListPage {
        page: page.titled("tickets.list_title"),
        table,
    })?
    .into_response())
}

/// A move the page offers: its code, label, and what it asks for.
pub struct Move {
    pub code: &'static str,
    pub label: String,
    pub needs_reason: bool,
    pub needs_owner: bool,
    pub needs_due: bool,
}

#[derive(Template)]
#[template(path = "tickets/detail.html")]
struct DetailPage {
    page: Page,
    ticket: TicketView,
    kind: String,
    badge: Badge,
    due: String,
    timeline: Vec<TimelineEntry>,
    attachments: Vec<super::attachments::AttachmentView>,
    moves: Vec<Move>,
    units: Vec<SelectOption>,
    error: Option<String>,
}

impl DetailPage {
    fn event_label(&self, e: &TimelineEntry) -> String {
        let key = format!("ticket.action.{}", e.action);
        if self.page.tr.has(&key) {
            self.page.tr.t(&key).to_string()
        } else {
            self.page
                .tr
                .t(&format!("tickets.event.{}", e.action))
                .to_string()
        }
    }

    /// The catalog's name of `code` under `prefix`: `tickets.priority` + `urgent`.
    fn label(&self, prefix: &str, code: &str) -> String {
        self.page.tr.t(&format!("{prefix}.{code}")).to_string()
    }

    /// An entry's reason as shown: a rating code (the callback's, or the reopening it caused)
    /// in words, anything else as typed.
    fn event_reason(&self, e: &TimelineEntry) -> Option<String> {
        let reason = e.reason.as_deref()?;
        Some(if super::service::RATINGS.contains(&reason) {
            self.label("tickets.rating", reason)
        } else {
            reason.to_string()
        })
    }

    fn is_owner(&self, unit: &str) -> bool {
        self.ticket.owner_unit_id.map(|v| v.to_string()).as_deref() == Some(unit)
    }

    fn at(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&domain::dates::china_offset())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

/// The units the user may hand the matter to (`users::units::reachable_from`).
async fn units(db: &crate::db::Db, user: &CurrentUser) -> AppResult<Vec<SelectOption>> {
    Ok(crate::users::units::reachable_from(db, &user.area)
        .await?
        .into_iter()
        .map(|u| SelectOption::new(u.id.to_string(), u.name))
        .collect())
}

async fn detail_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
    error: Option<String>,
) -> AppResult<DetailPage> {
    let row = service::get_scoped(state.db(), user, id).await?;
    let tr = page.tr.clone();
    let moves = service::available(state, user, &row)
        .await?
        .into_iter()
        .map(|a| Move {
            code: a.as_str(),
            label: tr.t(&format!("ticket.action.{}", a.as_str())).to_string(),
            needs_reason: a.needs_reason(),
            needs_owner: a == Action::Dispatch,
            needs_due: a == Action::Extend,
        })
        .collect();
    let timeline = repo::timeline(state.db(), id).await?;
    let attachments = super::attachments::list(state.db(), id).await?;
    let ticket = TicketView::from_row(row);
    let kind = state
        .ticket_kind(&ticket.kind)
        .map(|k| tr.t(k.label_key).to_string())
        .unwrap_or_else(|| ticket.kind.clone());
    Ok(DetailPage {
        badge: state_badge(&tr, &ticket),
        due: due_text(&tr, ticket.due_at),
        kind,
        page: page.titled_text(ticket.title.clone()),
        units: units(state.db(), user).await?,
        ticket,
        timeline,
        attachments,
        moves,
        error,
    })
}

/// `GET /tickets/{id}`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    Ok(render(&detail_page(&state, page, &user, id, None).await?)?.into_response())
}

/// A move as the page's form posts it.
#[derive(Deserialize, Default)]
pub struct MoveForm {
    pub action: String,
    pub version: i32,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub owner_unit_id: String,
    #[serde(default)]
    pub new_due: String,
    /// `comment` or `callback` with `reason` as the text, instead of a move.
    #[serde(default)]
    pub note: String,
    /// With the callback: the reporter's rating.
    #[serde(default)]
    pub rating: String,
}

/// `POST /tickets/{id}/act`: a move, a comment or the callback; back to the ticket.
pub async fn post(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let result = match form.note.as_str() {
        "comment" | "callback" => {
            service::note(
                &state,
                &actor,
                &user,
                id,
                &form.reason,
                form.note == "callback",
                some(&form.rating).as_deref(),
            )
            .await
        }
        _ => {
            let owner = form.owner_unit_id.trim();
            let request = ActionRequest {
                action: form.action.clone(),
                version: form.version,
                reason: some(&form.reason),
                owner_unit_id: if owner.is_empty() {
                    None
                } else {
                    Some(owner.parse().map_err(|_| {
                        AppError::invalid("tickets.unknown_unit").on_field("owner_unit_id")
                    })?)
                },
                owner_user_id: None,
                new_due: some(&form.new_due),
            };
            service::act(&state, &actor, &user, &tr, id, &request)
                .await
                .map(|_| ())
        }
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/tickets/{id}?flash=flash.ticket_saved")).into_response())
        }
        Err(err) if err.status.is_client_error() && err.status.as_u16() != 404 => {
            let status = err.status;
            let text = err.message(&tr);
            Ok((
                status,
                render(&detail_page(&state, page, &user, id, Some(text)).await?)?,
            )
                .into_response())
        }
        Err(err) => Err(err),
    }
}

/// `POST /tickets/{id}/attachments` (multipart `file`): back to the ticket.
pub async fn attach(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    form: axum::extract::Multipart,
) -> AppResult<Response> {
    let result = match super::attachments::read_file(form).await {
        Ok((name, bytes)) => {
            super::attachments::attach(&state, &actor, &user, id, &name, &bytes).await
        }
        Err(err) => Err(err),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/tickets/{id}?flash=flash.ticket_saved")).into_response())
        }
        Err(err) if err.status.is_client_error() && err.status.as_u16() != 404 => {
            let status = err.status;
            let text = err.message(&page.tr);
            Ok((
                status,
                render(&detail_page(&state, page, &user, id, Some(text)).await?)?,
            )
                .into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "tickets/new.html")]
struct NewPage {
    page: Page,
    fields: Vec<Field>,
    idempotency_key: String,
    error: Option<String>,
}

/// A fresh key for a form, 128 random bits in hex.
fn form_key() -> String {
    use rand::Rng;
    format!("form-{:032x}", rand::rng().random::<u128>())
}

/// The form to open a ticket, as posted.
#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub area_code: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub owner_unit_id: String,
    #[serde(default)]
    pub reporter_name: String,
    #[serde(default)]
    pub reporter_phone: String,
    #[serde(default)]
    pub subject_kind: String,
    #[serde(default)]
    pub subject_id: String,
    /// Made when the form is shown: a second submission of the same form opens nothing new.
    #[serde(default)]
    pub idempotency_key: String,
}

async fn new_fields(
    state: &AppState,
    page: &Page,
    user: &CurrentUser,
    form: &NewForm,
    error: Option<&AppError>,
) -> AppResult<Vec<Field>> {
    let tr = &page.tr;
    let priorities: Vec<SelectOption> = Priority::ALL
        .iter()
        .map(|p| {
            SelectOption::new(
                p.as_str(),
                tr.t(&format!("tickets.priority.{}", p.as_str())),
            )
        })
        .collect();
    let sources: Vec<SelectOption> = SOURCES
        .iter()
        .map(|s| SelectOption::new(*s, tr.t(&format!("tickets.source.{s}"))))
        .collect();
    let mut owners = vec![SelectOption::new("", tr.t("tickets.owner_later"))];
    owners.extend(units(state.db(), user).await?);
    let subject_kinds = vec![
        SelectOption::new("", tr.t("tickets.no_subject")),
        SelectOption::new("person", tr.t("nav.persons")),
        SelectOption::new("enterprise", tr.t("nav.enterprises")),
        SelectOption::new("place", tr.t("nav.places")),
    ];
    let mut fields = vec![
        Field::select("kind", tr.t("tickets.kind"), kind_options(state, tr, None))
            .value(form.kind.clone())
            .required(),
        Field::text("title", tr.t("tickets.title"))
            .value(form.title.clone())
            .required(),
        Field::new(
            "description",
            tr.t("tickets.description"),
            FieldKind::Textarea,
        )
        .value(form.description.clone()),
        Field::area_picker("area_code", tr.t("tickets.area"))
            .value(if form.area_code.is_empty() {
                user.area.as_str().to_string()
            } else {
                form.area_code.clone()
            })
            .required(),
        Field::select("priority", tr.t("tickets.priority_label"), priorities).value(
            if form.priority.is_empty() {
                "normal".to_string()
            } else {
                form.priority.clone()
            },
        ),
        Field::select("source", tr.t("tickets.source_label"), sources).value(form.source.clone()),
        Field::select("owner_unit_id", tr.t("tickets.owner_unit"), owners)
            .value(form.owner_unit_id.clone())
            .help(tr.t("tickets.owner_help")),
        Field::select("subject_kind", tr.t("tickets.subject_kind"), subject_kinds)
            .value(form.subject_kind.clone()),
        Field::new("subject_id", tr.t("tickets.subject_id"), FieldKind::Number)
            .value(form.subject_id.clone()),
        Field::text("reporter_name", tr.t("tickets.reporter_name"))
            .value(form.reporter_name.clone()),
        Field::text("reporter_phone", tr.t("tickets.reporter_phone"))
            .value(form.reporter_phone.clone()),
    ];
    if let Some(err) = error
        && let Some(name) = &err.field
        && let Some(field) = fields.iter_mut().find(|f| &f.name == name)
    {
        field.error = Some(err.message(tr));
    }
    Ok(fields)
}

/// `GET /tickets/new`
pub async fn new_form(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
) -> AppResult<Response> {
    let fields = new_fields(&state, &page, &user, &NewForm::default(), None).await?;
    Ok(render(&NewPage {
        page: page.titled("tickets.new_title"),
        fields,
        idempotency_key: form_key(),
        error: None,
    })?
    .into_response())
}

/// `POST /tickets/new`
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<NewForm>,
) -> AppResult<Response> {
    let parsed = |text: &str, field: &str| -> AppResult<Option<i64>> {
        match text.trim() {
            "" => Ok(None),
            t => t
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid("tickets.not_a_number").on_field(field)),
        }
    };
    let input = (|| -> AppResult<NewTicket> {
        Ok(NewTicket {
            kind: form.kind.clone(),
            title: form.title.clone(),
            description: some(&form.description),
            subject_kind: some(&form.subject_kind),
            subject_id: parsed(&form.subject_id, "subject_id")?,
            area_code: form.area_code.clone(),
            source: some(&form.source),
            priority: some(&form.priority),
            owner_unit_id: parsed(&form.owner_unit_id, "owner_unit_id")?,
            owner_user_id: None,
            verifier_unit_id: None,
            reporter_name: some(&form.reporter_name),
            reporter_phone: some(&form.reporter_phone),
            time_limit: None,
        })
    })();
    let result = match input {
        Ok(input) => {
            service::open(
                &state,
                &actor,
                &user,
                &input,
                some(&form.idempotency_key).as_deref(),
            )
            .await
        }
        Err(err) => Err(err),
    };
    match result {
        Ok(t) => Ok(Redirect::to(&format!(
            "/tickets/{}?flash=flash.ticket_opened",
            t.ticket.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let fields = new_fields(&state, &page, &user, &form, Some(&err)).await?;
            let text = err.message(&page.tr);
            Ok((
                err.status,
                render(&NewPage {
                    page: page.titled("tickets.new_title"),
                    fields,
                    idempotency_key: if form.idempotency_key.is_empty() {
                        form_key()
                    } else {
                        form.idempotency_key.clone()
                    },
                    error: Some(text),
                })?,
            )
                .into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "tickets/inbox.html")]
struct InboxPage {
    page: Page,
    inbox: Inbox,
}

impl InboxPage {
    fn badge(&self, t: &TicketView) -> Badge {
        state_badge(&self.page.tr, t)
    }

    fn due(&self, t: &TicketView) -> String {
        due_text(&self.page.tr, t.due_at)
    }

    fn sections(&self) -> [(&'static str, &Vec<TicketView>); 4] {
        [
            ("tickets.section_overdue", &self.inbox.overdue),
            ("tickets.section_todo", &self.inbox.todo),
            ("tickets.section_verify", &self.inbox.to_verify),
            ("tickets.section_dispatch", &self.inbox.to_dispatch),
        ]
    }

    fn notice(&self, kind: &str) -> String {
        self.page
            .tr
            .t(&format!("tickets.notice.{kind}"))
            .to_string()
    }
}

/// `GET /inbox`
pub async fn inbox_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
) -> AppResult<Response> {
    let inbox = inbox::of(state.db(), &user).await?;
    Ok(render(&InboxPage {
        page: page.titled("tickets.inbox_title"),
        inbox,
    })?
    .into_response())
}

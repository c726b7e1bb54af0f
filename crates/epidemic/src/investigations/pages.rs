//! The investigation pages: the list with the form to start one (cases picked from the person
//! registry or from the case key persons), and the review page — candidates with their exposure,
//! a checkbox per row, select-all, confirm (with quarantine) or dismiss in bulk, filters by hop
//! and state, the chain graph (`assets/js/chain.js`) and the contact list export.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use platform::AppState;
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::web::kit::{Badge, Cell, Column, Field, SelectOption, Table, Tone};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{DetailQuery, InvestigationQuery, filter_of, page_of};
use super::model::{
    CaseView, ConfirmInput, ContactView, DismissInput, InvestigationView, NewInvestigation,
};
use super::service;

async fn can_write(state: &AppState, user: &CurrentUser) -> AppResult<bool> {
    platform::auth::permission::allows(state, user, crate::MODULE, platform::auth::Action::Write)
        .await
}

/// A case key person offered as a checkbox on the new-investigation form.
pub struct CaseChoice {
    pub person_id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "epidemic/investigations/list.html")]
struct ListPage {
    page: Page,
    table: Table,
    error: Option<String>,
    picker: Field,
    title: Field,
    case_persons: Vec<CaseChoice>,
    can_write: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub status: String,
    pub cursor: Option<String>,
    /// Pre-chosen case (from a key person's page).
    pub case: Option<i64>,
}

fn status_badge(page: &Page, status: &str) -> Badge {
    let tone = if status == "open" {
        Tone::Info
    } else {
        Tone::Muted
    };
    Badge::new(tone, page.t(&format!("investigation.statuses.{status}")))
}

async fn list_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    q: &ListQuery,
    err: Option<&AppError>,
    form: &CreateForm,
) -> AppResult<ListPage> {
    let tr = page.tr.clone();
    let api = InvestigationQuery {
        area: Some(q.area.trim().to_string()).filter(|a| !a.is_empty()),
        status: Some(q.status.trim().to_string()).filter(|s| !s.is_empty()),
        limit: None,
        cursor: q.cursor.clone(),
    };
    let found = page_of(state, user, &api, 50).await?;
    let mut table = Table::new(
        "investigations-table",
        tr.t("investigation.list_title"),
        "/epidemic/investigations",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("title", tr.t("investigation.title")),
        Column::new("status", tr.t("investigation.status")),
        Column::new("close", tr.t("investigation.close_contacts")).numeric(),
        Column::new("secondary", tr.t("investigation.secondary_contacts")).numeric(),
        Column::new("confirmed", tr.t("investigation.confirmed")).numeric(),
        Column::new("created", tr.t("investigation.created_at")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|i: &InvestigationView| {
            vec![
                Cell::link(
                    format!("/epidemic/investigations/{}", i.id),
                    i.title.clone(),
                ),
                Cell::Badge(status_badge(&page, &i.status)),
                Cell::text(i.close_contacts.to_string()),
                Cell::text(i.secondary_contacts.to_string()),
                Cell::text(i.confirmed.to_string()),
                Cell::text(
                    i.created_at
                        .with_timezone(&domain::dates::china_offset())
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                ),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = vec![
        ("area".into(), q.area.clone()),
        ("status".into(), q.status.clone()),
    ];
    table.empty_text = tr.t("investigation.none").to_string();
    table.filters = vec![
        Field::area_picker("area", tr.t("investigation.area")).value(q.area.clone()),
        Field::select(
            "status",
            tr.t("investigation.status"),
            vec![
                SelectOption::new("", tr.t("investigation.all")),
                SelectOption::new("open", tr.t("investigation.statuses.open")),
                SelectOption::new("closed", tr.t("investigation.statuses.closed")),
            ],
        )
        .value(q.status.clone()),
    ];
    let field = err.and_then(|e| e.field.as_deref());
    let message = err.map(|e| e.message(&tr)).unwrap_or_default();
    let picker = Field::picker("case", tr.t("investigation.pick_case"), "persons")
        .value(form.picked.clone())
        .help(tr.t("investigation.pick_case_help"))
        .error_if(
            field.map(|f| if f == "cases" { "case" } else { f }),
            &message,
        );
    let title = Field::text("title", tr.t("investigation.title"))
        .value(form.title.clone())
        .help(tr.t("investigation.title_help"))
        .error_if(field, &message);
    let filter = crate::key_persons::repo::Filter {
        scope: user.area.subtree_range(),
        category: Some("case".into()),
        status: None,
        name: None,
    };
    let case_persons = crate::key_persons::repo::list(state.db(), &filter, i64::MAX, 50)
        .await?
        .into_iter()
        .map(|r| CaseChoice {
            person_id: r.k.person_id,
            label: format!(
                "{} {}",
                r.person_name,
                platform::pii::Personal::id_number(r.doc_number).masked()
            ),
        })
        .collect();
    let can_write = can_write(state, user).await?;
    Ok(ListPage {
        page: page.titled("investigation.list_title"),
        table,
        error: err.map(|_| message.clone()),
        picker,
        title,
        case_persons,
        can_write,
    })
}

#[derive(Default)]
struct CreateForm {
    cases: Vec<i64>,
    picked: String,
    title: String,
    bad_case: bool,
}

impl CreateForm {
    fn parse(body: &[u8]) -> CreateForm {
        let mut f = CreateForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.trim().to_string();
            match k.as_ref() {
                "case" if !v.is_empty() => {
                    f.picked = v.clone();
                    match v.parse() {
                        Ok(id) => f.cases.push(id),
                        Err(_) => f.bad_case = true,
                    }
                }
                "cases" => match v.parse() {
                    Ok(id) => f.cases.push(id),
                    Err(_) => f.bad_case = true,
                },
                "title" => f.title = v,
                _ => {}
            }
        }
        f
    }
}

/// `GET /epidemic/investigations`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let form = CreateForm {
        picked: q.case.map(|c| c.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    Ok(render(&list_page(&state, page, &user, &q, None, &form).await?)?.into_response())
}

/// `POST /epidemic/investigations/new`: starts one and opens its review page.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    body: Bytes,
) -> AppResult<Response> {
    let form = CreateForm::parse(&body);
    let result = if form.bad_case {
        Err(AppError::invalid("investigation.unknown_case").on_field("cases"))
    } else {
        let input = NewInvestigation {
            cases: form.cases.clone(),
            title: Some(form.title.clone()),
            window_minutes: None,
        };
        service::create(&state, &actor, &user, &input).await
    };
    match result {
        Ok(created) => Ok(Redirect::to(&format!(
            "/epidemic/investigations/{}?flash=flash.investigation_started",
            created.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let status = err.status;
            let view = list_page(
                &state,
                page,
                &user,
                &ListQuery::default(),
                Some(&err),
                &form,
            )
            .await?;
            Ok((status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

/// A candidate row of the review table.
pub struct Row {
    pub c: ContactView,
    pub hop: String,
    pub state: Badge,
    pub exposure: String,
    pub decidable: bool,
}

#[derive(Template)]
#[template(path = "epidemic/investigations/detail.html")]
struct DetailPage {
    page: Page,
    i: InvestigationView,
    status: Badge,
    cases: Vec<CaseView>,
    rows: Vec<Row>,
    error: Option<String>,
    hop_filter: Field,
    state_filter: Field,
    export_query: String,
    last_run: String,
    can_write: bool,
    /// The pages before and after, and which candidates this one shows.
    previous: Option<String>,
    next: Option<String>,
    range: String,
    /// A note when the chain graph leaves contacts out.
    graph_left_out: Option<String>,
}

/// Candidates per review page.
const PAGE: i64 = 200;

fn exposure_of(page: &Page, c: &ContactView) -> String {
    match (&c.place_name, &c.relationship) {
        (Some(place), _) => page.tr.f(
            "investigation.exposure_at",
            &[
                ("place", place),
                ("when", &c.when()),
                ("minutes", &c.minutes.to_string()),
                ("via", &c.via_name),
            ],
        ),
        (None, Some(r)) => page.tr.f(
            "investigation.exposure_named",
            &[
                (
                    "relationship",
                    page.t(&format!("investigation.relationships.{r}")),
                ),
                ("via", &c.via_name),
            ],
        ),
        (None, None) => c.via_name.clone(),
    }
}

async fn detail_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
    q: &DetailQuery,
    err: Option<&AppError>,
) -> AppResult<DetailPage> {
    let tr = page.tr.clone();
    let (hop, wanted) = filter_of(q)?;
    let (offset, limit) = super::api::window_of(q, PAGE)?;
    let d = service::detail(state, user, id, (hop, wanted), Some((offset, limit))).await?;
    let shown = d.contacts.len() as i64;
    let pager_href = |at: i64| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("hop", &hop.map(|h| h.to_string()).unwrap_or_default())
            .append_pair("state", wanted.unwrap_or(""))
            .append_pair("offset", &at.to_string())
            .finish();
        format!("/epidemic/investigations/{id}?{query}")
    };
    let previous = (offset > 0).then(|| pager_href((offset - limit).max(0)));
    let next = (offset + shown < d.total_contacts).then(|| pager_href(offset + shown));
    let range = tr.f(
        "investigation.range",
        &[
            ("from", &(offset + 1).min(d.total_contacts).to_string()),
            ("to", &(offset + shown).to_string()),
            ("total", &d.total_contacts.to_string()),
        ],
    );
    let graph_left_out = (d.total_contacts as usize > super::model::GRAPH_CONTACTS
        && hop.is_none()
        && wanted.is_none())
    .then(|| {
        tr.f(
            "investigation.graph_left_out",
            &[("n", &super::model::GRAPH_CONTACTS.to_string())],
        )
    });
    let rows = d
        .contacts
        .into_iter()
        .map(|c| {
            let tone = match c.state.as_str() {
                "confirmed" => Tone::Ok,
                "dismissed" => Tone::Muted,
                _ => Tone::Warn,
            };
            Row {
                hop: tr.t(&format!("investigation.hops.{}", c.hop)).to_string(),
                state: Badge::new(tone, tr.t(&format!("investigation.states.{}", c.state))),
                exposure: exposure_of(&page, &c),
                decidable: c.state != "confirmed",
                c,
            }
        })
        .collect();
    let hop_text = hop.map(|h| h.to_string()).unwrap_or_default();
    let hop_filter = Field::select(
        "hop",
        tr.t("investigation.hop"),
        vec![
            SelectOption::new("", tr.t("investigation.all")),
            SelectOption::new("1", tr.t("investigation.hops.1")),
            SelectOption::new("2", tr.t("investigation.hops.2")),
        ],
    )
    .value(hop_text.clone());
    let mut states = vec![SelectOption::new("", tr.t("investigation.all"))];
    states.extend(
        super::state::ALL
            .iter()
            .map(|s| SelectOption::new(*s, tr.t(&format!("investigation.states.{s}")))),
    );
    let state_filter = Field::select("state", tr.t("investigation.state"), states)
        .value(wanted.unwrap_or("").to_string());
    let export_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("hop", &hop_text)
        .append_pair("state", wanted.unwrap_or(""))
        .finish();
    let status = status_badge(&page, &d.investigation.status);
    let last_run = d
        .investigation
        .last_run_at
        .with_timezone(&domain::dates::china_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let title = d.investigation.title.clone();
    Ok(DetailPage {
        page: page.titled_text(title),
        i: d.investigation,
        status,
        cases: d.cases,
        rows,
        error: err.map(|e| e.message(&tr)),
        hop_filter,
        state_filter,
        export_query,
        last_run,
        can_write: can_write(state, user).await?,
        previous,
        next,
        range,
        graph_left_out,
    })
}

/// `GET /epidemic/investigations/{id}?hop=&state=`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    Ok(render(&detail_page(&state, page, &user, id, &q, None).await?)?.into_response())
}

/// `POST /epidemic/investigations/{id}/run`
pub async fn run(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    service::run(&state, &actor, &user, id).await?;
    Ok(Redirect::to(&format!(
        "/epidemic/investigations/{id}?flash=flash.investigation_ran"
    ))
    .into_response())
}

/// `POST /epidemic/investigations/{id}/close`
pub async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    service::close(&state, &actor, &user, id).await?;
    Ok(Redirect::to(&format!(
        "/epidemic/investigations/{id}?flash=flash.investigation_closed"
    ))
    .into_response())
}

/// `POST /epidemic/investigations/{id}/decide`: the chosen rows confirmed (with the quarantine
/// chosen) or dismissed (with the reason), by the button pressed.
pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let mut contacts = Vec::new();
    let (mut action, mut quarantine, mut reason) = (String::new(), String::new(), String::new());
    let mut bad = false;
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "contacts" => match v.trim().parse() {
                Ok(p) => contacts.push(p),
                Err(_) => bad = true,
            },
            "action" => action = v.into_owned(),
            "quarantine" => quarantine = v.into_owned(),
            "reason" => reason = v.into_owned(),
            _ => {}
        }
    }
    let result = if bad {
        Err(AppError::invalid("investigation.contacts_count").on_field("contacts"))
    } else if action == "dismiss" {
        service::dismiss(
            &state,
            &actor,
            &user,
            id,
            &DismissInput { contacts, reason },
        )
        .await
        .map(|_| "flash.investigation_dismissed")
    } else {
        service::confirm(
            &state,
            &actor,
            &user,
            id,
            &ConfirmInput {
                contacts,
                quarantine: Some(quarantine),
            },
        )
        .await
        .map(|_| "flash.investigation_confirmed")
    };
    match result {
        Ok(flash) => Ok(
            Redirect::to(&format!("/epidemic/investigations/{id}?flash={flash}")).into_response(),
        ),
        Err(err) if err.status.is_client_error() && err.status.as_u16() != 404 => {
            let status = err.status;
            let view =
                detail_page(&state, page, &user, id, &DetailQuery::default(), Some(&err)).await?;
            Ok((status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

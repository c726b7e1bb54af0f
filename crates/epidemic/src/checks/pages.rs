//! `/epidemic/checks`: the day's roster of the user's area, check by check, with status badges
//! (done, due, missed, fever) and a fast phone form per person (temperature, symptoms), and a
//! one-time link to hand the person.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::AppResult;
use platform::i18n::Tr;
use platform::state::AppState;
use platform::web::kit::{Badge, Field, FigureCard, Tone};
use platform::web::{Page, render};
use serde::Deserialize;

use super::model::{CheckInput, LinkInput, RosterEntry, SlotState};
use super::{api, links, roster, schedule, service};
use crate::policy::SYMPTOMS;

#[derive(Deserialize, Default, Clone)]
pub struct RosterQuery {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub area: String,
}

/// One check of the roster as the page shows it.
pub struct Row {
    pub entry: RosterEntry,
    pub badge: Badge,
    /// The entry form is offered: today, not yet done.
    pub open: bool,
}

/// The checks of one slot of the day.
pub struct SlotGroup {
    pub slot: u32,
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "epidemic/checks/roster.html")]
struct RosterPage {
    page: Page,
    cards: Vec<FigureCard>,
    filters: Vec<Field>,
    groups: Vec<SlotGroup>,
    symptoms: Vec<(String, String)>,
    can_write: bool,
    area: String,
    error: Option<String>,
    /// A link just made: (person name, URL).
    link: Option<(String, String)>,
}

fn badge_of(tr: &Tr, e: &RosterEntry) -> Badge {
    match e.state {
        SlotState::Done if e.fever => Badge::new(
            Tone::Danger,
            format!(
                "{} {:.1}℃",
                tr.t("checks.state.fever"),
                e.temperature.unwrap_or_default()
            ),
        ),
        SlotState::Done if e.alarm => Badge::new(Tone::Danger, tr.t("checks.state.alarm")),
        SlotState::Done => Badge::new(
            Tone::Ok,
            format!(
                "{} {:.1}℃",
                tr.t("checks.state.done"),
                e.temperature.unwrap_or_default()
            ),
        ),
        SlotState::Due => Badge::new(Tone::Info, tr.t("checks.state.due")),
        SlotState::Missed => Badge::new(Tone::Warn, tr.t("checks.state.missed")),
    }
}

async fn roster_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    query: &RosterQuery,
) -> AppResult<RosterPage> {
    let tr = page.tr.clone();
    let day: NaiveDate = api::day_of(Some(&query.date))?;
    let area = match query.area.trim() {
        "" => user.area.clone(),
        a => platform::areas::api::scoped_code(user, a, "area")?,
    };
    let policy = crate::policy::load(state.db()).await?;
    let now = Utc::now();
    let today = schedule::beijing_day(now);
    let entries = roster::roster(state.db(), &policy, &area.subtree_range(), day, now).await?;
    let max_slot = entries.iter().map(|e| e.slot).max().unwrap_or(0);
    let mut groups: Vec<SlotGroup> = (1..=max_slot)
        .map(|slot| SlotGroup {
            slot,
            title: tr.f("checks.slot_title", &[("slot", &slot.to_string())]),
            rows: Vec::new(),
        })
        .collect();
    for e in entries {
        let open = day == today && e.state != SlotState::Done;
        let badge = badge_of(&tr, &e);
        groups[e.slot as usize - 1].rows.push(Row {
            entry: e,
            badge,
            open,
        });
    }
    let mut cards = Vec::new();
    for def in super::figures::all() {
        let value = (def.compute)(state, &area, day).await?;
        cards.push(FigureCard::new(
            tr.t(def.label_key),
            value,
            tr.t(def.unit_key),
        ));
    }
    let filters = vec![
        Field::date("date", tr.t("checks.date")).value(day.to_string()),
        Field::area_picker("area", tr.t("checks.area")).value(query.area.clone()),
    ];
    let can_write = platform::auth::permission::allows(
        state,
        user,
        crate::MODULE,
        platform::auth::Action::Write,
    )
    .await?;
    Ok(RosterPage {
        page: page.titled("checks.title"),
        cards,
        filters,
        groups,
        symptoms: SYMPTOMS
            .iter()
            .map(|s| {
                (
                    s.to_string(),
                    tr.t(&format!("checks.symptom.{s}")).to_string(),
                )
            })
            .collect(),
        can_write,
        area: query.area.clone(),
        error: None,
        link: None,
    })
}

/// `GET /epidemic/checks`
pub async fn roster(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<RosterQuery>,
) -> AppResult<Response> {
    Ok(render(&roster_page(&state, page, &user, &query).await?)?.into_response())
}

type FormMap = std::collections::HashMap<String, String>;

fn number<T: std::str::FromStr>(form: &FormMap, name: &str) -> Option<T> {
    form.get(name).and_then(|v| v.trim().parse().ok())
}

/// `POST /epidemic/checks/record`: one person's check from the roster's form.
pub async fn record(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    let area = form.get("area").cloned().unwrap_or_default();
    let input = CheckInput {
        person_id: number(&form, "person_id").unwrap_or(0),
        temperature: form
            .get("temperature")
            .and_then(|t| t.trim().replace('，', ".").parse().ok()),
        symptoms: form
            .keys()
            .filter_map(|k| k.strip_prefix("symptom."))
            .map(str::to_string)
            .collect(),
        slot: number(&form, "slot"),
    };
    match service::record(&state, &actor, &user, &input).await {
        Ok(_) => {
            let back = url_with_area("/epidemic/checks?flash=flash.checks.recorded", &area);
            Ok(Redirect::to(&back).into_response())
        }
        Err(err) if err.status.is_client_error() => {
            let tr = page.tr.clone();
            let query = RosterQuery {
                date: String::new(),
                area,
            };
            let mut view = roster_page(&state, page, &user, &query).await?;
            view.error = Some(err.message(&tr));
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

/// Back to the roster of the same area (area codes are digits; anything else is dropped).
fn url_with_area(base: &str, area: &str) -> String {
    let area = area.trim();
    if area.is_empty() || !area.chars().all(|c| c.is_ascii_digit()) {
        base.to_string()
    } else {
        format!("{base}&area={area}")
    }
}

/// `POST /epidemic/checks/link`: a one-time link for a person, shown on the roster.
pub async fn link(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let person_id: i64 = number(&form, "person_id").unwrap_or(0);
    let query = RosterQuery {
        date: String::new(),
        area: form.get("area").cloned().unwrap_or_default(),
    };
    let result = links::create(&state, &actor, &user, &LinkInput { person_id }).await;
    let mut view = roster_page(&state, page, &user, &query).await?;
    match result {
        Ok(link) => {
            let name = view
                .groups
                .iter()
                .flat_map(|g| &g.rows)
                .find(|r| r.entry.person_id == person_id)
                .map(|r| r.entry.person_name.clone())
                .unwrap_or_default();
            view.link = Some((name, link.url));
            Ok(render(&view)?.into_response())
        }
        Err(err) if err.status.is_client_error() => {
            view.error = Some(err.message(&tr));
            let status = if err.status == StatusCode::NOT_FOUND {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                err.status
            };
            Ok((status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

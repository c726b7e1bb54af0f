//! The risk map page (`/risk`): the area's sub-areas coloured by level on an ECharts map (the
//! same model as `GET /api/v1/risk/map`, drawn by `assets/js/riskmap.js`), a date filter, counts
//! by level that open the 对号入座 lists, the areas and places raised with their history, and the
//! command's override and lift forms.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::api::area_of;
use super::repo;
use super::service::{self, OverrideInput};
use super::view::{self, MapView, MatchedKind};
use crate::api::{ListParams, id_cursor, page_of};
use crate::audit::Actor;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::kit::{
    Badge, Cell, Column, Field, FieldKind, RowAction, SelectOption, Table, Tone,
};
use crate::web::{Page, render};

/// Who may override and lift levels.
pub const EDITORS: &[Role] = &[Role::Admin, Role::Commander];

fn can_edit(user: &CurrentUser) -> bool {
    EDITORS.contains(&user.role)
}

#[derive(Deserialize, Default)]
pub struct MapQuery {
    pub area: Option<String>,
    pub date: Option<String>,
}

fn date_of(text: Option<&str>) -> AppResult<NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(crate::calendar::today()),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| AppError::invalid("risk.bad_date").on_field("date")),
    }
}

pub fn tone(level: usize, levels: usize) -> Tone {
    match level {
        0 => Tone::Ok,
        n if n + 1 >= levels => Tone::Danger,
        _ => Tone::Warn,
    }
}

fn level_name(map: &MapView, key: &str, zh: bool) -> String {
    map.levels
        .iter()
        .find(|l| l.key == key)
        .map(|l| {
            if zh {
                l.name_zh.clone()
            } else {
                l.name_en.clone()
            }
        })
        .unwrap_or_else(|| key.to_string())
}

fn badge(map: &MapView, key: &str, zh: bool) -> Badge {
    let i = map.levels.iter().position(|l| l.key == key).unwrap_or(0);
    Badge::new(tone(i, map.levels.len()), level_name(map, key, zh))
}

#[derive(Template)]
#[template(path = "risk/map.html")]
struct MapPage {
    page: Page,
    map: MapView,
    api: String,
    /// Where a click on a sub-area goes, without its code.
    drill: String,
    filters: Vec<Field>,
    /// (name, colour) of each level.
    legend: Vec<(String, String)>,
    counts: Table,
    raised: Table,
    areas: Table,
    form: Vec<Field>,
    error: Option<String>,
}

async fn map_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    query: &MapQuery,
) -> AppResult<MapPage> {
    let area = area_of(user, query.area.as_deref())?;
    let date = date_of(query.date.as_deref())?;
    let map = view::map(state.db(), &area, date).await?;
    let tr = page.tr.clone();
    let zh = tr.lang == crate::i18n::Lang::ZhCn;
    let here = format!("area={}&date={date}", map.area_code);
    let mut counts = Table::new("risk-counts", tr.t("risk.counts"), "/risk").labels(&tr);
    counts.columns = vec![
        Column::new("level", tr.t("risk.level")),
        Column::new("areas", tr.t("risk.rated_areas")).numeric(),
        Column::new("enterprises", tr.t("risk.enterprises")).numeric(),
        Column::new("places", tr.t("risk.places")).numeric(),
    ];
    counts.rows = map
        .counts
        .iter()
        .map(|c| {
            let list = |kind: &str, n: usize| {
                Cell::link(
                    format!("/risk/matched?{here}&level={}&kind={kind}", c.level),
                    n.to_string(),
                )
            };
            vec![
                Cell::Badge(badge(&map, &c.level, zh)),
                Cell::Num(c.areas.to_string()),
                list("enterprise", c.enterprises),
                list("place", c.places),
            ]
        })
        .collect();
    let mut raised = Table::new("risk-raised", tr.t("risk.raised"), "/risk").labels(&tr);
    raised.columns = vec![
        Column::new("name", tr.t("risk.name")),
        Column::new("level", tr.t("risk.level")),
        Column::new("since", tr.t("risk.since")),
        Column::new("source", tr.t("risk.source")),
        Column::new("reason", tr.t("risk.reason")),
        Column::new("actions", tr.t("risk.actions")),
    ];
    let editor = can_edit(user);
    raised.rows = map
        .raised
        .iter()
        .map(|r| {
            let target = match (&r.area_code, r.place_id) {
                (Some(code), _) => format!("area_code={code}"),
                (None, Some(id)) => format!("place_id={id}"),
                _ => String::new(),
            };
            let actions = vec![RowAction::link(
                tr.t("risk.history"),
                format!("/risk/history?{target}"),
            )];
            vec![
                Cell::text(r.name.clone()),
                Cell::Badge(badge(&map, &r.level, zh)),
                Cell::text(r.since.to_string()),
                Cell::text(tr.t(&format!("risk.source.{}", r.source))),
                Cell::text(r.reason.clone().unwrap_or_default()),
                Cell::Actions(actions),
            ]
        })
        .collect();
    raised.empty_text = tr.t("risk.none_raised").to_string();
    let mut areas = Table::new("risk-areas", tr.t("risk.sub_areas"), "/risk").labels(&tr);
    areas.columns = vec![
        Column::new("name", tr.t("risk.name")),
        Column::new("level", tr.t("risk.level")),
    ];
    areas.rows = map
        .areas
        .iter()
        .map(|a| {
            vec![
                Cell::link(format!("/risk?area={}&date={date}", a.code), a.name.clone()),
                Cell::Badge(badge(&map, &a.level, zh)),
            ]
        })
        .collect();
    let filters = vec![
        Field::new(
            "area",
            tr.t("risk.area"),
            FieldKind::Picker { kind: "areas" },
        )
        .value(map.area_code.clone()),
        Field::new("date", tr.t("risk.date"), FieldKind::Date).value(date.to_string()),
    ];
    let form = if editor {
        override_fields(&tr, &map, zh)
    } else {
        Vec::new()
    };
    let legend = map
        .levels
        .iter()
        .map(|l| {
            let name = if zh { &l.name_zh } else { &l.name_en };
            (name.clone(), l.color.clone())
        })
        .collect();
    let api = format!("/api/v1/risk/map?{here}");
    let drill = format!("/risk?date={date}&area=");
    let page = page.titled("risk.title");
    Ok(MapPage {
        page,
        map,
        api,
        drill,
        filters,
        legend,
        counts,
        raised,
        areas,
        form,
        error: None,
    })
}

fn override_fields(tr: &crate::i18n::Tr, map: &MapView, zh: bool) -> Vec<Field> {
    let levels = map
        .levels
        .iter()
        .map(|l| SelectOption::new(l.key.clone(), if zh { &l.name_zh } else { &l.name_en }))
        .collect();
    let actions = vec![
        SelectOption::new("override", tr.t("risk.action.override")),
        SelectOption::new("lift", tr.t("risk.action.lift")),
    ];
    vec![
        Field::new("action", tr.t("risk.action"), FieldKind::Select(actions)),
        Field::new(
            "area_code",
            tr.t("risk.override_area"),
            FieldKind::Picker { kind: "areas" },
        ),
        Field::new("place_id", tr.t("risk.override_place"), FieldKind::Number)
            .help(tr.t("risk.override_place_help")),
        Field::new("level", tr.t("risk.level"), FieldKind::Select(levels)),
        Field::new("effective_on", tr.t("risk.effective_on"), FieldKind::Date),
        Field::new("reason", tr.t("risk.reason"), FieldKind::Textarea).required(),
    ]
}

/// `GET /risk`
pub async fn map(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<MapQuery>,
) -> AppResult<Html<String>> {
    render(&map_page(&state, page, &user, &query).await?)
}

#[derive(Deserialize, Default)]
pub struct OverrideForm {
    #[serde(default)]
    pub area_code: String,
    #[serde(default)]
    pub place_id: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub effective_on: String,
    /// `lift` to end the override in force instead.
    #[serde(default)]
    pub action: String,
    /// The map the form was on.
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub date: String,
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// `POST /risk/override`: sets (or, with `action=lift`, lifts) a level, then back to the map.
pub async fn submit_override(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<OverrideForm>,
) -> AppResult<Response> {
    let lift = form.action == "lift";
    let place_id = match some(&form.place_id) {
        None => Ok(None),
        Some(t) => t
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid("risk.unknown_place").on_field("place_id")),
    };
    let effective_on = match some(&form.effective_on) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::invalid("risk.bad_date").on_field("effective_on")),
    };
    let result = match (place_id, effective_on) {
        (Ok(place_id), Ok(effective_on)) => {
            let input = OverrideInput {
                area_code: some(&form.area_code),
                place_id,
                level: some(&form.level),
                reason: form.reason.clone(),
                effective_on,
            };
            let today = crate::calendar::today();
            service::set_override(state.db(), &actor, &user, &input, lift, today).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let query = MapQuery {
        area: some(&form.area),
        date: some(&form.date),
    };
    match result {
        Ok(_) => {
            let flash = if lift {
                "flash.risk_lifted"
            } else {
                "flash.risk_overridden"
            };
            let area = query.area.clone().unwrap_or_default();
            let date = query.date.clone().unwrap_or_default();
            Ok(
                Redirect::to(&format!("/risk?area={area}&date={date}&flash={flash}"))
                    .into_response(),
            )
        }
        Err(err) if err.status.is_client_error() => {
            let tr = page.tr.clone();
            let message = err.message(&tr);
            let field = err.field.clone().unwrap_or_default();
            let status = err.status;
            let mut view = map_page(&state, page, &user, &query).await?;
            for f in &mut view.form {
                f.value = match f.name.as_str() {
                    "area_code" => form.area_code.clone(),
                    "place_id" => form.place_id.clone(),
                    "level" => form.level.clone(),
                    "effective_on" => form.effective_on.clone(),
                    "reason" => form.reason.clone(),
                    "action" => form.action.clone(),
                    _ => String::new(),
                };
                if f.name == field {
                    f.error = Some(message.clone());
                }
            }
            view.error = Some(message);
            Ok((status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Deserialize, Default)]
pub struct MatchedQuery {
    pub area: Option<String>,
    pub date: Option<String>,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub kind: String,
    pub cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "risk/list.html")]
struct ListPage {
    page: Page,
    intro: String,
    table: Table,
}

/// `GET /risk/matched`: the 对号入座 list of enterprises or places at a level.
pub async fn matched(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<MatchedQuery>,
) -> AppResult<Html<String>> {
    let area = area_of(&user, query.area.as_deref())?;
    let date = date_of(query.date.as_deref())?;
    let kind = MatchedKind::parse(&query.kind)?;
    let limit = ListParams::default().limit()?;
    let after = id_cursor(query.cursor.as_deref())?;
    let rows = view::matched(state.db(), &area, date, &query.level, kind, after, limit).await?;
    let listed = page_of(rows, limit, |r| r.id.to_string());
    let now = service::in_force(state.db(), date).await?;
    let tr = page.tr.clone();
    let zh = tr.lang == crate::i18n::Lang::ZhCn;
    let level_name = now.settings.name_of(&query.level, zh).to_string();
    let area_name = crate::areas::repo::get(state.db(), area.as_str())
        .await?
        .map_or_else(|| area.as_str().to_string(), |a| a.name);
    let (kind_key, href) = match kind {
        MatchedKind::Enterprise => ("risk.enterprises", "/registry/enterprises"),
        MatchedKind::Place => ("risk.places", "/registry/places"),
    };
    let mut table = Table::new("risk-matched", tr.t(kind_key), "/risk/matched").labels(&tr);
    table.columns = vec![
        Column::new("name", tr.t("risk.name")),
        Column::new("area", tr.t("risk.area")),
        Column::new("kind", tr.t("risk.kind")),
    ];
    let codes: Vec<String> = listed.items.iter().map(|r| r.area_code.clone()).collect();
    let names: std::collections::HashMap<String, String> =
        crate::areas::repo::names(state.db(), &codes)
            .await?
            .into_iter()
            .collect();
    table.rows = listed
        .items
        .iter()
        .map(|r| {
            vec![
                Cell::link(format!("{href}/{}", r.id), r.name.clone()),
                Cell::text(names.get(&r.area_code).cloned().unwrap_or_default()),
                Cell::text(r.kind.clone().unwrap_or_default()),
            ]
        })
        .collect();
    table.next_cursor = listed.next_cursor;
    table.query = vec![
        ("area".into(), area.as_str().to_string()),
        ("date".into(), date.to_string()),
        ("level".into(), query.level.clone()),
        ("kind".into(), query.kind.clone()),
    ];
    table.empty_text = tr.t("risk.none_matched").to_string();
    let intro = tr.f(
        "risk.matched_intro",
        &[
            ("area", &area_name),
            ("date", &date.to_string()),
            ("level", &level_name),
            ("kind", tr.t(kind_key)),
        ],
    );
    render(&ListPage {
        page: page.titled("risk.matched_title"),
        intro,
        table,
    })
}

#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    pub area_code: Option<String>,
    pub place_id: Option<i64>,
}

/// `GET /risk/history`: every level an area or place had.
pub async fn history(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<HistoryQuery>,
) -> AppResult<Html<String>> {
    let tr = page.tr.clone();
    let (rows, name) = match (query.area_code.as_deref(), query.place_id) {
        (Some(code), None) => {
            let code = crate::areas::api::scoped_code(&user, code, "area_code")?;
            let area = crate::areas::repo::get(state.db(), code.as_str())
                .await?
                .ok_or_else(AppError::not_found)?;
            (
                repo::history(state.db(), Some(code.as_str()), None).await?,
                area.name,
            )
        }
        (None, Some(id)) => {
            let area = repo::place_area(state.db(), id)
                .await?
                .ok_or_else(AppError::not_found)?;
            user.require_record_area(&area)?;
            (
                repo::history(state.db(), None, Some(id)).await?,
                format!("#{id}"),
            )
        }
        _ => return Err(AppError::not_found()),
    };
    let now = service::in_force(state.db(), crate::calendar::today()).await?;
    let zh = tr.lang == crate::i18n::Lang::ZhCn;
    let mut table = Table::new("risk-history", tr.t("risk.history"), "/risk/history").labels(&tr);
    table.columns = vec![
        Column::new("effective_on", tr.t("risk.effective_on")),
        Column::new("level", tr.t("risk.level")),
        Column::new("source", tr.t("risk.source")),
        Column::new("cases", tr.t("risk.cases")).numeric(),
        Column::new("reason", tr.t("risk.reason")),
        Column::new("by", tr.t("risk.by")),
    ];
    let n = now.settings.levels.len();
    table.rows = rows
        .iter()
        .map(|r| {
            let i = now.settings.index_of(&r.level).unwrap_or(0);
            vec![
                Cell::text(r.effective_on.to_string()),
                Cell::Badge(Badge::new(tone(i, n), now.settings.name_of(&r.level, zh))),
                Cell::text(tr.t(&format!("risk.source.{}", r.source))),
                Cell::Num(r.cases.map(|c| c.to_string()).unwrap_or_default()),
                Cell::text(r.reason.clone().unwrap_or_default()),
                Cell::text(r.created_by.clone()),
            ]
        })
        .collect();
    table.empty_text = tr.t("risk.no_history").to_string();
    let intro = tr.f("risk.history_intro", &[("name", &name)]);
    render(&ListPage {
        page: page.titled("risk.history_title"),
        intro,
        table,
    })
}

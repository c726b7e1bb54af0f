//! `/epidemic/coverage`: coverage by child area with rates (each row drills into its area), a
//! group filter, and the untested list of the area with its export buttons.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use platform::auth::CurrentUser;
use platform::error::AppResult;
use platform::state::AppState;
use platform::web::kit::{Badge, Cell, Column, Field, SelectOption, Table, Tone};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{CoverageQuery, check, page};
use super::compute::{self, GroupKey};
use super::index::day_num;

#[derive(Template)]
#[template(path = "epidemic/coverage/overview.html")]
struct Overview {
    page: Page,
    areas: Table,
    untested: Table,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub group: String,
    pub cursor: Option<String>,
}

fn rate_badge(rate: f64) -> Badge {
    let text = format!("{:.1}%", rate * 100.0);
    let tone = if rate >= 0.95 {
        Tone::Ok
    } else if rate >= 0.8 {
        Tone::Warn
    } else {
        Tone::Danger
    };
    Badge::new(tone, text)
}

/// `GET /epidemic/coverage`
pub async fn overview(
    State(state): State<AppState>,
    page_: Page,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let tr = page_.tr.clone();
    let nonempty = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    let api_q = CoverageQuery {
        date: nonempty(&q.date),
        area: nonempty(&q.area),
        group: nonempty(&q.group),
        limit: None,
        cursor: q.cursor.clone(),
    };
    let c = check(&user, &api_q)?;
    let shared = super::index::of(&state);
    let index = shared.fresh().await?;
    let summary = compute::by_area(&index, day_num(c.day), &c.area, c.group);
    // Date and group passed `check`: digits, dashes, letters and a colon need no escaping.
    let (date, group) = (
        c.day.to_string(),
        c.group.map(|g| g.code()).unwrap_or_default(),
    );
    let keep = |area: &str| format!("/epidemic/coverage?area={area}&date={date}&group={group}");
    let mut areas = Table::new(
        "coverage-areas",
        tr.t("coverage.by_area"),
        "/epidemic/coverage",
    )
    .labels(&tr);
    areas.columns = vec![
        Column::new("area", tr.t("coverage.area_name")),
        Column::new("must", tr.t("coverage.must")).numeric(),
        Column::new("tested", tr.t("coverage.tested")).numeric(),
        Column::new("untested", tr.t("coverage.untested")).numeric(),
        Column::new("rate", tr.t("coverage.rate")),
    ];
    areas.rows = std::iter::once(&summary.total)
        .chain(summary.children.iter())
        .enumerate()
        .map(|(i, a)| {
            let name = if i == 0 {
                format!("{}（{}）", a.area_name, tr.t("coverage.total"))
            } else {
                a.area_name.clone()
            };
            vec![
                if i == 0 {
                    Cell::text(name)
                } else {
                    Cell::link(keep(&a.area_code), name)
                },
                Cell::Num(a.must.to_string()),
                Cell::Num(a.tested.to_string()),
                Cell::Num(a.untested.to_string()),
                Cell::Badge(rate_badge(a.rate)),
            ]
        })
        .collect();
    areas.empty_text = tr.t("coverage.none").to_string();
    let mut options = vec![SelectOption::new("", tr.t("coverage.all_groups"))];
    for (i, _) in super::index::REASONS.iter().enumerate() {
        let g = GroupKey::Reason(i as u8);
        options.push(SelectOption::new(g.code(), g.name(&index, &tr)));
    }
    for id in index.groups.keys() {
        let g = GroupKey::Staff(*id);
        options.push(SelectOption::new(g.code(), g.name(&index, &tr)));
    }
    for id in index.rounds.keys() {
        let g = GroupKey::Round(*id);
        options.push(SelectOption::new(g.code(), g.name(&index, &tr)));
    }
    areas.filters = vec![
        Field::date("date", tr.t("coverage.date")).value(q.date.clone()),
        Field::area_picker("area", tr.t("coverage.area_name")).value(q.area.clone()),
        Field::select("group", tr.t("coverage.group"), options).value(q.group.clone()),
    ];
    let found = page(&index, &tr, &c, q.cursor.as_deref(), 50)?;
    let mut untested = Table::new(
        "coverage-untested",
        tr.t("coverage.call_list"),
        "/epidemic/coverage",
    )
    .labels(&tr);
    untested.columns = vec![
        Column::new("name", tr.t("coverage.name")),
        Column::new("doc", tr.t("coverage.doc_number")),
        Column::new("phone", tr.t("coverage.phone")),
        Column::new("area", tr.t("coverage.area_name")),
        Column::new("group", tr.t("coverage.group")),
        Column::new("last", tr.t("coverage.last_sampled")),
    ];
    untested.rows = found
        .items
        .iter()
        .map(|r| {
            vec![
                Cell::text(r.name.clone()),
                Cell::Code(r.doc_number.clone()),
                Cell::Code(r.phone.clone()),
                Cell::text(r.area_name.clone()),
                Cell::text(r.group_name.clone()),
                Cell::text(
                    r.last_sampled_on
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| tr.t("coverage.never").to_string()),
                ),
            ]
        })
        .collect();
    untested.next_cursor = found.next_cursor;
    untested.query = vec![
        ("date".into(), q.date.clone()),
        ("area".into(), q.area.clone()),
        ("group".into(), q.group.clone()),
    ];
    untested.empty_text = tr.t("coverage.all_tested").to_string();
    untested.export_to(
        "/epidemic/coverage/export",
        tr.t("coverage.export_xlsx"),
        tr.t("coverage.export_csv"),
    );
    drop(index);
    Ok(render(&Overview {
        page: page_.titled("nav.epidemic.coverage"),
        areas,
        untested,
    })?
    .into_response())
}

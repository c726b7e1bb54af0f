//! The command screen (`/command/screen`, dark, 1920×1080, refreshed in place every 15 s; one
//! column on a phone) and the drill-down page of a figure (`/command/figures/{key}`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use platform::AppState;
use platform::auth::CurrentUser;
use platform::error::AppResult;
use platform::i18n::Tr;
use platform::web::kit::{Cell, Column, FigureCard, Table, Trend};
use platform::web::{Page, render};
use serde::Serialize;

use super::api::{ScreenQuery, area_and_date, visible};
use super::snapshot::{self, Alert, OverdueUnit, Snapshot};

/// A section of the screen: its title and cards.
pub struct SectionView {
    pub title: String,
    pub cards: Vec<FigureCard>,
    /// Labels of the figures whose module is not built yet.
    pub unavailable: Vec<String>,
}

#[derive(Serialize)]
struct ChartSeries {
    name: String,
    points: Vec<(String, f64)>,
}

#[derive(Template)]
#[template(path = "command/screen.html")]
struct ScreenPage {
    /// The risk map's data (`assets/js/riskmap.js` draws it).
    risk_map: String,
    page: Page,
    area_query: String,
    updated: String,
    sections: Vec<SectionView>,
    /// The trends as JSON for the chart (`assets/js/screen.js` draws it).
    chart: String,
    has_trends: bool,
    overdue: Vec<OverdueUnit>,
    alerts: Vec<Alert>,
}

impl ScreenPage {
    fn alert_time(&self, a: &Alert) -> String {
        a.created_at
            .with_timezone(&domain::dates::china_offset())
            .format("%H:%M")
            .to_string()
    }

    fn alert_kind(&self, a: &Alert) -> String {
        self.page.tr.t(&a.kind_label_key).to_string()
    }
}

fn sections(tr: &Tr, snap: &Snapshot, area: &str) -> Vec<SectionView> {
    snap.sections
        .iter()
        .map(|s| {
            let mut cards = Vec::new();
            let mut unavailable = Vec::new();
            for f in &s.figures {
                match f.value {
                    Some(v) => {
                        let mut card = FigureCard::new(tr.t(&f.label_key), v, tr.t(&f.unit_key))
                            .linked(format!("/command/figures/{}?area={area}", f.key));
                        if let Some(before) = f.day_before {
                            card = card.with_trend(Trend::between(
                                v,
                                before,
                                tr.t("command.vs_yesterday"),
                            ));
                        }
                        cards.push(card);
                    }
                    None => unavailable.push(f.key.clone()),
                }
            }
            SectionView {
                title: tr.t(&s.label_key).to_string(),
                cards,
                unavailable,
            }
        })
        .filter(|s| !s.cards.is_empty() || !s.unavailable.is_empty())
        .collect()
}

/// `GET /command/screen?area=&date=`
pub async fn screen(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ScreenQuery>,
) -> AppResult<Response> {
    let (area, date) = area_and_date(&user, &q)?;
    let snap = snapshot::get(&state, &area, date).await?;
    let snap = visible(&state, &user, &snap).await?;
    let tr = page.tr.clone();
    let series: Vec<ChartSeries> = snap
        .trends
        .iter()
        .map(|t| ChartSeries {
            name: tr.t(&t.label_key).to_string(),
            points: t
                .points
                .iter()
                .map(|(d, v)| (d.format("%m-%d").to_string(), *v))
                .collect(),
        })
        .collect();
    let updated = snap
        .generated_at
        .with_timezone(&domain::dates::china_offset())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let page = page.titled_text(format!(
        "{} · {}",
        snap.area_name,
        tr.t("command.screen_title")
    ));
    let body = ScreenPage {
        risk_map: format!("/api/v1/risk/map?area={}&date={date}", area.as_str()),
        area_query: area.as_str().to_string(),
        updated,
        sections: sections(&tr, &snap, area.as_str()),
        has_trends: !series.is_empty(),
        chart: serde_json::to_string(&series).unwrap_or_else(|_| "[]".into()),
        overdue: snap.overdue_by_unit.clone(),
        alerts: snap.alerts.clone(),
        page,
    };
    Ok(render(&body)?.into_response())
}

#[derive(Template)]
#[template(path = "command/drill.html")]
struct DrillPage {
    page: Page,
    total: String,
    unit: String,
    table: Table,
    up: Option<String>,
    /// The module's list of the records behind the figure, for this area and day.
    records: Option<String>,
}

/// `GET /command/figures/{key}?area=&date=`
pub async fn drill(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(key): Path<String>,
    Query(q): Query<ScreenQuery>,
) -> AppResult<Response> {
    let figure = platform::figures::readable_one(&state, &user, &key).await?;
    let (area, date) = area_and_date(&user, &q)?;
    let b = super::drill::breakdown(&state, &figure, &area, date).await?;
    let tr = page.tr.clone();
    let unit = tr.t(figure.unit_key).to_string();
    let mut table = Table::new("breakdown-table", tr.t(figure.label_key), "").labels(&tr);
    table.columns = vec![
        Column::new("area", tr.t("command.area")),
        Column::new("value", tr.t(figure.label_key)).numeric(),
    ];
    let number = |v: f64| FigureCard::new("", v, "").value;
    table.rows = b
        .parts
        .iter()
        .map(|p| {
            vec![
                if p.has_children {
                    Cell::link(
                        format!("/command/figures/{key}?area={}&date={date}", p.area_code),
                        p.name.clone(),
                    )
                } else {
                    // A leaf area: its records.
                    match domain::DivisionCode::parse(&p.area_code)
                        .ok()
                        .and_then(|code| state.figure_records(&key, &code, date))
                    {
                        Some(href) => Cell::link(href, p.name.clone()),
                        None => Cell::text(p.name.clone()),
                    }
                },
                Cell::Num(number(p.value)),
            ]
        })
        .collect();
    table.empty_text = tr.t("command.no_sub_areas").to_string();
    let up = area
        .parent()
        .filter(|p| user.covers(p))
        .map(|p| format!("/command/figures/{key}?area={}&date={date}", p.as_str()));
    let area_name = platform::areas::repo::get(state.db(), area.as_str())
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let page = page.titled_text(format!(
        "{} · {} · {date}",
        tr.t(figure.label_key),
        area_name
    ));
    Ok(render(&DrillPage {
        page,
        total: number(b.total),
        unit,
        table,
        up,
        records: state.figure_records(&key, &area, date),
    })?
    .into_response())
}

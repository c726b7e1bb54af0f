//! `/economy/ppe`: the day's PPE supply — per product the producers' capacity, output, the
//! district's demand and the shortfall — and each producer's line.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use platform::auth::CurrentUser;
use platform::error::AppResult;
use platform::state::AppState;
use platform::web::kit::{Cell, Column, Field, Table};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{SupplyQuery, supply_of};

#[derive(Template)]
#[template(path = "economy/ppe.html")]
struct SupplyPage {
    page: Page,
    table: Table,
    producers: Table,
}

#[derive(Deserialize, Default)]
pub struct PpeQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub date: String,
}

fn num(v: i64) -> Cell {
    Cell::Num(v.to_string())
}

/// `GET /economy/ppe?area=&date=`
pub async fn supply(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<PpeQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let sq = SupplyQuery {
        area: Some(q.area.clone()),
        date: Some(q.date.clone()),
    };
    let view = supply_of(&state, &user, &sq).await?;
    let mut table = Table::new("ppe-table", tr.t("ppe.supply_caption"), "/economy/ppe").labels(&tr);
    table.columns = vec![
        Column::new("product", tr.t("ppe.product")),
        Column::new("producers", tr.t("ppe.producers")).numeric(),
        Column::new("capacity", tr.t("ppe.capacity")).numeric(),
        Column::new("output", tr.t("ppe.output")).numeric(),
        Column::new("demand", tr.t("ppe.demand")).numeric(),
        Column::new("shortfall", tr.t("ppe.shortfall")).numeric(),
        Column::new("spare", tr.t("ppe.spare_capacity")).numeric(),
    ];
    table.rows = view
        .products
        .iter()
        .map(|s| {
            vec![
                Cell::text(format!(
                    "{}（{}）",
                    tr.t(&format!("ppe.product.{}", s.product)),
                    tr.t(&format!("ppe.unit.{}", s.product))
                )),
                num(s.producers),
                num(s.capacity),
                num(s.output),
                s.demand.map(num).unwrap_or(Cell::Empty),
                s.shortfall.map(num).unwrap_or(Cell::Empty),
                num(s.spare_capacity),
            ]
        })
        .collect();
    let date = view.date.to_string();
    table.query = vec![
        ("area".into(), view.area.clone()),
        ("date".into(), date.clone()),
    ];
    table.filters = vec![
        Field::area_picker("area", tr.t("resumption.area")).value(view.area.clone()),
        Field::date("date", tr.t("resumption.date")).value(date),
    ];
    let mut producers = Table::new(
        "producers-table",
        tr.t("ppe.producers_caption"),
        "/economy/ppe",
    )
    .labels(&tr);
    producers.columns = vec![
        Column::new("enterprise", tr.t("resumption.enterprise")),
        Column::new("product", tr.t("ppe.product")),
        Column::new("capacity", tr.t("ppe.capacity")).numeric(),
        Column::new("output", tr.t("ppe.output")).numeric(),
        Column::new("area", tr.t("resumption.area")),
    ];
    producers.rows = view
        .producers
        .iter()
        .map(|l| {
            vec![
                Cell::text(l.enterprise_name.clone()),
                Cell::text(tr.t(&format!("ppe.product.{}", l.product))),
                num(l.daily_capacity),
                l.output
                    .map(num)
                    .unwrap_or_else(|| Cell::text(tr.t("ppe.not_reported"))),
                Cell::Code(l.area_code.clone()),
            ]
        })
        .collect();
    producers.empty_text = tr.t("ppe.no_producers").to_string();
    Ok(render(&SupplyPage {
        page: page.titled("nav.economy.ppe"),
        table,
        producers,
    })?
    .into_response())
}

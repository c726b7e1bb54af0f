//! Ticket KPIs (考核指标): per owner unit, or per child area of an area (each covering its
//! subtree), over the tickets created in a period: total, closed, closure rate, closed on time
//! (`closed_at` ≤ `due_at`, which a close keeps), on-time rate (of the closed), average handling
//! time (`closed_at` − `created_at`, hours) and open overdue tickets. Cancelled tickets count
//! nowhere. Counted by GROUP BY in SQL, scoped to the caller's area.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use domain::DivisionCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::api::period_of;
use crate::api::{ApiQuery, ErrorBody};
use crate::auth::CurrentUser;
use crate::db::Backend;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::kit::{Cell, Column, Field, SelectOption, Table};
use crate::web::{Page, render};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct KpiQuery {
    /// The area whose tickets count (the caller's when absent; it must lie in the caller's).
    pub area: Option<String>,
    /// `unit` (default): one row per owner unit; `area`: one row per direct child of the area.
    pub group: Option<String>,
    /// Tickets created on or after this day, `YYYY-MM-DD` (Beijing time).
    pub from: Option<String>,
    /// Tickets created on or before this day, `YYYY-MM-DD` (Beijing time).
    pub to: Option<String>,
    /// Only tickets of this kind.
    pub kind: Option<String>,
}

/// One row of the KPIs.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct KpiRow {
    /// The owner unit's id (none: tickets not yet assigned), or the child area's code.
    pub key: Option<String>,
    pub name: String,
    pub total: i64,
    pub closed: i64,
    /// `closed / total`, 0–1; none without tickets.
    pub closure_rate: Option<f64>,
    pub closed_on_time: i64,
    /// `closed_on_time / closed`, 0–1; none when nothing closed.
    pub on_time_rate: Option<f64>,
    /// Average of `closed_at − created_at` over the closed, in hours to one decimal.
    pub avg_handling_hours: Option<f64>,
    /// Open tickets past their deadline.
    pub open_overdue: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Kpis {
    /// `unit` or `area`.
    pub group: String,
    /// The area counted.
    pub area: String,
    pub rows: Vec<KpiRow>,
}

#[derive(sqlx::FromRow)]
struct Counted {
    key: Option<String>,
    name: Option<String>,
    total: i64,
    closed: i64,
    on_time: i64,
    avg_hours: Option<f64>,
    open_overdue: i64,
}

fn aggregates(backend: Backend) -> String {
    let (on_time, hours) = match backend {
        Backend::Sqlite => (
            "julianday(t.closed_at) <= julianday(t.due_at)",
            "(julianday(t.closed_at) - julianday(t.created_at)) * 24.0",
        ),
        Backend::Postgres => (
            "t.closed_at <= t.due_at",
            "CAST(EXTRACT(EPOCH FROM (t.closed_at - t.created_at)) AS DOUBLE PRECISION) / 3600.0",
        ),
    };
    format!(
        "COUNT(*) AS total, \
         COALESCE(SUM(CASE WHEN t.state = 'closed' THEN 1 ELSE 0 END), 0) AS closed, \
         COALESCE(SUM(CASE WHEN t.state = 'closed' AND t.due_at IS NOT NULL AND {on_time} \
             THEN 1 ELSE 0 END), 0) AS on_time, \
         AVG(CASE WHEN t.state = 'closed' AND t.closed_at IS NOT NULL THEN {hours} END) AS avg_hours, \
         COALESCE(SUM(CASE WHEN t.state <> 'closed' AND t.overdue_at IS NOT NULL \
             THEN 1 ELSE 0 END), 0) AS open_overdue"
    )
}

const WHERE: &str = "t.area_code >= $1 AND t.area_code < $2 AND t.created_at >= $3 \
     AND t.created_at < $4 AND ($5 = '' OR t.kind = $5) AND t.state <> 'cancelled'";

fn row_of(key: Option<String>, name: String, c: Option<&Counted>) -> KpiRow {
    let (total, closed, on_time, avg, overdue) = c
        .map(|c| (c.total, c.closed, c.on_time, c.avg_hours, c.open_overdue))
        .unwrap_or_default();
    let rate = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
    KpiRow {
        key,
        name,
        total,
        closed,
        closure_rate: rate(closed, total),
        closed_on_time: on_time,
        on_time_rate: rate(on_time, closed),
        avg_handling_hours: avg.map(|h| (h * 10.0).round() / 10.0),
        open_overdue: overdue,
    }
}

/// The KPIs `query` asks for, validated and scoped to the caller's area.
pub async fn compute(
    state: &AppState,
    user: &CurrentUser,
    tr: &Tr,
    query: &KpiQuery,
) -> AppResult<Kpis> {
    let area: DivisionCode = match query
        .area
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(text) => crate::areas::api::scoped_code(user, text, "area")?,
        None => user.area.clone(),
    };
    let group = match query.group.as_deref().map(str::trim).unwrap_or("") {
        "" | "unit" => "unit",
        "area" => "area",
        _ => return Err(AppError::invalid("tickets.bad_group").on_field("group")),
    };
    let kind = query.kind.as_deref().map(str::trim).unwrap_or("");
    if !kind.is_empty() && state.ticket_kind(kind).is_none() {
        return Err(AppError::invalid("tickets.unknown_kind").on_field("kind"));
    }
    let (from, until) = period_of(query.from.as_deref(), query.to.as_deref())?;
    let (lo, hi) = area.subtree_range();
    let from = from.unwrap_or_else(super::repo::no_earlier);
    let until = until.unwrap_or_else(super::repo::no_later);
    let db = state.db();
    let aggregates = aggregates(db.backend());
    let rows = if group == "unit" {
        let sql = format!(
            "SELECT CAST(t.owner_unit_id AS TEXT) AS key, u.name AS name, {aggregates} \
             FROM tickets t LEFT JOIN org_units u ON u.id = t.owner_unit_id \
             WHERE {WHERE} GROUP BY t.owner_unit_id, u.name"
        );
        let counted: Vec<Counted> = crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&lo).bind(&hi).bind(from).bind(until).bind(kind)
            .fetch_all(pool).await)?;
        let mut rows: Vec<KpiRow> = counted
            .iter()
            .map(|c| {
                let name = c
                    .name
                    .clone()
                    .unwrap_or_else(|| tr.t("tickets.kpi_unassigned").to_string());
                row_of(c.key.clone(), name, Some(c))
            })
            .collect();
        rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
        rows
    } else {
        const CHILDREN: &str = "SELECT code, name FROM areas WHERE parent_code = $1 ORDER BY code";
        let children: Vec<(String, String)> = crate::with_db!(db, pool =>
            sqlx::query_as(CHILDREN).bind(area.as_str()).fetch_all(pool).await)?;
        let mut prefixes = Vec::with_capacity(children.len());
        for (code, _) in &children {
            let child = DivisionCode::parse(code).map_err(AppError::internal)?;
            prefixes.push(child.prefix().to_string());
        }
        let counted: Vec<Counted> = match prefixes.first().map(String::len) {
            None => Vec::new(),
            Some(len) => {
                // Every child's prefix has the same length, one level below the area's.
                let sql = format!(
                    "SELECT SUBSTR(t.area_code, 1, {len}) AS key, NULL AS name, {aggregates} \
                     FROM tickets t WHERE {WHERE} GROUP BY SUBSTR(t.area_code, 1, {len})"
                );
                crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(&lo).bind(&hi).bind(from).bind(until).bind(kind)
                    .fetch_all(pool).await)?
            }
        };
        children
            .into_iter()
            .zip(prefixes)
            .map(|((code, name), prefix)| {
                let c = counted.iter().find(|c| c.key.as_deref() == Some(&prefix));
                row_of(Some(code), name, c)
            })
            .collect()
    };
    Ok(Kpis {
        group: group.to_string(),
        area: area.as_str().to_string(),
        rows,
    })
}

#[utoipa::path(get, path = "/api/v1/tickets/kpis", tag = "tickets", params(KpiQuery),
    responses(
        (status = 200, description = "Per owner unit or child area: totals, closure and on-time rates, average handling hours, open overdue", body = Kpis),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad group, kind or date; `field` names it", body = ErrorBody),
    ))]
pub async fn kpis(
    State(state): State<AppState>,
    user: CurrentUser,
    tr: Tr,
    ApiQuery(query): ApiQuery<KpiQuery>,
) -> AppResult<Json<Kpis>> {
    Ok(Json(compute(&state, &user, &tr, &query).await?))
}

/// The page's query as a form sends it.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub kind: String,
}

#[derive(Template)]
#[template(path = "tickets/kpis.html")]
struct KpiPage {
    page: Page,
    table: Table,
}

fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".to_string())
}

/// `GET /tickets/kpis`
pub async fn page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let some = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
    let kpis = compute(
        &state,
        &user,
        &tr,
        &KpiQuery {
            area: some(&query.area),
            group: some(&query.group),
            from: some(&query.from),
            to: some(&query.to),
            kind: some(&query.kind),
        },
    )
    .await?;
    let mut table = Table::new("kpi-table", tr.t("tickets.kpi_title"), "/tickets/kpis").labels(&tr);
    let first = if kpis.group == "area" {
        "tickets.kpi_area"
    } else {
        "tickets.owner_unit"
    };
    table.columns = vec![
        Column::new("name", tr.t(first)),
        Column::new("total", tr.t("tickets.kpi_total")).numeric(),
        Column::new("closed", tr.t("tickets.kpi_closed")).numeric(),
        Column::new("closure_rate", tr.t("tickets.kpi_closure_rate")).numeric(),
        Column::new("on_time", tr.t("tickets.kpi_on_time")).numeric(),
        Column::new("on_time_rate", tr.t("tickets.kpi_on_time_rate")).numeric(),
        Column::new("avg_hours", tr.t("tickets.kpi_avg_hours")).numeric(),
        Column::new("open_overdue", tr.t("tickets.kpi_open_overdue")).numeric(),
    ];
    table.rows = kpis
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::text(r.name.clone()),
                Cell::Num(r.total.to_string()),
                Cell::Num(r.closed.to_string()),
                Cell::Num(percent(r.closure_rate)),
                Cell::Num(r.closed_on_time.to_string()),
                Cell::Num(percent(r.on_time_rate)),
                Cell::Num(
                    r.avg_handling_hours
                        .map(|h| format!("{h:.1}"))
                        .unwrap_or_else(|| "—".to_string()),
                ),
                Cell::Num(r.open_overdue.to_string()),
            ]
        })
        .collect();
    table.empty_text = tr.t("tickets.kpi_none").to_string();
    table.query = vec![
        ("area".into(), query.area.clone()),
        ("group".into(), query.group.clone()),
        ("from".into(), query.from.clone()),
        ("to".into(), query.to.clone()),
        ("kind".into(), query.kind.clone()),
    ];
    let mut kinds = vec![SelectOption::new("", tr.t("tickets.all_kinds"))];
    kinds.extend(
        state
            .ticket_kinds()
            .iter()
            .map(|k| SelectOption::new(k.code, tr.t(k.label_key))),
    );
    table.filters = vec![
        Field::select(
            "group",
            tr.t("tickets.kpi_group"),
            vec![
                SelectOption::new("unit", tr.t("tickets.kpi_by_unit")),
                SelectOption::new("area", tr.t("tickets.kpi_by_area")),
            ],
        )
        .value(kpis.group.clone()),
        Field::area_picker("area", tr.t("tickets.area")).value(query.area.clone()),
        Field::date("from", tr.t("tickets.created_from")).value(query.from.clone()),
        Field::date("to", tr.t("tickets.created_to")).value(query.to.clone()),
        Field::select("kind", tr.t("tickets.kind"), kinds).value(query.kind.clone()),
    ];
    Ok(render(&KpiPage {
        page: page.titled("tickets.kpi_title"),
        table,
    })?
    .into_response())
}

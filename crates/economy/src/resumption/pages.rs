//! `/economy/resumption`: the rates of an area on a day, by child area (drilling down),
//! industry or size, the 30-day trend and the enterprises not resumed with their 包保 cadre;
//! `/economy/report`: the phone form, prefilled with the enterprise's latest report so only
//! changes are typed; `/economy/template`: the blank sheet.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use platform::api::ListPage;
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::state::AppState;
use platform::web::download::{XLSX, attachment};
use platform::web::kit::{
    Badge, Cell, Column, Field, FieldKind, FigureCard, SelectOption, Table, Tone, Trend,
};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{PendingQuery, RatesQuery, check, pending_page, rates_of};
use super::model::{MEASURES, ReportInput, STATUSES};
use super::rates::{Tally, one_decimal};
use super::views::{By, Pending};

#[derive(Template)]
#[template(path = "economy/resumption.html")]
struct ResumptionPage {
    page: Page,
    cards: Vec<FigureCard>,
    table: Table,
    trend: Table,
    pending: Table,
}

#[derive(Deserialize, Default)]
pub struct ResumptionQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub by: String,
    /// `1`: only the enterprises whose area's risk level permits resumption.
    #[serde(default)]
    pub permitted: String,
    pub cursor: Option<String>,
}

fn status_badge(tr: &Tr, status: Option<&str>) -> Badge {
    match status {
        Some("fully_resumed") => Badge::new(Tone::Ok, tr.t("resumption.status.fully_resumed")),
        Some("partly_resumed") => Badge::new(Tone::Info, tr.t("resumption.status.partly_resumed")),
        Some("suspended") => Badge::new(Tone::Danger, tr.t("resumption.status.suspended")),
        Some("closed") => Badge::new(Tone::Muted, tr.t("resumption.status.closed")),
        Some("not_resumed") => Badge::new(Tone::Warn, tr.t("resumption.status.not_resumed")),
        _ => Badge::new(Tone::Warn, tr.t("resumption.status.unreported")),
    }
}

fn cards(tr: &Tr, t: &Tally, yesterday: &Tally) -> Vec<FigureCard> {
    let vs = tr.t("resumption.vs_yesterday");
    let percent = tr.t("economy.unit.percent");
    vec![
        FigureCard::new(
            tr.t("resumption.figure.enterprises_resumed"),
            t.resumed as f64,
            tr.t("economy.unit.enterprises"),
        )
        .with_trend(Trend::between(
            t.resumed as f64,
            yesterday.resumed as f64,
            vs,
        )),
        FigureCard::new(
            tr.t("resumption.figure.resumption_rate"),
            one_decimal(t.resumption_rate),
            percent,
        )
        .with_trend(Trend::between(
            one_decimal(t.resumption_rate),
            one_decimal(yesterday.resumption_rate),
            vs,
        )),
        FigureCard::new(
            tr.t("resumption.figure.above_size_resumed"),
            t.above_size_resumed as f64,
            tr.t("economy.unit.enterprises"),
        ),
        FigureCard::new(
            tr.t("resumption.figure.workers_on_duty"),
            t.on_duty as f64,
            tr.t("economy.unit.persons"),
        ),
        FigureCard::new(
            tr.t("resumption.figure.workforce_rate"),
            one_decimal(t.workforce_rate),
            percent,
        ),
        FigureCard::new(
            tr.t("resumption.figure.capacity_utilisation"),
            one_decimal(t.capacity_utilisation),
            percent,
        ),
    ]
}

fn rate(v: f64) -> Cell {
    Cell::Num(format!("{:.1}%", one_decimal(v)))
}

/// `GET /economy/resumption?area=&date=&by=`
pub async fn resumption(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ResumptionQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let rq = RatesQuery {
        area: Some(q.area.clone()),
        date: Some(q.date.clone()),
        by: Some(q.by.clone()),
        trend: Some(true),
    };
    let c = check(&user, &rq)?;
    let rates = rates_of(&state, &tr, &c, true).await?;
    let trend_points = rates.trend.clone().unwrap_or_default();
    let yesterday = {
        let (lo, hi) = c.area.subtree_range();
        super::rates::tally(
            state.db(),
            (&lo, &hi),
            c.day - chrono::Duration::days(1),
            c.only,
        )
        .await?
    };
    let date = c.day.to_string();
    let by = c.by.as_str().to_string();
    let permitted = q.permitted.trim() == "1";
    let permitted_text = if permitted { "1" } else { "" }.to_string();

    let mut table = Table::new(
        "resumption-table",
        tr.t("resumption.table_caption"),
        "/economy/resumption",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("group", tr.t(&format!("resumption.by.{by}"))),
        Column::new("enterprises", tr.t("resumption.counted")).numeric(),
        Column::new("resumed", tr.t("resumption.resumed")).numeric(),
        Column::new("rate", tr.t("resumption.rate")).numeric(),
        Column::new("above", tr.t("resumption.above_size_resumed")).numeric(),
        Column::new("on_duty", tr.t("resumption.on_duty")).numeric(),
        Column::new("workforce", tr.t("resumption.workforce_rate")).numeric(),
        Column::new("capacity", tr.t("resumption.capacity")).numeric(),
    ];
    let line = |label: Cell, t: &Tally| {
        vec![
            label,
            Cell::Num(t.counted.to_string()),
            Cell::Num(t.resumed.to_string()),
            rate(t.resumption_rate),
            Cell::Num(t.above_size_resumed.to_string()),
            Cell::Num(t.on_duty.to_string()),
            rate(t.workforce_rate),
            rate(t.capacity_utilisation),
        ]
    };
    table.rows = rates
        .groups
        .iter()
        .map(|g| {
            let label = match &g.drill {
                Some(code) => Cell::link(
                    format!("/economy/resumption?area={code}&date={date}&by=area"),
                    g.label.clone(),
                ),
                None => Cell::text(g.label.clone()),
            };
            line(label, &g.tally)
        })
        .collect();
    if !rates.groups.is_empty() {
        table
            .rows
            .push(line(Cell::text(tr.t("resumption.total")), &rates.total));
    }
    table.query = vec![
        ("area".into(), c.area.as_str().to_string()),
        ("date".into(), date.clone()),
        ("by".into(), by.clone()),
        ("permitted".into(), permitted_text.clone()),
    ];
    table.empty_text = tr.t("resumption.no_enterprises").to_string();
    let by_options = [By::Area, By::Industry, By::Size, By::Risk]
        .iter()
        .map(|b| SelectOption::new(b.as_str(), tr.t(&format!("resumption.by.{}", b.as_str()))))
        .collect();
    table.filters = vec![
        Field::area_picker("area", tr.t("resumption.area")).value(c.area.as_str().to_string()),
        Field::date("date", tr.t("resumption.date")).value(date.clone()),
        Field::select("by", tr.t("resumption.breakdown"), by_options).value(by.clone()),
        Field::select(
            "permitted",
            tr.t("resumption.pending_scope"),
            vec![
                SelectOption::new("", tr.t("resumption.pending_scope.all")),
                SelectOption::new("1", tr.t("resumption.pending_scope.permitted")),
            ],
        )
        .value(permitted_text.clone()),
    ];
    table.export_to(
        "/economy/resumption/export",
        tr.t("resumption.export_xlsx"),
        tr.t("resumption.export_csv"),
    );

    let mut trend = Table::new(
        "trend-table",
        tr.t("resumption.trend_caption"),
        "/economy/resumption",
    )
    .labels(&tr);
    trend.columns = vec![
        Column::new("date", tr.t("resumption.date")),
        Column::new("resumed", tr.t("resumption.resumed")).numeric(),
        Column::new("rate", tr.t("resumption.rate")).numeric(),
        Column::new("workforce", tr.t("resumption.workforce_rate")).numeric(),
    ];
    trend.rows = trend_points
        .iter()
        .rev()
        .map(|p| {
            vec![
                Cell::text(p.date.format("%m-%d").to_string()),
                Cell::Num(p.resumed.to_string()),
                rate(p.resumption_rate),
                rate(p.workforce_rate),
            ]
        })
        .collect();

    let pq = PendingQuery {
        area: Some(c.area.as_str().to_string()),
        date: Some(date.clone()),
        permitted: Some(permitted),
        limit: None,
        cursor: q.cursor.clone(),
    };
    let found: ListPage<Pending> = pending_page(&state, &user, &pq, 50).await?;
    let mut pending = Table::new(
        "pending-table",
        tr.t("resumption.pending_caption"),
        "/economy/resumption",
    )
    .labels(&tr);
    pending.columns = vec![
        Column::new("name", tr.t("resumption.enterprise")),
        Column::new("status", tr.t("resumption.status")),
        Column::new("planned_on", tr.t("resumption.planned_on")),
        Column::new("cadre", tr.t("resumption.cadre")),
        Column::new("risk", tr.t("resumption.risk_level")),
        Column::new("area", tr.t("resumption.area")),
    ];
    let risk = platform::risk::settings::load(state.db()).await?;
    let zh = tr.lang == platform::i18n::Lang::ZhCn;
    let risk_badge = |key: &str| {
        let i = risk.index_of(key).unwrap_or(0);
        Badge::new(
            platform::risk::pages::tone(i, risk.levels.len()),
            risk.name_of(key, zh),
        )
    };
    pending.rows = found
        .items
        .iter()
        .map(|p| {
            vec![
                Cell::link(
                    format!("/economy/report?enterprise_id={}", p.enterprise_id),
                    p.name.clone(),
                ),
                Cell::Badge(status_badge(&tr, p.status.as_deref())),
                p.planned_on
                    .map(|d| Cell::text(d.to_string()))
                    .unwrap_or(Cell::Empty),
                p.cadre
                    .clone()
                    .map(Cell::text)
                    .unwrap_or_else(|| Cell::text(tr.t("resumption.no_cadre"))),
                Cell::Badge(risk_badge(&p.risk_level)),
                Cell::Code(p.area_code.clone()),
            ]
        })
        .collect();
    pending.next_cursor = found.next_cursor;
    pending.query = table.query.clone();
    pending.empty_text = tr.t("resumption.none_pending").to_string();

    let path = platform::areas::repo::path_to(state.db(), &c.area).await?;
    let title = tr.t("nav.economy.resumption").to_string();
    Ok(render(&ResumptionPage {
        page: page
            .titled("nav.economy.resumption")
            .with_area_crumbs(&path, &[(String::new(), title)]),
        cards: cards(&tr, &rates.total, &yesterday),
        table,
        trend,
        pending,
    })?
    .into_response())
}

/// A radio or checkbox of the phone form.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "economy/report.html")]
struct ReportPage {
    page: Page,
    enterprise: Option<Field>,
    enterprise_name: String,
    statuses: Vec<Choice>,
    fields: Vec<Field>,
    measures: Vec<Choice>,
    error: Option<String>,
    error_field: String,
    last_reported: Option<String>,
}

impl ReportPage {
    fn field_error(&self, name: &str) -> bool {
        self.error_field == name
    }
}

/// The form as posted: every value text; measures repeat.
#[derive(Clone, Debug, Default)]
pub struct ReportForm {
    pub enterprise_id: String,
    pub status: String,
    pub on_duty: String,
    pub total_staff: String,
    pub returned: String,
    pub quarantined: String,
    pub capacity_pct: String,
    pub planned_on: String,
    pub measures: Vec<String>,
}

impl ReportForm {
    pub fn parse(body: &[u8]) -> ReportForm {
        let mut f = ReportForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "enterprise_id" => f.enterprise_id = v,
                "status" => f.status = v,
                "on_duty" => f.on_duty = v,
                "total_staff" => f.total_staff = v,
                "returned" => f.returned = v,
                "quarantined" => f.quarantined = v,
                "capacity_pct" => f.capacity_pct = v,
                "planned_on" => f.planned_on = v,
                "measures" => f.measures.push(v),
                _ => {}
            }
        }
        f
    }

    fn number(text: &str, field: &str) -> AppResult<i64> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(0);
        }
        t.parse()
            .map_err(|_| AppError::invalid("resumption.bad_count").on_field(field))
    }

    pub fn input(&self) -> AppResult<ReportInput> {
        let enterprise_id = self.enterprise_id.trim().parse().map_err(|_| {
            AppError::invalid("resumption.choose_enterprise").on_field("enterprise_id")
        })?;
        Ok(ReportInput {
            enterprise_id,
            date: None,
            status: self.status.clone(),
            on_duty: Self::number(&self.on_duty, "on_duty")?,
            total_staff: Self::number(&self.total_staff, "total_staff")?,
            returned: Self::number(&self.returned, "returned")?,
            quarantined: Self::number(&self.quarantined, "quarantined")?,
            capacity_pct: Self::number(&self.capacity_pct, "capacity_pct").map_err(|_| {
                AppError::invalid("resumption.bad_capacity").on_field("capacity_pct")
            })?,
            planned_on: Some(self.planned_on.clone()),
            measures: self.measures.clone(),
        })
    }
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    pub enterprise_id: Option<i64>,
}

fn number_field(tr: &Tr, name: &str, value: &str, help: Option<&str>) -> Field {
    let mut f = Field::new(
        name.to_string(),
        tr.t(&format!("resumption.{name}")),
        FieldKind::Number,
    )
    .value(value.to_string())
    .autocomplete("off");
    if let Some(h) = help {
        f = f.help(tr.t(h));
    }
    f
}

async fn render_form(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    form: &ReportForm,
    error: Option<(String, String)>,
    status: axum::http::StatusCode,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let own = crate::scope::own_enterprise(user);
    let today = platform::responsibility::today();
    let chosen: Option<i64> = own.or_else(|| form.enterprise_id.trim().parse().ok());
    let mut enterprise_name = String::new();
    let mut last_reported = None;
    if let Some(id) = chosen
        && let Ok(e) = super::service::reportable(state.db(), user, id, today).await
    {
        enterprise_name = e.name.clone();
        if let Some(last) = super::repo::latest_on_or_before(state.db(), id, today).await? {
            last_reported = Some(tr.f(
                "resumption.last_reported",
                &[
                    ("date", &last.report_on.to_string()),
                    ("by", &last.reported_by),
                ],
            ));
        }
    }
    let enterprise = own.is_none().then(|| {
        Field::picker(
            "enterprise_id",
            tr.t("resumption.enterprise"),
            "enterprises",
        )
        .required()
        .value(form.enterprise_id.clone())
        .chosen(enterprise_name.clone())
    });
    let (bad, message) = error.clone().unwrap_or_default();
    let statuses = STATUSES
        .iter()
        .map(|s| Choice {
            value: s,
            label: tr.t(&format!("resumption.status.{s}")).to_string(),
            checked: form.status == *s,
        })
        .collect();
    let measures = MEASURES
        .iter()
        .map(|m| Choice {
            value: m,
            label: tr.t(&format!("resumption.measure.{m}")).to_string(),
            checked: form.measures.iter().any(|g| g == m),
        })
        .collect();
    let fields: Vec<Field> = vec![
        number_field(&tr, "on_duty", &form.on_duty, None),
        number_field(&tr, "total_staff", &form.total_staff, None),
        number_field(&tr, "returned", &form.returned, None),
        number_field(&tr, "quarantined", &form.quarantined, None),
        number_field(
            &tr,
            "capacity_pct",
            &form.capacity_pct,
            Some("resumption.capacity_help"),
        ),
        Field::date("planned_on", tr.t("resumption.planned_on"))
            .value(form.planned_on.clone())
            .help(tr.t("resumption.planned_on_help")),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(&bad), &message))
    .collect();
    let enterprise = enterprise.map(|f| f.error_if(Some(&bad), &message));
    let shown = fields.iter().any(|f| f.error.is_some())
        || enterprise.as_ref().is_some_and(|f| f.error.is_some());
    let general = error.filter(|_| !shown).map(|(_, m)| m);
    Ok((
        status,
        render(&ReportPage {
            page: page.titled("resumption.report_title"),
            enterprise,
            enterprise_name,
            statuses,
            fields,
            measures,
            error: general,
            error_field: bad,
            last_reported,
        })?,
    )
        .into_response())
}

/// The latest report of an enterprise as the form's values: only changes are typed.
async fn prefilled(
    state: &AppState,
    user: &CurrentUser,
    asked: Option<i64>,
) -> AppResult<ReportForm> {
    let id = crate::scope::own_enterprise(user).or(asked);
    let mut form = ReportForm {
        enterprise_id: id.map(|i| i.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    let today = platform::responsibility::today();
    let Some(id) = id else { return Ok(form) };
    // Someone else's enterprise gives an empty form; posting it answers why.
    if super::service::reportable(state.db(), user, id, today)
        .await
        .is_err()
    {
        return Ok(form);
    }
    if let Some(last) = super::repo::latest_on_or_before(state.db(), id, today).await? {
        form.status = last.status.clone();
        form.on_duty = last.on_duty.to_string();
        form.total_staff = last.total_staff.to_string();
        form.returned = last.returned.to_string();
        form.quarantined = last.quarantined.to_string();
        form.capacity_pct = last.capacity_pct.to_string();
        form.planned_on = last.planned_on.map(|d| d.to_string()).unwrap_or_default();
        form.measures = last
            .measures
            .split_whitespace()
            .map(str::to_string)
            .collect();
    }
    Ok(form)
}

/// `GET /economy/report?enterprise_id=`
pub async fn report_form(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let form = prefilled(&state, &user, q.enterprise_id).await?;
    render_form(&state, page, &user, &form, None, axum::http::StatusCode::OK).await
}

/// `POST /economy/report`: records today's report, then the form again, prefilled.
pub async fn report_submit(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    body: Bytes,
) -> AppResult<Response> {
    let mut form = ReportForm::parse(&body);
    if let Some(own) = crate::scope::own_enterprise(&user) {
        form.enterprise_id = own.to_string();
    }
    let result = match form.input() {
        Ok(input) => super::service::report(state.db(), &actor, &user, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(view) => Ok(Redirect::to(&format!(
            "/economy/report?enterprise_id={}&flash=flash.resumption_saved",
            view.row.enterprise_id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let message = err.message(&page.tr);
            let field = err.field.clone().unwrap_or_default();
            render_form(
                &state,
                page,
                &user,
                &form,
                Some((field, message)),
                err.status,
            )
            .await
        }
        Err(err) => Err(err),
    }
}

/// `GET /economy/template`: the blank resumption sheet.
pub async fn template(tr: Tr) -> AppResult<Response> {
    let title = tr.t("resumption.template_title").to_string();
    let bytes = platform::tabular::write_template(&tr, &super::import::SPEC, &title)
        .map_err(AppError::internal)?;
    Ok(attachment(&format!("{title}.xlsx"), XLSX, bytes))
}

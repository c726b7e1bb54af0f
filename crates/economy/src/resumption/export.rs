//! The resumption table of an area on a day — by child area, industry or size — as xlsx or CSV,
//! with the total as its last line: the figures of the bulletin, ready to paste.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use platform::auth::CurrentUser;
use platform::error::AppResult;
use platform::i18n::Tr;
use platform::state::AppState;
use platform::tabular::{Cell, describe_filter};
use platform::web::download::ExportSink;

use super::api::{RatesQuery, check, rates_of};
use super::rates::{Tally, one_decimal};

pub const HEADERS: [&str; 11] = [
    "resumption.group",
    "resumption.code",
    "resumption.enterprises",
    "resumption.counted",
    "resumption.resumed",
    "resumption.rate",
    "resumption.above_size_resumed",
    "resumption.on_duty",
    "resumption.total_staff",
    "resumption.workforce_rate",
    "resumption.capacity",
];

fn push(sink: &mut ExportSink, label: &str, code: &str, t: &Tally) -> AppResult<()> {
    sink.push(&[
        Cell::Text(label),
        Cell::Id(code),
        Cell::Int(t.enterprises),
        Cell::Int(t.counted),
        Cell::Int(t.resumed),
        Cell::Float(one_decimal(t.resumption_rate)),
        Cell::Int(t.above_size_resumed),
        Cell::Int(t.on_duty),
        Cell::Int(t.total_staff),
        Cell::Float(one_decimal(t.workforce_rate)),
        Cell::Float(one_decimal(t.capacity_utilisation)),
    ])
}

/// `GET /economy/resumption/export/{xlsx|csv}?area=&date=&by=area|industry|size`
pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Path(format): Path<String>,
    Query(q): Query<RatesQuery>,
) -> AppResult<Response> {
    let c = check(&user, &q)?;
    let rates = rates_of(&state, &tr, &c, false).await?;
    let day = c.day.to_string();
    let by = tr
        .t(&format!("resumption.by.{}", c.by.as_str()))
        .to_string();
    let described = describe_filter(
        &tr,
        &[
            (tr.t("resumption.date"), day.as_str()),
            (tr.t("resumption.area"), c.area.as_str()),
            (tr.t("resumption.breakdown"), by.as_str()),
        ],
    );
    let title = tr.t("resumption.export_title").to_string();
    let headers: Vec<&str> = HEADERS.iter().map(|k| tr.t(k)).collect();
    let mut sink = ExportSink::new(&format, &title, &described, &headers)?;
    for g in &rates.groups {
        push(&mut sink, &g.label, &g.key, &g.tally)?;
    }
    push(
        &mut sink,
        tr.t("resumption.total"),
        c.area.as_str(),
        &rates.total,
    )?;
    sink.finish().await
}

//! The call list for grid workers: the untested list of an area (and group) as xlsx or CSV,
//! personal data masked.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use platform::auth::CurrentUser;
use platform::error::AppResult;
use platform::i18n::Tr;
use platform::state::AppState;
use platform::tabular::{Cell, describe_filter};
use platform::web::download::ExportSink;

use super::api::{CoverageQuery, check, row_of};
use super::compute;
use super::index::{Index, day_num};

/// Writes the untested list of `c` into `sink`.
pub fn write(
    index: &Index,
    tr: &Tr,
    c: &super::api::Checked,
    sink: &mut ExportSink,
) -> AppResult<()> {
    let day = day_num(c.day);
    for o in compute::untested(index, day, &c.area, c.group) {
        let r = row_of(index, tr, day, &o);
        sink.push(&[
            Cell::Text(&r.name),
            Cell::Id(&r.doc_number),
            Cell::Id(&r.phone),
            Cell::Text(&r.area_name),
            Cell::Id(&r.area_code),
            Cell::Text(&r.group_name),
            r.last_sampled_on.map(Cell::Date).unwrap_or(Cell::Empty),
        ])?;
    }
    Ok(())
}

pub fn headers(tr: &Tr) -> Vec<&str> {
    [
        "coverage.name",
        "coverage.doc_number",
        "coverage.phone",
        "coverage.area_name",
        "coverage.area_code",
        "coverage.group",
        "coverage.last_sampled",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect()
}

/// `GET /epidemic/coverage/export/{xlsx|csv}?date=&area=&group=`
pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Path(format): Path<String>,
    Query(q): Query<CoverageQuery>,
) -> AppResult<Response> {
    let c = check(&user, &q)?;
    let day = c.day.to_string();
    let described = describe_filter(
        &tr,
        &[
            (tr.t("coverage.date"), day.as_str()),
            (tr.t("coverage.area_code"), c.area.as_str()),
            (tr.t("coverage.group"), q.group.as_deref().unwrap_or("")),
        ],
    );
    let title = tr.t("coverage.call_list").to_string();
    let mut sink = ExportSink::new(&format, &title, &described, &headers(&tr))?;
    {
        let shared = super::index::of(&state);
        let index = shared.fresh().await?;
        write(&index, &tr, &c, &mut sink)?;
    }
    sink.finish().await
}

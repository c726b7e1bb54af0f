//! Exports of the enterprise list with the list's filters (contact phones masked), and the
//! blank import template.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::api::filter_of;
use super::model::EnterpriseView;
use super::pages::ListQuery;
use super::{import, repo};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::tabular::{Cell, describe_filter, write_template};
use crate::web::download::{ExportSink, XLSX, attachment};

const PAGE: u32 = 2000;

/// `GET /registry/enterprises/export/{xlsx|csv}?q=&industry=&above_size=&area=`
pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Path(format): Path<String>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = filter_of(&user, &query.to_api()?)?;
    let headers: Vec<&str> = [
        "enterprise.name",
        "enterprise.uscc",
        "enterprise.industry",
        "enterprise.above_size",
        "enterprise.employees",
        "enterprise.legal_rep",
        "enterprise.contact_phone",
        "enterprise.address",
        "enterprise.area",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let size = match query.above_size.as_str() {
        "true" => tr.t("enterprise.above_size_yes"),
        "false" => tr.t("enterprise.above_size_no"),
        _ => "",
    };
    let described = describe_filter(
        &tr,
        &[
            (tr.t("enterprise.area"), query.area.as_str()),
            (tr.t("enterprise.industry"), query.industry.as_str()),
            (tr.t("enterprise.above_size"), size),
            (tr.t("enterprise.search"), query.q.as_str()),
        ],
    );
    let title = tr.t("enterprise.list_title").to_string();
    let mut sink = ExportSink::new(&format, &title, &described, &headers)?;
    let (yes, no) = (
        tr.t("enterprise.above_size_yes"),
        tr.t("enterprise.above_size_no"),
    );
    let mut after = 0;
    loop {
        let rows = repo::list(state.db(), &filter, after, PAGE).await?;
        let Some(last) = rows.last().map(|r| r.id) else {
            break;
        };
        for row in rows {
            let e = EnterpriseView::from_row(row);
            sink.push(&[
                Cell::Text(&e.name),
                Cell::Id(&e.uscc),
                Cell::Text(&e.industry_name),
                Cell::Text(if e.above_size { yes } else { no }),
                e.employees
                    .map(|n| Cell::from(i64::from(n)))
                    .unwrap_or(Cell::Empty),
                e.legal_rep
                    .as_deref()
                    .map(Cell::Text)
                    .unwrap_or(Cell::Empty),
                e.contact_phone
                    .as_deref()
                    .map(Cell::Id)
                    .unwrap_or(Cell::Empty),
                e.address.as_deref().map(Cell::Text).unwrap_or(Cell::Empty),
                Cell::Id(&e.area_code),
            ])?;
        }
        after = last;
    }
    sink.finish().await
}

/// `GET /registry/enterprises/template`: the blank sheet to fill in.
pub async fn template(tr: Tr) -> AppResult<Response> {
    let title = tr.t("enterprise.template_title").to_string();
    let bytes = write_template(&tr, &import::SPEC, &title).map_err(AppError::internal)?;
    Ok(attachment(&format!("{title}.xlsx"), XLSX, bytes))
}

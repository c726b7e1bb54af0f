//! Exports of the place list with the list's filters, and the blank import template.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::api::filter_of;
use super::model::PlaceView;
use super::pages::ListQuery;
use super::{import, repo};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::tabular::{Cell, describe_filter, write_template};
use crate::web::download::{ExportSink, XLSX, attachment};

const PAGE: u32 = 2000;

/// `GET /registry/places/export/{xlsx|csv}?q=&kind=&area=`
pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Path(format): Path<String>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = filter_of(&user, &query.to_api())?;
    let headers: Vec<&str> = [
        "place.name",
        "place.kind",
        "place.address",
        "place.capacity",
        "place.lat",
        "place.lon",
        "place.area",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let described = describe_filter(
        &tr,
        &[
            (tr.t("place.area"), query.area.as_str()),
            (tr.t("place.kind"), query.kind.as_str()),
            (tr.t("place.search"), query.q.as_str()),
        ],
    );
    let title = tr.t("place.list_title").to_string();
    let mut sink = ExportSink::new(&format, &title, &described, &headers)?;
    let mut after = 0;
    loop {
        let rows = repo::list(state.db(), &filter, after, PAGE).await?;
        let Some(last) = rows.last().map(|r| r.id) else {
            break;
        };
        for row in rows {
            let p = PlaceView::from_row(row);
            let kind = tr.t(&format!("place.kinds.{}", p.kind)).to_string();
            sink.push(&[
                Cell::Text(&p.name),
                Cell::Text(&kind),
                p.address.as_deref().map(Cell::Text).unwrap_or(Cell::Empty),
                p.capacity
                    .map(|n| Cell::from(i64::from(n)))
                    .unwrap_or(Cell::Empty),
                p.lat.map(Cell::from).unwrap_or(Cell::Empty),
                p.lon.map(Cell::from).unwrap_or(Cell::Empty),
                Cell::Id(&p.area_code),
            ])?;
        }
        after = last;
    }
    sink.finish().await
}

/// `GET /registry/places/template`: the blank sheet to fill in.
pub async fn template(tr: Tr) -> AppResult<Response> {
    let title = tr.t("place.template_title").to_string();
    let bytes = write_template(&tr, &import::SPEC, &title).map_err(AppError::internal)?;
    Ok(attachment(&format!("{title}.xlsx"), XLSX, bytes))
}

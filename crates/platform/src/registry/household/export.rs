//! Exports of the household list with the list's filters, one row per member (the head first),
//! masked: document numbers and addresses as every list shows them; and the blank import
//! template.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::api::{HouseholdQuery, filter_of};
use super::model::HouseholdView;
use super::pages::{ListQuery, relation_label};
use super::{import, repo};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::registry::person::model::mask_document;
use crate::state::AppState;
use crate::tabular::{Cell, describe_filter, write_template};
use crate::web::download::{ExportSink, XLSX, attachment};

/// Households per page (their members come in one query per page).
const PAGE: u32 = 1000;

/// `GET /registry/households/export/{xlsx|csv}?q=&area=`
pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Path(format): Path<String>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let api_query = HouseholdQuery {
        area: Some(query.area.trim().to_string()).filter(|a| !a.is_empty()),
        q: Some(query.q.trim().to_string()).filter(|q| !q.is_empty()),
        limit: None,
        cursor: None,
    };
    let filter = filter_of(&state, &user, &api_query).await?;
    let headers: Vec<&str> = [
        "household.number",
        "household.head",
        "household.member_name",
        "household.member_document",
        "household.relation",
        "household.address",
        "household.area",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let described = describe_filter(
        &tr,
        &[
            (tr.t("household.area"), query.area.as_str()),
            (tr.t("household.search"), query.q.as_str()),
        ],
    );
    let title = tr.t("household.list_title").to_string();
    let mut sink = ExportSink::new(&format, &title, &described, &headers)?;
    let mut after = 0;
    // No filter: the query names a document whose person is in no household.
    while let Some(filter) = &filter {
        let rows = repo::list(state.db(), filter, after, PAGE).await?;
        let Some(last) = rows.last().map(|r| r.id) else {
            break;
        };
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let members = repo::members_of_many(state.db(), &ids).await?;
        let mut members = members.iter().peekable();
        for row in rows {
            let h = HouseholdView::from_row(row);
            while let Some(m) = members.next_if(|m| m.household_id == h.id) {
                let document = mask_document(&m.doc_type, &m.doc_number);
                let relation = relation_label(&tr, m.relation.as_deref());
                sink.push(&[
                    Cell::from(h.id),
                    Cell::Text(&h.head_name),
                    Cell::Text(&m.name),
                    Cell::Id(&document),
                    Cell::Text(&relation),
                    h.address.as_deref().map(Cell::Text).unwrap_or(Cell::Empty),
                    Cell::Id(&h.area_code),
                ])?;
            }
        }
        after = last;
    }
    sink.finish().await
}

/// `GET /registry/households/template`: the blank sheet to fill in.
pub async fn template(tr: Tr) -> AppResult<Response> {
    let title = tr.t("household.template_title").to_string();
    let bytes = write_template(&tr, &import::SPEC, &title).map_err(AppError::internal)?;
    Ok(attachment(&format!("{title}.xlsx"), XLSX, bytes))
}

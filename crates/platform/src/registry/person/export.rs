//! Exports of the person list, with the list's filters, masked: `.xlsx` (streamed through a
//! temporary file, sheets split at 1,048,576 rows) and `.csv`; and the blank import template.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::api::{PersonQuery, filter_of};
use super::{import, repo, service};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::tabular::{Cell, describe_filter, write_template};
use crate::web::download::{ExportSink, XLSX, attachment};

const PAGE: u32 = 2000;

/// `GET /registry/persons/export/{xlsx|csv}?q=&tag=&area=`
pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Path(format): Path<String>,
    Query(query): Query<PersonQuery>,
) -> AppResult<Response> {
    let filter = filter_of(&user, &query)?;
    let headers: Vec<&str> = [
        "person.name",
        "person.doc_type",
        "person.doc_number",
        "person.sex",
        "person.birth_date",
        "person.phone",
        "person.address",
        "person.area",
        "person.tags",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let described = describe_filter(
        &tr,
        &[
            (
                tr.t("person.area"),
                query.area.as_deref().unwrap_or(user.area.as_str()),
            ),
            (tr.t("person.tags"), query.tag.as_deref().unwrap_or("")),
            (tr.t("person.search"), query.q.as_deref().unwrap_or("")),
        ],
    );
    let title = tr.t("person.list_title").to_string();
    let mut sink = ExportSink::new(&format, &title, &described, &headers)?;
    let mut after = 0;
    loop {
        let rows = repo::list(state.db(), &filter, after, PAGE).await?;
        let Some(last) = rows.last().map(|r| r.id) else {
            break;
        };
        for p in service::views(state.db(), rows).await? {
            push(&tr, &p, |cells| sink.push(cells))?;
        }
        after = last;
    }
    sink.finish().await
}

fn push(
    tr: &Tr,
    p: &super::model::PersonView,
    mut write: impl FnMut(&[Cell<'_>]) -> AppResult<()>,
) -> AppResult<()> {
    let doc_type = tr.t(&format!("doc_type.{}", p.doc_type)).to_string();
    let sex = p
        .sex
        .as_deref()
        .map(|s| tr.t(&format!("sex.{s}")).to_string())
        .unwrap_or_default();
    let tags = p
        .tags
        .iter()
        .map(|t| tr.t(&format!("tag.{t}")).to_string())
        .collect::<Vec<_>>()
        .join("、");
    write(&[
        Cell::Text(&p.name),
        Cell::Text(&doc_type),
        Cell::Id(&p.doc_number),
        Cell::Text(&sex),
        p.birth_date.into(),
        p.phone.as_deref().map(Cell::Id).unwrap_or(Cell::Empty),
        p.address.as_deref().map(Cell::Text).unwrap_or(Cell::Empty),
        Cell::Id(&p.area_code),
        Cell::Text(&tags),
    ])
}

/// `GET /registry/persons/template`: the blank sheet to fill in.
pub async fn template(tr: Tr) -> AppResult<Response> {
    let title = tr.t("person.template_title").to_string();
    let bytes = write_template(&tr, &import::SPEC, &title).map_err(AppError::internal)?;
    Ok(attachment(&format!("{title}.xlsx"), XLSX, bytes))
}

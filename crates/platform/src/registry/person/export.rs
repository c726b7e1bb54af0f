//! Exports of the person list, with the list's filters, masked: `.xlsx` (streamed through a
//! temporary file, sheets split at 1,048,576 rows) and `.csv`; and the blank import template.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::api::{PersonQuery, filter_of};
use super::model::mask_document;
use super::{import, repo};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::tabular::{Cell, describe_filter, write_template};
use crate::web::download::{ExportSink, XLSX, attachment};

/// People read per query. A page is read (and its tags) while the previous one is written.
const PAGE: u32 = 5000;

/// A page of people to write, with their tags (person id, tag) in id order.
type Page = (Vec<repo::ExportRow>, Vec<(i64, String)>);

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
    // The pages are read by a task of their own, one page ahead of the writing.
    let (pages, mut received) = tokio::sync::mpsc::channel::<AppResult<Page>>(2);
    let db = state.db().clone();
    let reader = tokio::spawn(async move {
        let mut after = 0;
        loop {
            let page = read_page(&db, &filter, after).await;
            let next = match &page {
                Ok((rows, _)) => rows.last().map(|r| r.id),
                Err(_) => None,
            };
            let failed = page.is_err();
            if (next.is_some() || failed) && pages.send(page).await.is_err() {
                return;
            }
            match next {
                Some(last) if !failed => after = last,
                _ => return,
            }
        }
    });
    let mut labels = Labels::default();
    while let Some(page) = received.recv().await {
        let (rows, tags) = page?;
        let mut tags = tags.into_iter().peekable();
        let mut mine: Vec<String> = Vec::new();
        for row in &rows {
            mine.clear();
            // Both in id order: the row's tags are the next ones.
            while let Some((_, tag)) = tags.next_if(|(id, _)| *id <= row.id) {
                mine.push(tag);
            }
            push(&tr, &mut labels, row, &mine, |cells| sink.push(cells))?;
        }
    }
    reader.await.map_err(AppError::internal)?;
    sink.finish().await
}

async fn read_page(db: &crate::db::Db, filter: &repo::Filter, after: i64) -> AppResult<Page> {
    let rows = repo::export_page(db, filter, after, PAGE).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let tags = if ids.is_empty() {
        Vec::new()
    } else {
        repo::tags_of(db, &ids).await?
    };
    Ok((rows, tags))
}

/// Translated values, looked up once each per export instead of once per row.
#[derive(Default)]
struct Labels {
    known: std::collections::HashMap<&'static str, std::collections::HashMap<String, String>>,
}

impl Labels {
    /// Looks `prefix.value` up in the catalog the first time it is met.
    fn learn(&mut self, tr: &Tr, prefix: &'static str, value: &str) {
        let known = self.known.entry(prefix).or_default();
        if !known.contains_key(value) {
            let label = tr.t(&format!("{prefix}.{value}")).to_string();
            known.insert(value.to_string(), label);
        }
    }

    fn get(&self, prefix: &str, value: &str) -> &str {
        self.known
            .get(prefix)
            .and_then(|known| known.get(value))
            .map(String::as_str)
            .unwrap_or_default()
    }
}

fn push(
    tr: &Tr,
    labels: &mut Labels,
    p: &repo::ExportRow,
    tags: &[String],
    mut write: impl FnMut(&[Cell<'_>]) -> AppResult<()>,
) -> AppResult<()> {
    labels.learn(tr, "doc_type", &p.doc_type);
    if let Some(sex) = &p.sex {
        labels.learn(tr, "sex", sex);
    }
    for t in tags {
        labels.learn(tr, "tag", t);
    }
    let labels = &*labels;
    let doc_number = mask_document(&p.doc_type, &p.doc_number);
    let phone = p.phone.as_deref().map(domain::mask::mask_phone);
    let address = p.address.as_deref().map(domain::mask::mask_address);
    let doc_type = labels.get("doc_type", &p.doc_type);
    let sex = p
        .sex
        .as_deref()
        .map(|s| labels.get("sex", s))
        .unwrap_or_default();
    let mut joined = String::new();
    for (i, t) in tags.iter().enumerate() {
        if i > 0 {
            joined.push('、');
        }
        joined.push_str(labels.get("tag", t));
    }
    write(&[
        Cell::Text(&p.name),
        Cell::Text(doc_type),
        Cell::Id(&doc_number),
        Cell::Text(sex),
        p.birth_date.into(),
        phone.as_deref().map(Cell::Id).unwrap_or(Cell::Empty),
        address.as_deref().map(Cell::Text).unwrap_or(Cell::Empty),
        Cell::Id(&p.area_code),
        Cell::Text(&joined),
    ])
}

/// `GET /registry/persons/template`: the blank sheet to fill in.
pub async fn template(tr: Tr) -> AppResult<Response> {
    let title = tr.t("person.template_title").to_string();
    let bytes = write_template(&tr, &import::SPEC, &title).map_err(AppError::internal)?;
    Ok(attachment(&format!("{title}.xlsx"), XLSX, bytes))
}

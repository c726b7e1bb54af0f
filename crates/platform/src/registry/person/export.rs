//! Exports of the person list, with the list's filters, masked: `.xlsx` (streamed through a
//! temporary file, sheets split at 1,048,576 rows) and `.csv`; and the blank import template.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::api::{PersonQuery, filter_of};
use super::model::mask_document_into;
use super::{import, repo};
use crate::auth::CurrentUser;
use crate::db::{Db, raw};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::tabular::{Cell, CsvExport, describe_filter, write_template};
use crate::web::download::{CSV, ExportSink, XLSX, attachment, streamed};

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
    if format == "csv"
        && let Db::Sqlite(pool) = state.db()
    {
        return csv_walk(pool.clone(), tr.clone(), filter, &title, &headers);
    }
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
        let mut mine = String::new();
        for row in &rows {
            mine.clear();
            // Both in id order: the row's tags are the next ones.
            while let Some((_, tag)) = tags.next_if(|(id, _)| *id <= row.id) {
                if !mine.is_empty() {
                    mine.push(repo::TAG_SEPARATOR);
                }
                mine.push_str(&tag);
            }
            let person = repo::ExportRef {
                doc_type: &row.doc_type,
                doc_number: &row.doc_number,
                name: &row.name,
                sex: row.sex.as_deref(),
                birth_date: None,
                phone: row.phone.as_deref(),
                address: row.address.as_deref(),
                area_code: &row.area_code,
                tags: &mine,
            };
            let birth = row.birth_date.into();
            push(&tr, &mut labels, &person, birth, |cells| sink.push(cells))?;
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
    doc_types: HashMap<String, String>,
    sexes: HashMap<String, String>,
    /// A person's tags (as `ExportRef::tags` joins them) to their labels joined by `、`.
    tag_lists: HashMap<String, String>,
    /// The current row's masked values, in buffers kept from row to row.
    masked: Masked,
}

#[derive(Default)]
struct Masked {
    doc_number: String,
    phone: String,
    address: String,
}

impl Labels {
    /// Looks the values of `p` up in the catalog the first time each is met.
    fn learn(&mut self, tr: &Tr, p: &repo::ExportRef<'_>) {
        learn(&mut self.doc_types, p.doc_type, || {
            tr.t(&format!("doc_type.{}", p.doc_type)).to_string()
        });
        if let Some(sex) = p.sex {
            learn(&mut self.sexes, sex, || {
                tr.t(&format!("sex.{sex}")).to_string()
            });
        }
        if !p.tags.is_empty() {
            learn(&mut self.tag_lists, p.tags, || {
                let labels: Vec<String> = p
                    .tags
                    .split(repo::TAG_SEPARATOR)
                    .map(|tag| tr.t(&format!("tag.{tag}")).to_string())
                    .collect();
                labels.join("、")
            });
        }
    }
}

fn learn(known: &mut HashMap<String, String>, value: &str, label: impl FnOnce() -> String) {
    if !known.contains_key(value) {
        known.insert(value.to_string(), label());
    }
}

fn label<'a>(known: &'a HashMap<String, String>, value: &str) -> &'a str {
    known.get(value).map(String::as_str).unwrap_or_default()
}

/// The CSV export on SQLite: the whole list walked in one statement on a blocking thread
/// (`repo::export_walk`) and written straight into the response as it goes, so the download
/// starts at once and memory stays flat. An error half-way aborts the response.
fn csv_walk(
    pool: sqlx::SqlitePool,
    tr: Tr,
    filter: repo::Filter,
    title: &str,
    headers: &[&str],
) -> AppResult<Response> {
    let (response, body) = streamed(&format!("{title}.csv"), CSV);
    let mut out = CsvExport::new(body, headers).map_err(AppError::internal)?;
    tokio::spawn(async move {
        let written = raw::on_pool(&pool, move |raw| {
            let mut labels = Labels::default();
            let walked = repo::export_walk(raw, &filter, |person| {
                let birth = person.birth_date.map(Cell::Id).unwrap_or(Cell::Empty);
                push(&tr, &mut labels, person, birth, |cells| {
                    out.push_row(cells).map_err(AppError::internal)
                })
            })
            .and_then(|_| {
                let body = out.finish().map_err(AppError::internal)?;
                body.close().map_err(AppError::internal)
            });
            Ok(walked)
        })
        .await
        .map_err(AppError::from)
        .and_then(|walked| walked);
        if let Err(error) = written {
            tracing::warn!(?error, "a person export stopped half-way");
        }
    });
    Ok(response)
}

/// Writes one person's cells. The birth date comes apart from `p`: the paged export holds it
/// typed, the walk as stored.
fn push(
    tr: &Tr,
    labels: &mut Labels,
    p: &repo::ExportRef<'_>,
    birth: Cell<'_>,
    mut write: impl FnMut(&[Cell<'_>]) -> AppResult<()>,
) -> AppResult<()> {
    labels.learn(tr, p);
    let masked = &mut labels.masked;
    mask_document_into(&mut masked.doc_number, p.doc_type, p.doc_number);
    let phone = p.phone.map(|phone| {
        domain::mask::mask_phone_into(&mut masked.phone, phone);
        masked.phone.as_str()
    });
    let address = p.address.map(|address| {
        domain::mask::mask_address_into(&mut masked.address, address);
        masked.address.as_str()
    });
    let doc_number = masked.doc_number.as_str();
    let sex = p.sex.map(|s| label(&labels.sexes, s)).unwrap_or_default();
    write(&[
        Cell::Text(p.name),
        Cell::Text(label(&labels.doc_types, p.doc_type)),
        Cell::Id(doc_number),
        Cell::Text(sex),
        birth,
        phone.map(Cell::Id).unwrap_or(Cell::Empty),
        address.map(Cell::Text).unwrap_or(Cell::Empty),
        Cell::Id(p.area_code),
        Cell::Text(label(&labels.tag_lists, p.tags)),
    ])
}

/// `GET /registry/persons/template`: the blank sheet to fill in.
pub async fn template(tr: Tr) -> AppResult<Response> {
    let title = tr.t("person.template_title").to_string();
    let bytes = write_template(&tr, &import::SPEC, &title).map_err(AppError::internal)?;
    Ok(attachment(&format!("{title}.xlsx"), XLSX, bytes))
}

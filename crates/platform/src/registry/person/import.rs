//! The person sheet for the import framework (`crate::imports`): the columns villages use,
//! a row checked like a registration, and the batch upsert by document — a row equal to the
//! stored person is left alone, so re-importing the same file changes nothing.

use std::fmt::Write;

use chrono::{DateTime, Datelike, Utc};
use futures::future::BoxFuture;

use super::RECORD_KIND;
use super::model::{PersonFields, ValidPerson};
use crate::db::Tx;
use crate::db::raw::{self, Raw, RawError};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::imports::pages::ImportPage;
use crate::imports::{
    BATCH, CheckContext, Checked, DeferredIndexes, Importer, Running, Stored, awaiting_store,
    cell_problem, problem_at,
};
use crate::registry::tags::parse_person_tag;
use crate::tabular::{CellProblem, FieldSpec, Problem, Record, Spec};

/// The columns of a person sheet, with the names officials use for them.
pub const SPEC: Spec = Spec::new(&[
    FieldSpec::new("name", "姓名")
        .aliases(&["名字", "人员姓名"])
        .required(),
    FieldSpec::new("doc_type", "证件类型"),
    FieldSpec::new("doc_number", "身份证号码")
        .aliases(&["身份证号", "公民身份号码", "证件号码", "身份证", "证件号"])
        .required()
        .identifier(),
    FieldSpec::new("sex", "性别"),
    FieldSpec::new("birth_date", "出生日期"),
    FieldSpec::new("phone", "手机号码").aliases(&[
        "联系电话",
        "手机",
        "电话",
        "联系方式",
        "手机号",
    ]),
    FieldSpec::new("address", "住址").aliases(&["家庭住址", "现住址", "居住地址", "地址"]),
    FieldSpec::new("area_code", "区划代码").aliases(&[
        "网格代码",
        "所属网格代码",
        "村社区代码",
        "所属区划代码",
    ]),
    FieldSpec::new("tags", "标签").aliases(&["人员类别", "类别"]),
]);

fn split_tags(text: &str, tr: &Tr) -> Result<Vec<&'static str>, Problem> {
    text.split(['、', ',', '，', ';', '；', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            parse_person_tag(t, |tag| tr.t(&format!("tag.{tag}")).to_string())
                .ok_or_else(|| Problem::new("person.unknown_tag").arg("tag", t))
        })
        .collect()
}

/// The person importer: `tongxin import persons FILE`, `POST /api/v1/imports/persons`.
pub struct PersonImporter;

pub static PERSONS: PersonImporter = PersonImporter;

/// The upload page, `/registry/persons/import`.
pub static PAGE: ImportPage = ImportPage {
    importer: &PERSONS,
    title_key: "import.title_persons",
    action: "/registry/persons/import",
    template: "/registry/persons/template",
    list: "/registry/persons",
    list_key: "nav.persons",
};

impl Importer for PersonImporter {
    type Item = ValidPerson;

    fn kind(&self) -> &'static str {
        "persons"
    }

    fn record_kind(&self) -> &'static str {
        RECORD_KIND
    }

    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn duplicate_key(&self) -> &'static str {
        "person.duplicate_in_file"
    }

    fn check(
        &self,
        record: &Record,
        ctx: &CheckContext<'_>,
    ) -> Result<Checked<ValidPerson>, Vec<CellProblem>> {
        let mut problems: Vec<CellProblem> = Vec::new();
        let tags = match split_tags(record.get("tags"), ctx.tr) {
            Ok(t) => t,
            Err(p) => {
                problems.push(problem_at(record, "tags", p));
                Vec::new()
            }
        };
        let area_code = ctx.area_text(record, "area_code");
        // The cells as they are: the checks trim and parse them.
        let fields = PersonFields {
            doc_type: Some(record.get("doc_type")).filter(|s| !s.trim().is_empty()),
            doc_number: record.get("doc_number"),
            name: record.get("name"),
            sex: Some(record.get("sex")),
            birth_date: Some(record.get("birth_date")),
            phone: Some(record.get("phone")),
            address: Some(record.get("address")),
            area_code: &area_code,
            tags: &tags,
        };
        match fields.validate() {
            Ok(person) => {
                if let Some(p) = ctx.area_problem(&person.area) {
                    problems.push(problem_at(record, "area_code", p));
                }
                if problems.is_empty() {
                    return Ok(Checked {
                        key: format!("{}:{}", person.doc.kind().as_str(), person.doc.number()),
                        key_field: "doc_number",
                        item: person,
                    });
                }
            }
            Err(err) => problems.push(cell_problem(record, err, "name")),
        }
        Err(problems)
    }

    /// A quarter of the default: the pages a person import writes at random are those of the
    /// two indexes it keeps (by document and by area; the other two are deferred). A million-row
    /// import then peaks at 413–430 MB (with 96: 444 MB, or 494 MB with mimalloc; with 128 and
    /// the old one-piece index sort: 483 MB) and is no slower.
    fn page_cache_mib(&self) -> u32 {
        64
    }

    /// The indexes on a name and a phone number take rows in no order, and the upsert finds a
    /// person by document only: on SQLite a 1M-row import into a small table took 13.5–13.8 s
    /// with the two built at its end, 17.0 s with them kept row by row.
    fn deferred_indexes(&self) -> Option<DeferredIndexes> {
        Some(DeferredIndexes {
            table: "persons",
            indexes: &["persons_by_name", "persons_by_phone"],
        })
    }

    /// Batches large enough that handing one to SQLite's thread costs nothing next to storing
    /// it (PostgreSQL still gets [`BATCH`] rows per statement).
    fn store_batch(&self) -> usize {
        STORE_BATCH
    }

    fn store<'a>(
        &'a self,
        tx: &'a mut Tx,
        items: &'a [ValidPerson],
        at: DateTime<Utc>,
        by: &'a str,
    ) -> BoxFuture<'a, AppResult<Stored>> {
        Box::pin(async move {
            let mut stored = Stored::default();
            for chunk in items.chunks(BATCH) {
                let done = upsert(tx, chunk, at, by).await?;
                stored.inserted += done.inserted;
                stored.updated += done.updated;
            }
            Ok(stored)
        })
    }

    /// On SQLite the batch is stored on a blocking thread with raw statements prepared once per
    /// batch, while the framework reads the next rows.
    fn store_owned<'a>(
        &'a self,
        tx: Tx,
        items: Vec<ValidPerson>,
        at: DateTime<Utc>,
        by: &'a str,
    ) -> Running<'a, ValidPerson> {
        let Tx::Sqlite(tx) = tx else {
            return awaiting_store(self, tx, items, at, by);
        };
        let (at, by) = (raw::time_text(at), by.to_string());
        Box::pin(async move {
            let (tx, result) = raw::on_tx(tx, move |raw| {
                let stored = upsert_raw(raw, &items, &at, &by);
                Ok((items, stored))
            })
            .await;
            match result {
                Ok((items, stored)) => (Tx::Sqlite(tx), items, stored.map_err(AppError::from)),
                Err(err) => (Tx::Sqlite(tx), Vec::new(), Err(err.into())),
            }
        })
    }
}

/// Rows per store batch: see `store_batch`.
const STORE_BATCH: usize = 8192;

/// What the upsert changes when the document is registered already, and when: a row equal to the
/// stored person changes nothing (and returns no row).
const ON_DOCUMENT: &str = "ON CONFLICT (doc_type, doc_number) DO UPDATE SET name = excluded.name, \
     phone = excluded.phone, address = excluded.address, area_code = excluded.area_code, \
     version = persons.version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by \
     WHERE persons.name <> excluded.name OR COALESCE(persons.phone, '') <> COALESCE(excluded.phone, '') \
     OR COALESCE(persons.address, '') <> COALESCE(excluded.address, '') OR persons.area_code <> excluded.area_code";

const INSERT_PERSONS: &str = "INSERT INTO persons (doc_type, doc_number, name, sex, birth_date, \
     phone, address, area_code, version, created_at, created_by, updated_at, updated_by) VALUES";

/// On SQLite, what `ON_DOCUMENT` does, as its own statement: a person whose document is
/// registered already gets the row's name, phone, address and area, when one differs.
const UPDATE_BY_DOCUMENT: &str = "UPDATE persons SET name = ?3, phone = ?6, address = ?7, \
     area_code = ?8, version = version + 1, updated_at = ?9, updated_by = ?10 \
     WHERE doc_type = ?1 AND doc_number = ?2 AND (name <> ?3 OR COALESCE(phone, '') <> COALESCE(?6, '') \
     OR COALESCE(address, '') <> COALESCE(?7, '') OR area_code <> ?8)";

/// Upserts a batch on SQLite with raw statements prepared once per batch, a row at a time: an
/// insert that skips a registered document, then, for those, an update when something differs.
/// Neither needs a statement journal — a multi-row insert, `RETURNING` or an upsert's update of
/// the area (a foreign key) each make SQLite copy every page the statement touches into one —
/// and nothing crosses sqlx's channel per row. Tags go to the new rowid, or the looked-up id.
fn upsert_raw(raw: &mut Raw, rows: &[ValidPerson], at: &str, by: &str) -> Result<Stored, RawError> {
    let sql = format!(
        "{INSERT_PERSONS} (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?10, ?9, ?10) \
         ON CONFLICT (doc_type, doc_number) DO NOTHING"
    );
    let mut insert = raw.prepare(&sql)?;
    let mut update = raw.prepare(UPDATE_BY_DOCUMENT)?;
    let mut id_of =
        raw.prepare("SELECT id FROM persons WHERE doc_type = ?1 AND doc_number = ?2")?;
    let mut tag = raw.prepare(
        "INSERT INTO person_tags (person_id, tag) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for stmt in [&mut insert, &mut update] {
        stmt.bind_str(9, at)?;
        stmt.bind_str(10, by)?;
    }
    let mut birth_date = String::with_capacity(10);
    let mut stored = Stored::default();
    for p in rows {
        let (doc_type, doc_number) = (p.doc.kind().as_str(), p.doc.number());
        insert.bind_str(1, doc_type)?;
        insert.bind_str(2, doc_number)?;
        insert.bind_str(3, &p.name)?;
        insert.bind_opt_str(4, p.sex)?;
        match p.birth_date {
            Some(date) => {
                // As sqlx stores a `NaiveDate` in SQLite (`%Y-%m-%d`), without a format parsed
                // for every row.
                birth_date.clear();
                let (y, m, d) = (date.year(), date.month(), date.day());
                write!(birth_date, "{y:04}-{m:02}-{d:02}").expect("a String takes it");
                insert.bind_text(5, &birth_date)?;
            }
            None => insert.bind_null(5)?,
        }
        let (phone, address) = (p.phone.as_ref().map(|ph| ph.as_str()), p.address.as_deref());
        insert.bind_opt_str(6, phone)?;
        insert.bind_opt_str(7, address)?;
        insert.bind_str(8, p.area.as_str())?;
        let id = insert.run_insert()?;
        if id.is_some() {
            stored.inserted += 1;
        } else {
            update.bind_str(1, doc_type)?;
            update.bind_str(2, doc_number)?;
            update.bind_str(3, &p.name)?;
            update.bind_opt_str(6, phone)?;
            update.bind_opt_str(7, address)?;
            update.bind_str(8, p.area.as_str())?;
            update.run()?;
            stored.updated += update.changes();
        }
        if p.tags.is_empty() {
            continue;
        }
        let id = match id {
            Some(id) => id,
            None => {
                id_of.bind_str(1, doc_type)?;
                id_of.bind_str(2, doc_number)?;
                let found = id_of.step()?.then(|| id_of.int(0));
                id_of.reset()?;
                found.ok_or_else(|| RawError::misuse("a registered person is not found"))?
            }
        };
        tag.bind_i64(1, id)?;
        for t in &p.tags {
            tag.bind_str(2, t)?;
            tag.run()?;
        }
    }
    Ok(stored)
}

/// Upserts a batch; a row equal to the stored person is left alone. Tags are added (an import
/// never removes one) with one statement for the batch.
async fn upsert(
    tx: &mut Tx,
    rows: &[ValidPerson],
    now: DateTime<Utc>,
    by: &str,
) -> AppResult<Stored> {
    const PER_ROW: usize = 12;
    let values: Vec<String> = (0..rows.len())
        .map(|i| {
            let p: Vec<String> = (1..=PER_ROW).map(|c| tx.param(i * PER_ROW + c)).collect();
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {}, 1, {}, {}, {}, {})",
                p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11]
            )
        })
        .collect();
    let sql = format!(
        "{INSERT_PERSONS} {} {ON_DOCUMENT} RETURNING version",
        values.join(", ")
    );
    let returned: Vec<i32> = crate::with_conn!(tx, conn => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for p in rows {
            q = q.bind(p.doc.kind().as_str()).bind(p.doc.number()).bind(&p.name).bind(p.sex).bind(p.birth_date)
                .bind(p.phone.as_ref().map(|ph| ph.as_str().to_string())).bind(&p.address).bind(p.area.as_str())
                .bind(now).bind(by).bind(now).bind(by);
        }
        q.fetch_all(conn).await
    })?;
    let inserted = returned.iter().filter(|v| **v == 1).count() as u64;
    let tagged: Vec<(&ValidPerson, &str)> = rows
        .iter()
        .flat_map(|p| p.tags.iter().map(move |t| (p, *t)))
        .collect();
    if !tagged.is_empty() {
        let values: Vec<String> = (0..tagged.len())
            .map(|i| {
                format!(
                    "({}, {}, {})",
                    tx.param(i * 3 + 1),
                    tx.param(i * 3 + 2),
                    tx.param(i * 3 + 3)
                )
            })
            .collect();
        // `WHERE TRUE` lets SQLite tell the upsert clause from a join constraint.
        let sql = format!(
            "INSERT INTO person_tags (person_id, tag) SELECT p.id, v.column3 FROM (VALUES {}) AS v \
             JOIN persons p ON p.doc_type = v.column1 AND p.doc_number = v.column2 WHERE TRUE \
             ON CONFLICT DO NOTHING",
            values.join(", ")
        );
        crate::with_conn!(tx, conn => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (p, tag) in &tagged {
                q = q.bind(p.doc.kind().as_str()).bind(p.doc.number()).bind(*tag);
            }
            q.execute(conn).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(Stored {
        inserted,
        updated: returned.len() as u64 - inserted,
    })
}

//! Importing people from the sheets villages really keep (through `tabular`): every row checked
//! like a registration, the valid ones upserted by document in one transaction, the rest
//! returned for the error report. Re-importing the same file changes nothing: a row equal to the
//! stored person is left alone. One audit entry per import.

use std::collections::HashMap;

use chrono::Utc;
use domain::DivisionCode;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::RECORD_KIND;
use super::model::{PersonInput, ValidPerson};
use crate::audit::{self, Actor, Event};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::registry::tags::parse_person_tag;
use crate::tabular::{CellProblem, FieldSpec, Problem, RejectedRow, Spec, Table};

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

/// What to do with a file that has bad rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Any bad row: store nothing.
    AllOrNothing,
    /// Store the valid rows, report the others.
    ValidRows,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim() {
            "all-or-nothing" => Some(Mode::AllOrNothing),
            "valid-rows" | "" => Some(Mode::ValidRows),
            _ => None,
        }
    }
}

/// What an import did.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Summary {
    /// Data rows read (titles, headers, totals and blank rows not counted).
    pub rows: usize,
    pub inserted: u64,
    pub updated: u64,
    /// Valid rows equal to the stored person.
    pub unchanged: u64,
    /// Whether anything was stored (false in all-or-nothing mode with bad rows).
    pub committed: bool,
    pub rejected: Vec<RejectedSummary>,
    /// Rows passed over: totals, repeated headers, notes.
    pub skipped: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedSummary {
    pub row: usize,
    pub errors: Vec<String>,
}

/// The outcome with the rejected rows in full, for an error report.
pub struct Outcome {
    pub summary: Summary,
    pub header: Vec<String>,
    pub rejected: Vec<RejectedRow>,
}

/// Where rows may go: the importing user's subtree (or the whole tree from the command line),
/// and the area for rows that name none.
pub struct Target {
    pub scope: Option<DivisionCode>,
    pub default_area: Option<DivisionCode>,
}

fn split_tags(text: &str, tr: &Tr) -> Result<Vec<String>, Problem> {
    text.split(['、', ',', '，', ';', '；', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            parse_person_tag(t, |tag| tr.t(&format!("tag.{tag}")).to_string())
                .map(str::to_string)
                .ok_or_else(|| Problem::new("person.unknown_tag").arg("tag", t))
        })
        .collect()
}

/// Reads, checks and stores. A file that cannot be read at all is an `Err`.
pub async fn run(
    db: &Db,
    actor: &Actor,
    tr: &Tr,
    mut table: Table,
    mode: Mode,
    target: &Target,
    file_name: &str,
) -> AppResult<Outcome> {
    let layout = table.locate(&SPEC).map_err(|p| problem_error(tr, p))?;
    let header = layout.labels.clone();
    let mut records = table.records(&layout);
    let mut valid: Vec<(usize, ValidPerson)> = Vec::new();
    let mut rejected: Vec<RejectedRow> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rows = 0;
    let known_areas: std::collections::HashSet<String> = area_codes(db).await?;
    for record in records.by_ref() {
        let record = record.map_err(|p| problem_error(tr, p))?;
        rows += 1;
        let mut problems: Vec<CellProblem> = Vec::new();
        let cell = |key: &str, problem: Problem| match record.column(key) {
            Some(c) => CellProblem::cell(c, problem),
            None => CellProblem::row(problem),
        };
        let tags = match split_tags(record.get("tags"), tr) {
            Ok(t) => t,
            Err(p) => {
                problems.push(cell("tags", p));
                Vec::new()
            }
        };
        let area_text = record.get("area_code").trim().to_string();
        let area_code = if area_text.is_empty() {
            target
                .default_area
                .as_ref()
                .map(|a| a.as_str().to_string())
                .unwrap_or_default()
        } else {
            area_text
        };
        let input = PersonInput {
            doc_type: Some(record.get("doc_type").to_string())
                .filter(|s| !s.trim().is_empty())
                .map(|s| doc_type_word(&s)),
            doc_number: record.get("doc_number").to_string(),
            name: record.get("name").to_string(),
            sex: Some(record.get("sex").to_string()),
            birth_date: Some(record.get("birth_date").to_string()),
            phone: Some(record.get("phone").to_string()),
            address: Some(record.get("address").to_string()),
            area_code: area_code.clone(),
            tags,
        };
        match input.validate() {
            Ok(person) => {
                let key = format!("{}:{}", person.doc.kind().as_str(), person.doc.number());
                if let Some(first) = seen.get(&key) {
                    problems.push(cell(
                        "doc_number",
                        Problem::new("person.duplicate_in_file").arg("first", first.to_string()),
                    ));
                } else if target
                    .scope
                    .as_ref()
                    .is_some_and(|s| !s.contains(&person.area))
                {
                    problems.push(cell("area_code", Problem::new("user.area_outside_scope")));
                } else if !known_areas.contains(person.area.as_str()) {
                    problems.push(cell("area_code", Problem::new("user.unknown_area")));
                } else if problems.is_empty() && record.errors.is_empty() {
                    seen.insert(key, record.row);
                    valid.push((record.row, person));
                    continue;
                }
            }
            Err(err) => {
                let field = err.field.clone().unwrap_or_default();
                let mut problem = Problem::new(leak(err.key.clone()));
                for (k, v) in &err.args {
                    problem = problem.arg(leak(k.clone()), v.clone());
                }
                problems.push(cell(
                    if field.is_empty() { "name" } else { &field },
                    problem,
                ));
            }
        }
        rejected.push(record.reject(tr, problems));
    }
    let skipped = records.skipped().len();
    let mut summary = Summary {
        rows,
        skipped,
        ..Default::default()
    };
    summary.rejected = rejected
        .iter()
        .map(|r| RejectedSummary {
            row: r.row,
            errors: r.errors.iter().map(|e| e.message.clone()).collect(),
        })
        .collect();
    if mode == Mode::AllOrNothing && !rejected.is_empty() {
        return Ok(Outcome {
            summary,
            header,
            rejected,
        });
    }
    let mut tx = db.begin().await?;
    for chunk in valid.chunks(BATCH) {
        let (inserted, updated) = upsert(&mut tx, chunk, &actor.name).await?;
        summary.inserted += inserted;
        summary.updated += updated;
    }
    summary.unchanged = valid.len() as u64 - summary.inserted - summary.updated;
    let event = Event::new("registry.person.import")
        .area(target.scope.as_ref().map(|s| s.as_str()).unwrap_or(""))
        .after(json!({
            "file": file_name, "mode": mode, "rows": rows, "inserted": summary.inserted,
            "updated": summary.updated, "unchanged": summary.unchanged, "rejected": rejected.len(),
        }));
    let mut event = event;
    event.record_kind = Some(RECORD_KIND.to_string());
    if target.scope.is_none() {
        event.area_code = None;
    }
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    summary.committed = true;
    Ok(Outcome {
        summary,
        header,
        rejected,
    })
}

/// Catalog keys of `AppError`s are `String`s; problems want `'static` keys. The set of keys is
/// small and fixed (the catalog's), so each is leaked once and reused.
fn leak(text: String) -> &'static str {
    static KEYS: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = keys.iter().find(|k| **k == text) {
        return k;
    }
    let k: &'static str = Box::leak(text.into_boxed_str());
    keys.push(k);
    k
}

/// Document types as sheets write them: the code, or the Chinese name.
fn doc_type_word(text: &str) -> String {
    text.trim()
        .parse::<domain::DocumentType>()
        .map(|d| d.as_str().to_string())
        .unwrap_or_else(|_| text.trim().to_string())
}

fn problem_error(tr: &Tr, problem: Problem) -> AppError {
    AppError::invalid("import.file_problem").with_arg("problem", problem.message(tr))
}

async fn area_codes(db: &Db) -> AppResult<std::collections::HashSet<String>> {
    const SQL: &str = "SELECT code FROM areas WHERE level IN ('village', 'grid')";
    let codes: Vec<String> =
        crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_all(pool).await)?;
    Ok(codes.into_iter().collect())
}

const BATCH: usize = 300;

/// Upserts a batch; a row equal to the stored person is left alone. Answers (inserted, updated).
async fn upsert(tx: &mut Tx, rows: &[(usize, ValidPerson)], by: &str) -> AppResult<(u64, u64)> {
    const COLUMNS: usize = 8;
    // The time and the actor are bound once, after every row's values.
    let (at, by_param) = (rows.len() * COLUMNS + 1, rows.len() * COLUMNS + 2);
    let values: Vec<String> = (0..rows.len())
        .map(|i| {
            let b = i * COLUMNS;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 1, ${at}, ${by_param}, ${at}, ${by_param})",
                b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO persons (doc_type, doc_number, name, sex, birth_date, phone, address, area_code, version, \
         created_at, created_by, updated_at, updated_by) VALUES {} \
         ON CONFLICT (doc_type, doc_number) DO UPDATE SET name = excluded.name, phone = excluded.phone, \
         address = excluded.address, area_code = excluded.area_code, version = persons.version + 1, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by \
         WHERE persons.name <> excluded.name OR COALESCE(persons.phone, '') <> COALESCE(excluded.phone, '') \
         OR COALESCE(persons.address, '') <> COALESCE(excluded.address, '') OR persons.area_code <> excluded.area_code \
         RETURNING id, version",
        values.join(", ")
    );
    let now = Utc::now();
    let returned: Vec<(i64, i32)> = crate::with_conn!(tx, conn => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for (_, p) in rows {
            q = q.bind(p.doc.kind().as_str()).bind(p.doc.number()).bind(&p.name).bind(p.sex).bind(p.birth_date)
                .bind(p.phone.as_ref().map(|ph| ph.as_str().to_string())).bind(&p.address).bind(p.area.as_str());
        }
        q.bind(now).bind(by).fetch_all(conn).await
    })?;
    let inserted = returned.iter().filter(|(_, v)| *v == 1).count() as u64;
    // Tags: added to every person of the batch that names some (they never disappear by import).
    const TAG: &str = "INSERT INTO person_tags (person_id, tag) \
         SELECT id, $3 FROM persons WHERE doc_type = $1 AND doc_number = $2 ON CONFLICT DO NOTHING";
    for (_, p) in rows {
        for tag in &p.tags {
            crate::with_conn!(tx, conn => sqlx::query(TAG).bind(p.doc.kind().as_str()).bind(p.doc.number()).bind(*tag)
                .execute(conn).await.map(|r| r.rows_affected()))?;
        }
    }
    Ok((inserted, returned.len() as u64 - inserted))
}

/// An import as a browser or a client sends it: multipart `file`, `mode`, `area`.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
    pub mode: String,
    pub area: String,
}

impl Upload {
    pub async fn read(mut form: axum::extract::Multipart) -> AppResult<Upload> {
        let bad = |_| AppError::bad_request("error.bad_request");
        let mut upload = Upload {
            name: "upload".into(),
            bytes: Vec::new(),
            mode: String::new(),
            area: String::new(),
        };
        while let Some(field) = form.next_field().await.map_err(bad)? {
            match field.name().unwrap_or("") {
                "file" => {
                    upload.name = field.file_name().unwrap_or("upload").to_string();
                    upload.bytes = field.bytes().await.map_err(bad)?.to_vec();
                }
                "mode" => upload.mode = field.text().await.unwrap_or_default(),
                "area" => upload.area = field.text().await.unwrap_or_default(),
                _ => {}
            }
        }
        Ok(upload)
    }

    /// Imports into the caller's area.
    pub async fn import(
        self,
        db: &Db,
        actor: &Actor,
        tr: &Tr,
        user: &crate::auth::CurrentUser,
    ) -> AppResult<Outcome> {
        if self.bytes.is_empty() {
            return Err(AppError::invalid("import.no_file").on_field("file"));
        }
        let mode = Mode::parse(&self.mode)
            .ok_or_else(|| AppError::invalid("import.bad_mode").on_field("mode"))?;
        let default_area = match self.area.trim() {
            "" => None,
            code => Some(crate::areas::api::scoped_code(user, code, "area")?),
        };
        let table = crate::tabular::open_bytes(&self.name, self.bytes).map_err(|p| {
            AppError::invalid("import.file_problem").with_arg("problem", p.message(tr))
        })?;
        let target = Target {
            scope: Some(user.area.clone()),
            default_area,
        };
        run(db, actor, tr, table, mode, &target, &self.name).await
    }
}

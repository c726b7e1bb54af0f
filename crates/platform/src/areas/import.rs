//! `tongxin areas import FILE`: reads the lists of codes and names the statistics bureau
//! publishes (CSV in UTF-8 or GBK, JSON, xlsx/xls), checks that they make one tree with what is
//! already stored, and stores them all or nothing. A broken tree is refused with every bad row
//! named, in the user's language.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use domain::DivisionCode;

use super::repo::{self, NewArea, UpsertCounts};
use crate::db::Db;
use crate::i18n::Tr;

/// One data row of the file, before checking.
#[derive(Debug, Clone)]
pub struct RawArea {
    /// 1-based row (or array element) in the file, for messages.
    pub row: usize,
    pub code: String,
    pub name: String,
    pub edition_year: Option<i32>,
}

/// A problem with one row, as a catalog key and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: usize,
    pub key: String,
    pub args: Vec<(String, String)>,
}

impl RowProblem {
    fn new(row: usize, key: &str, args: &[(&str, &str)]) -> Self {
        RowProblem {
            row,
            key: key.to_string(),
            args: args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn message(&self, tr: &Tr) -> String {
        let args: Vec<(&str, &str)> = self
            .args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let text = tr.f(&self.key, &args);
        tr.f(
            "areas.import.row",
            &[("row", &self.row.to_string()), ("problem", &text)],
        )
    }
}

#[derive(Debug)]
pub enum ImportError {
    /// The file cannot be read as a list of areas at all.
    File(RowProblem),
    /// Rows that are wrong; nothing was stored.
    Rows(Vec<RowProblem>),
    Storage(anyhow::Error),
}

const CODE_HEADERS: &[&str] = &[
    "code",
    "代码",
    "区划代码",
    "统计用区划代码",
    "division_code",
    "行政区划代码",
];
const NAME_HEADERS: &[&str] = &["name", "名称", "区划名称", "单位名称", "行政区划名称"];
const YEAR_HEADERS: &[&str] = &["edition_year", "year", "年份", "版本年份"];

/// Reads a file by its extension.
pub fn read_file(path: &Path) -> Result<Vec<RawArea>, RowProblem> {
    let bytes = std::fs::read(path).map_err(|e| {
        RowProblem::new(0, "areas.import.unreadable", &[("detail", &e.to_string())])
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "txt" => read_csv(&bytes),
        "json" => read_json(&bytes),
        "xlsx" | "xls" | "xlsm" | "ods" => read_sheet(path),
        _ => Err(RowProblem::new(
            0,
            "areas.import.unknown_format",
            &[("ext", &ext)],
        )),
    }
}

/// Text in UTF-8 (with or without BOM), or else GBK as Excel saves it on Chinese Windows.
fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode(bytes).0.into_owned(),
    }
}

pub fn read_csv(bytes: &[u8]) -> Result<Vec<RawArea>, RowProblem> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            RowProblem::new(0, "areas.import.unreadable", &[("detail", &e.to_string())])
        })?;
        rows.push(
            record
                .iter()
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>(),
        );
    }
    from_table(rows)
}

fn read_sheet(path: &Path) -> Result<Vec<RawArea>, RowProblem> {
    use calamine::{Reader, open_workbook_auto};
    let unreadable = |e: String| RowProblem::new(0, "areas.import.unreadable", &[("detail", &e)]);
    let mut book = open_workbook_auto(path).map_err(|e| unreadable(e.to_string()))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| unreadable("no sheet".into()))?;
    let range = book
        .worksheet_range(&first)
        .map_err(|e| unreadable(e.to_string()))?;
    let rows = range
        .rows()
        .map(|r| r.iter().map(|c| cell_text(c).trim().to_string()).collect())
        .collect();
    from_table(rows)
}

/// Codes are often stored as numbers in Excel; print them without a decimal point.
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        calamine::Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

/// Finds the header row (a row naming a code and a name column) under any title rows; without a
/// header, takes the first two columns as code and name.
fn from_table(rows: Vec<Vec<String>>) -> Result<Vec<RawArea>, RowProblem> {
    let find = |row: &[String], names: &[&str]| {
        row.iter()
            .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
    };
    let header = rows
        .iter()
        .take(10)
        .position(|r| find(r, CODE_HEADERS).is_some() && find(r, NAME_HEADERS).is_some());
    let (start, code_col, name_col, year_col) = match header {
        Some(h) => (
            h + 1,
            find(&rows[h], CODE_HEADERS).unwrap_or(0),
            find(&rows[h], NAME_HEADERS).unwrap_or(1),
            find(&rows[h], YEAR_HEADERS),
        ),
        None => (0, 0, 1, None),
    };
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(start) {
        if row.iter().all(|c| c.is_empty()) {
            continue;
        }
        let get = |c: usize| row.get(c).cloned().unwrap_or_default();
        out.push(RawArea {
            row: i + 1,
            code: get(code_col),
            name: get(name_col),
            edition_year: year_col.and_then(|c| get(c).parse().ok()),
        });
    }
    if out.is_empty() {
        return Err(RowProblem::new(0, "areas.import.empty", &[]));
    }
    Ok(out)
}

/// JSON: an array of `{"code","name","edition_year"?}` objects or `[code, name]` pairs, bare or
/// under an `"areas"` key.
pub fn read_json(bytes: &[u8]) -> Result<Vec<RawArea>, RowProblem> {
    let text = decode_text(bytes);
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        RowProblem::new(0, "areas.import.unreadable", &[("detail", &e.to_string())])
    })?;
    let items = match &value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(map) => match map.get("areas") {
            Some(serde_json::Value::Array(items)) => items,
            _ => return Err(RowProblem::new(0, "areas.import.json_shape", &[])),
        },
        _ => return Err(RowProblem::new(0, "areas.import.json_shape", &[])),
    };
    let text_of = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (code, name, year) = match item {
            serde_json::Value::Object(o) => (
                text_of(o.get("code")),
                text_of(o.get("name")),
                o.get("edition_year")
                    .or_else(|| o.get("year"))
                    .and_then(|v| v.as_i64()),
            ),
            serde_json::Value::Array(a) => (text_of(a.first()), text_of(a.get(1)), None),
            _ => return Err(RowProblem::new(i + 1, "areas.import.json_shape", &[])),
        };
        out.push(RawArea {
            row: i + 1,
            code,
            name,
            edition_year: year.map(|y| y as i32),
        });
    }
    if out.is_empty() {
        return Err(RowProblem::new(0, "areas.import.empty", &[]));
    }
    Ok(out)
}

/// Checks codes, names and the tree. Every row's parent must be in the file or already stored;
/// only the file's top level may lack one, and only when the database holds no tree yet or its
/// roots are at that same level (a second district beside the first).
pub fn check_tree(
    raw: &[RawArea],
    stored: &BTreeSet<String>,
    stored_root_depths: &BTreeSet<u8>,
    default_year: i32,
) -> Result<Vec<NewArea>, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let mut parsed: BTreeMap<String, (usize, DivisionCode, String, i32)> = BTreeMap::new();
    for r in raw {
        let code = match DivisionCode::parse(&r.code) {
            Ok(c) => c,
            Err(e) => {
                problems.push(RowProblem::new(r.row, e.key(), &[("code", &r.code)]));
                continue;
            }
        };
        if r.name.trim().is_empty() {
            problems.push(RowProblem::new(
                r.row,
                "areas.import.no_name",
                &[("code", code.as_str())],
            ));
            continue;
        }
        if let Some((first, ..)) = parsed.get(code.as_str()) {
            problems.push(RowProblem::new(
                r.row,
                "areas.import.duplicate",
                &[("code", code.as_str()), ("first", &first.to_string())],
            ));
            continue;
        }
        let year = r.edition_year.unwrap_or(default_year);
        parsed.insert(
            code.as_str().to_string(),
            (r.row, code, r.name.trim().to_string(), year),
        );
    }
    let top_depth = parsed.values().map(|(_, c, ..)| c.level().depth()).min();
    let roots_allowed =
        stored.is_empty() || top_depth.is_some_and(|d| stored_root_depths.contains(&d));
    let mut out = Vec::new();
    for (row, code, name, year) in parsed.values() {
        let parent = code.parent();
        let parent_known = parent
            .as_ref()
            .is_some_and(|p| parsed.contains_key(p.as_str()) || stored.contains(p.as_str()));
        let parent = if parent_known {
            parent
        } else if roots_allowed
            && Some(code.level().depth()) == top_depth
            && !stored.contains(code.as_str())
        {
            None
        } else if stored.contains(code.as_str()) {
            // Renaming a stored root keeps it a root.
            None
        } else {
            let wanted = parent.map(|p| p.as_str().to_string()).unwrap_or_default();
            problems.push(RowProblem::new(
                *row,
                "areas.import.no_parent",
                &[("code", code.as_str()), ("parent", &wanted)],
            ));
            continue;
        };
        out.push(NewArea {
            code: code.clone(),
            name: name.clone(),
            edition_year: *year,
            parent,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    }
}

/// Reads, checks and stores; nothing is stored when any row is wrong.
pub async fn import_file(
    db: &Db,
    path: &Path,
    default_year: i32,
) -> Result<UpsertCounts, ImportError> {
    let raw = read_file(path).map_err(ImportError::File)?;
    import_rows(db, &raw, default_year).await
}

pub async fn import_rows(
    db: &Db,
    raw: &[RawArea],
    default_year: i32,
) -> Result<UpsertCounts, ImportError> {
    let mut wanted: Vec<String> = Vec::new();
    for r in raw {
        if let Ok(code) = DivisionCode::parse(&r.code) {
            wanted.push(code.as_str().to_string());
            if let Some(p) = code.parent() {
                wanted.push(p.as_str().to_string());
            }
        }
    }
    wanted.sort();
    wanted.dedup();
    let stored: BTreeSet<String> = repo::existing(db, &wanted)
        .await
        .map_err(|e| ImportError::Storage(e.into()))?
        .into_iter()
        .collect();
    let roots = repo::roots(db)
        .await
        .map_err(|e| ImportError::Storage(e.into()))?;
    let root_depths: BTreeSet<u8> = roots
        .iter()
        .filter_map(|a| DivisionCode::parse(&a.code).ok())
        .map(|c| c.level().depth())
        .collect();
    // A tree that exists but whose codes the file never touches still counts as "a tree exists".
    let stored_or_any = if stored.is_empty() && !roots.is_empty() {
        roots.iter().map(|a| a.code.clone()).collect()
    } else {
        stored
    };
    let areas =
        check_tree(raw, &stored_or_any, &root_depths, default_year).map_err(ImportError::Rows)?;
    repo::upsert_all(db, &areas)
        .await
        .map_err(ImportError::Storage)
}

//! Finding the header of a sheet as officials make them: under a title row
//! (`XX区复工企业台账`) and a unit row (`单位：万元`), possibly two or three rows deep with a
//! parent cell merged over its children (`联系方式` over `手机` and `固定电话`), with a `序号`
//! column, and labels typed a dozen ways (see `normalize`).
//!
//! Every run of one to three consecutive rows among the first rows is read as a header and
//! scored by how many of the spec's fields its labels name; the best wins (ties: see
//! `Reading::rank`). A column of a deeper header is named by the path of labels above it
//! (`联系方式` → `手机`), matched as `parent + child` first, then as the child alone.

use std::cmp::Reverse;
use std::collections::HashMap;

use domain::MoneyUnit;

use super::normalize::{half_width, is_padding, label_key, split_trailing_bracket};
use super::problem::{Problem, column_name, keys};
use super::read::{Merged, SheetRow};
use super::spec::Spec;

/// How many rows (holding text) are searched for the header.
pub const HEAD_ROWS: usize = 30;
/// The deepest header understood: a grandparent, a parent and a child.
const MAX_DEPTH: usize = 3;

/// The running-number column's labels, as canonical keys.
const SERIAL: &[&str] = &["序号", "序", "no"];
/// The error column of our own error report (both languages), ignored so that a corrected
/// report can be imported again; a test keeps it in step with the catalogs.
pub(crate) const REPORT_COLUMN: &[&str] = &["错误原因", "errors"];

/// The unit a sheet states above its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetUnit {
    Money(MoneyUnit),
    /// Any other unit, as written (`人`, `户`, `吨`).
    Other(String),
}

/// A field of the spec and the column that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedField {
    pub key: &'static str,
    /// The spec's label, for messages.
    pub label: &'static str,
    /// 0-based column.
    pub column: usize,
    pub identifier: bool,
    /// A money unit written in the column's own header, as in `营业收入（万元）`.
    pub unit: Option<MoneyUnit>,
}

/// Where things are in a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// 1-based row of the header's first row.
    pub header_row: usize,
    /// How many rows the header spans.
    pub header_rows: usize,
    /// 1-based row where data may start (the row after the header).
    pub data_start: usize,
    pub title: Option<String>,
    /// The unit stated above the header (`单位：万元`).
    pub unit: Option<SheetUnit>,
    /// The spec's fields found, in column order.
    pub fields: Vec<MappedField>,
    /// The `序号` column, whose values are ignored.
    pub serial: Option<usize>,
    /// Every column's header as one line (the matched labels, `parent-child` for the others),
    /// for the error report; reading that report again finds the same fields.
    pub labels: Vec<String>,
    /// Unknown and duplicate columns; they are ignored.
    pub warnings: Vec<Problem>,
}

impl Layout {
    pub fn column(&self, key: &str) -> Option<usize> {
        self.field(key).map(|f| f.column)
    }

    pub fn field(&self, key: &str) -> Option<&MappedField> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// Finds the header among `rows` (the first rows of a sheet, in order) given the sheet's merged
/// regions. Fails when no row names any field, or when a required field has no column.
pub fn locate(rows: &[SheetRow], merges: &[Merged], spec: &Spec) -> Result<Layout, Problem> {
    let rows = &rows[..rows.len().min(HEAD_ROWS)];
    let last_row = rows.last().map(|r| r.row).unwrap_or(0);
    let merges: Vec<Merged> = merges
        .iter()
        .filter(|m| m.first_row <= last_row)
        .copied()
        .collect();
    let matcher = Matcher::new(spec);
    let mut best: Option<Reading> = None;
    for start in 0..rows.len() {
        for depth in 1..=MAX_DEPTH {
            let Some(block) = consecutive(rows, start, depth) else {
                break;
            };
            let reading = read_block(block, start, &merges, &matcher);
            if best.as_ref().is_none_or(|b| reading.better_than(b)) {
                best = Some(reading);
            }
        }
    }
    let required: Vec<&str> = spec
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.label)
        .collect();
    let Some(best) = best.filter(|b| b.score > 0) else {
        let expected = if required.is_empty() {
            spec.fields.iter().map(|f| f.label).collect()
        } else {
            required
        };
        return Err(Problem::new(keys::HEADER_NOT_FOUND)
            .arg("rows", rows.len().to_string())
            .arg("expected", expected.join("、")));
    };
    build_layout(rows, best, spec)
}

fn build_layout(rows: &[SheetRow], best: Reading, spec: &Spec) -> Result<Layout, Problem> {
    let mut fields: Vec<MappedField> = Vec::new();
    let mut warnings = Vec::new();
    let mut serial = None;
    let mut labels = Vec::with_capacity(best.columns.len());
    for (column, header) in best.columns.iter().enumerate() {
        labels.push(header.label.clone());
        match &header.meaning {
            Meaning::Blank => {}
            Meaning::Ignored => {}
            Meaning::Serial => {
                serial.get_or_insert(column);
            }
            Meaning::Unknown => warnings.push(
                Problem::new(keys::HEADER_UNKNOWN_COLUMN)
                    .arg("column", column_name(column))
                    .arg("label", header.label.clone()),
            ),
            Meaning::Field { index, unit } => {
                let field = &spec.fields[*index];
                if let Some(first) = fields.iter().find(|f| f.key == field.key) {
                    warnings.push(
                        Problem::new(keys::HEADER_DUPLICATE_COLUMN)
                            .arg("column", column_name(column))
                            .arg("label", header.label.clone())
                            .arg("first", column_name(first.column)),
                    );
                } else {
                    fields.push(MappedField {
                        key: field.key,
                        label: field.label,
                        column,
                        identifier: field.identifier,
                        unit: *unit,
                    });
                }
            }
        }
    }
    let missing: Vec<&str> = spec
        .fields
        .iter()
        .filter(|f| f.required && !fields.iter().any(|m| m.key == f.key))
        .map(|f| f.label)
        .collect();
    if !missing.is_empty() {
        return Err(Problem::new(keys::HEADER_MISSING).arg("columns", missing.join("、")));
    }
    let above = &rows[..best.start];
    let header_row = rows[best.start].row;
    Ok(Layout {
        header_row,
        header_rows: best.depth,
        data_start: header_row + best.depth,
        title: above.iter().find_map(title_of),
        unit: above
            .iter()
            .flat_map(|r| r.cells.iter())
            .find_map(|c| unit_of(c)),
        fields,
        serial,
        labels,
        warnings,
    })
}

/// `depth` rows from `start` when they follow one another in the sheet.
fn consecutive(rows: &[SheetRow], start: usize, depth: usize) -> Option<&[SheetRow]> {
    let block = rows.get(start..start + depth)?;
    block
        .windows(2)
        .all(|w| w[1].row == w[0].row + 1)
        .then_some(block)
}

/// A title is a row holding a single text (usually merged across the sheet) that is not a unit.
fn title_of(row: &SheetRow) -> Option<String> {
    let mut texts = row.cells.iter().filter(|c| !c.is_empty());
    let only = texts.next()?;
    (texts.next().is_none() && unit_of(only).is_none()).then(|| only.clone())
}

/// `单位：万元`, `（单位:人）`, `单位：万元  填报日期：…` give the unit after the colon;
/// `填报单位：…` (the reporting office) is no unit.
fn unit_of(text: &str) -> Option<SheetUnit> {
    let text: String = text.chars().map(half_width).collect();
    let at = text.match_indices("单位").map(|(at, _)| at).find(|at| {
        text[..*at]
            .chars()
            .next_back()
            .is_none_or(|c| is_padding(c) || c == '(')
    })?;
    let rest = text[at + "单位".len()..].trim_start_matches(is_padding);
    let rest = rest.strip_prefix(':')?.trim_start_matches(is_padding);
    let token = rest
        .split(|c: char| is_padding(c) || matches!(c, ')' | ',' | ';' | '、' | '，' | '；'))
        .next()
        .filter(|t| !t.is_empty())?;
    Some(match MoneyUnit::parse(token) {
        Ok(unit) => SheetUnit::Money(unit),
        Err(_) => SheetUnit::Other(token.to_string()),
    })
}

/// The spec's labels, aliases and keys by their canonical key.
struct Matcher {
    by_key: HashMap<String, usize>,
    fields: usize,
}

impl Matcher {
    fn new(spec: &Spec) -> Self {
        let mut by_key = HashMap::new();
        for (index, field) in spec.fields.iter().enumerate() {
            let names = std::iter::once(field.label)
                .chain(field.aliases.iter().copied())
                .chain(std::iter::once(field.key));
            for name in names {
                // The first field to claim a name keeps it.
                by_key.entry(label_key(name)).or_insert(index);
            }
        }
        Matcher {
            by_key,
            fields: spec.fields.len(),
        }
    }

    /// The field a label names, and a money unit written in a trailing bracket.
    fn find(&self, label: &str) -> Option<(usize, Option<MoneyUnit>)> {
        if let Some(index) = self.by_key.get(&label_key(label)) {
            return Some((*index, None));
        }
        let (base, inside) = split_trailing_bracket(label)?;
        let index = self.by_key.get(&label_key(&base))?;
        Some((*index, MoneyUnit::parse(&inside).ok()))
    }
}

enum Meaning {
    Blank,
    Serial,
    Ignored,
    Unknown,
    Field {
        index: usize,
        unit: Option<MoneyUnit>,
    },
}

struct ColumnHeader {
    label: String,
    meaning: Meaning,
    /// Bit `k` set when row `k` of the header gives part of the matched label.
    rows: u8,
}

/// One way of reading some rows as the header.
struct Reading {
    start: usize,
    depth: usize,
    columns: Vec<ColumnHeader>,
    /// How many distinct fields the header names.
    score: usize,
    /// Bit `k` set when row `k` of the header gives part of a matched label.
    rows_used: u8,
}

impl Reading {
    /// More fields named wins; on a tie, the header that ends first (title and unit rows above
    /// it add nothing), then the shallower.
    fn better_than(&self, other: &Reading) -> bool {
        self.rank() > other.rank()
    }

    /// Fields named; then whether every row of the header gives part of a matched label (a
    /// title row above the header gives none); then, for such tight headers, the deeper (a
    /// child row under its parents belongs to the header, not to the data); then the header
    /// that ends first, and the shallower.
    fn rank(&self) -> (usize, bool, usize, Reverse<usize>, Reverse<usize>) {
        let tight = self.rows_used == (1u8 << self.depth) - 1;
        let deeper = if tight { self.depth } else { 0 };
        (
            self.score,
            tight,
            deeper,
            Reverse(self.start + self.depth),
            Reverse(self.depth),
        )
    }
}

fn read_block(block: &[SheetRow], start: usize, merges: &[Merged], matcher: &Matcher) -> Reading {
    let first = block[0].row;
    let last = block[block.len() - 1].row;
    let width = block
        .iter()
        .map(|r| r.cells.len())
        .chain(
            merges
                .iter()
                .filter(|m| m.first_row >= first && m.first_row <= last)
                .map(|m| m.last_col + 1),
        )
        .max()
        .unwrap_or(0);
    let mut columns = Vec::with_capacity(width);
    let mut found = vec![false; matcher.fields];
    let mut score = 0;
    let mut rows_used = 0u8;
    for column in 0..width {
        let path = label_path(block, merges, column);
        let header = name_column(&path, matcher);
        if let Meaning::Field { index, .. } = header.meaning {
            rows_used |= header.rows;
            if !found[index] {
                found[index] = true;
                score += 1;
            }
        }
        columns.push(header);
    }
    Reading {
        start,
        depth: block.len(),
        columns,
        score,
        rows_used,
    }
}

/// The labels above a column, top to bottom: a cell's own text, or the text of a merged region
/// covering it, or — in files without merge information, such as CSV — the nearest parent to
/// its left (a label with children under it) when the column has a child of its own.
fn label_path<'a>(
    block: &'a [SheetRow],
    merges: &[Merged],
    column: usize,
) -> Vec<(usize, &'a str)> {
    let mut path: Vec<(usize, &str)> = Vec::new();
    let mut last_source = None;
    for (k, row) in block.iter().enumerate() {
        let own = row.get(column);
        let (text, source) = if !own.is_empty() {
            (own, (row.row, column))
        } else if let Some(m) = merges.iter().find(|m| m.contains(row.row, column)) {
            match block.iter().find(|r| r.row == m.first_row) {
                Some(top) => (top.get(m.first_col), (m.first_row, m.first_col)),
                None => continue,
            }
        } else if let Some(child_row) = block.get(k + 1)
            && !child_row.get(column).is_empty()
        {
            match (0..column)
                .rev()
                .find(|c| !row.get(*c).is_empty() || merges.iter().any(|m| m.contains(row.row, *c)))
            {
                Some(c) if !row.get(c).is_empty() && !child_row.get(c).is_empty() => {
                    (row.get(c), (row.row, c))
                }
                _ => continue,
            }
        } else {
            continue;
        };
        if text.is_empty() || last_source == Some(source) {
            continue;
        }
        last_source = Some(source);
        path.push((k, text));
    }
    path
}

/// Names a column from its label path: the whole path joined, then shorter tails, down to the
/// last label alone.
fn name_column(path: &[(usize, &str)], matcher: &Matcher) -> ColumnHeader {
    let header = |label: String, meaning| ColumnHeader {
        label,
        meaning,
        rows: 0,
    };
    let Some(&(_, last)) = path.last() else {
        return header(String::new(), Meaning::Blank);
    };
    for from in 0..path.len() {
        let label: String = path[from..].iter().map(|(_, text)| *text).collect();
        if let Some((index, unit)) = matcher.find(&label) {
            return ColumnHeader {
                label,
                meaning: Meaning::Field { index, unit },
                rows: path[from..].iter().fold(0, |bits, (k, _)| bits | 1 << k),
            };
        }
    }
    let key = label_key(last);
    let meaning = if SERIAL.contains(&key.as_str()) {
        Some(Meaning::Serial)
    } else if REPORT_COLUMN.contains(&key.as_str()) {
        Some(Meaning::Ignored)
    } else {
        None
    };
    if let Some(meaning) = meaning {
        return header(last.to_string(), meaning);
    }
    let texts: Vec<&str> = path.iter().map(|(_, text)| *text).collect();
    header(texts.join("-"), Meaning::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::spec::FieldSpec;

    const SPEC: Spec = Spec::new(&[
        FieldSpec::new("name", "姓名").required(),
        FieldSpec::new("id_number", "身份证号")
            .aliases(&["公民身份号码", "身份证号码"])
            .required()
            .identifier(),
        FieldSpec::new("mobile", "手机").aliases(&["手机号码", "联系电话"]),
        FieldSpec::new("landline", "固定电话"),
        FieldSpec::new("income", "收入"),
        FieldSpec::new("address", "住址"),
    ]);

    fn row(row: usize, cells: &[&str]) -> SheetRow {
        SheetRow::new(row, cells.iter().map(|c| c.to_string()).collect())
    }

    #[test]
    fn the_header_is_found_under_a_title_and_a_unit_row() {
        let rows = [
            row(1, &["同心区独居老人台账"]),
            row(2, &["", "", "", "单位：万元"]),
            row(3, &["序号", "姓名", "身份证号（必填）", "收入"]),
            row(4, &["1", "张三", "110101199003071234", "1.5"]),
        ];
        let layout = locate(&rows, &[], &SPEC).unwrap();
        assert_eq!(
            (layout.header_row, layout.header_rows, layout.data_start),
            (3, 1, 4)
        );
        assert_eq!(layout.title.as_deref(), Some("同心区独居老人台账"));
        assert_eq!(layout.unit, Some(SheetUnit::Money(MoneyUnit::Wan)));
        assert_eq!(layout.serial, Some(0));
        assert_eq!(layout.column("name"), Some(1));
        assert_eq!(layout.column("id_number"), Some(2));
        assert_eq!(layout.column("income"), Some(3));
        assert!(layout.warnings.is_empty());
    }

    #[test]
    fn a_two_row_header_in_a_csv_names_children_under_their_parent() {
        let rows = [
            row(1, &["姓名", "身份证号", "联系方式", "", "住址"]),
            row(2, &["", "", "手机", "固定电话", ""]),
            row(
                3,
                &["张三", "110101199003071234", "13800138000", "", "东风街道"],
            ),
        ];
        let layout = locate(&rows, &[], &SPEC).unwrap();
        assert_eq!((layout.header_rows, layout.data_start), (2, 3));
        assert_eq!(layout.column("mobile"), Some(2));
        assert_eq!(layout.column("landline"), Some(3));
        assert_eq!(layout.column("address"), Some(4));
    }

    #[test]
    fn a_merged_parent_and_vertically_merged_labels_are_understood() {
        let rows = [
            row(3, &["姓名", "公民身份号码", "联系方式"]),
            row(4, &["", "", "手机", "固定电话"]),
        ];
        let merges = [
            Merged {
                first_row: 3,
                last_row: 4,
                first_col: 0,
                last_col: 0,
            },
            Merged {
                first_row: 3,
                last_row: 4,
                first_col: 1,
                last_col: 1,
            },
            Merged {
                first_row: 3,
                last_row: 3,
                first_col: 2,
                last_col: 3,
            },
        ];
        let layout = locate(&rows, &merges, &SPEC).unwrap();
        assert_eq!(layout.header_rows, 2);
        assert_eq!(
            layout.labels,
            vec!["姓名", "公民身份号码", "手机", "固定电话"]
        );
        assert_eq!(layout.column("landline"), Some(3));
    }

    #[test]
    fn a_child_row_adding_no_new_field_still_belongs_to_the_header() {
        // `联系方式` alone already names the mobile field; the row under it is still header.
        let rows = [
            row(1, &["姓名", "身份证号", "联系方式", "住址"]),
            row(2, &["", "", "联系电话", ""]),
            row(
                3,
                &["张三", "110101199003071234", "13800138000", "东风街道"],
            ),
        ];
        const SPEC2: Spec = Spec::new(&[
            FieldSpec::new("name", "姓名").required(),
            FieldSpec::new("id_number", "身份证号").required(),
            FieldSpec::new("mobile", "手机").aliases(&["联系方式", "联系电话"]),
            FieldSpec::new("address", "住址"),
        ]);
        let layout = locate(&rows, &[], &SPEC2).unwrap();
        assert_eq!((layout.header_rows, layout.data_start), (2, 3));
    }

    #[test]
    fn a_missing_required_column_is_refused_with_its_name() {
        let rows = [row(1, &["姓名", "住址"])];
        let problem = locate(&rows, &[], &SPEC).unwrap_err();
        assert_eq!(problem.key, keys::HEADER_MISSING);
        assert_eq!(problem.get("columns"), Some("身份证号"));
    }

    #[test]
    fn a_sheet_without_any_known_column_has_no_header() {
        let rows = [row(1, &["a", "b"]), row(2, &["1", "2"])];
        let problem = locate(&rows, &[], &SPEC).unwrap_err();
        assert_eq!(problem.key, keys::HEADER_NOT_FOUND);
        assert_eq!(problem.get("expected"), Some("姓名、身份证号"));
    }

    #[test]
    fn unknown_and_duplicate_columns_are_warnings() {
        let rows = [row(1, &["姓名", "身份证号", "备注", "姓名"])];
        let layout = locate(&rows, &[], &SPEC).unwrap();
        let keys: Vec<_> = layout
            .warnings
            .iter()
            .map(|w| (w.key, w.get("column")))
            .collect();
        assert_eq!(
            keys,
            vec![
                (keys::HEADER_UNKNOWN_COLUMN, Some("C")),
                (keys::HEADER_DUPLICATE_COLUMN, Some("D")),
            ]
        );
        assert_eq!(layout.column("name"), Some(0));
    }

    #[test]
    fn a_unit_in_a_column_header_is_kept_with_the_column() {
        let rows = [row(1, &["姓名", "身份证号", "收入（亿元）"])];
        let layout = locate(&rows, &[], &SPEC).unwrap();
        assert_eq!(layout.field("income").unwrap().unit, Some(MoneyUnit::Yi));
    }

    #[test]
    fn units_are_read_from_the_ways_officials_write_them() {
        assert_eq!(
            unit_of("单位：万元"),
            Some(SheetUnit::Money(MoneyUnit::Wan))
        );
        assert_eq!(
            unit_of("（单位:亿元）"),
            Some(SheetUnit::Money(MoneyUnit::Yi))
        );
        assert_eq!(unit_of("单位：人"), Some(SheetUnit::Other("人".into())));
        assert_eq!(unit_of("填报单位：东风街道"), None);
        assert_eq!(
            unit_of("单位：元   填报日期：2020年3月6日"),
            Some(SheetUnit::Money(MoneyUnit::Yuan))
        );
        assert_eq!(unit_of("姓名"), None);
    }
}

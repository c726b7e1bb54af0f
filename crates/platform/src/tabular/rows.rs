//! The rows under the header as records: rows that are not data — totals (`合计`, `小计`…),
//! the header repeated on every printed page, the signature and notes lines at the foot
//! (`填表人：`, `注：`), rows with nothing in any field — are skipped and listed; cells of a region merged down several rows
//! (a township written once beside its villages) are filled down; the `序号` column is left
//! out. A record keeps its sheet row number and the row's cells as they were, for the error
//! report.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::header::{Layout, MappedField};
use super::normalize::{half_width, is_padding, label_key};
use super::problem::{CellProblem, Problem, keys};
use super::read::{Merged, SheetRow, Table};
use super::report::{CellError, RejectedRow};
use crate::i18n::Tr;

/// Why a row under the header was not taken as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// `合计`, `总计`, `小计`, `累计`, `共计` (or `东风街道小计`) in the `序号` cell or the first
    /// cells.
    Totals,
    /// The header again, as printed sheets repeat it on every page.
    RepeatedHeader,
    /// Signature and notes lines: `填表人：`, `审核人：`, `注：`, `填表说明：`, and single-cell
    /// lines following them.
    Footer,
    /// Nothing in any field's column: a row numbered in advance (only `序号` filled), or text
    /// only in columns the ledger does not read.
    NoData,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    pub row: usize,
    pub reason: SkipReason,
}

/// A data row, its fields reachable by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based sheet row, for messages.
    pub row: usize,
    /// The row's cells as read (merged cells filled down), for the error report.
    pub cells: Vec<String>,
    /// Problems found while reading — an identifier stored as a number that lost digits. A
    /// record with errors must be rejected whatever the ledger's own checks say.
    pub errors: Vec<CellProblem>,
    fields: Arc<[MappedField]>,
}

impl Record {
    /// The text of a field; empty when the sheet has no such column or the cell is empty.
    pub fn get(&self, key: &str) -> &str {
        self.column(key)
            .and_then(|c| self.cells.get(c))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The 0-based column holding a field, to attach a problem to its cell.
    pub fn column(&self, key: &str) -> Option<usize> {
        self.fields.iter().find(|f| f.key == key).map(|f| f.column)
    }

    /// Every mapped field and its text, in column order.
    pub fn values(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.fields.iter().map(|f| {
            (
                f.key,
                self.cells.get(f.column).map(String::as_str).unwrap_or(""),
            )
        })
    }

    /// The fields as an owned map.
    pub fn to_map(&self) -> BTreeMap<&'static str, String> {
        self.values().map(|(k, v)| (k, v.to_string())).collect()
    }

    /// The row for the error report, with this record's own errors and `problems`, each message
    /// led by its column's label.
    pub fn reject(self, tr: &Tr, problems: impl IntoIterator<Item = CellProblem>) -> RejectedRow {
        let errors = self
            .errors
            .iter()
            .cloned()
            .chain(problems)
            .map(|p| {
                let text = p.problem.message(tr);
                let label = p
                    .column
                    .and_then(|c| self.fields.iter().find(|f| f.column == c))
                    .map(|f| f.label);
                let message = match label {
                    Some(label) => tr.f(
                        keys::CELL_IN_COLUMN,
                        &[("label", label), ("problem", &text)],
                    ),
                    None => text,
                };
                CellError {
                    column: p.column,
                    message,
                }
            })
            .collect();
        RejectedRow {
            row: self.row,
            cells: self.cells,
            errors,
        }
    }
}

/// The records of a table, streamed. `skipped` lists the rows passed over so far.
pub struct Records {
    table: Table,
    fields: Arc<[MappedField]>,
    data_start: usize,
    serial: Option<usize>,
    /// The header labels of mapped columns, to spot a repeated header.
    header: Vec<(usize, String)>,
    /// Regions below the header spanning several rows, by first row.
    merges: Vec<Merged>,
    next_merge: usize,
    active: Vec<(Merged, String)>,
    in_footer: bool,
    skipped: Vec<Skipped>,
}

impl Records {
    pub(crate) fn new(table: Table, layout: &Layout) -> Records {
        let mut merges: Vec<Merged> = table
            .merges()
            .iter()
            .filter(|m| m.first_row >= layout.data_start && m.last_row > m.first_row)
            .copied()
            .collect();
        merges.sort_by_key(|m| m.first_row);
        let header = layout
            .fields
            .iter()
            .filter_map(|f| Some((f.column, layout.labels.get(f.column)?.clone())))
            .filter(|(_, label)| !label.is_empty())
            .collect();
        Records {
            table,
            fields: layout.fields.clone().into(),
            data_start: layout.data_start,
            serial: layout.serial,
            header,
            merges,
            next_merge: 0,
            active: Vec::new(),
            in_footer: false,
            skipped: Vec::new(),
        }
    }

    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    fn fill_down(&mut self, row: &mut SheetRow) {
        let r = row.row;
        self.active.retain(|(m, _)| m.last_row >= r);
        while let Some(m) = self
            .merges
            .get(self.next_merge)
            .filter(|m| m.first_row <= r)
        {
            if m.last_row >= r {
                let value = if m.first_row == r {
                    row.get(m.first_col).to_string()
                } else {
                    String::new()
                };
                self.active.push((*m, value));
            }
            self.next_merge += 1;
        }
        for (m, value) in &self.active {
            if m.first_row < r && !value.is_empty() && row.get(m.first_col).is_empty() {
                if row.cells.len() <= m.first_col {
                    row.cells.resize(m.first_col + 1, String::new());
                }
                row.cells[m.first_col] = value.clone();
            }
        }
    }

    fn classify(&mut self, row: &SheetRow) -> Option<SkipReason> {
        let mut texts = row.cells.iter().filter(|c| !c.is_empty());
        let first = texts.next().map(String::as_str).unwrap_or("");
        let second = texts.next();
        let serial = self.serial.map(|c| row.get(c));
        if [Some(first), second.map(String::as_str), serial]
            .into_iter()
            .flatten()
            .any(is_totals)
        {
            return Some(SkipReason::Totals);
        }
        if is_footer(first) || (self.in_footer && second.is_none()) {
            self.in_footer = true;
            return Some(SkipReason::Footer);
        }
        self.in_footer = false;
        if self.fields.iter().all(|f| row.get(f.column).is_empty()) {
            return Some(SkipReason::NoData);
        }
        // Printed pages repeat the header verbatim, so plain equality is enough (and cheap: this
        // runs for every row).
        let same = self
            .header
            .iter()
            .filter(|(c, label)| row.get(*c) == label)
            .count();
        if same > 0 && same * 2 >= self.header.len() {
            return Some(SkipReason::RepeatedHeader);
        }
        None
    }

    fn record(&self, row: SheetRow) -> Record {
        let errors = self
            .fields
            .iter()
            .filter(|f| f.identifier)
            .filter(|f| row.lost_digits.contains(&f.column) || looks_scientific(row.get(f.column)))
            .map(|f| {
                CellProblem::cell(
                    f.column,
                    Problem::new(keys::CELL_LOST_DIGITS).arg("value", row.get(f.column)),
                )
            })
            .collect();
        Record {
            row: row.row,
            cells: row.cells,
            errors,
            fields: self.fields.clone(),
        }
    }
}

impl Iterator for Records {
    type Item = Result<Record, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let mut row = match self.table.next()? {
                Ok(row) => row,
                Err(problem) => return Some(Err(problem)),
            };
            if row.row < self.data_start {
                continue;
            }
            if !self.merges.is_empty() {
                self.fill_down(&mut row);
            }
            if row.is_empty() {
                continue;
            }
            if let Some(reason) = self.classify(&row) {
                self.skipped.push(Skipped {
                    row: row.row,
                    reason,
                });
                continue;
            }
            return Some(Ok(self.record(row)));
        }
    }
}

const TOTALS: &[&str] = &["合计", "总计", "小计", "累计", "共计", "总合计"];
const TOTALS_EN: &[&str] = &["total", "subtotal", "grandtotal", "sum"];

/// `合计`, `合 计：`, `全区合计`, `东风街道小计`; short texts only, so that a name merely
/// containing the word is not taken for a total.
fn is_totals(text: &str) -> bool {
    // Every Chinese keyword holds 计; this check runs for every row.
    let maybe_english = text.len() <= 16 && text.starts_with(['T', 't', 'S', 's', 'G', 'g']);
    if !text.contains('计') && !maybe_english {
        return false;
    }
    let key = label_key(text);
    if key.is_empty() || key.chars().count() > 16 {
        return false;
    }
    TOTALS_EN.contains(&key.as_str())
        || TOTALS
            .iter()
            .any(|t| key == *t || key.starts_with(t) || key.ends_with(t))
}

const FOOTERS: &[&str] = &[
    "填表人",
    "填报人",
    "制表人",
    "审核人",
    "审核",
    "统计人",
    "负责人",
    "单位负责人",
    "分管领导",
    "填表说明",
    "填报说明",
    "说明",
    "注",
    "备注",
    "填表日期",
    "填报日期",
    "制表日期",
    "填报单位",
    "制表单位",
];

const FOOTER_STARTS: &[char] = &['填', '制', '审', '统', '负', '单', '分', '说', '注', '备'];

/// A line that starts with one of the signature or notes words and a colon.
fn is_footer(text: &str) -> bool {
    // Runs for every row: most first cells start with no footer word's first character.
    if !text.starts_with(FOOTER_STARTS) {
        return false;
    }
    let compact: String = text
        .chars()
        .map(half_width)
        .filter(|c| !is_padding(*c))
        .take(8)
        .collect();
    FOOTERS.iter().any(|f| {
        compact
            .strip_prefix(f)
            .is_some_and(|rest| rest.starts_with(':'))
    })
}

/// `1.10101E+17`: how a long number looks once it went through Excel into a CSV.
fn looks_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(mantissa),
    };
    mantissa_ok && digits(exponent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_rows_are_recognised_in_their_usual_spellings() {
        for text in [
            "合计",
            "合 计",
            "合计：",
            "总计",
            "全区合计",
            "东风街道小计",
            "累计",
            "Total",
        ] {
            assert!(is_totals(text), "{text}");
        }
        for text in ["张三", "合肥市计量所", "1", ""] {
            assert!(!is_totals(text), "{text}");
        }
    }

    #[test]
    fn signature_and_notes_lines_are_footers() {
        for text in [
            "填表人：张三",
            "审核人:李四",
            "注：本表由村委会填写",
            "填 表 说 明：1.",
        ] {
            assert!(is_footer(text), "{text}");
        }
        for text in ["注意事项", "张三", "说明书"] {
            assert!(!is_footer(text), "{text}");
        }
    }

    #[test]
    fn scientific_notation_is_spotted() {
        assert!(looks_scientific("1.10101E+17"));
        assert!(looks_scientific("1E+15"));
        assert!(!looks_scientific("110101199003071234"));
        assert!(!looks_scientific("E+17"));
        assert!(!looks_scientific("1.1E"));
    }
}

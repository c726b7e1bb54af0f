//! The error report an import answers with: an xlsx holding the rejected rows exactly as they
//! were, under the sheet's header, with a last column `错误原因` naming the row and each reason,
//! and the wrong cells filled light red. The first row says how many rows were rejected. An
//! official corrects the report and imports it again: the header is found under that first row
//! and the reasons column is ignored.
//!
//! Cells right of the header (under no column title) are not carried over.
//!
//! `error_report`/`write_error_report` take the rows in memory; `ErrorReport` collects them one
//! at a time in a temporary file, so a million rejected rows cost no memory.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use super::normalize::display_width;
use super::problem::{Problem, keys};
use crate::i18n::Tr;

/// Rows of an Excel sheet.
const SHEET_ROWS: u32 = 1_048_576;
/// Light red fill with dark red text: Excel's own "bad" highlight.
const BAD_FILL: u32 = 0xFFC7CE;
const BAD_TEXT: u32 = 0x9C0006;

/// A reason a row was rejected: at a cell (`column`, 0-based) or the whole row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellError {
    pub column: Option<usize>,
    /// Already in the reader's language.
    pub message: String,
}

/// A rejected row: its sheet row number, its original cells, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    pub row: usize,
    pub cells: Vec<String>,
    pub errors: Vec<CellError>,
}

/// The report as xlsx bytes.
pub fn error_report(tr: &Tr, header: &[String], rows: &[RejectedRow]) -> Result<Vec<u8>, Problem> {
    let mut workbook = Workbook::new();
    write_sheets(
        &mut workbook,
        tr,
        header,
        rows.len(),
        rows.iter().cloned().map(Ok),
    )?;
    workbook.save_to_buffer().map_err(Problem::write_failed)
}

/// The report written to `path`.
pub fn write_error_report(
    path: &Path,
    tr: &Tr,
    header: &[String],
    rows: &[RejectedRow],
) -> Result<(), Problem> {
    let mut workbook = Workbook::new();
    write_sheets(
        &mut workbook,
        tr,
        header,
        rows.len(),
        rows.iter().cloned().map(Ok),
    )?;
    workbook.save(path).map_err(Problem::write_failed)
}

/// A report built one rejected row at a time; rows wait in a temporary file until `finish`.
pub struct ErrorReport {
    header: Vec<String>,
    spool: BufWriter<File>,
    count: usize,
}

impl ErrorReport {
    pub fn new(header: Vec<String>) -> Result<Self, Problem> {
        let file = tempfile::tempfile().map_err(Problem::write_failed)?;
        Ok(ErrorReport {
            header,
            spool: BufWriter::new(file),
            count: 0,
        })
    }

    pub fn push(&mut self, row: &RejectedRow) -> Result<(), Problem> {
        serde_json::to_writer(&mut self.spool, row).map_err(Problem::write_failed)?;
        self.spool.write_all(b"\n").map_err(Problem::write_failed)?;
        self.count += 1;
        Ok(())
    }

    /// Rows pushed so far.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Writes the report to `path` and says how many rows it holds.
    pub fn finish(self, tr: &Tr, path: &Path) -> Result<usize, Problem> {
        let mut file = self.spool.into_inner().map_err(Problem::write_failed)?;
        file.rewind().map_err(Problem::write_failed)?;
        let rows = BufReader::new(file).lines().map(|line| {
            let line = line.map_err(Problem::write_failed)?;
            serde_json::from_str::<RejectedRow>(&line).map_err(Problem::write_failed)
        });
        let mut workbook = Workbook::new();
        write_sheets(&mut workbook, tr, &self.header, self.count, rows)?;
        workbook.save(path).map_err(Problem::write_failed)?;
        Ok(self.count)
    }
}

struct Formats {
    summary: Format,
    header: Format,
    text: Format,
    bad: Format,
    reasons: Format,
}

impl Formats {
    fn new() -> Self {
        let text = Format::new().set_num_format("@");
        Formats {
            summary: Format::new()
                .set_bold()
                .set_font_color(BAD_TEXT)
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            header: Format::new()
                .set_bold()
                .set_background_color(0xF2F2F2)
                .set_border(rust_xlsxwriter::FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_text_wrap(),
            bad: text
                .clone()
                .set_background_color(BAD_FILL)
                .set_font_color(BAD_TEXT),
            reasons: text.clone().set_font_color(BAD_TEXT).set_text_wrap(),
            text,
        }
    }
}

fn write_sheets(
    workbook: &mut Workbook,
    tr: &Tr,
    header: &[String],
    count: usize,
    rows: impl Iterator<Item = Result<RejectedRow, Problem>>,
) -> Result<(), Problem> {
    let formats = Formats::new();
    let reasons_column = tr.t(keys::REPORT_ERRORS_COLUMN).to_string();
    let summary = tr.f(
        keys::REPORT_SUMMARY,
        &[("count", &count.to_string()), ("column", &reasons_column)],
    );
    let separator = tr.t(keys::LIST_SEPARATOR).to_string();
    let mut sheet = new_sheet(workbook, header, &reasons_column, &summary, &formats)?;
    let mut next = 2u32;
    for row in rows {
        let row = row?;
        if next >= SHEET_ROWS {
            sheet = new_sheet(workbook, header, &reasons_column, &summary, &formats)?;
            next = 2;
        }
        let ws = workbook
            .worksheet_from_index(sheet)
            .map_err(Problem::write_failed)?;
        write_row(ws, next, &row, header.len(), tr, &separator, &formats)
            .map_err(Problem::write_failed)?;
        next += 1;
    }
    Ok(())
}

fn new_sheet(
    workbook: &mut Workbook,
    header: &[String],
    reasons_column: &str,
    summary: &str,
    formats: &Formats,
) -> Result<usize, Problem> {
    let ws = workbook
        .add_worksheet_with_constant_memory()
        .map_err(Problem::write_failed)?;
    fill_head(ws, header, reasons_column, summary, formats).map_err(Problem::write_failed)?;
    Ok(workbook.worksheets().len() - 1)
}

fn fill_head(
    ws: &mut Worksheet,
    header: &[String],
    reasons_column: &str,
    summary: &str,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let reasons = header.len() as u16;
    for (c, label) in header.iter().enumerate() {
        let width = (display_width(label) + 4).clamp(10, 40);
        ws.set_column_width(c as u16, width as f64)?;
        ws.set_column_format(c as u16, &formats.text)?;
    }
    ws.set_column_width(reasons, 60)?;
    ws.set_row_height(0, 32)?;
    if reasons > 0 {
        ws.merge_range(0, 0, 0, reasons, summary, &formats.summary)?;
    } else {
        ws.write_string_with_format(0, 0, summary, &formats.summary)?;
    }
    for (c, label) in header.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, label, &formats.header)?;
    }
    ws.write_string_with_format(1, reasons, reasons_column, &formats.header)?;
    ws.set_freeze_panes(2, 0)?;
    Ok(())
}

fn write_row(
    ws: &mut Worksheet,
    r: u32,
    row: &RejectedRow,
    header_len: usize,
    tr: &Tr,
    separator: &str,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let bad = |c: usize| row.errors.iter().any(|e| e.column == Some(c));
    // Cells right of the header belong to no column and were never read; the reasons go there.
    for c in 0..header_len {
        let text = row.cells.get(c).map(String::as_str).unwrap_or("");
        let format = if bad(c) { &formats.bad } else { &formats.text };
        if text.is_empty() {
            if bad(c) {
                ws.write_blank(r, c as u16, format)?;
            }
        } else {
            ws.write_string_with_format(r, c as u16, text, format)?;
        }
    }
    let messages: Vec<&str> = row.errors.iter().map(|e| e.message.as_str()).collect();
    let reasons = tr.f(
        keys::ROW,
        &[
            ("row", &row.row.to_string()),
            ("problems", &messages.join(separator)),
        ],
    );
    ws.write_string_with_format(r, header_len as u16, &reasons, &formats.reasons)?;
    Ok(())
}

//! Exports of list views, streamed: memory stays flat however many rows go out.
//!
//! `XlsxExport` writes in rust_xlsxwriter's constant-memory mode: row 1 the title, row 2 the
//! filter the list was made with, row 3 the header (bold, frozen), then the data; a sheet that
//! reaches Excel's 1,048,576 rows continues on `Sheet2`, `Sheet3`… under the same three rows.
//! Identifiers are written as text with the text format, so an 18-digit number never becomes
//! `1.10101E+17`.
//!
//! `CsvExport` writes UTF-8 with a BOM (so Excel on Chinese Windows does not read it as GBK),
//! CRLF line ends and quoting where needed. Text that Excel would run as a formula (`=`, `+`,
//! `-`, `@` first) is led by a `'`, the usual defence against formula injection.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::normalize::display_width;
use super::problem::{Problem, keys};
use super::read::number_text;
use crate::i18n::Tr;

/// Rows of an Excel sheet.
pub const SHEET_ROWS: u32 = 1_048_576;
/// Title, filter and header.
const HEAD_ROWS: u32 = 3;
/// The most characters an Excel cell holds.
const CELL_CHARS: usize = 32_767;

/// One cell of an exported row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    /// An identifier (ID number, credit code, phone): always text.
    Id(&'a str),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(text: &'a str) -> Self {
        Cell::Text(text)
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(text: &'a String) -> Self {
        Cell::Text(text)
    }
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<f64> for Cell<'_> {
    fn from(n: f64) -> Self {
        Cell::Float(n)
    }
}

impl From<NaiveDate> for Cell<'_> {
    fn from(date: NaiveDate) -> Self {
        Cell::Date(date)
    }
}

impl<'a, T: Into<Cell<'a>>> From<Option<T>> for Cell<'a> {
    fn from(value: Option<T>) -> Self {
        value.map(Into::into).unwrap_or(Cell::Empty)
    }
}

/// The line under an export's title: `筛选条件：辖区 同心区；标签 独居老人`, or that there was
/// no filter. `filters` holds (label, value) pairs, already translated.
pub fn describe_filter(tr: &Tr, filters: &[(&str, &str)]) -> String {
    if filters.is_empty() {
        return tr.t(keys::EXPORT_FILTER_NONE).to_string();
    }
    let items: Vec<String> = filters
        .iter()
        .map(|(label, value)| {
            tr.f(
                keys::EXPORT_FILTER_ITEM,
                &[("label", label), ("value", value)],
            )
        })
        .collect();
    tr.f(
        keys::EXPORT_FILTER,
        &[("filter", &items.join(tr.t(keys::LIST_SEPARATOR)))],
    )
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub rows: u64,
    pub sheets: usize,
}

struct Formats {
    title: Format,
    filter: Format,
    header: Format,
    id: Format,
    date: Format,
}

/// A streaming xlsx export.
pub struct XlsxExport {
    workbook: Workbook,
    path: PathBuf,
    title: String,
    filter: String,
    headers: Vec<String>,
    formats: Formats,
    rows_per_sheet: u32,
    sheet: usize,
    next_row: u32,
    rows: u64,
}

impl XlsxExport {
    /// Starts an export to `path` (written by `finish`; until then rows wait in temporary files).
    pub fn create(
        path: impl AsRef<Path>,
        title: &str,
        filter: &str,
        headers: &[&str],
    ) -> Result<Self, Problem> {
        Self::create_with_sheet_rows(path, title, filter, headers, SHEET_ROWS)
    }

    /// As `create`, with sheets of `rows_per_sheet` rows (head included), so tests can see a
    /// split without writing a million rows.
    #[doc(hidden)]
    pub fn create_with_sheet_rows(
        path: impl AsRef<Path>,
        title: &str,
        filter: &str,
        headers: &[&str],
        rows_per_sheet: u32,
    ) -> Result<Self, Problem> {
        let mut export = XlsxExport {
            workbook: Workbook::new(),
            path: path.as_ref().to_path_buf(),
            title: title.to_string(),
            filter: filter.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            formats: Formats {
                title: Format::new()
                    .set_bold()
                    .set_font_size(16)
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter),
                filter: Format::new().set_font_color(0x595959),
                header: Format::new()
                    .set_bold()
                    .set_background_color(0xF2F2F2)
                    .set_border(rust_xlsxwriter::FormatBorder::Thin)
                    .set_align(FormatAlign::Center),
                id: Format::new().set_num_format("@"),
                date: Format::new().set_num_format("yyyy-mm-dd"),
            },
            rows_per_sheet: rows_per_sheet.clamp(HEAD_ROWS + 1, SHEET_ROWS),
            sheet: 0,
            next_row: 0,
            rows: 0,
        };
        export.add_sheet()?;
        Ok(export)
    }

    fn add_sheet(&mut self) -> Result<(), Problem> {
        let ws = self
            .workbook
            .add_worksheet_with_constant_memory()
            .map_err(Problem::write_failed)?;
        write_head(ws, &self.title, &self.filter, &self.headers, &self.formats)
            .map_err(Problem::write_failed)?;
        self.sheet = self.workbook.worksheets().len() - 1;
        self.next_row = HEAD_ROWS;
        Ok(())
    }

    pub fn push_row(&mut self, cells: &[Cell<'_>]) -> Result<(), Problem> {
        if self.next_row >= self.rows_per_sheet {
            self.add_sheet()?;
        }
        let ws = self
            .workbook
            .worksheet_from_index(self.sheet)
            .map_err(Problem::write_failed)?;
        write_cells(ws, self.next_row, cells, &self.formats).map_err(Problem::write_failed)?;
        self.next_row += 1;
        self.rows += 1;
        Ok(())
    }

    /// Writes the file.
    pub fn finish(mut self) -> Result<ExportSummary, Problem> {
        self.workbook
            .save(&self.path)
            .map_err(Problem::write_failed)?;
        Ok(ExportSummary {
            rows: self.rows,
            sheets: self.workbook.worksheets().len(),
        })
    }
}

fn write_head(
    ws: &mut Worksheet,
    title: &str,
    filter: &str,
    headers: &[String],
    formats: &Formats,
) -> Result<(), XlsxError> {
    let last = headers.len().saturating_sub(1) as u16;
    for (c, header) in headers.iter().enumerate() {
        let width = (display_width(header) + 4).clamp(8, 40);
        ws.set_column_width(c as u16, width as f64)?;
    }
    ws.set_row_height(0, 28)?;
    if last > 0 {
        ws.merge_range(0, 0, 0, last, title, &formats.title)?;
        ws.merge_range(1, 0, 1, last, filter, &formats.filter)?;
    } else {
        ws.write_string_with_format(0, 0, title, &formats.title)?;
        ws.write_string_with_format(1, 0, filter, &formats.filter)?;
    }
    for (c, header) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, header, &formats.header)?;
    }
    ws.set_freeze_panes(HEAD_ROWS, 0)?;
    Ok(())
}

fn write_cells(
    ws: &mut Worksheet,
    r: u32,
    cells: &[Cell<'_>],
    formats: &Formats,
) -> Result<(), XlsxError> {
    for (c, cell) in cells.iter().enumerate() {
        let c = c as u16;
        match *cell {
            Cell::Empty => {}
            Cell::Text(text) => {
                ws.write_string(r, c, fit(text))?;
            }
            Cell::Id(text) => {
                ws.write_string_with_format(r, c, fit(text), &formats.id)?;
            }
            Cell::Int(n) => {
                ws.write_number(r, c, n as f64)?;
            }
            Cell::Float(n) => {
                ws.write_number(r, c, n)?;
            }
            Cell::Date(date) => {
                let date = ExcelDateTime::from_ymd(
                    date.year() as u16,
                    date.month() as u8,
                    date.day() as u8,
                )?;
                ws.write_datetime_with_format(r, c, date, &formats.date)?;
            }
        }
    }
    Ok(())
}

/// Cut to what a cell holds, on a character boundary.
fn fit(text: &str) -> &str {
    if text.len() <= CELL_CHARS {
        return text;
    }
    match text.char_indices().nth(CELL_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// A streaming CSV export to any writer.
pub struct CsvExport<W: Write> {
    writer: csv::Writer<W>,
    scratch: String,
    rows: u64,
}

impl<W: Write> CsvExport<W> {
    /// Writes the BOM and the header.
    pub fn new(mut out: W, headers: &[&str]) -> Result<Self, Problem> {
        out.write_all(b"\xEF\xBB\xBF")
            .map_err(Problem::write_failed)?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .buffer_capacity(64 * 1024)
            .from_writer(out);
        writer
            .write_record(headers)
            .map_err(Problem::write_failed)?;
        Ok(CsvExport {
            writer,
            scratch: String::new(),
            rows: 0,
        })
    }

    pub fn push_row(&mut self, cells: &[Cell<'_>]) -> Result<(), Problem> {
        use std::fmt::Write as _;
        for cell in cells {
            self.scratch.clear();
            let field: &str = match *cell {
                Cell::Empty => "",
                Cell::Id(text) => text,
                Cell::Text(text) if needs_guard(text) => {
                    self.scratch.push('\'');
                    self.scratch.push_str(text);
                    &self.scratch
                }
                Cell::Text(text) => text,
                Cell::Int(n) => {
                    let _ = write!(self.scratch, "{n}");
                    &self.scratch
                }
                Cell::Float(n) => {
                    self.scratch = number_text(n).0;
                    &self.scratch
                }
                Cell::Date(date) => {
                    let _ = write!(
                        self.scratch,
                        "{:04}-{:02}-{:02}",
                        date.year(),
                        date.month(),
                        date.day()
                    );
                    &self.scratch
                }
            };
            self.writer
                .write_field(field)
                .map_err(Problem::write_failed)?;
        }
        self.writer
            .write_record(None::<&[u8]>)
            .map_err(Problem::write_failed)?;
        self.rows += 1;
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and gives the writer back.
    pub fn finish(self) -> Result<W, Problem> {
        self.writer
            .into_inner()
            .map_err(|e| Problem::write_failed(e.error()))
    }
}

/// Text Excel would evaluate: a leading `=`, `+`, `@`, tab or carriage return, or `-` unless
/// the text is a plain number.
fn needs_guard(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'@' | b'\t' | b'\r') => true,
        Some(b'-') => text.len() > 1 && text.parse::<f64>().is_err(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_in_text_are_defused_in_csv() {
        assert!(needs_guard("=HYPERLINK(\"x\")"));
        assert!(needs_guard("+86 138"));
        assert!(needs_guard("@SUM(A1)"));
        assert!(needs_guard("-A1"));
        assert!(!needs_guard("-12.5"));
        assert!(!needs_guard("-"));
        assert!(!needs_guard("张三"));
    }

    #[test]
    fn a_csv_export_has_a_bom_crlf_and_quotes() {
        let mut csv = CsvExport::new(Vec::new(), &["姓名", "身份证号", "人数", "日期"]).unwrap();
        let date = NaiveDate::from_ymd_opt(2020, 3, 6).unwrap();
        csv.push_row(&[
            Cell::Text("张三, \"小张\""),
            Cell::Id("110101199003071234"),
            Cell::Int(3),
            Cell::Date(date),
        ])
        .unwrap();
        csv.push_row(&[
            Cell::Text("=1+1"),
            Cell::Empty,
            Cell::Float(0.5),
            Cell::Empty,
        ])
        .unwrap();
        assert_eq!(csv.rows(), 2);
        let bytes = csv.finish().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "\u{FEFF}姓名,身份证号,人数,日期\r\n\
             \"张三, \"\"小张\"\"\",110101199003071234,3,2020-03-06\r\n\
             '=1+1,,0.5,\r\n"
        );
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let text = "同".repeat(CELL_CHARS + 5);
        assert_eq!(fit(&text).chars().count(), CELL_CHARS);
        assert_eq!(fit("短"), "短");
    }
}

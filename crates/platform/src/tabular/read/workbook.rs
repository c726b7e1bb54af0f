//! Excel workbooks through calamine. An xlsx sheet is streamed with calamine's cell reader on a
//! thread of its own, handing rows over in batches through a bounded channel: the cells are
//! never all in memory, and parsing the XML overlaps with whatever the caller does with the rows.
//! An xls sheet is read whole (the format holds at most 65,536 rows).
//!
//! Cell values become the text an official sees: integers without `.0`, other numbers to Excel's
//! 15 significant digits, dates as `YYYY-MM-DD`, booleans as `是`/`否`.

use std::io::{Read, Seek};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{
    Data, DataRef, Dimensions, ExcelDateTime, Reader, Sheet, SheetType, SheetVisible, Xls,
    XlsError, Xlsx, XlsxError,
};

use super::{Merged, RowSource, SheetRow};
use crate::tabular::normalize::trim;
use crate::tabular::problem::{Problem, keys};

/// Rows per hand-over between the reading thread and the caller.
const BATCH: usize = 1024;
/// Batches waiting in the channel at most; bounds the memory read ahead (16 batches of a
/// person sheet: about 8 MB). Enough that the reader seldom waits for a caller busy with other
/// work for a moment: with 4, a million-row person import kept both cores 80–87 % busy while
/// streaming, with 16 (and the importer's longer queue) 85–93 %.
const BATCHES_IN_FLIGHT: usize = 16;

type Batch = Result<Vec<SheetRow>, Problem>;

/// `merges_reader` is a second reader over the same file, for the merged regions.
pub(super) fn open_xlsx<R: Read + Seek + Send + 'static>(
    reader: R,
    merges_reader: R,
) -> Result<(String, Vec<Merged>, RowSource), Problem> {
    // A header cannot be understood without its merged regions; see `merges` for why they are
    // not asked of calamine first. On a large sheet both the search for them and calamine's
    // reading of the shared strings take a while: they run side by side.
    let search = std::thread::Builder::new()
        .name("tabular-merges".into())
        .spawn(move || super::merges::first_sheet_merges(merges_reader))
        .map_err(Problem::unreadable)?;
    let book = Xlsx::new(reader).map_err(xlsx_problem);
    let found = search.join().ok().flatten();
    let mut book = book?;
    let sheet = first_sheet(book.sheets_metadata())?;
    let index = book
        .sheets_metadata()
        .iter()
        .position(|s| s.name == sheet)
        .unwrap_or(0);
    let merges = match found {
        Some((i, name, merges)) if i == index && name == sheet => merges,
        _ => book
            .merge_cells_by_sheet_name(&sheet)
            .map_err(xlsx_problem)?
            .iter()
            .map(merged)
            .collect(),
    };
    let (sender, receiver) = sync_channel::<Batch>(BATCHES_IN_FLIGHT);
    let name = sheet.clone();
    std::thread::Builder::new()
        .name("tabular-xlsx".into())
        .spawn(move || stream_xlsx(&mut book, &name, &sender))
        .map_err(Problem::unreadable)?;
    Ok((sheet, merges, Box::new(Batches::new(receiver))))
}

fn stream_xlsx<R: Read + Seek>(book: &mut Xlsx<R>, sheet: &str, sender: &SyncSender<Batch>) {
    let mut cells = match book.worksheet_cells_reader(sheet) {
        Ok(cells) => cells,
        Err(e) => {
            let _ = sender.send(Err(xlsx_problem(e)));
            return;
        }
    };
    let mut batch = Vec::with_capacity(BATCH);
    let mut current = SheetRow::default();
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => {
                let _ = sender.send(Err(xlsx_problem(e)));
                return;
            }
        };
        let (row, col) = cell.get_position();
        let (row, col) = (row as usize + 1, col as usize);
        if row != current.row {
            // Rows of a sheet are mostly as wide as the one before: one allocation per row
            // instead of a vector grown cell by cell.
            let width = current.cells.len();
            let next = SheetRow::new(row, Vec::with_capacity(width));
            let done = std::mem::replace(&mut current, next);
            if push(&mut batch, done) && sender.send(Ok(std::mem::take(&mut batch))).is_err() {
                // The caller stopped reading.
                return;
            }
        }
        let (text, lost) = data_ref_text(cell.get_value());
        put(&mut current, col, text, lost);
    }
    push(&mut batch, current);
    if !batch.is_empty() {
        let _ = sender.send(Ok(batch));
    }
}

/// Adds a finished row to the batch unless it holds no text; says whether the batch is full.
fn push(batch: &mut Vec<SheetRow>, mut row: SheetRow) -> bool {
    row.trim_end();
    if row.row > 0 && !row.cells.is_empty() {
        batch.push(row);
    }
    batch.len() >= BATCH
}

fn put(row: &mut SheetRow, col: usize, text: String, lost: bool) {
    if text.is_empty() {
        return;
    }
    if col < row.cells.len() {
        row.cells[col] = text;
    } else {
        row.cells.resize(col, String::new());
        row.cells.push(text);
    }
    if lost {
        row.lost_digits.push(col);
    }
}

/// The caller's side of the channel, one row at a time.
struct Batches {
    receiver: Receiver<Batch>,
    current: std::vec::IntoIter<SheetRow>,
}

impl Batches {
    fn new(receiver: Receiver<Batch>) -> Self {
        Batches {
            receiver,
            current: Vec::new().into_iter(),
        }
    }
}

impl Iterator for Batches {
    type Item = Result<SheetRow, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.current.next() {
                return Some(Ok(row));
            }
            match self.receiver.recv() {
                Ok(Ok(rows)) => self.current = rows.into_iter(),
                Ok(Err(problem)) => return Some(Err(problem)),
                // The reading thread finished.
                Err(_) => return None,
            }
        }
    }
}

pub(super) fn open_xls<R: Read + Seek + Send + 'static>(
    reader: R,
) -> Result<(String, Vec<Merged>, RowSource), Problem> {
    let mut book = Xls::new(reader).map_err(xls_problem)?;
    let sheet = first_sheet(book.sheets_metadata())?;
    let merges = book
        .merge_cells_by_sheet_name(&sheet)
        .unwrap_or_default()
        .iter()
        .map(merged)
        .collect();
    let range = book.worksheet_range(&sheet).map_err(xls_problem)?;
    let (first_row, first_col) = range
        .start()
        .map(|(r, c)| (r as usize, c as usize))
        .unwrap_or((0, 0));
    let (height, width) = range.get_size();
    let rows = (0..height).filter_map(move |r| {
        let mut row = SheetRow::new(first_row + r + 1, Vec::new());
        for c in 0..width {
            if let Some(value) = range.get((r, c)) {
                let (text, lost) = data_text(value);
                put(&mut row, first_col + c, text, lost);
            }
        }
        row.trim_end();
        (!row.cells.is_empty()).then_some(Ok(row))
    });
    Ok((sheet, merges, Box::new(rows)))
}

/// The first visible worksheet: hidden sheets hold lookup lists, not the data.
fn first_sheet(sheets: &[Sheet]) -> Result<String, Problem> {
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    worksheets()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets().next())
        .map(|s| s.name.clone())
        .ok_or_else(|| Problem::new(keys::FILE_NO_SHEET))
}

fn merged(d: &Dimensions) -> Merged {
    Merged {
        first_row: d.start.0 as usize + 1,
        last_row: d.end.0 as usize + 1,
        first_col: d.start.1 as usize,
        last_col: d.end.1 as usize,
    }
}

fn xlsx_problem(e: XlsxError) -> Problem {
    match e {
        XlsxError::Password => Problem::new(keys::FILE_PASSWORD),
        other => Problem::unreadable(other),
    }
}

fn xls_problem(e: XlsError) -> Problem {
    match e {
        XlsError::Password => Problem::new(keys::FILE_PASSWORD),
        other => Problem::unreadable(other),
    }
}

fn data_ref_text(value: &DataRef<'_>) -> (String, bool) {
    match value {
        DataRef::Empty => (String::new(), false),
        DataRef::SharedString(s) => (trim(s).to_string(), false),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            (trim(s).to_string(), false)
        }
        DataRef::Float(f) => number_text(*f),
        DataRef::Int(i) => (i.to_string(), false),
        DataRef::Bool(b) => (bool_text(*b), false),
        DataRef::DateTime(dt) => (datetime_text(dt), false),
        DataRef::Error(e) => (e.to_string(), false),
    }
}

fn data_text(value: &Data) -> (String, bool) {
    match value {
        Data::Empty => (String::new(), false),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            (trim(s).to_string(), false)
        }
        Data::Float(f) => number_text(*f),
        Data::Int(i) => (i.to_string(), false),
        Data::Bool(b) => (bool_text(*b), false),
        Data::DateTime(dt) => (datetime_text(dt), false),
        Data::Error(e) => (e.to_string(), false),
    }
}

fn bool_text(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

/// Excel shows at most 15 significant digits, and keeps no more: a whole number of 16 or more
/// digits (an 18-digit ID typed into a number cell) has lost its tail, which the flag reports.
pub(crate) fn number_text(f: f64) -> (String, bool) {
    if !f.is_finite() {
        return (f.to_string(), false);
    }
    if f.fract() == 0.0 {
        if f.abs() < 1e15 {
            return ((f as i64).to_string(), false);
        }
        let text = if f.abs() < 9e18 {
            (f as i64).to_string()
        } else {
            f.to_string()
        };
        return (text, true);
    }
    // Round to 15 significant digits as Excel displays them: 0.1 + 0.2 shows as 0.3.
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    (rounded.to_string(), false)
}

/// `YYYY-MM-DD`, with the time only when there is one; a time alone as `HH:MM:SS`.
fn datetime_text(dt: &ExcelDateTime) -> String {
    if dt.is_duration() {
        return number_text(dt.as_f64()).0;
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    let has_time = (h, mi, s) != (0, 0, 0);
    if dt.as_f64() < 1.0 && has_time {
        format!("{h:02}:{mi:02}:{s:02}")
    } else if has_time {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(number_text(42.0), ("42".into(), false));
        assert_eq!(number_text(-3.0), ("-3".into(), false));
        assert_eq!(number_text(0.1 + 0.2), ("0.3".into(), false));
        assert_eq!(number_text(12.5), ("12.5".into(), false));
        assert_eq!(number_text(13800138000.0), ("13800138000".into(), false));
        assert_eq!(
            number_text(999_999_999_999_999.0),
            ("999999999999999".into(), false)
        );
    }

    #[test]
    fn an_eighteen_digit_number_is_flagged_as_having_lost_digits() {
        let (text, lost) = number_text(110_101_199_003_071_234.0);
        assert!(lost);
        assert_eq!(text.len(), 18);
        assert_ne!(text, "110101199003071234");
    }

    #[test]
    fn dates_read_as_iso_dates() {
        let date = ExcelDateTime::new(43896.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime_text(&date), "2020-03-06");
        let with_time = ExcelDateTime::new(43896.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime_text(&with_time), "2020-03-06 12:00:00");
        let time = ExcelDateTime::new(0.75, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime_text(&time), "18:00:00");
    }
}

//! Excel workbooks. An xlsx sheet is streamed on a thread of its own — by this crate's reader
//! (`package`, `sheet`), or by calamine's cell reader when the package is laid out unusually —
//! handing rows over in batches through a bounded channel: the cells are never all in memory,
//! and parsing the XML overlaps with whatever the caller does with the rows. An xls sheet is
//! read whole through calamine (the format holds at most 65,536 rows).
//!
//! Cell values become the text an official sees: integers without `.0`, other numbers to Excel's
//! 15 significant digits, dates as `YYYY-MM-DD`, booleans as `是`/`否`.

use std::io::{Read, Seek};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{
    Data, DataRef, Dimensions, ExcelDateTime, Reader, Sheet, SheetType, SheetVisible, Xls,
    XlsError, Xlsx, XlsxError,
};

use zip::ZipArchive;

use super::package::{self, CellContext};
use super::sheet::SheetRows;
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

/// Opens an xlsx with this module's own reader of the sheet (`package`, `sheet`): about twice
/// as fast as calamine's cell reader and with the shared strings in one buffer. A package laid
/// out otherwise than expected is read through calamine instead.
///
/// `merges_reader` is a second reader over the same file, for the merged regions.
pub(super) fn open_xlsx<R: Read + Seek + Send + 'static>(
    reader: R,
    merges_reader: R,
) -> Result<(String, Vec<Merged>, RowSource), Problem> {
    let mut zip = match ZipArchive::new(reader) {
        Ok(zip) => zip,
        Err(_) => return open_xlsx_with_calamine(merges_reader),
    };
    let Some(index) = package::index(&mut zip) else {
        return open_xlsx_with_calamine(rewound(zip.into_inner())?);
    };
    // A header cannot be understood without its merged regions; see `merges` for why they are
    // searched for apart. On a large sheet both that search and the reading of the shared
    // strings take a while: they run side by side.
    let path = index.sheet.path.clone();
    let search = std::thread::Builder::new()
        .name("tabular-merges".into())
        .spawn(move || super::merges::sheet_merges(merges_reader, &path))
        .map_err(Problem::unreadable)?;
    let context = package::cell_context(&mut zip, &index);
    let merges = search.join().ok().flatten();
    let (context, merges) = match (context, merges) {
        (Err(e), _) => return Err(Problem::unreadable(e)),
        (Ok(Some(context)), Some(merges)) => (context, merges),
        _ => return open_xlsx_with_calamine(rewound(zip.into_inner())?),
    };
    let (sender, receiver) = sync_channel::<Batch>(BATCHES_IN_FLIGHT);
    let path = index.sheet.path;
    std::thread::Builder::new()
        .name("tabular-xlsx".into())
        .spawn(move || stream_sheet(zip, &path, context, &sender))
        .map_err(Problem::unreadable)?;
    Ok((index.sheet.name, merges, Box::new(Batches::new(receiver))))
}

fn rewound<R: Seek>(mut reader: R) -> Result<R, Problem> {
    reader
        .seek(std::io::SeekFrom::Start(0))
        .map_err(Problem::unreadable)?;
    Ok(reader)
}

fn stream_sheet<R: Read + Seek>(
    mut zip: ZipArchive<R>,
    path: &str,
    context: CellContext,
    sender: &SyncSender<Batch>,
) {
    let rows = zip
        .by_name(path)
        .map_err(Problem::unreadable)
        .and_then(|part| SheetRows::new(part, context).map_err(Problem::unreadable));
    let mut rows = match rows {
        Ok(rows) => rows,
        Err(problem) => {
            let _ = sender.send(Err(problem));
            return;
        }
    };
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        match rows.next_row() {
            Ok(Some(row)) => {
                batch.push(row);
                if batch.len() >= BATCH && sender.send(Ok(std::mem::take(&mut batch))).is_err() {
                    // The caller stopped reading.
                    return;
                }
            }
            Ok(None) => break,
            Err(e) => {
                let _ = sender.send(Err(Problem::unreadable(e)));
                return;
            }
        }
    }
    if !batch.is_empty() {
        let _ = sender.send(Ok(batch));
    }
}

/// Opens an xlsx through calamine: cells streamed by its cell reader, merged regions from its
/// own (slower) search.
pub(super) fn open_xlsx_with_calamine<R: Read + Seek + Send + 'static>(
    reader: R,
) -> Result<(String, Vec<Merged>, RowSource), Problem> {
    let mut book = Xlsx::new(reader).map_err(xlsx_problem)?;
    let sheet = first_sheet(book.sheets_metadata())?;
    let merges = book
        .merge_cells_by_sheet_name(&sheet)
        .map_err(xlsx_problem)?
        .iter()
        .map(merged)
        .collect();
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

pub(super) fn put(row: &mut SheetRow, col: usize, text: String, lost: bool) {
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

pub(super) fn bool_text(b: bool) -> String {
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
pub(super) fn datetime_text(dt: &ExcelDateTime) -> String {
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
    use rust_xlsxwriter::{ExcelDateTime as WriterDate, Format, Formula, Workbook};

    type SheetRead = (String, Vec<Merged>, Vec<SheetRow>);

    fn read_all((sheet, mut merges, rows): (String, Vec<Merged>, RowSource)) -> SheetRead {
        merges.sort_by_key(|m| (m.first_row, m.first_col));
        let rows = rows.collect::<Result<Vec<_>, _>>().expect("rows");
        (sheet, merges, rows)
    }

    fn both_ways(bytes: &[u8]) -> (SheetRead, SheetRead) {
        let cursor = || std::io::Cursor::new(bytes.to_vec());
        let own = read_all(open_xlsx(cursor(), cursor()).expect("opens"));
        let calamine = read_all(open_xlsx_with_calamine(cursor()).expect("opens"));
        (own, calamine)
    }

    /// A sheet with what officials' workbooks hold: titles over merged cells, numbers, dates in
    /// several formats, rich and padded text, formulas, booleans, gaps and blank styled cells.
    #[test]
    fn the_own_reader_reads_a_sheet_as_calamine_does() {
        let mut book = Workbook::new();
        let hidden = book.add_worksheet();
        hidden.write(0, 0, "下拉").unwrap();
        hidden.set_hidden(true);
        let ws = book.add_worksheet().set_name("台账 <1>").unwrap();
        ws.set_active(true);
        let bold = Format::new().set_bold();
        let red = Format::new().set_font_color(rust_xlsxwriter::Color::Red);
        let plain = Format::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let chinese_date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
        let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let clock = Format::new().set_num_format("hh:mm");
        let elapsed = Format::new().set_num_format("[h]:mm:ss");
        let two_decimals = "#,##0.00";
        let money = Format::new().set_num_format(two_decimals);
        ws.merge_range(0, 0, 0, 8, "XX区复工企业台账", &bold)
            .unwrap();
        ws.write(1, 0, "单位：万元").unwrap();
        ws.merge_range(2, 1, 3, 1, "姓名", &plain).unwrap();
        let day = WriterDate::from_ymd(2020, 3, 6).unwrap();
        let moment = WriterDate::from_ymd(2020, 3, 6)
            .unwrap()
            .and_hms(14, 5, 9)
            .unwrap();
        for r in 4..40u32 {
            let i = f64::from(r);
            ws.write(r, 0, i).unwrap();
            ws.write(r, 1, format!("  张{r}  ")).unwrap();
            ws.write(r, 2, "110101199003071234").unwrap();
            ws.write_number(r, 3, 110_101_199_003_071_234.0 + i)
                .unwrap();
            ws.write_datetime_with_format(r, 4, &day, &date).unwrap();
            ws.write_datetime_with_format(r, 5, &day, &chinese_date)
                .unwrap();
            ws.write_datetime_with_format(r, 6, &moment, &stamp)
                .unwrap();
            ws.write_number_with_format(r, 7, 0.75, &clock).unwrap();
            ws.write_number_with_format(r, 8, 1.5 + i, &elapsed)
                .unwrap();
            ws.write_number_with_format(r, 9, 0.1 + 0.2 * i, &money)
                .unwrap();
            ws.write_boolean(r, 10, r % 2 == 0).unwrap();
            ws.write_formula(r, 11, Formula::new("=A5&\"<x>\"").set_result("5<x>"))
                .unwrap();
            ws.write_formula(r, 12, Formula::new("=A5*2").set_result("10"))
                .unwrap();
            ws.write(r, 13, "A & B\n第二行 _x000D_ 😀").unwrap();
            let segments = [(&plain, "红 "), (&red, "色"), (&plain, " 字")];
            ws.write_rich_string(r, 14, &segments).unwrap();
            ws.write_blank(r, 15, &bold).unwrap();
            if r % 3 == 0 {
                ws.write(r, 17, "").unwrap();
                ws.write(r, 18, -12.5).unwrap();
            }
        }
        ws.write(40, 3, "   ").unwrap();
        ws.write_blank(41, 0, &bold).unwrap();
        ws.write(42, 0, "合计").unwrap();
        let (own, calamine) = both_ways(&book.save_to_buffer().unwrap());
        assert_eq!(own, calamine);
        assert_eq!(own.0, "台账 <1>");
        assert_eq!(own.1.len(), 2);
        // Title, unit, header, 36 rows and the totals row; the blank ones are left out.
        assert_eq!(own.2.len(), 40);
        let row = &own.2[3];
        assert_eq!(row.row, 5);
        assert_eq!(row.get(4), "2020-03-06");
        assert_eq!(row.get(6), "2020-03-06 14:05:09");
        assert_eq!(row.get(14), "红 色 字");
        assert_eq!(row.lost_digits, [3]);
    }

    /// The shapes other writers give a package: no shared strings, prefixed names, inline
    /// strings, cells and rows without references. A package the own reader does not know
    /// (here, no relationships for the workbook) is still read, through calamine.
    #[test]
    fn unusual_packages_are_read_too() {
        use std::io::Write;
        let write = |parts: &[(&str, &str)]| {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            for (name, body) in parts {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                zip.write_all(body.as_bytes()).unwrap();
            }
            zip.finish().unwrap().into_inner()
        };
        let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
        let root_rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
        let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="名单" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>"#;
        let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>"#;
        let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row><x:c t="inlineStr"><x:is><x:t>序号</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t xml:space="preserve"> 姓名 </x:t></x:is></x:c></x:row><x:row r="3"><x:c><x:v>1</x:v></x:c><x:c r="C3" t="inlineStr"><x:is><x:r><x:t>李</x:t></x:r><x:r><x:t>四</x:t></x:r></x:is></x:c></x:row></x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A1:A2"/></x:mergeCells></x:worksheet>"#;
        let parts = [
            ("[Content_Types].xml", types),
            ("_rels/.rels", root_rels),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", rels),
            ("xl/worksheets/sheet1.xml", sheet),
        ];
        let (own, calamine) = both_ways(&write(&parts));
        assert_eq!(own, calamine);
        let rows: Vec<_> = own.2.iter().map(|r| (r.row, r.cells.clone())).collect();
        assert_eq!(
            rows,
            vec![
                (1, vec!["序号".to_string(), "姓名".to_string()]),
                (3, vec!["1".to_string(), String::new(), "李四".to_string()]),
            ]
        );
        assert_eq!(own.1.len(), 1);
        // Without the workbook's relationships only calamine's reading is left, and it fails
        // as calamine fails.
        let broken = write(&parts[..3]);
        let own = open_xlsx(
            std::io::Cursor::new(broken.clone()),
            std::io::Cursor::new(broken),
        );
        assert!(own.is_err());
    }

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

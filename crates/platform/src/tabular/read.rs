//! Opening a sheet: `open` looks at the file (its content first, its extension second, because
//! officials rename files and systems export text named `.xls`) and gives a `Table`, a stream of
//! `SheetRow`s — trimmed cell texts with their 1-based sheet row number — plus the sheet's merged
//! regions. Rows holding no text are never produced.
//!
//! Formats: CSV/TXT (`text`: UTF-8 with or without BOM, GBK, UTF-16 with BOM; comma or tab),
//! xlsx/xlsm (`workbook`, streamed cell by cell) and xls (`workbook`, read whole: the format
//! caps a sheet at 65,536 rows).

mod merges;
mod number_format;
mod package;
mod sheet;
mod text;
mod workbook;
mod xml;

pub(crate) use workbook::number_text;

use std::collections::VecDeque;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use super::header::{self, Layout};
use super::problem::{Problem, keys};
use super::rows::Records;
use super::spec::Spec;

/// What the file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
}

/// The encoding a text file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    /// What Excel writes on Chinese Windows ("CSV (逗号分隔)").
    Gbk,
    /// Excel's "Unicode 文本": UTF-16 with a byte-order mark, usually tab-separated.
    Utf16Le,
    Utf16Be,
}

/// One row of the sheet as read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SheetRow {
    /// 1-based row number as the spreadsheet shows it (for CSV, the line as Excel would number it).
    pub row: usize,
    /// Cell texts, trimmed; numbers without a trailing `.0`, dates as `YYYY-MM-DD`, booleans as
    /// `是`/`否`. Trailing empty cells are dropped.
    pub cells: Vec<String>,
    /// Columns (0-based) whose cell was a number of 16 or more digits: Excel keeps 15 significant
    /// digits, so such a number has lost its tail and must not be taken as an identifier.
    pub lost_digits: Vec<usize>,
}

impl SheetRow {
    pub fn new(row: usize, cells: Vec<String>) -> Self {
        SheetRow {
            row,
            cells,
            lost_digits: Vec::new(),
        }
    }

    /// The text of a cell, empty when the row is shorter.
    pub fn get(&self, column: usize) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(|c| c.is_empty())
    }

    /// Drops trailing empty cells (readers call this before producing a row).
    fn trim_end(&mut self) {
        while self.cells.last().is_some_and(|c| c.is_empty()) {
            self.cells.pop();
        }
    }
}

/// A merged region: rows 1-based like `SheetRow::row`, columns 0-based; bounds inclusive. Only
/// the top-left cell holds the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merged {
    pub first_row: usize,
    pub last_row: usize,
    pub first_col: usize,
    pub last_col: usize,
}

impl Merged {
    pub fn contains(&self, row: usize, col: usize) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }
}

pub(crate) type RowSource = Box<dyn Iterator<Item = Result<SheetRow, Problem>> + Send>;

/// An opened sheet: its rows stream from the file as they are asked for.
pub struct Table {
    format: Format,
    encoding: Option<TextEncoding>,
    sheet: Option<String>,
    merges: Vec<Merged>,
    source: RowSource,
    peeked: VecDeque<SheetRow>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("format", &self.format)
            .field("encoding", &self.encoding)
            .field("sheet", &self.sheet)
            .field("merges", &self.merges.len())
            .finish_non_exhaustive()
    }
}

impl Table {
    /// A table over rows already in memory (tests, other sources such as JSON).
    pub fn from_rows(format: Format, rows: Vec<SheetRow>, merges: Vec<Merged>) -> Table {
        let rows = rows.into_iter().filter(|r| !r.is_empty()).map(Ok);
        Table {
            format,
            encoding: None,
            sheet: None,
            merges,
            source: Box::new(rows.collect::<Vec<_>>().into_iter()),
            peeked: VecDeque::new(),
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The encoding a text file was read in; `None` for workbooks.
    pub fn encoding(&self) -> Option<TextEncoding> {
        self.encoding
    }

    /// The worksheet read (the first visible one); `None` for text files.
    pub fn sheet_name(&self) -> Option<&str> {
        self.sheet.as_deref()
    }

    pub fn merges(&self) -> &[Merged] {
        &self.merges
    }

    /// Up to `n` first rows, read ahead and kept for the rows that follow.
    pub fn head(&mut self, n: usize) -> Result<&[SheetRow], Problem> {
        while self.peeked.len() < n {
            match self.source.next() {
                Some(Ok(row)) => self.peeked.push_back(row),
                Some(Err(problem)) => return Err(problem),
                None => break,
            }
        }
        let rows = self.peeked.make_contiguous();
        Ok(&rows[..rows.len().min(n)])
    }

    /// Finds the header among the first rows (see `header::locate`).
    pub fn locate(&mut self, spec: &Spec) -> Result<Layout, Problem> {
        let merges = std::mem::take(&mut self.merges);
        let result = match self.head(header::HEAD_ROWS) {
            Ok([]) => Err(Problem::new(keys::FILE_EMPTY)),
            Ok(rows) => header::locate(rows, &merges, spec),
            Err(problem) => Err(problem),
        };
        self.merges = merges;
        result
    }

    /// The data rows below the header as records.
    pub fn records(self, layout: &Layout) -> Records {
        Records::new(self, layout)
    }
}

impl Iterator for Table {
    type Item = Result<SheetRow, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.peeked.pop_front() {
            Some(row) => Some(Ok(row)),
            None => self.source.next(),
        }
    }
}

/// Opens a file by what it holds: `.csv`, `.txt`, `.xlsx`, `.xlsm`, `.xls` (and WPS `.et`).
pub fn open(path: &Path) -> Result<Table, Problem> {
    let ext = extension(&path.to_string_lossy());
    let path = path.to_path_buf();
    open_reader(&ext, move || {
        let file = std::fs::File::open(&path)?;
        Ok(BufReader::with_capacity(64 * 1024, file))
    })
}

/// Opens an upload held in memory; `file_name` gives the extension.
pub fn open_bytes(file_name: &str, bytes: Vec<u8>) -> Result<Table, Problem> {
    let bytes: Arc<[u8]> = bytes.into();
    open_reader(&extension(file_name), move || {
        Ok(std::io::Cursor::new(bytes.clone()))
    })
}

fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// `reopen` gives a fresh reader over the file each time it is called: an xlsx is read twice,
/// once for its merged regions and once for its cells.
fn open_reader<R, F>(ext: &str, reopen: F) -> Result<Table, Problem>
where
    R: Read + Seek + Send + 'static,
    F: Fn() -> std::io::Result<R>,
{
    if !matches!(ext, "csv" | "txt" | "xlsx" | "xlsm" | "xls" | "et") {
        return Err(Problem::new(keys::FILE_UNKNOWN_FORMAT).arg("ext", ext));
    }
    let mut reader = reopen().map_err(Problem::unreadable)?;
    let mut magic = [0u8; 8];
    let n = read_up_to(&mut reader, &mut magic).map_err(Problem::unreadable)?;
    reader
        .seek(SeekFrom::Start(0))
        .map_err(Problem::unreadable)?;
    let magic = &magic[..n];
    let table = |format, encoding, sheet, merges, source| Table {
        format,
        encoding,
        sheet,
        merges,
        source,
        peeked: VecDeque::new(),
    };
    if magic.starts_with(ZIP_MAGIC) {
        let merges_reader = reopen().map_err(Problem::unreadable)?;
        let (sheet, merges, source) = workbook::open_xlsx(reader, merges_reader)?;
        Ok(table(Format::Xlsx, None, Some(sheet), merges, source))
    } else if magic.starts_with(OLE_MAGIC) {
        let (sheet, merges, source) = workbook::open_xls(reader)?;
        Ok(table(Format::Xls, None, Some(sheet), merges, source))
    } else {
        let text_start = magic
            .strip_prefix(&[0xEF, 0xBB, 0xBF])
            .unwrap_or(magic)
            .trim_ascii_start();
        // Web systems often "export to Excel" an HTML table named .xls.
        if matches!(ext, "xls" | "xlsx" | "xlsm" | "et") && text_start.starts_with(b"<") {
            return Err(Problem::new(keys::FILE_HTML));
        }
        let (encoding, source) = text::open_text(reader, ext == "txt")?;
        Ok(table(Format::Csv, Some(encoding), None, Vec::new(), source))
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

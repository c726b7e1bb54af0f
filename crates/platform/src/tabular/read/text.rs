//! CSV and tab-separated text, streamed. The encoding is decided on the first 64 KiB: a BOM
//! says UTF-8 or UTF-16; otherwise valid UTF-8 is UTF-8 and anything else is GBK, which is what
//! Excel saves on Chinese Windows.
//!
//! GBK is split into records before it is decoded: its trail bytes are never below 0x40, so the
//! quote, comma, tab and line-break bytes looked for cannot be part of a character.
//! UTF-16 is transcoded to UTF-8 on the fly first.

use std::io::{self, BufRead, BufReader, Read};

use encoding_rs::{CoderResult, Decoder, Encoding, GBK, UTF_16BE, UTF_16LE};

use super::{RowSource, SheetRow, TextEncoding};
use crate::tabular::normalize::trim;
use crate::tabular::problem::Problem;

const SNIFF_BYTES: usize = 64 * 1024;

pub(super) fn open_text<R: Read + Send + 'static>(
    reader: R,
    prefer_tabs: bool,
) -> Result<(TextEncoding, RowSource), Problem> {
    let mut raw = BufReader::with_capacity(SNIFF_BYTES, reader);
    let (encoding, bom) = sniff(raw.fill_buf().map_err(Problem::unreadable)?);
    raw.consume(bom);
    let mut text: Box<dyn BufRead + Send> = match encoding {
        TextEncoding::Utf16Le => Box::new(BufReader::new(Transcode::new(raw, UTF_16LE))),
        TextEncoding::Utf16Be => Box::new(BufReader::new(Transcode::new(raw, UTF_16BE))),
        TextEncoding::Utf8 | TextEncoding::Gbk => Box::new(raw),
    };
    let delimiter = sniff_delimiter(text.fill_buf().map_err(Problem::unreadable)?, prefer_tabs);
    // After transcoding, UTF-16 files are UTF-8 text.
    let fields = match encoding {
        TextEncoding::Gbk => TextEncoding::Gbk,
        _ => TextEncoding::Utf8,
    };
    Ok((
        encoding,
        Box::new(CsvRows {
            reader: text,
            delimiter,
            line: Vec::new(),
            field: Vec::new(),
            encoding: fields,
            row: 0,
            failed: false,
        }),
    ))
}

fn sniff(head: &[u8]) -> (TextEncoding, usize) {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return (TextEncoding::Utf8, 3);
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return (TextEncoding::Utf16Le, 2);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return (TextEncoding::Utf16Be, 2);
    }
    match std::str::from_utf8(head) {
        Ok(_) => (TextEncoding::Utf8, 0),
        // A character cut at the end of the sniffed bytes is still UTF-8.
        Err(e) if e.error_len().is_none() => (TextEncoding::Utf8, 0),
        Err(_) => (TextEncoding::Gbk, 0),
    }
}

/// Tabs when the first line holds more tabs than commas (or as many, for `.txt`).
fn sniff_delimiter(head: &[u8], prefer_tabs: bool) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let tabs = line.iter().filter(|b| **b == b'\t').count();
    let commas = line.iter().filter(|b| **b == b',').count();
    if tabs > commas || (prefer_tabs && tabs > 0 && tabs == commas) {
        b'\t'
    } else {
        b','
    }
}

/// Records split by hand rather than by the `csv` crate, which skips blank lines: Excel counts
/// them, and messages must name the row Excel shows. Quoting follows RFC 4180, leniently: a
/// quote inside an unquoted field is text, text after a closing quote is kept.
struct CsvRows<R: BufRead> {
    reader: R,
    delimiter: u8,
    line: Vec<u8>,
    field: Vec<u8>,
    encoding: TextEncoding,
    row: usize,
    failed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the end of the field, or the first of a doubled quote.
    QuoteInQuoted,
}

impl<R: BufRead> CsvRows<R> {
    /// The next record's fields, `None` at the end of the input.
    fn read_record(&mut self) -> io::Result<Option<Vec<String>>> {
        let mut cells = Vec::new();
        let mut state = State::FieldStart;
        let mut started = false;
        self.field.clear();
        loop {
            self.line.clear();
            if self.reader.read_until(b'\n', &mut self.line)? == 0 {
                if !started {
                    return Ok(None);
                }
                // The last record without a line break, or an unclosed quote at the end.
                cells.push(decode(&self.field, self.encoding));
                return Ok(Some(cells));
            }
            started = true;
            for &b in &self.line {
                state = match (state, b) {
                    (State::Quoted, b'"') => State::QuoteInQuoted,
                    (State::Quoted, _) => {
                        self.field.push(b);
                        State::Quoted
                    }
                    (State::QuoteInQuoted, b'"') => {
                        self.field.push(b'"');
                        State::Quoted
                    }
                    (State::FieldStart, b'"') => State::Quoted,
                    (_, b'\n') => {
                        if self.field.last() == Some(&b'\r') {
                            self.field.pop();
                        }
                        cells.push(decode(&self.field, self.encoding));
                        return Ok(Some(cells));
                    }
                    (_, d) if d == self.delimiter => {
                        cells.push(decode(&self.field, self.encoding));
                        self.field.clear();
                        State::FieldStart
                    }
                    (_, _) => {
                        self.field.push(b);
                        State::Unquoted
                    }
                };
            }
        }
    }
}

impl<R: BufRead> Iterator for CsvRows<R> {
    type Item = Result<SheetRow, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.failed {
                return None;
            }
            let cells = match self.read_record() {
                Ok(Some(cells)) => cells,
                Ok(None) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(Problem::unreadable(e)));
                }
            };
            self.row += 1;
            let mut row = SheetRow::new(self.row, cells);
            row.trim_end();
            if !row.cells.is_empty() {
                return Some(Ok(row));
            }
        }
    }
}

fn decode(field: &[u8], encoding: TextEncoding) -> String {
    let text = match encoding {
        TextEncoding::Gbk => GBK.decode_without_bom_handling(field).0,
        // A file whose first 64 KiB were ASCII may still hold GBK further down.
        _ => match std::str::from_utf8(field) {
            Ok(s) => s.into(),
            Err(_) => GBK.decode_without_bom_handling(field).0,
        },
    };
    let text = trim(&text);
    // `="0123"` is how some systems keep Excel from reading a code as a number.
    let text = text
        .strip_prefix("=\"")
        .and_then(|t| t.strip_suffix('"'))
        .map(trim)
        .unwrap_or(text);
    text.to_string()
}

/// A reader giving UTF-8 from a reader in another encoding.
struct Transcode<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
}

impl<R: Read> Transcode<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Transcode {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; 16 * 1024],
            start: 0,
            end: 0,
            eof: false,
        }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.start == self.end && !self.eof {
                self.start = 0;
                self.end = self.inner.read(&mut self.input)?;
                self.eof = self.end == 0;
            }
            let (result, read, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input[self.start..self.end], out, self.eof);
            self.start += read;
            if written > 0 {
                return Ok(written);
            }
            match result {
                CoderResult::InputEmpty if self.eof => return Ok(0),
                CoderResult::InputEmpty => {}
                CoderResult::OutputFull => {
                    return Err(io::Error::other("output buffer too small to transcode"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8]) -> (TextEncoding, Vec<(usize, Vec<String>)>) {
        let (encoding, source) = open_text(std::io::Cursor::new(bytes.to_vec()), false).unwrap();
        let rows = source
            .map(|r| r.unwrap())
            .map(|r| (r.row, r.cells))
            .collect();
        (encoding, rows)
    }

    fn cells(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn utf8_with_and_without_bom_reads_alike() {
        let plain = rows("姓名,电话\n张三,13800138000\n".as_bytes());
        let bom = rows("\u{FEFF}姓名,电话\n张三,13800138000\n".as_bytes());
        assert_eq!(plain.0, TextEncoding::Utf8);
        assert_eq!(plain, bom);
        assert_eq!(plain.1[1], (2, cells(&["张三", "13800138000"])));
    }

    #[test]
    fn gbk_is_recognised_and_decoded() {
        let (bytes, _, _) = GBK.encode("姓名,住址\r\n张三,\"东风街道1号,2单元\"\r\n");
        let (encoding, rows) = rows(&bytes);
        assert_eq!(encoding, TextEncoding::Gbk);
        assert_eq!(rows[1], (2, cells(&["张三", "东风街道1号,2单元"])));
    }

    #[test]
    fn blank_lines_keep_the_row_numbers_excel_shows() {
        let (_, rows) = rows("a,b\n\n\nc,d\r\n\"multi\nline\",e\n,\nf,g\n".as_bytes());
        let numbers: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(numbers, vec![1, 4, 5, 7]);
    }

    #[test]
    fn utf16_tab_separated_text_is_read() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "姓名\t电话\r\n李四\t13900139000\r\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let (encoding, rows) = rows(&bytes);
        assert_eq!(encoding, TextEncoding::Utf16Le);
        assert_eq!(rows[1], (2, cells(&["李四", "13900139000"])));
    }

    #[test]
    fn cells_are_trimmed_and_excel_text_guards_removed() {
        let (_, rows) = rows("\u{3000}张三 ,=\"0451\",\u{200B}x\n".as_bytes());
        assert_eq!(rows[0].1, cells(&["张三", "0451", "x"]));
    }
}

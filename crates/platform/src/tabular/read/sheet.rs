//! A worksheet part's rows, streamed: each `<row>` is found whole in a window over the inflating
//! part and its cells read from it, with the shared strings and number formats of the package.
//! Cell values become text as `workbook` makes calamine's values text, so a sheet reads the
//! same on either path (a test holds the two together).

use std::io::{self, Read};

use calamine::{ExcelDateTime, ExcelDateTimeType};
use memchr::memchr;
use memchr::memmem::{self, Finder};

use super::SheetRow;
use super::number_format::NumberKind;
use super::package::CellContext;
use super::workbook::{bool_text, datetime_text, number_text, put};
use super::xml::{self, Window, malformed};
use crate::tabular::normalize::trim;

pub(super) struct SheetRows<R> {
    window: Window<R>,
    context: CellContext,
    /// `</row>` with the part's namespace prefix.
    row_end: Finder<'static>,
    /// `</c>` likewise.
    cell_end: Finder<'static>,
    /// The prefixed cell element name (`c` or `x:c`).
    cell_name: Vec<u8>,
    last_row: usize,
    width: usize,
    finished: bool,
    text: String,
}

impl<R: Read> SheetRows<R> {
    pub fn new(part: R, context: CellContext) -> io::Result<Self> {
        let mut window = Window::new(part);
        let (sheet_data, empty) = window
            .enter(b"sheetData")?
            .ok_or_else(|| malformed("no <sheetData>"))?;
        let prefix = &sheet_data[..sheet_data.len() - b"sheetData".len()];
        let cell_name = [prefix, b"c"].concat();
        Ok(SheetRows {
            window,
            context,
            row_end: Finder::new(&xml::end_tag(&[prefix, b"row"].concat())).into_owned(),
            cell_end: Finder::new(&xml::end_tag(&cell_name)).into_owned(),
            cell_name,
            last_row: 0,
            width: 0,
            finished: empty,
            text: String::new(),
        })
    }

    /// The next row holding any text; `None` after the last.
    pub fn next_row(&mut self) -> io::Result<Option<SheetRow>> {
        while !self.finished {
            if !self.window.skip_to_tag()? {
                return Err(malformed("the sheet ends inside <sheetData>"));
            }
            if self.window.skip_comment()? {
                continue;
            }
            let len = self.window.tag_len()?;
            let t = xml::tag(self.window.data()).expect("a whole tag");
            if t.closing {
                // `</sheetData>`
                self.finished = true;
                break;
            }
            if t.local() != b"row" {
                return Err(malformed("an element other than <row> in <sheetData>"));
            }
            let number = match t.attribute(b"r") {
                Some(r) => ascii_number(r).ok_or_else(|| malformed("a row number"))?,
                None => self.last_row + 1,
            };
            self.last_row = number;
            let empty = t.empty;
            self.window.consume(len);
            if empty {
                continue;
            }
            let end = self
                .window
                .find(&self.row_end, 0)?
                .ok_or_else(|| malformed("an unterminated <row>"))?;
            let mut row = SheetRow::new(number, Vec::with_capacity(self.width));
            let cells = &self.window.data()[..end];
            read_cells(
                cells,
                &self.cell_name,
                &self.cell_end,
                &self.context,
                &mut self.text,
                &mut row,
            )?;
            self.window.consume(end + self.row_end.needle().len());
            self.width = row.cells.len();
            row.trim_end();
            if !row.cells.is_empty() {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

/// The cells between a row's tags into `row`: a cell without a reference follows the one before.
fn read_cells(
    xml: &[u8],
    cell_name: &[u8],
    cell_end: &Finder<'_>,
    context: &CellContext,
    scratch: &mut String,
    row: &mut SheetRow,
) -> io::Result<()> {
    let mut i = 0;
    let mut col = 0;
    while let Some(lt) = memchr(b'<', &xml[i..]) {
        i += lt;
        if xml[i..].starts_with(b"<!--") {
            i += memmem::find(&xml[i..], b"-->").ok_or_else(|| malformed("a comment"))? + 3;
            continue;
        }
        let t = xml::tag(&xml[i..]).ok_or_else(|| malformed("a tag in a row"))?;
        i += t.len;
        if t.closing || (t.empty && t.local() != b"c") {
            continue;
        }
        if t.local() != b"c" {
            // Something else in a row (an extension list): skipped whole.
            i += xml::element_end(&xml[i..], &t)
                .ok_or_else(|| malformed("an element"))?
                .1;
            continue;
        }
        let (mut reference, mut style, mut kind) = (None, None, None);
        for (name, value) in t.attributes() {
            match name {
                b"r" => reference = Some(value),
                b"s" => style = Some(value),
                b"t" => kind = Some(value),
                _ => {}
            }
        }
        if let Some(reference) = reference {
            col = column(reference).ok_or_else(|| malformed("a cell reference"))?;
        }
        if !t.empty {
            let (end, after) = if t.name == cell_name {
                cell_end
                    .find(&xml[i..])
                    .map(|at| (at, at + cell_end.needle().len()))
            } else {
                xml::element_end(&xml[i..], &t)
            }
            .ok_or_else(|| malformed("an unterminated <c>"))?;
            let (text, lost) = cell_text(&xml[i..i + end], style, kind, context, scratch)?;
            put(row, col, text, lost);
            i += after;
        }
        col += 1;
    }
    Ok(())
}

/// A cell's text from what lies between its tags: `<v>`, `<is>` and `<f>` (whose text is the
/// formula, not the value, and is passed over).
fn cell_text(
    xml: &[u8],
    style: Option<&[u8]>,
    kind: Option<&[u8]>,
    context: &CellContext,
    scratch: &mut String,
) -> io::Result<(String, bool)> {
    let mut value: Option<&[u8]> = None;
    let mut i = 0;
    while let Some(lt) = memchr(b'<', &xml[i..]) {
        i += lt;
        let t = xml::tag(&xml[i..]).ok_or_else(|| malformed("a tag in a cell"))?;
        i += t.len;
        if t.closing || t.empty {
            continue;
        }
        match t.local() {
            // Text only, up to their end tag (skipped as a closing tag).
            local @ (b"v" | b"f") => {
                let end = memchr(b'<', &xml[i..]).ok_or_else(|| malformed("<v>"))?;
                if local == b"v" {
                    value = Some(&xml[i..i + end]);
                }
                i += end;
            }
            local => {
                let (end, after) = xml::element_end(&xml[i..], &t)
                    .ok_or_else(|| malformed("an element in a cell"))?;
                if local == b"is" {
                    scratch.clear();
                    xml::push_rich_text(&xml[i..i + end], scratch)?;
                    return Ok((trim(scratch).to_string(), false));
                }
                i += after;
            }
        }
    }
    let Some(v) = value else {
        return Ok((String::new(), false));
    };
    let ascii = || std::str::from_utf8(v).map_err(|_| malformed("a cell value"));
    match kind {
        Some(b"s") => {
            if v.is_empty() {
                return Ok((String::new(), false));
            }
            let text = ascii_number(v)
                .and_then(|index| context.strings.get(index))
                .ok_or_else(|| malformed("a shared string index"))?;
            Ok((trim(text).to_string(), false))
        }
        Some(b"inlineStr" | b"is") => Ok((String::new(), false)),
        Some(b"b") => match v {
            b"1" | b"true" => Ok((bool_text(true), false)),
            b"0" | b"false" => Ok((bool_text(false), false)),
            _ => Err(malformed("a boolean")),
        },
        Some(b"e") => Ok((trim(ascii()?).to_string(), false)),
        Some(b"str" | b"d") => {
            scratch.clear();
            xml::push_text(v, scratch)?;
            let text = if kind == Some(b"str") {
                xml::unescape_excel(scratch)
            } else {
                scratch.as_str().into()
            };
            Ok((trim(&text).to_string(), false))
        }
        Some(b"n") | None => {
            if v.is_empty() {
                return Ok((String::new(), false));
            }
            let Ok(number) = ascii()?.parse::<f64>() else {
                if kind.is_some() {
                    return Err(malformed("a number"));
                }
                scratch.clear();
                xml::push_text(v, scratch)?;
                return Ok((trim(scratch).to_string(), false));
            };
            let date = |kind| datetime_text(&ExcelDateTime::new(number, kind, context.date_1904));
            Ok(match context.number_kind(style) {
                NumberKind::Plain => number_text(number),
                NumberKind::DateTime => (date(ExcelDateTimeType::DateTime), false),
                NumberKind::Duration => (date(ExcelDateTimeType::TimeDelta), false),
            })
        }
        Some(_) => Err(malformed("a cell type")),
    }
}

/// The 0-based column of a reference such as `AB12`.
fn column(reference: &[u8]) -> Option<usize> {
    let letters = reference
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = reference[..letters].iter().fold(0usize, |n, b| {
        n * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    Some(col - 1)
}

fn ascii_number(text: &[u8]) -> Option<usize> {
    std::str::from_utf8(text).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::read::package::SharedStrings;

    fn context() -> CellContext {
        CellContext {
            strings: SharedStrings::from_iter([" 张三 ", "110101199003071234"]),
            styles: vec![
                NumberKind::Plain,
                NumberKind::DateTime,
                NumberKind::Duration,
            ],
            date_1904: false,
        }
    }

    fn rows(xml: &str) -> Vec<SheetRow> {
        let mut rows = SheetRows::new(xml.as_bytes(), context()).unwrap();
        std::iter::from_fn(|| rows.next_row().unwrap()).collect()
    }

    #[test]
    fn cells_of_every_type_read_as_text() {
        let found = rows(
            r#"<worksheet><sheetPr/><sheetData><row r="3" spans="1:9"><c r="A3" t="s"><v>0</v></c>
            <c r="B3" s="1"><v>43896</v></c><c r="C3"><v>12.5</v></c><c r="D3" t="b"><v>1</v></c>
            <c r="E3" t="inlineStr"><is><t>内联 &amp; 文本</t></is></c><c r="F3" t="str"><f>A1&amp;"x"</f><v>a&lt;b</v></c>
            <c r="G3" t="e"><v>#N/A</v></c><c r="H3" s="2"><v>1.5</v></c><c r="I3" t="d"><v>2020-03-06T00:00:00</v></c>
            <c r="K3"><v>110101199003071234</v></c><c r="L3" s="1"/></row></sheetData><mergeCells/></worksheet>"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].row, 3);
        assert_eq!(
            found[0].cells,
            [
                "张三",
                "2020-03-06",
                "12.5",
                "是",
                "内联 & 文本",
                "a<b",
                "#N/A",
                "1.5",
                "2020-03-06T00:00:00",
                "",
                &number_text(110_101_199_003_071_234.0).0,
            ]
        );
        assert_eq!(found[0].lost_digits, [10]);
    }

    #[test]
    fn rows_and_cells_without_references_follow_the_ones_before() {
        let found = rows(
            r#"<x:worksheet><x:sheetData><x:row r="2"><x:c><x:v>1</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c></x:row>
            <x:row r="4"/><x:row><x:c r="C5"><x:v>3</x:v></x:c><x:c><x:v>4</x:v></x:c></x:row>
            <x:row><x:c t="s"><x:v></x:v></x:c></x:row><!-- note --><x:row><x:c><x:v>6</x:v></x:c></x:row></x:sheetData></x:worksheet>"#,
        );
        let seen: Vec<_> = found.iter().map(|r| (r.row, r.cells.clone())).collect();
        assert_eq!(
            seen,
            vec![
                (2, vec!["1".to_string(), "110101199003071234".to_string()]),
                (
                    5,
                    vec![String::new(), String::new(), "3".into(), "4".into()]
                ),
                (7, vec!["6".to_string()]),
            ]
        );
    }

    #[test]
    fn broken_sheets_are_errors_not_rows() {
        for xml in [
            "<worksheet><sheetData><row><c t=\"s\"><v>9</v></c></row></sheetData></worksheet>",
            "<worksheet><sheetData><row><c><v>1</v></c>",
            "<worksheet><sheetData><row><c t=\"b\"><v>2</v></c></row></sheetData></worksheet>",
            "<worksheet><sheetData><foo/></sheetData></worksheet>",
        ] {
            let mut rows = SheetRows::new(xml.as_bytes(), context()).unwrap();
            assert!(rows.next_row().is_err(), "{xml}");
        }
        assert!(SheetRows::new(&b"<worksheet/>"[..], context()).is_err());
        let mut empty =
            SheetRows::new(&b"<worksheet><sheetData/></worksheet>"[..], context()).unwrap();
        assert!(empty.next_row().unwrap().is_none());
    }

    #[test]
    fn columns_are_read_from_references() {
        assert_eq!(column(b"A1"), Some(0));
        assert_eq!(column(b"ab12"), Some(27));
        assert_eq!(column(b"XFD1048576"), Some(16383));
        assert_eq!(column(b"12"), None);
    }
}

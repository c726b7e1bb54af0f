//! The merged regions of an xlsx sheet, found without parsing the sheet twice. They are listed
//! after all the cells, so calamine's `merge_cells_by_sheet_name` tokenises the whole sheet's
//! XML first — on a million-row sheet that costs about two thirds of calamine's own parse. Here
//! the sheet's part is only inflated and searched for the end of the cells; the few elements
//! after it are read as text, on a thread of its own while the shared strings are read. Any
//! surprise gives `None`, and the caller falls back on calamine.

use std::io::{Read, Seek};

use zip::ZipArchive;

use super::Merged;
use super::package::{attribute, elements};

/// `sheetData>`: the end of the cells is this, after `</` and perhaps a namespace prefix.
const SHEET_DATA: &[u8] = b"sheetData>";
/// Bytes carried from one read to the next: the marker, its `</` and a prefix.
const CARRY: usize = 64;

/// The merged regions of the sheet part at `path`.
pub(super) fn sheet_merges<R: Read + Seek>(reader: R, path: &str) -> Option<Vec<Merged>> {
    let mut zip = ZipArchive::new(reader).ok()?;
    let part = zip.by_name(path).ok()?;
    let tail = after_cells(part)?;
    let tail = String::from_utf8_lossy(&tail);
    elements(&tail, "mergeCell")
        .map(|m| attribute(m, "ref").and_then(region))
        .collect()
}

/// Everything after `</sheetData>`, read in chunks so the sheet is never held whole.
fn after_cells(mut part: impl Read) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut carried = 0;
    let mut tail: Option<Vec<u8>> = None;
    loop {
        let n = part.read(&mut buf[carried..]).ok()?;
        if n == 0 {
            break;
        }
        let filled = carried + n;
        if let Some(tail) = tail.as_mut() {
            tail.extend_from_slice(&buf[..filled]);
            carried = 0;
            continue;
        }
        match end_of_cells(&buf[..filled]) {
            Some(at) => {
                tail = Some(buf[at..filled].to_vec());
                carried = 0;
            }
            None => {
                // Keep the last bytes in case the marker straddles two chunks.
                let from = filled.saturating_sub(CARRY);
                buf.copy_within(from..filled, 0);
                carried = filled - from;
            }
        }
    }
    tail
}

/// Where `</sheetData>` (or `</x:sheetData>`) starts in `xml`.
fn end_of_cells(xml: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&xml[from..], SHEET_DATA) {
        let at = from + at;
        let before = &xml[..at];
        let name_start = before
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b':' || *b == b'_'))
            .map_or(0, |i| i + 1);
        let prefix = &before[name_start..];
        if before[..name_start].ends_with(b"</") && (prefix.is_empty() || prefix.ends_with(b":")) {
            return Some(name_start - 2);
        }
        from = at + 1;
    }
    None
}

/// `B3:D4` (or a single `B3`) as a region.
fn region(reference: &str) -> Option<Merged> {
    let (start, end) = reference.split_once(':').unwrap_or((reference, reference));
    let (first_row, first_col) = cell(start)?;
    let (last_row, last_col) = cell(end)?;
    Some(Merged {
        first_row,
        last_row,
        first_col,
        last_col,
    })
}

/// `AB12` as (1-based row 12, 0-based column 27).
fn cell(reference: &str) -> Option<(usize, usize)> {
    let reference = reference.trim().replace('$', "");
    let digits = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, number) = reference.split_at(digits);
    if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let col = letters.bytes().fold(0usize, |n, b| {
        n * 26 + (b.to_ascii_uppercase() - b'A' + 1) as usize
    });
    Some((number.parse().ok()?, col - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_regions_of_a_worksheet_are_read_from_after_its_cells() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let plain = rust_xlsxwriter::Format::new();
        let lists = book.add_worksheet();
        lists.write(0, 0, "下拉列表").unwrap();
        lists.merge_range(0, 0, 1, 1, "隐藏", &plain).unwrap();
        lists.set_hidden(true);
        let ws = book.add_worksheet();
        // rust_xlsxwriter hides no sheet that is active, and the first is unless told.
        ws.set_name("名单 & 台账").unwrap().set_active(true);
        ws.merge_range(0, 0, 0, 3, "标题", &plain).unwrap();
        ws.merge_range(2, 4, 3, 4, "住址", &plain).unwrap();
        book.add_worksheet().write(0, 0, "说明").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let path = "xl/worksheets/sheet2.xml";
        let found = sheet_merges(std::io::Cursor::new(&bytes), path).unwrap();
        let mut found: Vec<_> = found
            .iter()
            .map(|m| (m.first_row, m.last_row, m.first_col, m.last_col))
            .collect();
        found.sort();
        assert_eq!(found, vec![(1, 1, 0, 3), (3, 4, 4, 4)]);
        // A workbook of one plain sheet: no regions.
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet().write(0, 0, "姓名").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let path = "xl/worksheets/sheet1.xml";
        assert_eq!(
            sheet_merges(std::io::Cursor::new(&bytes), path),
            Some(vec![])
        );
        assert_eq!(
            sheet_merges(std::io::Cursor::new(&bytes), "xl/none.xml"),
            None
        );
    }

    #[test]
    fn cell_references_become_rows_and_columns() {
        assert_eq!(cell("A1"), Some((1, 0)));
        assert_eq!(cell("$AB$12"), Some((12, 27)));
        assert_eq!(cell("12"), None);
        assert_eq!(
            region("B3:D4"),
            Some(Merged {
                first_row: 3,
                last_row: 4,
                first_col: 1,
                last_col: 3
            })
        );
    }

    #[test]
    fn the_tail_after_the_cells_is_found_across_chunk_boundaries() {
        let mut xml = b"<sheetData>".to_vec();
        xml.extend(std::iter::repeat_n(b'x', 256 * 1024 - 16));
        xml.extend_from_slice(b"</sheetData><mergeCells><mergeCell ref=\"A1:B1\"/></mergeCells>");
        let tail = after_cells(std::io::Cursor::new(xml)).unwrap();
        assert!(tail.starts_with(b"</sheetData>"));
        let prefixed = b"<x:sheetData><x:row/></x:sheetData><x:mergeCells>";
        assert_eq!(end_of_cells(prefixed), Some(21));
        assert_eq!(end_of_cells(b"<sheetData><row/>"), None);
        let tail = String::from_utf8(tail).unwrap();
        let found: Vec<_> = elements(&tail, "mergeCell")
            .filter_map(|m| attribute(m, "ref"))
            .collect();
        assert_eq!(found, vec!["A1:B1"]);
    }
}

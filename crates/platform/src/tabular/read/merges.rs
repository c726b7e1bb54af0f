//! The merged regions of an xlsx sheet, found without parsing the sheet twice. They are listed
//! after all the cells, so calamine's `merge_cells_by_sheet_name` tokenises the whole sheet's
//! XML first — on a million-row sheet that costs about two thirds of calamine's own parse. Here
//! the sheet's part is only inflated and searched for the end of the cells; the few elements
//! after it are read as text, on a thread of its own while calamine reads the shared strings.
//! Any surprise (a workbook laid out differently, a prefixed namespace, another sheet than the
//! one calamine picks) gives `None`, and the caller falls back on calamine.

use std::io::{Read, Seek};

use zip::ZipArchive;

use super::Merged;

/// Parts larger than this are not inflated whole for the workbook and relationship lists.
const SMALL_PART: u64 = 16 * 1024 * 1024;
const END_OF_CELLS: &[u8] = b"</sheetData>";

/// The sheet an import reads — the first visible worksheet, else the first worksheet, as
/// `workbook::first_sheet` picks it from calamine's list — with its position in the workbook,
/// its name and its merged regions. Runs while calamine reads the shared strings, so it cannot
/// ask calamine which sheet: the caller checks the position and name against calamine's pick.
pub(super) fn first_sheet_merges<R: Read + Seek>(
    reader: R,
) -> Option<(usize, String, Vec<Merged>)> {
    let mut zip = ZipArchive::new(reader).ok()?;
    let workbook = small_part(&mut zip, "xl/workbook.xml")?;
    let rels = small_part(&mut zip, "xl/_rels/workbook.xml.rels")?;
    let mut sheets = Vec::new();
    for (index, sheet) in elements(&workbook, "sheet").enumerate() {
        let id = attribute(sheet, ":id")?;
        let rel = elements(&rels, "Relationship").find(|r| attribute(r, "Id") == Some(id))?;
        if !attribute(rel, "Type")?.ends_with("/worksheet") {
            continue;
        }
        let visible = attribute(sheet, "state").is_none_or(|state| state == "visible");
        sheets.push((index, sheet, attribute(rel, "Target")?, visible));
    }
    let (index, sheet, target, _) = sheets
        .iter()
        .find(|s| s.3)
        .or_else(|| sheets.first())
        .copied()?;
    let path = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    };
    let part = zip.by_name(&path).ok()?;
    let tail = after_cells(part)?;
    let tail = String::from_utf8_lossy(&tail);
    let merges = elements(&tail, "mergeCell")
        .map(|m| attribute(m, "ref").and_then(region))
        .collect::<Option<Vec<_>>>()?;
    Some((index, unescape(attribute(sheet, "name")?), merges))
}

fn small_part<R: Read + Seek>(zip: &mut ZipArchive<R>, path: &str) -> Option<String> {
    let part = zip.by_name(path).ok()?;
    if part.size() > SMALL_PART {
        return None;
    }
    let mut text = String::new();
    part.take(SMALL_PART).read_to_string(&mut text).ok()?;
    Some(text)
}

/// Everything after `</sheetData>`, read in chunks so the sheet is never held whole.
fn after_cells(mut part: impl Read) -> Option<Vec<u8>> {
    let keep = END_OF_CELLS.len() - 1;
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
        match find(&buf[..filled], END_OF_CELLS) {
            Some(at) => {
                tail = Some(buf[at..filled].to_vec());
                carried = 0;
            }
            None => {
                // Keep the last bytes in case the marker straddles two chunks.
                let from = filled.saturating_sub(keep);
                buf.copy_within(from..filled, 0);
                carried = filled - from;
            }
        }
    }
    tail
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut from = 0;
    while let Some(at) = haystack[from..].iter().position(|b| *b == first) {
        let at = from + at;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The attribute texts of each `<name …>` element (a namespace prefix on the name is allowed).
fn elements<'a>(xml: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    xml.split('<').filter_map(move |fragment| {
        let end = fragment.find(|c: char| c.is_whitespace() || c == '/' || c == '>')?;
        let tag = &fragment[..end];
        let local = tag.rsplit(':').next().unwrap_or(tag);
        (local == name).then(|| &fragment[end..fragment.find('>').unwrap_or(fragment.len())])
    })
}

/// The value of the attribute whose name is `name` or ends with it (`:id` finds `r:id`).
fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attributes;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().rsplit(char::is_whitespace).next()?;
        let value = rest[eq + 1..].trim_start();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let close = value[1..].find(quote)?;
        if key == name || (name.starts_with(':') && key.ends_with(name)) {
            return Some(&value[1..1 + close]);
        }
        rest = &value[close + 2..];
    }
    None
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
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
    fn the_regions_of_the_first_visible_worksheet_are_read_from_the_workbook() {
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
        let (index, name, found) = first_sheet_merges(std::io::Cursor::new(&bytes)).unwrap();
        assert_eq!((index, name.as_str()), (1, "名单 & 台账"));
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
        assert_eq!(
            first_sheet_merges(std::io::Cursor::new(&bytes)),
            Some((0, "Sheet1".to_string(), vec![]))
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
    fn elements_and_attributes_are_found_with_or_without_prefixes() {
        let xml = r#"<x:sheets><x:sheet name="A &amp; B" sheetId="1" r:id="rId3"/></x:sheets>"#;
        let sheet = elements(xml, "sheet").next().unwrap();
        assert_eq!(attribute(sheet, "name"), Some("A &amp; B"));
        assert_eq!(attribute(sheet, ":id"), Some("rId3"));
        assert_eq!(attribute(sheet, "sheetId"), Some("1"));
        assert_eq!(unescape("A &amp; B"), "A & B");
        assert_eq!(elements(xml, "sheets").count(), 1);
    }

    #[test]
    fn the_tail_after_the_cells_is_found_across_chunk_boundaries() {
        let mut xml = b"<sheetData>".to_vec();
        xml.extend(std::iter::repeat_n(b'x', 256 * 1024 - 16));
        xml.extend_from_slice(b"</sheetData><mergeCells><mergeCell ref=\"A1:B1\"/></mergeCells>");
        let tail = after_cells(std::io::Cursor::new(xml)).unwrap();
        assert!(tail.starts_with(b"</sheetData>"));
        let tail = String::from_utf8(tail).unwrap();
        let found: Vec<_> = elements(&tail, "mergeCell")
            .filter_map(|m| attribute(m, "ref"))
            .collect();
        assert_eq!(found, vec!["A1:B1"]);
    }
}

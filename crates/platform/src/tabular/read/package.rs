//! The parts of an xlsx package a sheet's cells are read with: which worksheet (the first
//! visible one, else the first), the shared strings (kept in one buffer, not a string each),
//! the styles' number formats (which numbers are dates) and the 1904 date system. Anything laid
//! out otherwise than expected gives `None`, and the caller reads the file through calamine.

use std::io::{self, Read, Seek};

use std::sync::mpsc::{channel, sync_channel};

use memchr::memmem::{self, Finder, FinderRev};
use zip::ZipArchive;

use super::number_format::{self, NumberKind};
use super::xml::{self, Window};

/// Parts larger than this are not read whole (the workbook, relationship and style lists).
const SMALL_PART: u64 = 64 * 1024 * 1024;

/// The worksheet an import reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SheetPart {
    pub name: String,
    /// The part's path in the package (`xl/worksheets/sheet1.xml`).
    pub path: String,
}

/// Where the workbook's parts are.
#[derive(Debug)]
pub(super) struct Index {
    pub sheet: SheetPart,
    shared_strings: Option<String>,
    styles: Option<String>,
    date_1904: bool,
}

/// What a cell's value needs from the rest of the package.
#[derive(Debug, Default)]
pub(super) struct CellContext {
    pub strings: SharedStrings,
    /// Each style's (`s="…"`) number kind.
    pub styles: Vec<NumberKind>,
    pub date_1904: bool,
}

impl CellContext {
    pub fn number_kind(&self, style: Option<&[u8]>) -> NumberKind {
        style
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.parse::<usize>().ok())
            .and_then(|i| self.styles.get(i).copied())
            .unwrap_or(NumberKind::Plain)
    }
}

/// The shared strings, end to end in one buffer.
#[derive(Debug, Default)]
pub(super) struct SharedStrings {
    text: String,
    ends: Vec<u32>,
    /// Whether the `</sst>` that ends them was read.
    sst_closed: bool,
}

#[cfg(test)]
impl<'a> FromIterator<&'a str> for SharedStrings {
    fn from_iter<I: IntoIterator<Item = &'a str>>(items: I) -> Self {
        let mut strings = SharedStrings::default();
        for s in items {
            strings.push(s).expect("small");
        }
        strings
    }
}

impl SharedStrings {
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1] as usize,
        };
        Some(&self.text[start..end])
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Pieces read apart, end to end.
    fn concat(pieces: Vec<SharedStrings>) -> io::Result<SharedStrings> {
        let mut all = SharedStrings {
            text: String::with_capacity(pieces.iter().map(|p| p.text.len()).sum()),
            ends: Vec::with_capacity(pieces.iter().map(|p| p.ends.len()).sum()),
            sst_closed: pieces.last().is_some_and(|p| p.sst_closed),
        };
        for piece in pieces {
            let base = u32::try_from(all.text.len())
                .map_err(|_| xml::malformed("shared strings beyond 4 GB"))?;
            all.text.push_str(&piece.text);
            for end in piece.ends {
                let end = end
                    .checked_add(base)
                    .ok_or_else(|| xml::malformed("shared strings beyond 4 GB"))?;
                all.ends.push(end);
            }
        }
        Ok(all)
    }

    fn push(&mut self, s: &str) -> io::Result<()> {
        self.text.push_str(s);
        let end = u32::try_from(self.text.len())
            .map_err(|_| xml::malformed("shared strings beyond 4 GB"))?;
        self.ends.push(end);
        Ok(())
    }
}

/// Reads the workbook's sheet list and relationships.
pub(super) fn index<R: Read + Seek>(zip: &mut ZipArchive<R>) -> Option<Index> {
    let workbook = small_part(zip, "xl/workbook.xml")?;
    let rels = small_part(zip, "xl/_rels/workbook.xml.rels")?;
    let relationships: Vec<(&str, &str, &str)> = elements(&rels, "Relationship")
        .map(|r| {
            Some((
                attribute(r, "Id")?,
                attribute(r, "Type")?,
                attribute(r, "Target")?,
            ))
        })
        .collect::<Option<_>>()?;
    let target = |kind: &str| {
        relationships
            .iter()
            .find(|(_, t, _)| t.ends_with(kind))
            .map(|(_, _, target)| part_path(target))
    };
    let mut sheets = Vec::new();
    for sheet in elements(&workbook, "sheet") {
        let id = attribute(sheet, ":id")?;
        let (_, kind, target) = relationships.iter().find(|(rid, _, _)| *rid == id)?;
        if !kind.ends_with("/worksheet") {
            continue;
        }
        let visible = attribute(sheet, "state").is_none_or(|state| state == "visible");
        sheets.push((
            unescape(attribute(sheet, "name")?),
            part_path(target),
            visible,
        ));
    }
    let (name, path, _) = sheets
        .iter()
        .find(|s| s.2)
        .or_else(|| sheets.first())
        .cloned()?;
    let date_1904 = elements(&workbook, "workbookPr")
        .filter_map(|e| attribute(e, "date1904"))
        .any(|v| v == "1" || v == "true");
    Some(Index {
        sheet: SheetPart { name, path },
        shared_strings: target("/sharedStrings"),
        styles: target("/styles"),
        date_1904,
    })
}

/// Reads the styles and the shared strings. `Ok(None)` when a part the relationships name is
/// missing; an error when a part is broken.
pub(super) fn cell_context<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    index: &Index,
) -> io::Result<Option<CellContext>> {
    let mut context = CellContext {
        date_1904: index.date_1904,
        ..CellContext::default()
    };
    if let Some(path) = &index.styles {
        let Some(styles) = small_part(zip, path) else {
            return Ok(None);
        };
        context.styles = number_kinds(&styles)?;
    }
    if let Some(path) = &index.shared_strings {
        let Ok(part) = zip.by_name(path) else {
            return Ok(None);
        };
        context.strings = shared_strings(part)?;
    }
    Ok(Some(context))
}

/// Each cell style's number kind, in the order of `<cellXfs>` (custom formats from `<numFmts>`).
fn number_kinds(styles: &str) -> io::Result<Vec<NumberKind>> {
    let mut custom = Vec::new();
    let mut kinds = Vec::new();
    let mut in_cell_xfs = false;
    let bytes = styles.as_bytes();
    let mut i = 0;
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]) {
        i += lt;
        let t = xml::tag(&bytes[i..]).ok_or_else(|| xml::malformed("a tag in the styles"))?;
        i += t.len;
        match (t.local(), t.closing) {
            (b"numFmt", false) => {
                if let (Some(id), Some(code)) =
                    (t.attribute(b"numFmtId"), t.attribute(b"formatCode"))
                {
                    let mut text = String::new();
                    xml::push_text(code, &mut text)?;
                    custom.push((id.to_vec(), number_format::custom(&text)));
                }
            }
            (b"cellXfs", closing) => in_cell_xfs = !closing && !t.empty,
            (b"xf", false) if in_cell_xfs => {
                let kind = match t.attribute(b"numFmtId") {
                    None => NumberKind::Plain,
                    Some(id) => match custom.iter().find(|(c, _)| c == id) {
                        Some((_, kind)) => *kind,
                        None => number_format::builtin(&String::from_utf8_lossy(id)),
                    },
                };
                kinds.push(kind);
            }
            _ => {}
        }
    }
    Ok(kinds)
}

/// Bytes of the shared strings part parsed as one piece, cut after an `</si>`.
const PIECE: usize = 1024 * 1024;

/// Streams the shared strings part into one buffer. The part is cut into pieces at string
/// boundaries as it inflates, and every other piece is parsed on a helper thread: on a
/// million-row sheet the strings are most of a second's work, with the other core idle.
fn shared_strings(part: impl Read) -> io::Result<SharedStrings> {
    let mut window = Window::new(part);
    let Some((root, empty)) = window.enter(b"sst")? else {
        return Err(xml::malformed("no <sst>"));
    };
    if empty {
        return Ok(SharedStrings::default());
    }
    let prefix = &root[..root.len() - 3];
    let si_end = xml::end_tag(&[prefix, b"si"].concat());
    let last_si_end = FinderRev::new(&si_end);
    let si_end = Finder::new(&si_end);
    std::thread::scope(|scope| {
        let (to_helper, for_helper) = sync_channel::<Vec<u8>>(1);
        // Unbounded: the parsed pieces are kept until the end anyway.
        let (from_helper, parsed) = channel::<io::Result<SharedStrings>>();
        let si_end = &si_end;
        let helper = std::thread::Builder::new()
            .name("tabular-strings".into())
            .spawn_scoped(scope, move || {
                for piece in for_helper {
                    if from_helper.send(parse_piece(&piece, si_end)).is_err() {
                        break;
                    }
                }
            })?;
        let mut pieces = Vec::new();
        let mut sent = 0;
        loop {
            while window.data().len() < PIECE && window.more()? {}
            let ended = window.is_exhausted();
            let cut = match last_si_end.rfind(window.data()) {
                _ if ended => window.data().len(),
                Some(at) => at + si_end.needle().len(),
                // One string longer than a piece: read on.
                None => {
                    window.more()?;
                    continue;
                }
            };
            if pieces.len() % 2 == 0 {
                to_helper
                    .send(window.data()[..cut].to_vec())
                    .map_err(|_| xml::malformed("the shared strings' helper stopped"))?;
                pieces.push(None);
                sent += 1;
            } else {
                pieces.push(Some(parse_piece(&window.data()[..cut], si_end)?));
            }
            window.consume(cut);
            if ended {
                break;
            }
        }
        drop(to_helper);
        let mut from_helper = parsed.iter().take(sent);
        let mut strings = Vec::with_capacity(pieces.len());
        for piece in pieces {
            strings.push(match piece {
                Some(piece) => piece,
                None => from_helper
                    .next()
                    .ok_or_else(|| xml::malformed("the shared strings' helper stopped"))??,
            });
        }
        let _ = helper.join();
        let strings = SharedStrings::concat(strings)?;
        if strings.sst_closed {
            Ok(strings)
        } else {
            Err(xml::malformed("the shared strings end early"))
        }
    })
}

/// The strings of a piece of the shared strings part: whole `<si>` elements, perhaps with
/// the `</sst>` that ends them.
fn parse_piece(xml: &[u8], si_end: &Finder<'_>) -> io::Result<SharedStrings> {
    let mut strings = SharedStrings::default();
    let mut text = String::new();
    let mut i = 0;
    while let Some(lt) = memchr::memchr(b'<', &xml[i..]) {
        i += lt;
        if xml[i..].starts_with(b"<!--") {
            let end = memmem::find(&xml[i..], b"-->").ok_or_else(|| xml::malformed("a comment"))?;
            i += end + 3;
            continue;
        }
        let t = xml::tag(&xml[i..]).ok_or_else(|| xml::malformed("a tag in the strings"))?;
        i += t.len;
        if t.closing {
            if t.local() == b"sst" {
                strings.sst_closed = true;
                break;
            }
            continue;
        }
        if t.local() != b"si" {
            continue;
        }
        text.clear();
        if !t.empty {
            let end = si_end
                .find(&xml[i..])
                .ok_or_else(|| xml::malformed("an unterminated <si>"))?;
            xml::push_rich_text(&xml[i..i + end], &mut text)?;
            i += end + si_end.needle().len();
        }
        strings.push(&text)?;
    }
    Ok(strings)
}

fn part_path(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    }
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

/// The attribute texts of each `<name …>` element (a namespace prefix on the name is allowed).
pub(super) fn elements<'a>(xml: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    xml.split('<').filter_map(move |fragment| {
        let end = fragment.find(|c: char| c.is_whitespace() || c == '/' || c == '>')?;
        let tag = &fragment[..end];
        let local = tag.rsplit(':').next().unwrap_or(tag);
        (local == name).then(|| &fragment[end..fragment.find('>').unwrap_or(fragment.len())])
    })
}

/// The value of the attribute whose name is `name` or ends with it (`:id` finds `r:id`).
pub(super) fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
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
    let mut out = String::with_capacity(text.len());
    match xml::push_text(text.as_bytes(), &mut out) {
        Ok(()) => out,
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_visible_worksheet_is_chosen_from_the_workbook() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let lists = book.add_worksheet();
        lists.write(0, 0, "下拉列表").unwrap();
        lists.set_hidden(true);
        let ws = book.add_worksheet();
        // rust_xlsxwriter hides no sheet that is active, and the first is unless told.
        ws.set_name("名单 & 台账").unwrap().set_active(true);
        ws.write(0, 0, "姓名").unwrap();
        book.add_worksheet().write(0, 0, "说明").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let mut zip = ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let index = index(&mut zip).unwrap();
        assert_eq!(index.sheet.name, "名单 & 台账");
        assert_eq!(index.sheet.path, "xl/worksheets/sheet2.xml");
        assert!(!index.date_1904);
        let context = cell_context(&mut zip, &index).unwrap().unwrap();
        let strings: Vec<_> = (0..context.strings.len())
            .map(|i| context.strings.get(i).unwrap())
            .collect();
        assert_eq!(strings, ["下拉列表", "姓名", "说明"]);
        assert_eq!(context.strings.get(3), None);
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
    fn style_number_kinds_follow_cell_xfs_only() {
        let styles = r#"<styleSheet><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/>
            <numFmt numFmtId="165" formatCode="0.00_ "/></numFmts>
            <cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
            <cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/>
            <xf numFmtId="165"><alignment/></xf><xf numFmtId="14"/><xf/></cellXfs></styleSheet>"#;
        assert_eq!(
            number_kinds(styles).unwrap(),
            vec![
                NumberKind::Plain,
                NumberKind::DateTime,
                NumberKind::Plain,
                NumberKind::DateTime,
                NumberKind::Plain
            ]
        );
    }

    #[test]
    fn shared_strings_are_read_with_rich_runs_and_empty_items() {
        let xml = r#"<?xml version="1.0"?><x:sst count="4" uniqueCount="4"><x:si><x:t>甲</x:t></x:si><x:si/>
            <!-- a comment --><x:si><x:r><x:t>乙</x:t></x:r><x:r><x:t>丙</x:t></x:r><x:rPh><x:t>yi</x:t></x:rPh></x:si>
            <x:si><x:t>A &amp;&#10;B</x:t></x:si></x:sst>"#;
        let strings = shared_strings(xml.as_bytes()).unwrap();
        let all: Vec<_> = (0..strings.len())
            .map(|i| strings.get(i).unwrap())
            .collect();
        assert_eq!(all, ["甲", "", "乙丙", "A &\nB"]);
        // Many pieces, parsed on two threads, come back in order.
        let many: String = (0..300_000)
            .map(|i| format!("<si><t>第{i}号</t></si>"))
            .collect();
        let xml = format!("<sst>{many}</sst>");
        assert!(xml.len() > 4 * PIECE);
        let strings = shared_strings(xml.as_bytes()).unwrap();
        assert_eq!(strings.len(), 300_000);
        for i in 0..300_000 {
            assert_eq!(strings.get(i), Some(format!("第{i}号").as_str()));
        }
        assert_eq!(strings.get(300_000), None);
        assert!(shared_strings(&xml.as_bytes()[..xml.len() - 10]).is_err());
        assert!(shared_strings(&b"<sst><si><t>x</t>"[..]).is_err());
    }
}

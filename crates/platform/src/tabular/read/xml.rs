//! Just enough XML for the parts of an xlsx package a sheet is read from: a tag and its
//! attributes, character data with its references resolved, Excel's `_xHHHH_` escapes, and a
//! window that streams a part through a buffer. The parts are machine-written (Excel, WPS,
//! LibreOffice, export libraries), so no DTDs, no entities beyond the predefined five.

use std::io::{self, Read};

use memchr::{memchr, memmem};

/// One element or section larger than this is taken for a broken file, not buffered further.
const ELEMENT_MAX: usize = 64 * 1024 * 1024;
const CHUNK: usize = 256 * 1024;

pub(super) fn malformed(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("malformed XML: {what}"))
}

/// A start, end or empty-element tag.
#[derive(Debug)]
pub(super) struct Tag<'a> {
    /// The name as written, prefix included (`x:c`).
    pub name: &'a [u8],
    /// What lies between the name and the `>` (or `/>`).
    pub attributes: &'a [u8],
    /// `</name>`.
    pub closing: bool,
    /// `<name/>`.
    pub empty: bool,
    /// Bytes from the `<` to just after the `>`.
    pub len: usize,
}

impl<'a> Tag<'a> {
    /// The name without its namespace prefix.
    pub fn local(&self) -> &'a [u8] {
        local(self.name)
    }

    /// The attributes as (name, raw value) pairs.
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes {
            rest: self.attributes,
        }
    }

    pub fn attribute(&self, name: &[u8]) -> Option<&'a [u8]> {
        self.attributes().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// A name without its namespace prefix.
pub(super) fn local(name: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', name) {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// Iterates the `name="value"` pairs of a tag.
pub(super) struct Attributes<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Attributes<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest.trim_ascii_start();
        let eq = memchr(b'=', rest)?;
        let name = rest[..eq].trim_ascii_end();
        let after = rest[eq + 1..].trim_ascii_start();
        let quote = *after.first()?;
        if quote != b'"' && quote != b'\'' {
            self.rest = &[];
            return None;
        }
        let Some(close) = memchr(quote, &after[1..]) else {
            self.rest = &[];
            return None;
        };
        self.rest = &after[close + 2..];
        Some((name, &after[1..1 + close]))
    }
}

/// The tag at the front of `xml`, which starts with `<`; `None` when its `>` is not there yet.
/// A `>` inside a quoted attribute value does not end it.
pub(super) fn tag(xml: &[u8]) -> Option<Tag<'_>> {
    let closing = xml.get(1) == Some(&b'/');
    let name_start = 1 + usize::from(closing);
    let mut i = name_start;
    while i < xml.len() && !matches!(xml[i], b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') {
        i += 1;
    }
    let name_end = i;
    let mut quote = 0u8;
    while i < xml.len() {
        let b = xml[i];
        if quote != 0 {
            if b == quote {
                quote = 0;
            }
        } else if b == b'"' || b == b'\'' {
            quote = b;
        } else if b == b'>' {
            let empty = !closing && xml[i - 1] == b'/' && i > name_start;
            let attributes_end = if empty { i - 1 } else { i }.max(name_end);
            return Some(Tag {
                name: &xml[name_start..name_end],
                attributes: &xml[name_end..attributes_end],
                closing,
                empty,
                len: i + 1,
            });
        }
        i += 1;
    }
    None
}

/// `</name>` for a tag's name.
pub(super) fn end_tag(name: &[u8]) -> Vec<u8> {
    let mut end = Vec::with_capacity(name.len() + 3);
    end.extend_from_slice(b"</");
    end.extend_from_slice(name);
    end.push(b'>');
    end
}

/// Where the element whose start tag `start` (not empty) ends in `xml`, which follows that start
/// tag: the position of its end tag and the position after it. Elements of the same name are
/// not nested in the parts read here.
pub(super) fn element_end(xml: &[u8], start: &Tag<'_>) -> Option<(usize, usize)> {
    let end = end_tag(start.name);
    memmem::find(xml, &end).map(|at| (at, at + end.len()))
}

/// Appends character data with its entity and character references resolved and its line ends
/// normalized (`\r\n` and `\r` become `\n`), as an XML parser hands text over.
pub(super) fn push_text(raw: &[u8], out: &mut String) -> io::Result<()> {
    let text = std::str::from_utf8(raw).map_err(|_| malformed("text is not UTF-8"))?;
    if memchr::memchr2(b'&', b'\r', raw).is_none() {
        out.push_str(text);
        return Ok(());
    }
    let mut rest = text;
    while let Some(at) = rest.find(['&', '\r']) {
        out.push_str(&rest[..at]);
        if rest.as_bytes()[at] == b'\r' {
            out.push('\n');
            rest = &rest[at + 1..];
            rest = rest.strip_prefix('\n').unwrap_or(rest);
            continue;
        }
        let semicolon = rest[at..]
            .find(';')
            .ok_or_else(|| malformed("an unterminated reference"))?;
        let name = &rest[at + 1..at + semicolon];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(decimal) = name.strip_prefix('#') {
                    decimal.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| malformed("an unknown reference"))?
            }
        };
        out.push(c);
        rest = &rest[at + semicolon + 1..];
    }
    out.push_str(rest);
    Ok(())
}

/// Resolves Excel's `_xHHHH_` escapes (UTF-16 code units, for characters XML cannot hold, such
/// as `_x000D_`; `_x005F_` escapes an underscore), as calamine does.
pub(super) fn unescape_excel(text: &str) -> std::borrow::Cow<'_, str> {
    let may_escape = memchr::memchr_iter(b'_', text.as_bytes())
        .any(|at| text.as_bytes().get(at + 1) == Some(&b'x'));
    if !may_escape {
        return text.into();
    }
    let bytes = text.as_bytes();
    let unit_at = |i: usize| -> Option<u16> {
        let candidate = bytes.get(i..i + 7)?;
        if candidate[0] != b'_' || candidate[1] != b'x' || candidate[6] != b'_' {
            return None;
        }
        let hex = std::str::from_utf8(&candidate[2..6]).ok()?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(hex, 16).ok()
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let Some(unit) = unit_at(i) else {
            i += 1;
            continue;
        };
        out.push_str(&text[copied..i]);
        i += 7;
        match unit {
            0xD800..=0xDBFF => match unit_at(i) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let code =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    i += 7;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = i;
    }
    out.push_str(&text[copied..]);
    out.into()
}

/// The text of a rich string — a shared string's `<si>` or a cell's `<is>` — given what lies
/// between its tags: its `<t>` runs joined, phonetic guides (`<rPh>`) left out. A run is
/// trimmed of ASCII white space unless it says `xml:space="preserve"`, as calamine reads it.
pub(super) fn push_rich_text(xml: &[u8], out: &mut String) -> io::Result<()> {
    let mut phonetic = false;
    let mut i = 0;
    let mut run = String::new();
    while let Some(lt) = memchr(b'<', &xml[i..]) {
        i += lt;
        if xml[i..].starts_with(b"<!--") {
            let end = memmem::find(&xml[i..], b"-->").ok_or_else(|| malformed("a comment"))?;
            i += end + 3;
            continue;
        }
        let t = tag(&xml[i..]).ok_or_else(|| malformed("a tag in a string"))?;
        i += t.len;
        match (t.local(), t.closing) {
            (b"rPh", closing) => phonetic = !closing && !t.empty,
            (b"t", false) if !t.empty => {
                let end = character_data_end(&xml[i..]).ok_or_else(|| malformed("<t>"))?;
                if !phonetic {
                    run.clear();
                    push_character_data(&xml[i..i + end], &mut run)?;
                    let preserve = t.attribute(b"xml:space") == Some(b"preserve".as_slice());
                    let text = if preserve {
                        run.as_str()
                    } else {
                        run.trim_matches([' ', '\t', '\r', '\n'])
                    };
                    out.push_str(&unescape_excel(text));
                }
                // The end tag is passed over as a closing tag.
                i += end;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Where the character data at the front of `xml` ends: at the first `<` that does not open a
/// CDATA section.
fn character_data_end(xml: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        i += memchr(b'<', &xml[i..])?;
        if !xml[i..].starts_with(b"<![CDATA[") {
            return Some(i);
        }
        i += 9 + memmem::find(&xml[i + 9..], b"]]>")? + 3;
    }
}

/// Character data that may hold CDATA sections.
fn push_character_data(raw: &[u8], out: &mut String) -> io::Result<()> {
    if memchr(b'<', raw).is_none() {
        return push_text(raw, out);
    }
    let mut rest = raw;
    while let Some(at) = memmem::find(rest, b"<![CDATA[") {
        push_text(&rest[..at], out)?;
        let body = &rest[at + 9..];
        let end = memmem::find(body, b"]]>").ok_or_else(|| malformed("CDATA"))?;
        out.push_str(std::str::from_utf8(&body[..end]).map_err(|_| malformed("CDATA"))?);
        rest = &body[end + 3..];
    }
    push_text(rest, out)
}

/// A part read through a buffer: what is read but not yet consumed is `data()`.
pub(super) struct Window<R> {
    input: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    exhausted: bool,
}

impl<R: Read> Window<R> {
    pub fn new(input: R) -> Self {
        Window {
            input,
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            exhausted: false,
        }
    }

    pub fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Whether the whole part has been read into the window.
    pub fn is_exhausted(&self) -> bool {
        self.exhausted
    }

    pub fn consume(&mut self, n: usize) {
        self.start += n;
        debug_assert!(self.start <= self.end);
    }

    /// Reads more of the part behind what is held; false once the part is exhausted.
    pub fn more(&mut self) -> io::Result<bool> {
        if self.exhausted {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= ELEMENT_MAX {
                return Err(malformed("an element too large to read"));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.exhausted = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Where the finder's needle first occurs in `data()` at or after `from`, reading on as
    /// needed.
    pub fn find(&mut self, needle: &memmem::Finder<'_>, from: usize) -> io::Result<Option<usize>> {
        let mut from = from;
        loop {
            if let Some(at) = needle.find(&self.data()[from.min(self.data().len())..]) {
                return Ok(Some(from + at));
            }
            let keep = needle.needle().len() - 1;
            from = from.max(self.data().len().saturating_sub(keep));
            if !self.more()? {
                return Ok(None);
            }
        }
    }

    /// Consumes white space and text up to the next `<`; false at the end of the part.
    pub fn skip_to_tag(&mut self) -> io::Result<bool> {
        loop {
            if let Some(at) = memchr(b'<', self.data()) {
                self.consume(at);
                return Ok(true);
            }
            let held = self.data().len();
            self.consume(held);
            if !self.more()? {
                return Ok(false);
            }
        }
    }

    /// The length of the tag at the front of `data()`, reading on until its `>` is there.
    pub fn tag_len(&mut self) -> io::Result<usize> {
        loop {
            if let Some(t) = tag(self.data()) {
                return Ok(t.len);
            }
            if !self.more()? {
                return Err(malformed("the part ends inside a tag"));
            }
        }
    }

    /// Skips to just after the start tag of the first element named `name` (any prefix) and
    /// gives that tag's name as written and whether it is empty; `None` when there is none.
    pub fn enter(&mut self, name: &[u8]) -> io::Result<Option<(Vec<u8>, bool)>> {
        while self.skip_to_tag()? {
            let len = self.tag_len()?;
            let t = tag(self.data()).expect("a whole tag");
            let found = (!t.closing && t.local() == name).then(|| (t.name.to_vec(), t.empty));
            self.consume(len);
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Skips a comment at the front of `data()`, if one is there; says whether it did.
    pub fn skip_comment(&mut self) -> io::Result<bool> {
        while self.data().len() < 4 && self.more()? {}
        if !self.data().starts_with(b"<!--") {
            return Ok(false);
        }
        let end = self
            .find(&memmem::Finder::new(b"-->"), 4)?
            .ok_or_else(|| malformed("an unterminated comment"))?;
        self.consume(end + 3);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_with_their_attributes_even_when_a_value_holds_a_bracket() {
        let t = tag(br#"<x:c r="B5" s='3' t="s">"#).unwrap();
        assert_eq!(
            (t.name, t.local(), t.closing, t.empty),
            (&b"x:c"[..], &b"c"[..], false, false)
        );
        let pairs: Vec<_> = t.attributes().collect();
        assert_eq!(
            pairs,
            vec![
                (&b"r"[..], &b"B5"[..]),
                (&b"s"[..], &b"3"[..]),
                (&b"t"[..], &b"s"[..])
            ]
        );
        let xml = br#"<numFmt formatCode="a>b" numFmtId="164"/>rest"#;
        let t = tag(xml).unwrap();
        assert!(t.empty);
        assert_eq!(t.attribute(b"formatCode"), Some(&b"a>b"[..]));
        assert_eq!(t.len, xml.len() - 4);
        let t = tag(b"</row>").unwrap();
        assert!(t.closing && t.name == b"row");
        assert!(tag(b"<row r=\"1").is_none());
        assert!(tag(b"<c/>").unwrap().empty);
    }

    #[test]
    fn text_has_its_references_resolved_and_line_ends_normalized() {
        let mut out = String::new();
        push_text(
            "A &amp; B &lt;1&gt; &#x4E2D;&#22269;\r\nx\ry".as_bytes(),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, "A & B <1> 中国\nx\ny");
        assert!(push_text(b"&nope;", &mut String::new()).is_err());
        assert!(push_text(b"&amp", &mut String::new()).is_err());
    }

    #[test]
    fn excel_escapes_are_resolved() {
        assert_eq!(unescape_excel("a_x000D_b"), "a\rb");
        assert_eq!(unescape_excel("_x005F_x0041_"), "_x0041_");
        assert_eq!(unescape_excel("_xD83D__xDE00_"), "😀");
        assert_eq!(unescape_excel("_xD83D_"), "\u{FFFD}");
        assert_eq!(unescape_excel("plain_x12"), "plain_x12");
    }

    #[test]
    fn rich_text_joins_its_runs_and_leaves_out_phonetic_guides() {
        let mut out = String::new();
        let xml = "<r><rPr><b/><rFont val=\"宋体\"/></rPr><t> 张 </t></r><r><t xml:space=\"preserve\"> 三 </t></r>\
                   <rPh sb=\"0\" eb=\"1\"><t>zhang</t></rPh><phoneticPr fontId=\"1\"/><t><![CDATA[<x>]]>&amp;</t>";
        push_rich_text(xml.as_bytes(), &mut out).unwrap();
        assert_eq!(out, "张 三 <x>&");
        let mut out = String::new();
        push_rich_text(b"<x:t>a_x000A_b</x:t><x:t/>", &mut out).unwrap();
        assert_eq!(out, "a\nb");
    }

    #[test]
    fn a_window_finds_what_straddles_its_reads() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(3);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut w = Window::new(Trickle(
            b"<?xml?><!-- c --><x:sheetData><row r=\"1\"></row></x:sheetData>",
        ));
        let (name, empty) = w.enter(b"sheetData").unwrap().unwrap();
        assert_eq!((name.as_slice(), empty), (&b"x:sheetData"[..], false));
        assert_eq!(
            w.find(&memmem::Finder::new(b"</row>"), 0).unwrap(),
            Some(11)
        );
        assert!(w.enter(b"missing").unwrap().is_none());
    }
}

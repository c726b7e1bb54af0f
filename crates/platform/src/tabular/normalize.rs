//! How header texts are compared: the same column is typed a dozen ways (`身份证号（必填）`,
//! `*身份证号`, `身 份 证 号`, a line break inside the cell, full-width letters), so labels are
//! reduced to a canonical key before matching.

/// Characters officials add around labels that never change what the column means.
const DECORATION: &[char] = &[
    '*', '(', ')', '[', ']', '{', '}', '<', '>', '-', '_', '—', '–', '·', ':', '/', '\\', '、',
    ',', '.', '\'', '"', '【', '】', '《', '》', '〈', '〉', '「', '」', '『', '』', '※', '“', '”',
    '‘', '’', '#',
];

/// Suffixes that only say whether the column must be filled.
const FILL_HINTS: &[&str] = &[
    "(必填)",
    "(选填)",
    "(非必填)",
    "(可选)",
    "(可不填)",
    "(必填项)",
];

/// Full-width ASCII forms (`ＡＢＣ１２３（）`) as their half-width letters; the ideographic space
/// as a plain one.
pub fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Whether a character is invisible padding: whitespace of any width, and the zero-width
/// characters that text copied from web pages carries.
pub fn is_padding(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}')
}

/// A cell's text without surrounding padding.
pub fn trim(text: &str) -> &str {
    text.trim_matches(is_padding)
}

/// The canonical key of a header label: half-width, no padding anywhere, no fill hint, no
/// decoration, ASCII lowercased. `身份证号（必填）`, `*身份证号` and `身 份 证\n号` all give
/// `身份证号`.
pub fn label_key(text: &str) -> String {
    let compact: String = text
        .chars()
        .map(half_width)
        .filter(|c| !is_padding(*c))
        .collect();
    let mut compact = compact.as_str();
    loop {
        let before = compact.len();
        compact = compact.trim_matches('*');
        for hint in FILL_HINTS {
            compact = compact.strip_suffix(hint).unwrap_or(compact);
        }
        if compact.len() == before {
            break;
        }
    }
    compact
        .chars()
        .filter(|c| !DECORATION.contains(c))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A label without a trailing bracketed part, and that part: `营业收入（万元）` gives
/// `营业收入` and `万元`. `None` when the label has no such part.
pub fn split_trailing_bracket(text: &str) -> Option<(String, String)> {
    let text: String = text
        .chars()
        .map(half_width)
        .filter(|c| !is_padding(*c))
        .collect();
    let text = text.trim_end_matches('*');
    let inner = text.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let (base, rest) = inner.split_at(open);
    if base.is_empty() {
        return None;
    }
    Some((base.to_string(), rest[1..].to_string()))
}

/// Width in Excel's character units: CJK and other wide characters count two.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_typed_differently_give_the_same_key() {
        for label in [
            "身份证号",
            "身份证号（必填）",
            "身份证号(必填)",
            "*身份证号",
            "身份证号*",
            "身 份 证 号",
            "身份证\n号",
            "\u{3000}身份证号\u{200B}",
        ] {
            assert_eq!(label_key(label), "身份证号", "{label:?}");
        }
        assert_eq!(label_key("联系方式-手机"), label_key("联系方式手机"));
        assert_eq!(label_key("ＩＤ　Ｎｏ．"), "idno");
        assert_eq!(label_key("金额（万元）"), label_key("金额(万元)"));
    }

    #[test]
    fn a_trailing_bracket_is_split_off() {
        assert_eq!(
            split_trailing_bracket("营业收入（万元）"),
            Some(("营业收入".into(), "万元".into()))
        );
        assert_eq!(split_trailing_bracket("营业收入"), None);
        assert_eq!(split_trailing_bracket("（万元）"), None);
    }

    #[test]
    fn chinese_characters_are_twice_as_wide() {
        assert_eq!(display_width("身份证号"), 8);
        assert_eq!(display_width("ID"), 2);
    }
}

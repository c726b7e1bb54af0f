//! Whether a number in a cell is a date: that is said by the cell's style, whose number format
//! is one of Excel's built-in date formats or a custom format code with date letters in it. The
//! rules are calamine's (from openpyxl), so a sheet reads the same on either path.

/// What a cell's number format makes of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NumberKind {
    Plain,
    /// A date, a time or both.
    DateTime,
    /// An elapsed time (`[h]:mm:ss`).
    Duration,
}

/// The built-in format `id` (ECMA-376 18.8.30, with the East Asian date formats).
pub(super) fn builtin(id: &str) -> NumberKind {
    match id.trim().parse::<u32>() {
        Ok(14..=22 | 27..=36 | 45 | 47 | 50..=58) => NumberKind::DateTime,
        Ok(46) => NumberKind::Duration,
        _ => NumberKind::Plain,
    }
}

/// A custom format code: a date when a date or time letter appears outside quotes, escapes
/// and brackets in its first section; a duration when it starts with `[h]`, `[m]` or `[s]`.
pub(super) fn custom(code: &str) -> NumberKind {
    let mut escaped = false;
    let mut quoted = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut am_pm = false;
    for c in code.chars() {
        match (c, escaped, quoted, am_pm, brackets) {
            (_, true, ..) => escaped = false,
            // `\` escapes, `_` skips a width, `*` fills: the next character is a literal.
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => {}
            ('"', ..) => quoted = true,
            (';', ..) => return NumberKind::Plain,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumberKind::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => am_pm = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberKind::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberKind::DateTime;
            }
            _ => {
                if !(hms && c.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(c, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = c;
    }
    NumberKind::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_are_told_from_number_formats() {
        for code in [
            "yyyy-mm-dd",
            "yyyy\"年\"m\"月\"d\"日\"",
            "DD/MM/YY",
            "H:MM:SS;@",
            "[$-F800]dddd",
        ] {
            assert_eq!(custom(code), NumberKind::DateTime, "{code}");
        }
        for code in [
            "0.00",
            "#,##0",
            "@",
            "0.00_);[Red](0.00)",
            "\"d\"0",
            "General",
            "#,##0\\ [$\\u20bd-46D]",
        ] {
            assert_eq!(custom(code), NumberKind::Plain, "{code}");
        }
        assert_eq!(custom("[h]:mm:ss"), NumberKind::Duration);
        assert_eq!(custom("[ss]"), NumberKind::Duration);
        assert_eq!(builtin("14"), NumberKind::DateTime);
        assert_eq!(builtin("31"), NumberKind::DateTime);
        assert_eq!(builtin("46"), NumberKind::Duration);
        assert_eq!(builtin("49"), NumberKind::Plain);
        assert_eq!(builtin("0"), NumberKind::Plain);
    }
}

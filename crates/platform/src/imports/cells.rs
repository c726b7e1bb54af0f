//! Cell values as ledgers write them, for importers' `check`: yes/no, counts, decimals.

use crate::tabular::Problem;

/// 是 / 否 as ledgers write them (`√`, `Y`, `1`…); `规上` / `规下` too. Empty is "no"; `None`
/// for anything else.
pub fn yes_no(text: &str) -> Option<bool> {
    match text.trim() {
        "" | "否" | "规下" | "规模以下" | "N" | "n" | "no" | "No" | "false" | "0" | "×" => {
            Some(false)
        }
        "是" | "规上" | "规模以上" | "Y" | "y" | "yes" | "Yes" | "true" | "1" | "√" | "✓" => {
            Some(true)
        }
        _ => None,
    }
}

/// A count as sheets write it: `120`, `120.0` (a number cell), `120人`, `1,200`. `Ok(None)` for an
/// empty cell, the problem for anything that is not a whole number.
pub fn whole_number(text: &str) -> Result<Option<i32>, Problem> {
    let text = text
        .trim()
        .trim_end_matches(['人', '个', '户', '张', '间', '床'])
        .trim();
    if text.is_empty() {
        return Ok(None);
    }
    let text: String = text.chars().filter(|c| *c != ',').collect();
    let text = text.strip_suffix(".0").unwrap_or(&text);
    text.parse::<i32>()
        .map(Some)
        .map_err(|_| Problem::new("import.not_a_count"))
}

/// A decimal number (coordinates, amounts): `Ok(None)` for an empty cell.
pub fn decimal(text: &str) -> Result<Option<f64>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| Problem::new("import.not_a_number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_ledgers_write_them() {
        assert_eq!(yes_no("是"), Some(true));
        assert_eq!(yes_no(" 否 "), Some(false));
        assert_eq!(yes_no(""), Some(false));
        assert_eq!(yes_no("大概"), None);
        assert_eq!(whole_number("120"), Ok(Some(120)));
        assert_eq!(whole_number("120.0"), Ok(Some(120)));
        assert_eq!(whole_number("1,200人"), Ok(Some(1200)));
        assert_eq!(whole_number(""), Ok(None));
        assert!(whole_number("十二").is_err());
        assert!(whole_number("12.5").is_err());
        assert_eq!(decimal("26.08"), Ok(Some(26.08)));
        assert!(decimal("北纬").is_err());
        assert!(decimal("NaN").is_err());
    }
}

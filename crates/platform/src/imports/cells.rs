//! Cell values as ledgers write them, for importers' `check`: yes/no, counts, decimals.

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
/// empty cell, `Err` for anything that is not a whole number.
pub fn count(text: &str) -> Result<Option<i32>, ()> {
    let text = text
        .trim()
        .trim_end_matches(['人', '个', '户', '张', '间', '床'])
        .trim();
    if text.is_empty() {
        return Ok(None);
    }
    let text: String = text.chars().filter(|c| *c != ',').collect();
    let text = text.strip_suffix(".0").unwrap_or(&text);
    text.parse::<i32>().map(Some).map_err(|_| ())
}

/// A decimal number (coordinates, amounts): `Ok(None)` for an empty cell.
pub fn decimal(text: &str) -> Result<Option<f64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or(())
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
        assert_eq!(count("120"), Ok(Some(120)));
        assert_eq!(count("120.0"), Ok(Some(120)));
        assert_eq!(count("1,200人"), Ok(Some(1200)));
        assert_eq!(count(""), Ok(None));
        assert_eq!(count("十二"), Err(()));
        assert_eq!(count("12.5"), Err(()));
        assert_eq!(decimal("26.08"), Ok(Some(26.08)));
        assert_eq!(decimal("北纬"), Err(()));
        assert_eq!(decimal("NaN"), Err(()));
    }
}

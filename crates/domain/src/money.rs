//! Money as integer yuan, and the 万元/亿元 forms used in government reports
//! and spreadsheets. Integers avoid float drift in sums; fractions of a yuan
//! do not appear in the statistics this platform handles.

use std::{fmt, str::FromStr};

use crate::error::{Invalid, keys};

/// The unit a spreadsheet column is expressed in, as in "单位：万元".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MoneyUnit {
    Yuan,
    Wan,
    Yi,
}

impl MoneyUnit {
    pub fn yuan_per_unit(self) -> i64 {
        match self {
            MoneyUnit::Yuan => 1,
            MoneyUnit::Wan => 10_000,
            MoneyUnit::Yi => 100_000_000,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::Wan => "万元",
            MoneyUnit::Yi => "亿元",
        }
    }

    /// How the unit is written in headers and cells, longest first.
    fn spellings(self) -> &'static [&'static str] {
        match self {
            MoneyUnit::Yuan => &["元"],
            MoneyUnit::Wan => &["万元", "万"],
            MoneyUnit::Yi => &["亿元", "亿"],
        }
    }

    /// Accepts `元`, `万元`, `亿元` (or `万`, `亿`), also wrapped in a column
    /// header such as `单位：万元` or `（万元）`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        let unit = text
            .strip_prefix("单位")
            .map(|rest| rest.trim_start_matches([':', '：', ' ']))
            .unwrap_or(text)
            .trim_matches(['(', ')', '（', '）', ' ']);
        [MoneyUnit::Yuan, MoneyUnit::Wan, MoneyUnit::Yi]
            .into_iter()
            .find(|u| u.spellings().contains(&unit))
            .ok_or_else(|| Invalid::with_detail(keys::MONEY_UNIT_UNKNOWN, text))
    }
}

impl fmt::Display for MoneyUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

impl FromStr for MoneyUnit {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// `1234500` → `123.45万元`; rounded half away from zero to two decimals.
pub fn format_wan(yuan: i64) -> String {
    format_scaled(yuan, MoneyUnit::Wan)
}

/// `123456789` → `1.23亿元`.
pub fn format_yi(yuan: i64) -> String {
    format_scaled(yuan, MoneyUnit::Yi)
}

/// Whole yuan below 1 万, 万元 below 1 亿, 亿元 above, as in report prose.
/// The 亿 threshold is where 万元 would round to `10000.00`.
pub fn format_auto(yuan: i64) -> String {
    let magnitude = yuan.unsigned_abs();
    if magnitude < 10_000 {
        format!("{yuan}元")
    } else if magnitude < 99_995_000 {
        format_wan(yuan)
    } else {
        format_yi(yuan)
    }
}

fn format_scaled(yuan: i64, unit: MoneyUnit) -> String {
    let per_hundredth = i128::from(unit.yuan_per_unit() / 100);
    let magnitude = i128::from(yuan).abs();
    let hundredths = (magnitude + per_hundredth / 2) / per_hundredth;
    let sign = if yuan < 0 && hundredths != 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}{}",
        hundredths / 100,
        hundredths % 100,
        unit.label_zh()
    )
}

/// Reads a cell such as `1,234.5` in the given unit and returns whole yuan,
/// rounding half away from zero. Thousands separators, a `¥` sign and a
/// trailing unit equal to the column's are tolerated; exponents are not.
pub fn parse_amount(text: &str, unit: MoneyUnit) -> Result<i64, Invalid> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' '))
        .collect();
    let cleaned = cleaned.trim_start_matches(['¥', '￥']);
    let cleaned = unit
        .spellings()
        .iter()
        .find_map(|suffix| cleaned.strip_suffix(suffix))
        .unwrap_or(cleaned);
    if cleaned.is_empty() {
        return Err(Invalid::new(keys::AMOUNT_EMPTY));
    }
    let (negative, digits) = match cleaned.as_bytes()[0] {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, cleaned),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !is_digits(whole) || !is_digits(fraction) {
        return Err(Invalid::with_detail(keys::AMOUNT_FORMAT, text.trim()));
    }
    let out_of_range = || Invalid::with_detail(keys::AMOUNT_OUT_OF_RANGE, text.trim());
    let whole = whole.trim_start_matches('0');
    // More digits than i64 has can only overflow; checking first keeps the
    // i128 arithmetic below in range.
    if whole.len() > 19 {
        return Err(out_of_range());
    }
    // Rounding boundaries lie at most 9 decimals deep (0.5 yuan in 亿元), so
    // digits past the 18th cannot change the result.
    let fraction = &fraction[..fraction.len().min(18)];
    let scale = i128::from(unit.yuan_per_unit());
    let whole_yuan = parse_digits(whole) * scale;
    let fraction_scaled = parse_digits(fraction) * scale;
    let denominator = 10i128.pow(fraction.len() as u32);
    let mut yuan = whole_yuan + fraction_scaled / denominator;
    if 2 * (fraction_scaled % denominator) >= denominator {
        yuan += 1;
    }
    let yuan = if negative { -yuan } else { yuan };
    i64::try_from(yuan).map_err(|_| out_of_range())
}

/// At most 19 ASCII digits (checked by the caller); empty is zero.
fn parse_digits(digits: &str) -> i128 {
    digits
        .bytes()
        .fold(0, |acc, b| acc * 10 + i128::from(b - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_and_yi_have_two_decimals() {
        assert_eq!(format_wan(1_234_500), "123.45万元");
        assert_eq!(format_wan(1_000_000), "100.00万元");
        assert_eq!(format_wan(1_234_550), "123.46万元");
        assert_eq!(format_wan(-1_234_550), "-123.46万元");
        assert_eq!(format_wan(49), "0.00万元");
        assert_eq!(format_wan(-49), "0.00万元");
        assert_eq!(format_yi(123_456_789), "1.23亿元");
        assert_eq!(format_yi(i64::MIN), "-92233720368.55亿元");
    }

    #[test]
    fn auto_picks_the_unit_by_magnitude() {
        assert_eq!(format_auto(9_999), "9999元");
        assert_eq!(format_auto(-500), "-500元");
        assert_eq!(format_auto(10_000), "1.00万元");
        assert_eq!(format_auto(99_994_999), "9999.50万元");
        assert_eq!(format_auto(99_995_000), "1.00亿元");
        assert_eq!(format_auto(250_000_000), "2.50亿元");
    }

    #[test]
    fn amounts_are_converted_to_whole_yuan() {
        assert_eq!(parse_amount("123.45", MoneyUnit::Wan), Ok(1_234_500));
        assert_eq!(parse_amount("1,234.5", MoneyUnit::Yuan), Ok(1_235));
        assert_eq!(parse_amount("-0.5", MoneyUnit::Yuan), Ok(-1));
        assert_eq!(parse_amount("0.4", MoneyUnit::Yuan), Ok(0));
        assert_eq!(parse_amount("1.5亿元", MoneyUnit::Yi), Ok(150_000_000));
        assert_eq!(parse_amount("2.5万", MoneyUnit::Wan), Ok(25_000));
        assert_eq!(parse_amount("￥1，000", MoneyUnit::Yuan), Ok(1_000));
        assert_eq!(parse_amount(".5", MoneyUnit::Wan), Ok(5_000));
        assert_eq!(parse_amount("0.00005", MoneyUnit::Wan), Ok(1));
        assert_eq!(
            parse_amount("0.000049999999999999999999", MoneyUnit::Wan),
            Ok(0)
        );
        assert_eq!(
            parse_amount("922337203685477.5808", MoneyUnit::Wan),
            Err(Invalid::with_detail(
                keys::AMOUNT_OUT_OF_RANGE,
                "922337203685477.5808"
            ))
        );
        assert_eq!(
            parse_amount("92233720368.54775807", MoneyUnit::Yi),
            Ok(i64::MAX)
        );
    }

    #[test]
    fn non_numbers_and_huge_values_are_rejected() {
        let key = |text: &str| parse_amount(text, MoneyUnit::Wan).unwrap_err().key();
        assert_eq!(key(""), keys::AMOUNT_EMPTY);
        assert_eq!(key("约100"), keys::AMOUNT_FORMAT);
        assert_eq!(key("1.2.3"), keys::AMOUNT_FORMAT);
        assert_eq!(key("."), keys::AMOUNT_FORMAT);
        assert_eq!(key("100元"), keys::AMOUNT_FORMAT);
        assert_eq!(key("1e5"), keys::AMOUNT_FORMAT);
        assert_eq!(key("99999999999999999"), keys::AMOUNT_OUT_OF_RANGE);
        assert_eq!(key("99999999999999999999999"), keys::AMOUNT_OUT_OF_RANGE);
    }

    #[test]
    fn units_parse_from_column_headers() {
        assert_eq!(MoneyUnit::parse("单位：万元"), Ok(MoneyUnit::Wan));
        assert_eq!(MoneyUnit::parse("（亿元）"), Ok(MoneyUnit::Yi));
        assert_eq!(MoneyUnit::parse("元"), Ok(MoneyUnit::Yuan));
        assert_eq!(
            MoneyUnit::parse("美元").unwrap_err().key(),
            keys::MONEY_UNIT_UNKNOWN
        );
    }
}

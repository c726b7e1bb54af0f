//! Dates and times as people type them in China, and the official way to
//! print a date. Everything here is local time in Asia/Shanghai; converting
//! to UTC is the caller's job, with `china_offset()`.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

use crate::error::{Invalid, keys};

/// UTC+8. Asia/Shanghai has had no daylight saving time since 1991, so a
/// fixed offset is exact for every date the platform deals with.
pub const CHINA_OFFSET_SECONDS: i32 = 8 * 3600;

pub fn china_offset() -> FixedOffset {
    const OFFSET: FixedOffset = match FixedOffset::east_opt(CHINA_OFFSET_SECONDS) {
        Some(offset) => offset,
        None => panic!("UTC+8 is a valid offset"),
    };
    OFFSET
}

/// `2020年3月6日`: the form used in official documents, without leading
/// zeros.
pub fn official_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// The date written as eight ASCII digits `YYYYMMDD`, as in an ID number; `None` for anything
/// else, or a day that does not exist. Direct arithmetic: no format string is parsed per call.
pub fn date_from_yyyymmdd(text: &str) -> Option<NaiveDate> {
    let digits = text.as_bytes();
    if digits.len() != 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |part: &[u8]| {
        part.iter()
            .fold(0u32, |n, digit| n * 10 + u32::from(digit - b'0'))
    };
    let year = i32::try_from(number(&digits[..4])).ok()?;
    NaiveDate::from_ymd_opt(year, number(&digits[4..6]), number(&digits[6..]))
}

/// Accepts `2020-03-10`, `2020/3/10`, `2020.3.10`, `20200310` and
/// `2020年3月10日`, with full-width digits and surrounding spaces.
pub fn parse_date_lenient(text: &str) -> Result<NaiveDate, Invalid> {
    let chars = normalize(text);
    if chars.is_empty() {
        return Err(Invalid::new(keys::DATE_EMPTY));
    }
    let mut cursor = Cursor::new(&chars);
    let (y, m, d) = cursor.date().ok_or(Invalid::new(keys::DATE_FORMAT))?;
    if !cursor.at_end() {
        return Err(Invalid::new(keys::DATE_FORMAT));
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| Invalid::new(keys::DATE_IMPOSSIBLE))
}

/// Accepts any date form of `parse_date_lenient` followed by a time:
/// `2020-03-10 08:30`, `2020-03-10T08:30:00`, `2020年3月10日 8时30分`.
/// A time zone suffix is rejected rather than ignored, because the result is
/// local time.
pub fn parse_datetime_lenient(text: &str) -> Result<NaiveDateTime, Invalid> {
    let chars = normalize(text);
    if chars.is_empty() {
        return Err(Invalid::new(keys::DATETIME_EMPTY));
    }
    let format = || Invalid::new(keys::DATETIME_FORMAT);
    let mut cursor = Cursor::new(&chars);
    let (y, mo, d) = cursor.date().ok_or_else(format)?;
    let had_space = cursor.skip_spaces();
    if !cursor.eat('T') && !had_space && !cursor.follows_chinese_date() {
        return Err(format());
    }
    cursor.skip_spaces();
    let (h, mi, s) = cursor.time().ok_or_else(format)?;
    if !cursor.at_end() {
        return Err(format());
    }
    let date = NaiveDate::from_ymd_opt(y, mo, d);
    let time = NaiveTime::from_hms_opt(h, mi, s);
    match (date, time) {
        (Some(date), Some(time)) => Ok(date.and_time(time)),
        _ => Err(Invalid::new(keys::DATETIME_IMPOSSIBLE)),
    }
}

/// Full-width ASCII (common from Chinese input methods) becomes ASCII, the
/// ideographic space a plain space; the result is trimmed.
fn normalize(text: &str) -> Vec<char> {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect();
    mapped.trim().chars().collect()
}

struct Cursor<'a> {
    chars: &'a [char],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(chars: &'a [char]) -> Self {
        Self { chars, pos: 0 }
    }

    fn at_end(&self) -> bool {
        self.pos == self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_any(&mut self, options: &[char]) -> Option<char> {
        let c = self.peek().filter(|c| options.contains(c))?;
        self.pos += 1;
        Some(c)
    }

    fn skip_spaces(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// Between `min` and `max` ASCII digits, greedily.
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.pos;
        while self.pos - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let len = self.pos - start;
        if len < min || self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos = start;
            return None;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    /// Year, month and day, not yet checked to form a real date.
    fn date(&mut self) -> Option<(i32, u32, u32)> {
        let start = self.pos;
        if let Some(compact) = self.number(8, 8) {
            return Some(((compact / 10000) as i32, compact / 100 % 100, compact % 100));
        }
        let year = self.number(4, 4)? as i32;
        self.skip_spaces();
        let result = match self.eat_any(&['-', '/', '.', '年'])? {
            '年' => self.chinese_month_day(),
            sep => self.separated_month_day(sep),
        };
        if result.is_none() {
            self.pos = start;
        }
        result.map(|(m, d)| (year, m, d))
    }

    fn separated_month_day(&mut self, sep: char) -> Option<(u32, u32)> {
        self.skip_spaces();
        let month = self.number(1, 2)?;
        self.skip_spaces();
        if !self.eat(sep) {
            return None;
        }
        self.skip_spaces();
        let day = self.number(1, 2)?;
        Some((month, day))
    }

    fn chinese_month_day(&mut self) -> Option<(u32, u32)> {
        self.skip_spaces();
        let month = self.number(1, 2)?;
        self.skip_spaces();
        if !self.eat('月') {
            return None;
        }
        self.skip_spaces();
        let day = self.number(1, 2)?;
        self.skip_spaces();
        self.eat_any(&['日', '号'])?;
        Some((month, day))
    }

    /// `2020年3月10日8时` needs no separator between date and time.
    fn follows_chinese_date(&self) -> bool {
        self.pos > 0 && matches!(self.chars[self.pos - 1], '日' | '号')
    }

    /// `8:30`, `08:30:00` or `8时30分`, `8点30分`, `8时30分15秒`, `8时`.
    fn time(&mut self) -> Option<(u32, u32, u32)> {
        let hour = self.number(1, 2)?;
        if self.eat(':') {
            let minute = self.number(2, 2)?;
            let second = if self.eat(':') { self.number(2, 2)? } else { 0 };
            return Some((hour, minute, second));
        }
        self.skip_spaces();
        self.eat_any(&['时', '点'])?;
        self.skip_spaces();
        if self.at_end() {
            return Some((hour, 0, 0));
        }
        let minute = self.number(1, 2)?;
        self.skip_spaces();
        if !self.eat('分') {
            return None;
        }
        self.skip_spaces();
        if self.at_end() {
            return Some((hour, minute, 0));
        }
        let second = self.number(1, 2)?;
        self.skip_spaces();
        self.eat('秒').then_some((hour, minute, second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn eight_digits_are_a_date_only_when_the_day_exists() {
        assert_eq!(date_from_yyyymmdd("19900307"), Some(d(1990, 3, 7)));
        assert_eq!(date_from_yyyymmdd("20000229"), Some(d(2000, 2, 29)));
        for bad in [
            "19000229",
            "19901301",
            "19900100",
            "19900431",
            "1990037",
            "199003071",
        ] {
            assert_eq!(date_from_yyyymmdd(bad), None, "{bad}");
        }
        for bad in ["1990-3-7", "+1990037", "１９９００３０７", "19900３07"] {
            assert_eq!(date_from_yyyymmdd(bad), None, "{bad}");
        }
    }

    fn dt(y: i32, mo: u32, day: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        d(y, mo, day).and_hms_opt(h, mi, s).unwrap()
    }

    #[test]
    fn common_date_spellings_all_parse_to_the_same_day() {
        for text in [
            "2020-03-10",
            "2020/3/10",
            "2020.3.10",
            "20200310",
            "2020年3月10日",
            " 2020 年 3 月 10 日 ",
            "２０２０年３月１０日",
            "\u{3000}２０２０－０３－１０",
            "2020年3月10号",
        ] {
            assert_eq!(parse_date_lenient(text), Ok(d(2020, 3, 10)), "{text}");
        }
    }

    #[test]
    fn impossible_dates_are_rejected_as_impossible() {
        for text in ["2019-02-29", "2020/13/1", "20200230", "2020年4月31日"] {
            assert_eq!(
                parse_date_lenient(text).unwrap_err().key(),
                keys::DATE_IMPOSSIBLE,
                "{text}"
            );
        }
        assert_eq!(parse_date_lenient("2020-02-29"), Ok(d(2020, 2, 29)));
    }

    #[test]
    fn unreadable_dates_are_format_errors() {
        for text in [
            "2020-3/10",
            "2020310",
            "10/3/2020",
            "2020年3月",
            "2020-03-10 08:00",
            "昨天",
        ] {
            assert_eq!(
                parse_date_lenient(text).unwrap_err().key(),
                keys::DATE_FORMAT,
                "{text}"
            );
        }
        assert_eq!(
            parse_date_lenient("  ").unwrap_err().key(),
            keys::DATE_EMPTY
        );
    }

    #[test]
    fn common_datetime_spellings_parse_as_local_time() {
        let expected = dt(2020, 3, 10, 8, 30, 0);
        for text in [
            "2020-03-10 08:30",
            "2020-03-10T08:30:00",
            "2020/3/10 8:30",
            "2020年3月10日 8时30分",
            "2020年3月10日8点30分",
            "２０２０年３月１０日　８时３０分",
        ] {
            assert_eq!(parse_datetime_lenient(text), Ok(expected), "{text}");
        }
        assert_eq!(
            parse_datetime_lenient("2020年3月10日 8时30分15秒"),
            Ok(dt(2020, 3, 10, 8, 30, 15))
        );
        assert_eq!(
            parse_datetime_lenient("2020-03-10 14时"),
            Ok(dt(2020, 3, 10, 14, 0, 0))
        );
    }

    #[test]
    fn datetimes_with_zones_or_impossible_parts_are_rejected() {
        let key = |text: &str| parse_datetime_lenient(text).unwrap_err().key();
        assert_eq!(key("2020-03-10T08:30:00Z"), keys::DATETIME_FORMAT);
        assert_eq!(key("2020-03-10T08:30:00+08:00"), keys::DATETIME_FORMAT);
        assert_eq!(key("2020-03-10"), keys::DATETIME_FORMAT);
        assert_eq!(key("2020-03-1008:30"), keys::DATETIME_FORMAT);
        assert_eq!(key("2020-03-10 24:00"), keys::DATETIME_IMPOSSIBLE);
        assert_eq!(key("2020-02-30 08:00"), keys::DATETIME_IMPOSSIBLE);
        assert_eq!(key(""), keys::DATETIME_EMPTY);
    }

    #[test]
    fn the_official_form_has_no_leading_zeros() {
        assert_eq!(official_date(d(2020, 3, 6)), "2020年3月6日");
        assert_eq!(official_date(d(2021, 12, 25)), "2021年12月25日");
    }

    #[test]
    fn china_is_eight_hours_ahead_of_utc() {
        assert_eq!(china_offset().local_minus_utc(), 28_800);
        let noon_utc = dt(2020, 6, 1, 4, 0, 0).and_utc();
        assert_eq!(
            noon_utc.with_timezone(&china_offset()).naive_local(),
            dt(2020, 6, 1, 12, 0, 0)
        );
    }
}

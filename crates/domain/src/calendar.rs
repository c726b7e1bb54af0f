//! The official work calendar: which days are working days under the State
//! Council's annual holiday notice (国务院办公厅关于部分节假日安排的通知).
//!
//! Deadlines for citizen requests are counted in working days, and the
//! notice for next year is published in late autumn and moves weekends. So
//! the strict methods (`is_working_day`, `add_working_days`, …) answer an
//! error for a date in a year whose notice is not loaded, and the `_assumed`
//! methods (used by `deadline` and the API) count Monday to Friday there and
//! return `Reckoned { covered: false, .. }` so callers can warn. New years
//! come from a file in the shipped format: `official().extended_with(json)`.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::OnceLock,
};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use crate::error::{Invalid, keys};

const OFFICIAL_JSON: &str = include_str!("../data/cn-holidays.json");

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkCalendar {
    years: BTreeMap<i32, Year>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Year {
    /// Days off, weekend days inside a holiday block included.
    holidays: BTreeMap<NaiveDate, String>,
    /// Weekend days declared working days (调休).
    workdays: BTreeSet<NaiveDate>,
}

#[derive(Deserialize)]
struct FileJson {
    years: BTreeMap<String, YearJson>,
}

#[derive(Deserialize)]
struct YearJson {
    holidays: Vec<HolidayJson>,
    #[serde(default)]
    workdays: Vec<WorkdayJson>,
}

#[derive(Deserialize)]
struct HolidayJson {
    date: String,
    name: String,
}

#[derive(Deserialize)]
struct WorkdayJson {
    date: String,
}

impl WorkCalendar {
    /// The calendar shipped with this crate (2019–2026 at the time of
    /// writing).
    pub fn official() -> WorkCalendar {
        static OFFICIAL: OnceLock<WorkCalendar> = OnceLock::new();
        OFFICIAL
            .get_or_init(|| {
                WorkCalendar::from_json(OFFICIAL_JSON)
                    .expect("the embedded calendar is checked by the tests")
            })
            .clone()
    }

    /// Reads the format of `data/cn-holidays.json`: `years` → year →
    /// `holidays` [{date, name}] and `workdays` [{date, …}]. Entries are
    /// checked so a typo in a hand-made file for a new year fails loudly.
    pub fn from_json(json: &str) -> Result<WorkCalendar, Invalid> {
        let file: FileJson = serde_json::from_str(json)
            .map_err(|e| Invalid::with_detail(keys::CALENDAR_JSON, e.to_string()))?;
        let mut calendar = WorkCalendar::default();
        for (year_text, year_json) in file.years {
            let year: i32 = year_text
                .parse()
                .map_err(|_| Invalid::with_detail(keys::CALENDAR_JSON, year_text.clone()))?;
            calendar
                .years
                .insert(year, Year::from_json(year, year_json)?);
        }
        Ok(calendar)
    }

    /// Adds the years of `other`; a year present in both is replaced by
    /// `other`'s version, as a revised notice replaces the earlier one.
    pub fn merge(&mut self, other: WorkCalendar) {
        self.years.extend(other.years);
    }

    /// This calendar with the years of a file in the format of `from_json`
    /// added; a year the file holds replaces this calendar's version of it
    /// (a new year's notice, or a revised one).
    pub fn extended_with(mut self, json: &str) -> Result<WorkCalendar, Invalid> {
        self.merge(WorkCalendar::from_json(json)?);
        Ok(self)
    }

    /// Days off and make-up working days listed for `year`; `None` for a
    /// year not covered.
    pub fn year_counts(&self, year: i32) -> Option<YearCounts> {
        self.years.get(&year).map(|y| YearCounts {
            holidays: y.holidays.len(),
            workdays: y.workdays.len(),
        })
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years.contains_key(&date.year())
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, Invalid> {
        let year = self.years.get(&date.year()).ok_or_else(|| {
            Invalid::with_detail(keys::CALENDAR_YEAR_NOT_COVERED, date.year().to_string())
        })?;
        Ok(if year.holidays.contains_key(&date) {
            false
        } else if year.workdays.contains(&date) {
            true
        } else {
            !is_weekend(date)
        })
    }

    /// Whether `date` is a working day, assuming Monday to Friday in a year
    /// the calendar does not cover. The flag says whether the answer comes
    /// from a notice; callers warn when it does not.
    pub fn is_working_day_assumed(&self, date: NaiveDate) -> Reckoned<bool> {
        match self.is_working_day(date) {
            Ok(working) => Reckoned::covered(working),
            Err(_) => Reckoned {
                value: !is_weekend(date),
                covered: false,
            },
        }
    }

    /// `days` working days from `from`, forwards or, for a negative number,
    /// backwards: the `days`-th working day strictly after (before) `from`;
    /// for 0, `from` if it is a working day, otherwise the next one. Outside
    /// the covered years weekdays count as working days and the answer is
    /// flagged not covered (see `is_working_day_assumed`).
    pub fn add_working_days_assumed(&self, from: NaiveDate, days: i64) -> Reckoned<NaiveDate> {
        let mut covered = true;
        let mut working = |date: NaiveDate| {
            let answer = self.is_working_day_assumed(date);
            covered &= answer.covered;
            answer.value
        };
        let mut date = from;
        if days == 0 {
            while !working(date) {
                date = step(date, 1);
            }
        } else {
            let direction = days.signum();
            let mut remaining = days.unsigned_abs();
            while remaining > 0 {
                date = step(date, direction);
                if working(date) {
                    remaining -= 1;
                }
            }
        }
        Reckoned {
            value: date,
            covered,
        }
    }

    /// The holiday's name (春节, 国庆节, …) for a day off under a notice;
    /// `None` for ordinary weekends and working days.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        self.years
            .get(&date.year())?
            .holidays
            .get(&date)
            .map(String::as_str)
    }

    /// The `n`-th working day strictly after `from`; for `n = 0`, `from`
    /// itself if it is a working day, otherwise the next working day.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, Invalid> {
        let mut date = from;
        if n == 0 {
            while !self.is_working_day(date)? {
                date = next_day(date)?;
            }
            return Ok(date);
        }
        let mut remaining = n;
        while remaining > 0 {
            date = next_day(date)?;
            if self.is_working_day(date)? {
                remaining -= 1;
            }
        }
        Ok(date)
    }

    /// Working days in the half-open interval (a, b]; 0 when `b <= a`.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> Result<u32, Invalid> {
        let mut count = 0;
        let mut date = a;
        while date < b {
            date = next_day(date)?;
            if self.is_working_day(date)? {
                count += 1;
            }
        }
        Ok(count)
    }
}

/// How many entries a year's notice has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearCounts {
    /// Days off, weekend days inside a holiday block included.
    pub holidays: usize,
    /// Weekend days declared working days (调休).
    pub workdays: usize,
}

/// A value computed with the calendar, and whether every day it depended on
/// lies in a covered year. `covered == false` means weekends-only was assumed
/// for some day: the value may change when that year's notice is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reckoned<T> {
    pub value: T,
    pub covered: bool,
}

impl<T> Reckoned<T> {
    pub fn covered(value: T) -> Self {
        Reckoned {
            value,
            covered: true,
        }
    }
}

impl Year {
    fn from_json(year: i32, json: YearJson) -> Result<Year, Invalid> {
        let mut parsed = Year::default();
        for holiday in json.holidays {
            let date = entry_date(year, &holiday.date)?;
            parsed.holidays.insert(date, holiday.name);
        }
        for workday in json.workdays {
            let date = entry_date(year, &workday.date)?;
            // A working day on a weekday or on a holiday contradicts itself;
            // most likely a date typed into the wrong list.
            if !is_weekend(date) || parsed.holidays.contains_key(&date) {
                return Err(Invalid::with_detail(keys::CALENDAR_ENTRY, workday.date));
            }
            parsed.workdays.insert(date);
        }
        Ok(parsed)
    }
}

/// Lookups go by the date's year, so an entry must lie in the year it is
/// listed under.
fn entry_date(year: i32, text: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| d.year() == year)
        .ok_or_else(|| Invalid::with_detail(keys::CALENDAR_ENTRY, text))
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// One day forwards (`direction` 1) or backwards (-1). Dates stay far from
/// chrono's limits (±262,000 years) in any use of a work calendar.
fn step(date: NaiveDate, direction: i64) -> NaiveDate {
    let next = if direction < 0 {
        date.pred_opt()
    } else {
        date.succ_opt()
    };
    next.expect("a date within chrono's range")
}

fn next_day(date: NaiveDate) -> Result<NaiveDate, Invalid> {
    date.succ_opt()
        .ok_or_else(|| Invalid::with_detail(keys::CALENDAR_YEAR_NOT_COVERED, date.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn official() -> WorkCalendar {
        WorkCalendar::official()
    }

    #[test]
    fn the_embedded_calendar_covers_2019_to_2026() {
        let years: Vec<i32> = official().years().collect();
        assert_eq!(years, (2019..=2026).collect::<Vec<_>>());
        assert!(official().covers(d(2026, 12, 31)));
        assert!(!official().covers(d(2027, 1, 1)));
    }

    #[test]
    fn three_working_days_after_30_september_2020_is_12_october() {
        assert_eq!(
            official().add_working_days(d(2020, 9, 30), 3),
            Ok(d(2020, 10, 12))
        );
    }

    #[test]
    fn the_extended_2020_spring_festival_ran_to_2_february() {
        assert_eq!(
            official().add_working_days(d(2020, 1, 23), 1),
            Ok(d(2020, 2, 3))
        );
        assert_eq!(official().holiday_name(d(2020, 2, 2)), Some("春节"));
    }

    #[test]
    fn a_shifted_saturday_is_a_working_day_and_an_ordinary_one_is_not() {
        let cal = official();
        assert_eq!(d(2020, 10, 10).weekday(), Weekday::Sat);
        assert_eq!(cal.is_working_day(d(2020, 10, 10)), Ok(true));
        assert_eq!(cal.is_working_day(d(2020, 10, 17)), Ok(false));
        assert_eq!(cal.holiday_name(d(2020, 10, 17)), None);
    }

    #[test]
    fn a_holiday_on_a_weekday_is_not_a_working_day() {
        assert_eq!(official().is_working_day(d(2024, 10, 1)), Ok(false));
        assert_eq!(official().is_working_day(d(2024, 10, 8)), Ok(true));
    }

    #[test]
    fn adding_zero_days_stays_on_a_working_day_or_moves_to_the_next() {
        let cal = official();
        assert_eq!(cal.add_working_days(d(2020, 9, 30), 0), Ok(d(2020, 9, 30)));
        assert_eq!(cal.add_working_days(d(2020, 10, 1), 0), Ok(d(2020, 10, 9)));
    }

    #[test]
    fn a_date_outside_the_covered_years_is_an_error_not_a_guess() {
        let cal = official();
        let err = cal.is_working_day(d(2027, 3, 1)).unwrap_err();
        assert_eq!(err.key(), keys::CALENDAR_YEAR_NOT_COVERED);
        assert_eq!(err.detail(), Some("2027"));
        assert!(cal.add_working_days(d(2026, 12, 30), 5).is_err());
        assert!(
            cal.working_days_between(d(2018, 12, 28), d(2019, 1, 4))
                .is_err()
        );
    }

    #[test]
    fn working_days_between_counts_the_half_open_interval() {
        let cal = official();
        // 2020-10-09 (Fri) and 2020-10-10 (shifted Sat) are working days;
        // 2020-10-01..08 are the holiday.
        assert_eq!(
            cal.working_days_between(d(2020, 9, 30), d(2020, 10, 10)),
            Ok(2)
        );
        assert_eq!(
            cal.working_days_between(d(2020, 9, 29), d(2020, 9, 30)),
            Ok(1)
        );
        assert_eq!(
            cal.working_days_between(d(2020, 9, 30), d(2020, 9, 30)),
            Ok(0)
        );
        assert_eq!(
            cal.working_days_between(d(2020, 10, 10), d(2020, 9, 30)),
            Ok(0)
        );
    }

    #[test]
    fn a_new_year_can_be_merged_from_a_file() {
        let mut cal = official();
        let next = WorkCalendar::from_json(
            r#"{"years": {"2027": {
                "holidays": [{"date": "2027-01-01", "name": "元旦"}],
                "workdays": [{"date": "2027-01-02"}]
            }}}"#,
        )
        .unwrap();
        cal.merge(next);
        assert!(cal.covers(d(2027, 6, 1)));
        assert_eq!(cal.holiday_name(d(2027, 1, 1)), Some("元旦"));
        assert_eq!(cal.is_working_day(d(2027, 1, 2)), Ok(true));
        assert_eq!(cal.add_working_days(d(2026, 12, 31), 1), Ok(d(2027, 1, 2)));
        assert_eq!(cal.years().count(), 9);
    }

    #[test]
    fn merging_a_year_already_present_replaces_it() {
        let mut cal = official();
        let revised = WorkCalendar::from_json(r#"{"years": {"2020": {"holidays": []}}}"#).unwrap();
        cal.merge(revised);
        assert_eq!(cal.is_working_day(d(2020, 10, 1)), Ok(true));
    }

    #[test]
    fn assumed_answers_use_the_notice_inside_covered_years_and_weekdays_outside() {
        let cal = official();
        assert_eq!(
            cal.is_working_day_assumed(d(2020, 10, 10)),
            Reckoned::covered(true)
        );
        assert_eq!(
            cal.is_working_day_assumed(d(2020, 10, 1)),
            Reckoned::covered(false)
        );
        // 2027-03-01 is a Monday, 2027-03-06 a Saturday.
        let monday = cal.is_working_day_assumed(d(2027, 3, 1));
        assert_eq!((monday.value, monday.covered), (true, false));
        let saturday = cal.is_working_day_assumed(d(2027, 3, 6));
        assert_eq!((saturday.value, saturday.covered), (false, false));
    }

    #[test]
    fn adding_working_days_goes_both_ways_and_flags_uncovered_years() {
        let cal = official();
        let add = |from, n| cal.add_working_days_assumed(from, n);
        assert_eq!(add(d(2020, 1, 23), 1), Reckoned::covered(d(2020, 2, 3)));
        assert_eq!(add(d(2020, 9, 30), 3), Reckoned::covered(d(2020, 10, 12)));
        // Backwards: the working day before 3 February 2020 is 23 January.
        assert_eq!(add(d(2020, 2, 3), -1), Reckoned::covered(d(2020, 1, 23)));
        assert_eq!(add(d(2020, 10, 12), -3), Reckoned::covered(d(2020, 9, 30)));
        assert_eq!(add(d(2020, 10, 1), 0), Reckoned::covered(d(2020, 10, 9)));
        // The same answers as the strict version wherever that one answers.
        assert_eq!(
            cal.add_working_days(d(2024, 9, 27), 10).unwrap(),
            add(d(2024, 9, 27), 10).value
        );
        // Crossing into 2027: Thursday 31 December 2026 + 2 = Monday 4 January 2027.
        let across = add(d(2026, 12, 31), 2);
        assert_eq!((across.value, across.covered), (d(2027, 1, 4), false));
        // Backwards out of 2019 into 2018.
        let before = add(d(2019, 1, 2), -1);
        assert_eq!((before.value, before.covered), (d(2018, 12, 31), false));
    }

    #[test]
    fn a_file_extends_the_calendar_and_counts_its_entries() {
        let cal = official()
            .extended_with(
                r#"{"years": {"2027": {
                    "holidays": [{"date": "2027-01-01", "name": "元旦"}],
                    "workdays": [{"date": "2027-01-02"}]
                }}}"#,
            )
            .unwrap();
        assert_eq!(
            cal.year_counts(2027),
            Some(YearCounts {
                holidays: 1,
                workdays: 1
            })
        );
        assert_eq!(cal.year_counts(2028), None);
        assert_eq!(
            cal.add_working_days_assumed(d(2026, 12, 31), 1),
            Reckoned::covered(d(2027, 1, 2))
        );
        assert!(official().extended_with("{").is_err());
        // The shipped 2020 notice, Spring Festival extension included.
        assert_eq!(
            official().year_counts(2020),
            Some(YearCounts {
                holidays: 30,
                workdays: 6
            })
        );
    }

    #[test]
    fn a_malformed_file_is_rejected() {
        let key = |json: &str| WorkCalendar::from_json(json).unwrap_err().key();
        assert_eq!(key("{"), keys::CALENDAR_JSON);
        assert_eq!(
            key(r#"{"years": {"next": {"holidays": []}}}"#),
            keys::CALENDAR_JSON
        );
        assert_eq!(
            key(r#"{"years": {"2027": {"holidays": [{"date": "2027-02-30", "name": "春节"}]}}}"#),
            keys::CALENDAR_ENTRY
        );
        assert_eq!(
            key(r#"{"years": {"2027": {"holidays": [{"date": "2028-01-01", "name": "元旦"}]}}}"#),
            keys::CALENDAR_ENTRY
        );
        // 2027-01-04 is a Monday: declaring it a working day means nothing.
        assert_eq!(
            key(r#"{"years": {"2027": {"holidays": [], "workdays": [{"date": "2027-01-04"}]}}}"#),
            keys::CALENDAR_ENTRY
        );
    }
}

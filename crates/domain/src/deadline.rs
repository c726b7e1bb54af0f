//! Time limits and due moments in working time (办理时限).
//!
//! A `TimeLimit` is what a kind of ticket allows ("complaint: 13 working
//! days"); `due` turns a start moment into the due moment with the official
//! `WorkCalendar` and the office's `WorkingHours`; `due_with_pauses` stops the
//! clock during pauses; `working_time_between` measures time left or overdue.
//!
//! The rules, in Beijing time (or the offset of the `WorkingHours`):
//! - The clock counts from the start if it falls in office hours, otherwise
//!   from the start of the next working period.
//! - `N working days`: due at the end of office hours of the N-th working day
//!   after the day the clock starts (so a complaint filed on Thursday
//!   23 January 2020 with 1 working day was due at 17:30 on Monday
//!   3 February, after the extended Spring Festival).
//! - `N working hours`: N hours of office time.
//! - `N hours`: N hours of clock time, nights, weekends and holidays included.
//! - `same day`: the end of office hours of the day the clock starts.
//! - A pause stops the clock: the office time (clock time for `N hours`) of
//!   the limit is counted outside pauses, so a pause of two whole working
//!   days moves the due moment two working days later. An open pause (no
//!   end yet) reached before the limit is used up leaves no due moment.
//! - Outside the calendar's years weekdays are assumed working days and the
//!   result says `covered: false`, so callers can warn.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};

use crate::calendar::{Reckoned, WorkCalendar};
use crate::dates::china_offset;
use crate::error::{Invalid, keys};

/// The largest limit accepted: ten years of days or hours.
const MAX_AMOUNT: u32 = 3650;

/// How long a ticket may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeLimit {
    /// "13 working days", "13个工作日".
    WorkingDays(u32),
    /// "3 working hours", "3个工作小时".
    WorkingHours(u32),
    /// "24 hours", "24小时": clock time.
    Hours(u32),
    /// "same day", "当日" / "当天".
    SameDay,
}

impl TimeLimit {
    /// Accepts English ("13 working days", "1 working day", "3 working
    /// hours", "24 hours", "same day") and Chinese ("13个工作日", "3个工作小时",
    /// "24小时", "当日", "当天"), with any spaces and full-width digits.
    pub fn parse(text: &str) -> Result<TimeLimit, Invalid> {
        let normalized: String = text
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                c => c.to_ascii_lowercase(),
            })
            .collect();
        let compact: String = normalized.split_whitespace().collect::<Vec<_>>().join(" ");
        if compact.is_empty() {
            return Err(Invalid::new(keys::TIME_LIMIT_EMPTY));
        }
        if matches!(compact.as_str(), "same day" | "当日" | "当天") {
            return Ok(TimeLimit::SameDay);
        }
        let digits: String = compact.chars().take_while(char::is_ascii_digit).collect();
        let unit = compact[digits.len()..].trim();
        let unit = unit.strip_prefix('个').unwrap_or(unit).trim();
        let make: fn(u32) -> TimeLimit = match unit {
            "working days" | "working day" | "工作日" => TimeLimit::WorkingDays,
            "working hours" | "working hour" | "工作小时" => TimeLimit::WorkingHours,
            "hours" | "hour" | "小时" => TimeLimit::Hours,
            _ => return Err(Invalid::with_detail(keys::TIME_LIMIT_FORMAT, text)),
        };
        let amount: u32 = digits
            .parse()
            .map_err(|_| Invalid::with_detail(keys::TIME_LIMIT_FORMAT, text))?;
        if amount == 0 || amount > MAX_AMOUNT {
            return Err(Invalid::with_detail(keys::TIME_LIMIT_RANGE, text));
        }
        Ok(make(amount))
    }

    /// The Chinese form: "13个工作日", "3个工作小时", "24小时", "当日".
    pub fn to_zh(self) -> String {
        match self {
            TimeLimit::WorkingDays(n) => format!("{n}个工作日"),
            TimeLimit::WorkingHours(n) => format!("{n}个工作小时"),
            TimeLimit::Hours(n) => format!("{n}小时"),
            TimeLimit::SameDay => "当日".to_string(),
        }
    }

    /// Whether the limit runs in office time (all but `N hours`): time left
    /// and overdue are then measured with `working_time_between`.
    pub fn counts_working_time(self) -> bool {
        !matches!(self, TimeLimit::Hours(_))
    }
}

/// The English form, which `parse` reads back: "13 working days".
impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        match *self {
            TimeLimit::WorkingDays(n) => write!(f, "{n} working day{}", plural(n)),
            TimeLimit::WorkingHours(n) => write!(f, "{n} working hour{}", plural(n)),
            TimeLimit::Hours(n) => write!(f, "{n} hour{}", plural(n)),
            TimeLimit::SameDay => f.write_str("same day"),
        }
    }
}

/// Office hours: periods of each working day, in local time at `offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    periods: Vec<(NaiveTime, NaiveTime)>,
    offset: FixedOffset,
}

impl Default for WorkingHours {
    /// 09:00–12:00 and 13:30–17:30, Beijing time.
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
        WorkingHours {
            periods: vec![(t(9, 0), t(12, 0)), (t(13, 30), t(17, 30))],
            offset: china_offset(),
        }
    }
}

impl WorkingHours {
    /// Periods in Beijing time; each must start before it ends and after
    /// the previous one ends.
    pub fn new(periods: Vec<(NaiveTime, NaiveTime)>) -> Result<WorkingHours, Invalid> {
        let ordered = !periods.is_empty()
            && periods.iter().all(|(start, end)| start < end)
            && periods.windows(2).all(|w| w[0].1 <= w[1].0);
        if !ordered {
            return Err(Invalid::new(keys::WORKING_HOURS_ORDER));
        }
        Ok(WorkingHours {
            periods,
            offset: china_offset(),
        })
    }

    /// "09:00-12:00, 13:30-17:30" (also with "–" or "~").
    pub fn parse(text: &str) -> Result<WorkingHours, Invalid> {
        let format = || Invalid::with_detail(keys::WORKING_HOURS_FORMAT, text);
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| format());
        let periods = text
            .split([',', '，', ';'])
            .map(|part| {
                let (start, end) = part.split_once(['-', '–', '~', '～']).ok_or_else(format)?;
                Ok((time(start)?, time(end)?))
            })
            .collect::<Result<Vec<_>, Invalid>>()?;
        WorkingHours::new(periods)
    }

    /// The same periods at another UTC offset.
    pub fn at_offset(mut self, offset: FixedOffset) -> WorkingHours {
        self.offset = offset;
        self
    }

    pub fn periods(&self) -> &[(NaiveTime, NaiveTime)] {
        &self.periods
    }

    fn moment(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        self.offset
            .from_local_datetime(&date.and_time(time))
            .single()
            .expect("a fixed offset maps every local time once")
            .with_timezone(&Utc)
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset).date_naive()
    }

    pub fn day_end(&self, date: NaiveDate) -> DateTime<Utc> {
        let (_, end) = self.periods[self.periods.len() - 1];
        self.moment(date, end)
    }
}

impl fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (start, end)) in self.periods.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}-{}", start.format("%H:%M"), end.format("%H:%M"))?;
        }
        Ok(())
    }
}

/// A pause of the clock: from, and until (`None` while it lasts).
pub type Pause = (DateTime<Utc>, Option<DateTime<Utc>>);

/// Walks office time forwards, noting whether every day looked at is covered
/// by the calendar.
struct Office<'a> {
    calendar: &'a WorkCalendar,
    hours: &'a WorkingHours,
    covered: bool,
}

impl Office<'_> {
    fn working(&mut self, date: NaiveDate) -> bool {
        let answer = self.calendar.is_working_day_assumed(date);
        self.covered &= answer.covered;
        answer.value
    }

    /// The first stretch of office time ending after `t`, starting no
    /// earlier than `t`.
    fn next_period(&mut self, t: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        // Periods lie within their local day, so none of an earlier day
        // ends after `t`.
        let mut date = self.hours.local_date(t);
        loop {
            if self.working(date) {
                for (start, end) in &self.hours.periods {
                    let (s, e) = (
                        self.hours.moment(date, *start),
                        self.hours.moment(date, *end),
                    );
                    if e > t {
                        return (s.max(t), e);
                    }
                }
            }
            date = date.succ_opt().expect("a date within chrono's range");
        }
    }

    /// Where the clock starts: `start`, or the start of the next period.
    fn clock_start(&mut self, start: DateTime<Utc>) -> DateTime<Utc> {
        self.next_period(start).0
    }

    /// Office time in [a, b).
    fn between(&mut self, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
        let mut total = TimeDelta::zero();
        let mut t = a;
        while t < b {
            let (s, e) = self.next_period(t);
            if s >= b {
                break;
            }
            total += e.min(b) - s;
            t = e;
        }
        total
    }
}

/// Where a limit ends, and whether the calendar covered every day used.
pub type Due = Reckoned<DateTime<Utc>>;

/// The due moment of `limit` started at `start`, without pauses.
pub fn due(
    start: DateTime<Utc>,
    limit: TimeLimit,
    calendar: &WorkCalendar,
    hours: &WorkingHours,
) -> Due {
    due_with_pauses(start, limit, &[], calendar, hours)
        .expect("without pauses there is always a due moment")
}

/// The due moment of `limit` started at `start` with the clock stopped
/// during `pauses` (in any order, possibly overlapping); `None` when an
/// open pause begins before the limit is used up.
pub fn due_with_pauses(
    start: DateTime<Utc>,
    limit: TimeLimit,
    pauses: &[Pause],
    calendar: &WorkCalendar,
    hours: &WorkingHours,
) -> Option<Due> {
    let mut office = Office {
        calendar,
        hours,
        covered: true,
    };
    let pauses = merged(pauses);
    let at = match limit {
        TimeLimit::Hours(n) => {
            let budget = TimeDelta::hours(i64::from(n));
            consume(start, budget, &pauses, |t| (t, DateTime::<Utc>::MAX_UTC))?
        }
        _ => {
            let clock = office.clock_start(start);
            let first_day = hours.local_date(clock);
            let end = match limit {
                TimeLimit::WorkingDays(n) => {
                    let day = calendar.add_working_days_assumed(first_day, i64::from(n));
                    office.covered &= day.covered;
                    hours.day_end(day.value)
                }
                TimeLimit::WorkingHours(n) => {
                    let budget = TimeDelta::hours(i64::from(n));
                    consume(clock, budget, &[], |t| office.next_period(t))
                        .expect("no pauses to stop the clock")
                }
                TimeLimit::SameDay => hours.day_end(first_day),
                TimeLimit::Hours(_) => unreachable!("handled above"),
            };
            if pauses.is_empty() {
                end
            } else {
                let budget = office.between(clock, end);
                consume(clock, budget, &pauses, |t| office.next_period(t))?
            }
        }
    };
    Some(Reckoned {
        value: at,
        covered: office.covered,
    })
}

/// Office time from `a` to `b`: positive when `b` is later (time left
/// until a due moment `b`), negative when earlier (overdue by).
pub fn working_time_between(
    a: DateTime<Utc>,
    b: DateTime<Utc>,
    calendar: &WorkCalendar,
    hours: &WorkingHours,
) -> Reckoned<TimeDelta> {
    let mut office = Office {
        calendar,
        hours,
        covered: true,
    };
    let value = if a <= b {
        office.between(a, b)
    } else {
        -office.between(b, a)
    };
    Reckoned {
        value,
        covered: office.covered,
    }
}

/// Sorted, non-overlapping pauses; an open pause swallows what follows it.
fn merged(pauses: &[Pause]) -> Vec<Pause> {
    let mut sorted = pauses.to_vec();
    sorted.sort_by_key(|(from, _)| *from);
    let mut out: Vec<Pause> = Vec::new();
    for (from, to) in sorted {
        if to.is_some_and(|to| to <= from) {
            continue;
        }
        match out.last_mut() {
            Some((_, last_to)) if last_to.is_none_or(|end| from <= end) => {
                *last_to = match (*last_to, to) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => out.push((from, to)),
        }
    }
    out
}

/// Runs the clock from `start` through the stretches `next` yields (the
/// first stretch ending after a moment), skipping `pauses`, until `budget`
/// is used; `None` if an open pause stops the clock first.
fn consume(
    start: DateTime<Utc>,
    budget: TimeDelta,
    pauses: &[Pause],
    mut next: impl FnMut(DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>),
) -> Option<DateTime<Utc>> {
    let mut remaining = budget;
    let mut t = start;
    loop {
        let (s, e) = next(t);
        // Inside a pause: jump to its end.
        if let Some((_, to)) = pauses
            .iter()
            .find(|(from, to)| *from <= s && to.is_none_or(|to| s < to))
        {
            t = (*to)?;
            continue;
        }
        // Run until the stretch ends or the next pause begins.
        let stop = pauses
            .iter()
            .map(|(from, _)| *from)
            .find(|from| *from > s && *from < e)
            .unwrap_or(e);
        if stop - s >= remaining {
            return Some(s + remaining);
        }
        remaining -= stop - s;
        t = stop;
    }
}

#[cfg(test)]
mod tests;

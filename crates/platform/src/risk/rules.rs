//! The rules that move an area's risk level, as a pure function of its cases and the level in
//! force: no I/O, no clock. A module that knows cases (`epidemic`) feeds them in and stores what
//! comes out.
//!
//! On each day, in order:
//! - a pinned level (a command override) never moves;
//! - the *raised* level is the highest rule met: at least `min_cases` cases on the
//!   `within_days` days ending that day;
//! - above the level in force, the raised level takes effect that day;
//! - otherwise a level above the base steps down one step once its `step_down_days` have passed
//!   without a new case, counted from the later of the last case and the day the level took
//!   effect — a high-risk area becomes medium after 14 quiet days, then low after 7 more — but
//!   never below the raised level.

use chrono::NaiveDate;

use super::settings::Settings;

/// The level in force for an area, as the rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Current {
    /// Index into `Settings::levels` (0 is the base level).
    pub level: usize,
    /// The day it took effect; `None` for the base level never changed.
    pub since: Option<NaiveDate>,
    pub pinned: bool,
}

impl Current {
    pub const BASE: Current = Current {
        level: 0,
        since: None,
        pinned: false,
    };
}

/// A change the rules make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub level: usize,
    pub effective_on: NaiveDate,
    /// Cases in the window of the rule that raised it (for a raise), or 0.
    pub cases: u32,
}

/// Cases counted by a rule on `day`: those on the `within_days` days ending `day`.
fn cases_within(case_days: &[NaiveDate], day: NaiveDate, within_days: u32) -> u32 {
    let first = day - chrono::Days::new(u64::from(within_days.max(1)) - 1);
    case_days
        .iter()
        .filter(|d| **d >= first && **d <= day)
        .count() as u32
}

/// The highest level a rule raises the area to on `day`, with the cases the rule counted.
pub fn raised(settings: &Settings, case_days: &[NaiveDate], day: NaiveDate) -> (usize, u32) {
    let mut best = (0, 0);
    for rule in &settings.rules {
        let Some(level) = settings.index_of(&rule.level) else {
            continue;
        };
        let n = cases_within(case_days, day, rule.within_days);
        if n >= rule.min_cases.max(1) && level > best.0 {
            best = (level, n);
        }
    }
    best
}

/// The change (if any) on `day`, for an area whose level in force the day before is `current`.
pub fn step(
    settings: &Settings,
    current: Current,
    case_days: &[NaiveDate],
    day: NaiveDate,
) -> Option<Change> {
    if current.pinned {
        return None;
    }
    let (raise, cases) = raised(settings, case_days, day);
    if raise > current.level {
        return Some(Change {
            level: raise,
            effective_on: day,
            cases,
        });
    }
    if current.level == 0 {
        return None;
    }
    let last_case = case_days.iter().filter(|d| **d <= day).max().copied();
    let quiet_from = match (last_case, current.since) {
        (Some(a), Some(b)) => a.max(b),
        (a, b) => a.or(b)?,
    };
    let days = settings.levels.get(current.level)?.step_down_days;
    if (day - quiet_from).num_days() >= i64::from(days) {
        let to = (current.level - 1).max(raise);
        if to < current.level {
            return Some(Change {
                level: to,
                effective_on: day,
                cases: 0,
            });
        }
    }
    None
}

/// Every change from `current.since` (or `from`, whichever is later) through `until`, applied
/// in turn. An area evaluated late gets each change on the day it was due. The day a level took
/// effect is looked at again: a rule change never moves on its own day, but a level set by
/// lifting an override is raised the same day when the cases call for it.
pub fn advance(
    settings: &Settings,
    mut current: Current,
    case_days: &[NaiveDate],
    from: NaiveDate,
    until: NaiveDate,
) -> Vec<Change> {
    let mut changes = Vec::new();
    let start = match current.since {
        Some(since) => from.max(since),
        None => from,
    };
    let mut day = start;
    while day <= until {
        if let Some(change) = step(settings, current, case_days, day) {
            current = Current {
                level: change.level,
                since: Some(change.effective_on),
                pinned: false,
            };
            changes.push(change);
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap() + chrono::Days::new(u64::from(n))
    }

    fn settings() -> Settings {
        Settings::default()
    }

    #[test]
    fn a_case_raises_to_medium_and_three_cases_to_high() {
        let s = settings();
        let medium = s.index_of("medium").unwrap();
        let high = s.index_of("high").unwrap();
        let one = [d(0)];
        assert_eq!(step(&s, Current::BASE, &one, d(0)).unwrap().level, medium);
        assert_eq!(step(&s, Current::BASE, &[], d(0)), None);
        let three = [d(0), d(3), d(9)];
        let c = step(&s, Current::BASE, &three, d(9)).unwrap();
        assert_eq!((c.level, c.cases), (high, 3));
    }

    #[test]
    fn steps_down_one_level_at_a_time_after_quiet_days() {
        let s = settings();
        let (medium, high) = (s.index_of("medium").unwrap(), s.index_of("high").unwrap());
        let cases = [d(0), d(1), d(2)];
        let changes = advance(&s, Current::BASE, &cases, d(0), d(60));
        let levels: Vec<(usize, NaiveDate)> =
            changes.iter().map(|c| (c.level, c.effective_on)).collect();
        let high_quiet = s.levels[high].step_down_days;
        let medium_quiet = s.levels[medium].step_down_days;
        let down1 = d(2) + chrono::Days::new(u64::from(high_quiet));
        let down2 = down1 + chrono::Days::new(u64::from(medium_quiet));
        assert_eq!(
            levels,
            vec![(medium, d(0)), (high, d(2)), (medium, down1), (0, down2)]
        );
    }

    #[test]
    fn a_new_case_holds_the_level_and_a_pinned_level_never_moves() {
        let s = settings();
        let medium = s.index_of("medium").unwrap();
        let cases = [d(0), d(10)];
        let changes = advance(&s, Current::BASE, &cases, d(0), d(20));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].level, medium);
        let pinned = Current {
            level: medium,
            since: Some(d(0)),
            pinned: true,
        };
        assert!(advance(&s, pinned, &[d(1), d(2), d(3)], d(0), d(90)).is_empty());
    }

    #[test]
    fn evaluation_resumes_after_the_level_in_force() {
        let s = settings();
        let medium = s.index_of("medium").unwrap();
        let current = Current {
            level: medium,
            since: Some(d(5)),
            pinned: false,
        };
        let quiet = s.levels[medium].step_down_days;
        let changes = advance(&s, current, &[d(5)], d(0), d(40));
        assert_eq!(changes.len(), 1);
        assert_eq!(
            changes[0].effective_on,
            d(5) + chrono::Days::new(u64::from(quiet))
        );
        assert_eq!(changes[0].level, 0);
    }
}

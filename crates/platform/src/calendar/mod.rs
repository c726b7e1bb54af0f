//! The official work calendar of this node: the years shipped with `domain` plus the years of an
//! optional file (`Config::calendar_file`, `TONGXIN_CALENDAR_FILE`) in the same JSON format, for
//! a notice published after the release (a file's year replaces the shipped one). Loaded once at
//! start — a bad file stops the start — and held in `AppState::calendar`. Dates in years the
//! calendar does not cover count Monday to Friday and are answered with `covered: false`.

pub mod api;

use std::path::Path;

use anyhow::Context;
use domain::WorkCalendar;

use crate::i18n::{Catalogs, Lang};

/// The shipped calendar extended with `file`, if any. The error names the file and says, in
/// Chinese and in the catalog key, what is wrong with it.
pub fn load(file: Option<&Path>, catalogs: &Catalogs) -> anyhow::Result<WorkCalendar> {
    let official = WorkCalendar::official();
    let Some(path) = file else {
        return Ok(official);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the calendar file {}", path.display()))?;
    official.extended_with(&text).map_err(|err| {
        let message = catalogs.get(Lang::ZhCn).get(err.key());
        anyhow::anyhow!(
            "calendar file {} is not valid: {message} ({}{})",
            path.display(),
            err.key(),
            err.detail().map(|d| format!(": {d}")).unwrap_or_default()
        )
    })
}

/// "2019–2027" or "2019–2024, 2026" for messages.
pub fn describe_years(calendar: &WorkCalendar) -> String {
    let mut ranges: Vec<(i32, i32)> = Vec::new();
    for year in calendar.years() {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == year => *end = year,
            _ => ranges.push((year, year)),
        }
    }
    ranges
        .iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Today in Beijing: the calendar day every dated record of the platform is counted on.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&domain::china_offset())
        .date_naive()
}

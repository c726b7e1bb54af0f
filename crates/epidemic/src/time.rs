//! Days and instants as the epidemic module counts them: Beijing days, open bounds.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

/// Today in Beijing.
pub fn today() -> NaiveDate {
    day_of(Utc::now())
}

/// The Beijing day of an instant.
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&domain::dates::china_offset())
        .date_naive()
}

/// The instant a Beijing day begins.
pub fn start_of(day: NaiveDate) -> DateTime<Utc> {
    domain::dates::china_offset()
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

/// `[start, end)` of a Beijing day.
pub fn day_range(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (start_of(day), start_of(day.succ_opt().unwrap_or(day)))
}

/// An instant before any record (open lower bound that compares right on both backends).
pub fn beginning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap()
}

/// An instant after any record.
pub fn end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap()
}

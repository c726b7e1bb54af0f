//! Who is due for health checks on a day, how many, and when: open key persons whose status or
//! category the policy lists in `checks_per_day` (the larger count when both match), each with
//! `per_day` windows of the day in Beijing time (`Policy::windows`).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use platform::db::Db;

use crate::policy::{Policy, hhmm};

/// A key person due for checks on a day.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Due {
    pub key_person_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub area_code: String,
    pub status: String,
    pub category: String,
    #[sqlx(skip)]
    pub per_day: u32,
}

/// Checks a day for a key person of `status` and `category` (0: none).
pub fn per_day(policy: &Policy, status: &str, category: &str) -> u32 {
    policy
        .checks_per_day
        .iter()
        .filter(|c| c.applies_to == status || c.applies_to == category)
        .map(|c| c.per_day)
        .max()
        .unwrap_or(0)
}

/// The moment `HH:MM` on `day` in Beijing.
fn at(day: NaiveDate, text: &str) -> DateTime<Utc> {
    let minutes = hhmm(text).unwrap_or(0);
    let time = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or_default();
    domain::china_offset()
        .from_local_datetime(&day.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_time(time).and_utc())
}

/// The window `[from, until)` of the `slot`th (1-based) of `per_day` checks on `day`.
pub fn window(
    policy: &Policy,
    per_day: u32,
    day: NaiveDate,
    slot: u32,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let w = policy.windows(per_day).get(slot.checked_sub(1)? as usize)?;
    Some((at(day, &w.from), at(day, &w.until)))
}

/// The day in Beijing of `now`.
pub fn beijing_day(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&domain::china_offset()).date_naive()
}

/// The slot a check entered at `now` fills by default: the window open now, else the latest
/// one already opened (a late check), else the first.
pub fn current_slot(policy: &Policy, per_day: u32, now: DateTime<Utc>) -> u32 {
    let day = beijing_day(now);
    let n = policy.windows(per_day).len() as u32;
    let mut slot = 1;
    for s in 1..=n {
        if let Some((from, _)) = window(policy, per_day, day, s)
            && from <= now
        {
            slot = s;
        }
    }
    slot
}

const DUE_SQL: &str = "SELECT k.id AS key_person_id, k.person_id, p.name AS person_name, \
     k.area_code, k.status, k.category FROM epi_key_persons k JOIN persons p ON p.id = k.person_id \
     WHERE k.status <> 'ended' AND k.starts_on <= $1 AND k.area_code >= $2 AND k.area_code < $3 \
     ORDER BY k.area_code, k.id";

/// Everyone due for checks on `day` in the subtree `[lo, hi)`, by area.
pub async fn due_on(
    db: &Db,
    policy: &Policy,
    scope: &(String, String),
    day: NaiveDate,
) -> Result<Vec<Due>, sqlx::Error> {
    let rows: Vec<Due> = platform::with_db!(db, pool => sqlx::query_as(DUE_SQL)
        .bind(day).bind(&scope.0).bind(&scope.1).fetch_all(pool).await)?;
    Ok(with_counts(policy, rows))
}

fn with_counts(policy: &Policy, rows: Vec<Due>) -> Vec<Due> {
    rows.into_iter()
        .filter_map(|mut d| {
            d.per_day = per_day(policy, &d.status, &d.category);
            (d.per_day > 0).then_some(d)
        })
        .collect()
}

/// The person's open key-person episode, if due for checks on `day`.
pub async fn due_person(
    db: &Db,
    policy: &Policy,
    person_id: i64,
    day: NaiveDate,
) -> Result<Option<Due>, sqlx::Error> {
    const SQL: &str = "SELECT k.id AS key_person_id, k.person_id, p.name AS person_name, \
         k.area_code, k.status, k.category FROM epi_key_persons k \
         JOIN persons p ON p.id = k.person_id \
         WHERE k.person_id = $1 AND k.status <> 'ended' AND k.starts_on <= $2";
    let rows: Vec<Due> = platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(person_id).bind(day).fetch_all(pool).await)?;
    Ok(with_counts(policy, rows).into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn quarantined_and_observed_people_get_two_checks_others_one() {
        let p = Policy::default();
        assert_eq!(per_day(&p, "quarantined", "close_contact"), 2);
        assert_eq!(per_day(&p, "managed", "observation"), 2);
        assert_eq!(per_day(&p, "managed", "inbound"), 1);
        assert_eq!(per_day(&p, "followup", "released"), 1);
        assert_eq!(per_day(&p, "ended", "inbound"), 0);
    }

    #[test]
    fn windows_are_beijing_time() {
        let p = Policy::default();
        let day = NaiveDate::from_ymd_opt(2020, 3, 10).unwrap();
        let (from, until) = window(&p, 2, day, 2).unwrap();
        assert_eq!(from, utc("2020-03-10T14:00:00+08:00"));
        assert_eq!(until, utc("2020-03-10T20:00:00+08:00"));
        assert!(window(&p, 2, day, 3).is_none());
        assert!(window(&p, 2, day, 0).is_none());
    }

    #[test]
    fn the_default_slot_is_the_window_open_or_the_last_opened() {
        let p = Policy::default();
        assert_eq!(current_slot(&p, 2, utc("2020-03-10T05:00:00+08:00")), 1);
        assert_eq!(current_slot(&p, 2, utc("2020-03-10T09:00:00+08:00")), 1);
        assert_eq!(current_slot(&p, 2, utc("2020-03-10T13:00:00+08:00")), 1);
        assert_eq!(current_slot(&p, 2, utc("2020-03-10T15:00:00+08:00")), 2);
        assert_eq!(current_slot(&p, 2, utc("2020-03-10T23:00:00+08:00")), 2);
        assert_eq!(current_slot(&p, 1, utc("2020-03-10T23:00:00+08:00")), 1);
    }
}

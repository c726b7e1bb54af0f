//! The roster of a day: every due person × check, done (with the reading), due, or missed
//! (its window closed without a check).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::Db;

use super::model::{RosterEntry, SlotState};
use super::{repo, schedule};
use crate::policy::Policy;

pub async fn roster(
    db: &Db,
    policy: &Policy,
    scope: &(String, String),
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<RosterEntry>, sqlx::Error> {
    let due = schedule::due_on(db, policy, scope, day).await?;
    let checks: HashMap<(i64, i32), repo::CheckRow> = repo::on_day(db, scope, day)
        .await?
        .into_iter()
        .map(|c| ((c.person_id, c.slot), c))
        .collect();
    let marked: HashSet<(i64, i32)> = repo::missed_on(db, scope, day).await?.into_iter().collect();
    let mut out = Vec::new();
    for d in &due {
        let windows = policy.windows(d.per_day);
        for slot in 1..=d.per_day {
            let Some(w) = windows.get(slot as usize - 1) else {
                continue;
            };
            let key = (d.person_id, slot as i32);
            let check = checks.get(&key);
            let closed = schedule::window(policy, d.per_day, day, slot)
                .is_some_and(|(_, until)| until <= now);
            let state = match check {
                Some(_) => SlotState::Done,
                None if closed || marked.contains(&key) => SlotState::Missed,
                None => SlotState::Due,
            };
            out.push(RosterEntry {
                person_id: d.person_id,
                key_person_id: d.key_person_id,
                person_name: d.person_name.clone(),
                area_code: d.area_code.clone(),
                slot,
                per_day: d.per_day,
                window_from: w.from.clone(),
                window_until: w.until.clone(),
                state,
                temperature: check.map(|c| f64::from(c.temperature_dc) / 10.0),
                fever: check.is_some_and(|c| policy.is_fever(c.temperature_dc)),
                alarm: check.is_some_and(|c| c.alarm),
            });
        }
    }
    Ok(out)
}

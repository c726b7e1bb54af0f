//! The epidemic policy: durations, release rules, check and test schedules, thresholds. Policies
//! changed often during the emergency (14 days, then 7 + 3, then 5 + 3), so they are
//! configuration, kept in the database (`epi_policy`, one row of JSON) so every node reads the
//! same, changed by the command through `PUT /api/v1/epidemic/policy` with an audit entry.
//! Missing fields take the defaults below, so an older stored policy stays valid.

pub mod api;

use chrono::Utc;
use platform::audit::{self, Actor, Event};
use platform::db::Db;
use platform::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Symptoms a screening or a health check can record; any listed in `Policy::alarm_symptoms`
/// opens an urgent ticket like a fever does.
pub const SYMPTOMS: &[&str] = &[
    "fever",
    "cough",
    "sore_throat",
    "fatigue",
    "shortness_of_breath",
    "loss_of_smell_taste",
    "diarrhea",
    "muscle_ache",
];

/// How long one kind of quarantine lasts and what ends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct QuarantinePolicy {
    /// Days of centralized quarantine.
    pub centralized_days: u32,
    /// Days of home quarantine after the centralized days (the "14 + 7"); 0 for none.
    pub home_after_centralized_days: u32,
    /// Days of home quarantine when it is the whole order.
    pub home_days: u32,
    /// Negative tests, the last within two days of the end, needed before release.
    pub negative_tests_to_release: u32,
    /// Days of health monitoring after release.
    pub followup_days: u32,
}

impl Default for QuarantinePolicy {
    fn default() -> Self {
        QuarantinePolicy {
            centralized_days: 14,
            home_after_centralized_days: 7,
            home_days: 14,
            negative_tests_to_release: 2,
            followup_days: 14,
        }
    }
}

/// How many health checks a day a category of key person gets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChecksPerDay {
    /// A key-person status (`quarantined`, `managed`, `followup`) or category (`observation`).
    pub applies_to: String,
    pub per_day: u32,
}

/// A window of the day (Beijing time) in which one check is due, `HH:MM`–`HH:MM`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CheckWindow {
    pub from: String,
    pub until: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Policy {
    /// A temperature at or above this (tenths of ℃: 373 = 37.3 ℃) is a fever.
    pub fever_threshold_dc: i32,
    /// Symptoms that open an urgent ticket by themselves.
    pub alarm_symptoms: Vec<String>,
    pub quarantine: QuarantinePolicy,
    /// Days a key person of each category stays under management, counted from exposure or
    /// arrival: `(category, days)`.
    pub management_days: Vec<(String, u32)>,
    pub checks_per_day: Vec<ChecksPerDay>,
    /// The windows of the checks of a day, for 1, 2, 3 … checks a day: `windows[n - 1]`.
    pub check_windows: Vec<Vec<CheckWindow>>,
    /// Minutes after a window closes before a missing check opens a ticket.
    pub missed_check_grace_minutes: u32,
    /// Days of quarantine on which a test is due (day 1 = the first day).
    pub test_days_in_quarantine: Vec<u32>,
    /// Days after release on which a test is due.
    pub test_days_after_release: Vec<u32>,
    /// Days within which a test referral from a screening must be done.
    pub referral_test_within_days: u32,
    /// The health department's unit, which case notifications go to.
    pub health_unit_id: Option<i64>,
    /// Contact tracing (`tracing`).
    pub tracing: TracingPolicy,
}

/// How contacts are traced from passages (see `tracing::engine` for the rules).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TracingPolicy {
    /// Days of passages the tracing index holds.
    pub window_days: u32,
    /// Minutes around a case's stay within which another person's stay makes a close contact.
    pub contact_window_minutes: u32,
    /// Minutes an entry without a recorded exit counts as.
    pub default_stay_minutes: u32,
    /// An exit later than this after the entry is not paired with it.
    pub max_stay_minutes: u32,
    /// Place kinds where sharing a Beijing day makes a close contact whatever the hour
    /// (household-like places).
    pub same_day_kinds: Vec<String>,
}

impl Default for TracingPolicy {
    fn default() -> Self {
        TracingPolicy {
            window_days: 14,
            contact_window_minutes: 30,
            default_stay_minutes: 60,
            max_stay_minutes: 720,
            same_day_kinds: vec!["building".into(), "care_home".into()],
        }
    }
}

fn window(from: &str, until: &str) -> CheckWindow {
    CheckWindow {
        from: from.into(),
        until: until.into(),
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            fever_threshold_dc: 373,
            alarm_symptoms: ["fever", "shortness_of_breath", "loss_of_smell_taste"]
                .map(String::from)
                .to_vec(),
            quarantine: QuarantinePolicy::default(),
            management_days: [
                ("inbound", 14),
                ("close_contact", 14),
                ("secondary_contact", 7),
                ("observation", 14),
                ("released", 14),
                ("case", 28),
            ]
            .map(|(c, d)| (c.to_string(), d))
            .to_vec(),
            checks_per_day: [
                ("quarantined", 2),
                ("observation", 2),
                ("managed", 1),
                ("followup", 1),
            ]
            .map(|(a, n)| ChecksPerDay {
                applies_to: a.to_string(),
                per_day: n,
            })
            .to_vec(),
            check_windows: vec![
                vec![window("06:00", "20:00")],
                vec![window("06:00", "12:00"), window("14:00", "20:00")],
                vec![
                    window("06:00", "10:00"),
                    window("11:00", "15:00"),
                    window("16:00", "20:00"),
                ],
            ],
            missed_check_grace_minutes: 60,
            test_days_in_quarantine: vec![1, 4, 7, 14],
            test_days_after_release: vec![2, 7],
            referral_test_within_days: 1,
            health_unit_id: None,
            tracing: TracingPolicy::default(),
        }
    }
}

/// Every key-person category.
pub const CATEGORIES: &[&str] = &[
    "inbound",
    "close_contact",
    "secondary_contact",
    "observation",
    "released",
    "case",
];

impl Policy {
    /// Days a category stays under management (14 when the policy does not say).
    pub fn management_days(&self, category: &str) -> u32 {
        self.management_days
            .iter()
            .find(|(c, _)| c == category)
            .map(|(_, d)| *d)
            .unwrap_or(14)
    }

    /// Is this reading a fever?
    pub fn is_fever(&self, temperature_dc: i32) -> bool {
        temperature_dc >= self.fever_threshold_dc
    }

    /// Does any of these symptoms open an urgent ticket?
    pub fn alarming<'a>(&self, symptoms: impl IntoIterator<Item = &'a str>) -> bool {
        symptoms
            .into_iter()
            .any(|s| self.alarm_symptoms.iter().any(|a| a == s))
    }

    /// The check windows for `per_day` checks a day (the last configured set when more).
    pub fn windows(&self, per_day: u32) -> &[CheckWindow] {
        let n = (per_day.max(1) as usize).min(self.check_windows.len());
        self.check_windows
            .get(n - 1)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every inconsistency, as a catalog key: thresholds out of range, empty windows, bad times.
    pub fn check(&self) -> Result<(), AppError> {
        let bad = |field: &str| AppError::invalid("epidemic.policy.invalid").on_field(field);
        if !(350..=420).contains(&self.fever_threshold_dc) {
            return Err(bad("fever_threshold_dc"));
        }
        if self
            .alarm_symptoms
            .iter()
            .any(|s| !SYMPTOMS.contains(&s.as_str()))
        {
            return Err(bad("alarm_symptoms"));
        }
        let q = &self.quarantine;
        if q.centralized_days == 0
            || q.centralized_days > 60
            || q.home_days == 0
            || q.home_days > 60
        {
            return Err(bad("quarantine"));
        }
        if self
            .management_days
            .iter()
            .any(|(c, d)| !CATEGORIES.contains(&c.as_str()) || *d == 0 || *d > 90)
        {
            return Err(bad("management_days"));
        }
        if self.check_windows.is_empty()
            || self.check_windows.iter().enumerate().any(|(i, w)| {
                w.len() != i + 1
                    || w.iter().any(|w| match (hhmm(&w.from), hhmm(&w.until)) {
                        (Some(a), Some(b)) => a >= b,
                        _ => true,
                    })
            })
        {
            return Err(bad("check_windows"));
        }
        if self
            .checks_per_day
            .iter()
            .any(|c| c.per_day == 0 || c.per_day as usize > self.check_windows.len())
        {
            return Err(bad("checks_per_day"));
        }
        if self
            .test_days_in_quarantine
            .iter()
            .chain(&self.test_days_after_release)
            .any(|d| *d == 0 || *d > 90)
        {
            return Err(bad("test_days"));
        }
        let t = &self.tracing;
        if !(1..=60).contains(&t.window_days)
            || t.contact_window_minutes > 1440
            || !(1..=1440).contains(&t.default_stay_minutes)
            || !(1..=2880).contains(&t.max_stay_minutes)
            || t.same_day_kinds
                .iter()
                .any(|k| !domain::PlaceKind::parse(k).is_ok_and(|p| p.as_str() == k))
        {
            return Err(bad("tracing"));
        }
        Ok(())
    }
}

/// Minutes after midnight of `HH:MM`.
pub fn hhmm(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// The policy in force: the stored one, or the defaults.
pub async fn load(db: &Db) -> AppResult<Policy> {
    const SQL: &str = "SELECT body FROM epi_policy WHERE id = 1";
    let body: Option<String> =
        platform::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_optional(pool).await)?;
    Ok(body
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or_default())
}

/// Stores a checked policy with its audit entry.
pub async fn save(db: &Db, actor: &Actor, policy: &Policy) -> AppResult<()> {
    const SQL: &str = "INSERT INTO epi_policy (id, body, updated_at, updated_by) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by";
    policy.check()?;
    let before = load(db).await?;
    let body = serde_json::to_string(policy).expect("a policy serializes");
    let mut tx = db.begin().await?;
    platform::with_conn!(&mut tx, conn => sqlx::query(SQL)
        .bind(&body).bind(Utc::now()).bind(&actor.name)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    let event = Event::new("epidemic.policy.update")
        .before(serde_json::to_value(&before).unwrap_or_default())
        .after(serde_json::to_value(policy).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_their_own_check() {
        Policy::default().check().unwrap();
    }

    #[test]
    fn fever_is_at_or_above_the_threshold() {
        let p = Policy::default();
        assert!(!p.is_fever(372));
        assert!(p.is_fever(373));
        assert!(p.is_fever(375));
    }

    #[test]
    fn a_policy_with_bad_windows_is_refused() {
        let mut p = Policy::default();
        p.check_windows[1][0] = window("12:00", "06:00");
        assert!(p.check().is_err());
        let mut p = Policy::default();
        p.checks_per_day[0].per_day = 5;
        assert!(p.check().is_err());
    }

    #[test]
    fn an_older_stored_policy_takes_defaults_for_new_fields() {
        let p: Policy = serde_json::from_str(r#"{"fever_threshold_dc": 375}"#).unwrap();
        assert_eq!(p.fever_threshold_dc, 375);
        assert_eq!(p.quarantine, QuarantinePolicy::default());
    }
}

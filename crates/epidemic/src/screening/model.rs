//! A screening as a checkpoint records it: the input and its checks, the decision and what
//! follows from it, and the view every list and response shows (personal data masked).

use chrono::{DateTime, Utc};
use platform::error::AppError;
use platform::pii::Personal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::policy::{Policy, SYMPTOMS};

pub const ORIGINS: &[&str] = &["domestic_risk", "abroad", "other"];
pub const TRANSPORTS: &[&str] = &["car", "train", "plane", "bus", "ship", "on_foot", "other"];

/// What the checkpoint decides, from least to most: let pass, send to testing, to quarantine,
/// to hospital.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Pass,
    Testing,
    Quarantine,
    Hospital,
}

impl Decision {
    pub const ALL: [Decision; 4] = [
        Decision::Pass,
        Decision::Testing,
        Decision::Quarantine,
        Decision::Hospital,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Testing => "testing",
            Decision::Quarantine => "quarantine",
            Decision::Hospital => "hospital",
        }
    }

    pub fn parse(text: &str) -> Option<Decision> {
        Decision::ALL
            .into_iter()
            .find(|d| d.as_str() == text.trim())
    }
}

/// What a phone or a gate device sends for one screening.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ScreeningInput {
    /// The checkpoint: a place of kind `checkpoint` in the caller's area.
    pub place_id: i64,
    /// Defaults to a guess from the number (18 or 15 digits: a resident ID).
    pub doc_type: Option<String>,
    pub doc_number: String,
    /// Needed when the person is not registered yet.
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Where the person is going: a village or grid of the checkpoint's district.
    pub destination_area: String,
    /// The address there.
    pub destination: Option<String>,
    /// `domestic_risk` (from a risk area in China), `abroad`, `other`.
    pub origin: String,
    /// Where from, in words: a city, a country.
    pub origin_detail: Option<String>,
    /// `car`, `train`, `plane`, `bus`, `ship`, `on_foot`, `other`.
    pub transport: String,
    /// Plate, train or flight number.
    pub vehicle: Option<String>,
    /// Degrees Celsius: `36.6` (a number or text).
    pub temperature: serde_json::Value,
    /// Symptom codes: `fever`, `cough`, `sore_throat`, …
    #[serde(default)]
    pub symptoms: Vec<String>,
    /// `pass`, `testing`, `quarantine`, `hospital`; when absent the policy's minimum for this
    /// origin and these findings. A decision below that minimum is refused.
    pub decision: Option<String>,
}

/// A screening that passed every check.
#[derive(Clone, Debug)]
pub struct ValidScreening {
    pub origin: &'static str,
    pub transport: &'static str,
    pub temperature_dc: i32,
    pub symptoms: Vec<&'static str>,
    pub decision: Decision,
    /// A fever or an alarming symptom: an urgent ticket follows.
    pub alarm: bool,
}

fn text(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|t| !t.is_empty())
}

/// Tenths of a degree from `36.6`, `"36.6"`, `"36.6℃"`; 34.0–43.0 only.
pub fn temperature_dc(value: &serde_json::Value) -> Option<i32> {
    let number = match value {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s
            .trim()
            .trim_end_matches(['℃', '°', 'C', 'c'])
            .trim()
            .parse()
            .ok()?,
        _ => return None,
    };
    let dc = (number * 10.0).round() as i32;
    (340..=430).contains(&dc).then_some(dc)
}

/// The least a checkpoint may decide for a person from `origin` with these findings.
pub fn minimum_decision(origin: &str, alarm: bool) -> Decision {
    match origin {
        "abroad" => Decision::Quarantine,
        "domestic_risk" => Decision::Testing,
        _ if alarm => Decision::Testing,
        _ => Decision::Pass,
    }
}

impl ScreeningInput {
    pub fn validate(&self, policy: &Policy) -> Result<ValidScreening, AppError> {
        let origin = ORIGINS
            .iter()
            .find(|o| **o == self.origin.trim())
            .ok_or_else(|| AppError::invalid("screening.bad_origin").on_field("origin"))?;
        let transport = TRANSPORTS
            .iter()
            .find(|t| **t == self.transport.trim())
            .ok_or_else(|| AppError::invalid("screening.bad_transport").on_field("transport"))?;
        let temperature_dc = temperature_dc(&self.temperature).ok_or_else(|| {
            AppError::invalid("screening.bad_temperature").on_field("temperature")
        })?;
        let mut symptoms = Vec::new();
        for s in &self.symptoms {
            let code = SYMPTOMS
                .iter()
                .find(|c| **c == s.trim())
                .ok_or_else(|| AppError::invalid("screening.bad_symptom").on_field("symptoms"))?;
            if !symptoms.contains(code) {
                symptoms.push(*code);
            }
        }
        if policy.is_fever(temperature_dc) && !symptoms.contains(&"fever") {
            symptoms.insert(0, "fever");
        }
        let alarm = policy.is_fever(temperature_dc) || policy.alarming(symptoms.iter().copied());
        let minimum = minimum_decision(origin, alarm);
        let decision = match text(self.decision.as_deref()) {
            None => minimum,
            Some(d) => {
                let d = Decision::parse(d).ok_or_else(|| {
                    AppError::invalid("screening.bad_decision").on_field("decision")
                })?;
                if d < minimum {
                    let key = match minimum {
                        Decision::Quarantine => "screening.at_least_quarantine",
                        _ => "screening.at_least_testing",
                    };
                    return Err(AppError::invalid(key).on_field("decision"));
                }
                d
            }
        };
        for (field, value, max) in [
            ("origin_detail", &self.origin_detail, 100),
            ("vehicle", &self.vehicle, 50),
            ("destination", &self.destination, 200),
        ] {
            if text(value.as_deref()).is_some_and(|v| v.chars().count() > max) {
                return Err(AppError::invalid("screening.too_long").on_field(field));
            }
        }
        Ok(ValidScreening {
            origin,
            transport,
            temperature_dc,
            symptoms,
            decision,
            alarm,
        })
    }
}

/// A screening as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ScreeningRow {
    pub id: i64,
    pub place_id: i64,
    pub place_name: String,
    pub area_code: String,
    pub person_id: i64,
    pub person_name: String,
    pub doc_number: String,
    pub destination_area: String,
    pub destination: Option<String>,
    pub origin: String,
    pub origin_detail: Option<String>,
    pub transport: String,
    pub vehicle: Option<String>,
    pub temperature_dc: Option<i32>,
    pub symptoms: String,
    pub decision: String,
    pub key_person_id: Option<i64>,
    pub quarantine_order_id: Option<i64>,
    pub test_requirement_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub device: Option<String>,
    pub screened_at: DateTime<Utc>,
    pub screened_by: String,
}

/// A screening as lists and responses show it: the document masked.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScreeningView {
    pub id: i64,
    pub place_id: i64,
    pub place_name: String,
    pub area_code: String,
    pub person_id: i64,
    pub person_name: String,
    #[schema(value_type = String)]
    pub doc_number: Personal,
    pub destination_area: String,
    pub destination: Option<String>,
    pub origin: String,
    pub origin_detail: Option<String>,
    pub transport: String,
    pub vehicle: Option<String>,
    /// ℃
    pub temperature: Option<f64>,
    pub symptoms: Vec<String>,
    pub decision: String,
    /// What the screening set going: the key-person record, the quarantine referral, the test
    /// requirement, the urgent ticket.
    pub key_person_id: Option<i64>,
    pub quarantine_order_id: Option<i64>,
    pub test_requirement_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub screened_at: DateTime<Utc>,
    pub screened_by: String,
}

impl ScreeningView {
    pub fn from_row(r: ScreeningRow) -> ScreeningView {
        ScreeningView {
            id: r.id,
            place_id: r.place_id,
            place_name: r.place_name,
            area_code: r.area_code,
            person_id: r.person_id,
            person_name: r.person_name,
            doc_number: Personal::id_number(r.doc_number),
            destination_area: r.destination_area,
            destination: r.destination,
            origin: r.origin,
            origin_detail: r.origin_detail,
            transport: r.transport,
            vehicle: r.vehicle,
            temperature: r.temperature_dc.map(|t| f64::from(t) / 10.0),
            symptoms: r
                .symptoms
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            decision: r.decision,
            key_person_id: r.key_person_id,
            quarantine_order_id: r.quarantine_order_id,
            test_requirement_id: r.test_requirement_id,
            ticket_id: r.ticket_id,
            screened_at: r.screened_at,
            screened_by: r.screened_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(
        origin: &str,
        temperature: serde_json::Value,
        decision: Option<&str>,
    ) -> ScreeningInput {
        ScreeningInput {
            origin: origin.into(),
            transport: "car".into(),
            temperature,
            decision: decision.map(String::from),
            ..Default::default()
        }
    }

    #[test]
    fn temperatures_are_read_as_numbers_or_text_within_a_human_range() {
        assert_eq!(temperature_dc(&json!(36.6)), Some(366));
        assert_eq!(temperature_dc(&json!("37.5℃")), Some(375));
        assert_eq!(temperature_dc(&json!(" 38 ")), Some(380));
        assert_eq!(temperature_dc(&json!(3.66)), None);
        assert_eq!(temperature_dc(&json!("hot")), None);
        assert_eq!(temperature_dc(&json!(null)), None);
    }

    #[test]
    fn the_policy_sets_the_least_decision_and_a_fever_is_an_alarm() {
        let p = Policy::default();
        let v = input("abroad", json!(37.5), None).validate(&p).unwrap();
        assert_eq!(v.decision, Decision::Quarantine);
        assert!(v.alarm);
        assert_eq!(v.symptoms, vec!["fever"]);
        let v = input("other", json!(36.5), None).validate(&p).unwrap();
        assert_eq!(v.decision, Decision::Pass);
        assert!(!v.alarm);
        let v = input("other", json!(37.3), None).validate(&p).unwrap();
        assert_eq!(v.decision, Decision::Testing);
        let v = input("abroad", json!(36.5), Some("hospital"))
            .validate(&p)
            .unwrap();
        assert_eq!(v.decision, Decision::Hospital);
        let e = input("abroad", json!(36.5), Some("pass"))
            .validate(&p)
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("decision"));
        let e = input("domestic_risk", json!(36.5), Some("pass"))
            .validate(&p)
            .unwrap_err();
        assert_eq!(e.key, "screening.at_least_testing");
    }
}

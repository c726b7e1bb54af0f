//! What a sample and a result are, and the rules their inputs must meet.

use chrono::{DateTime, NaiveDate, Utc};
use platform::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Members of a pooled tube.
pub const POOL_MIN: usize = 5;
pub const POOL_MAX: usize = 10;

/// A sample as recorded by a sampling point or a device.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SampleInput {
    /// The tube's barcode: 6–32 letters, digits or `-`.
    pub barcode: String,
    /// The sampling point (a registered place).
    pub point_id: Option<i64>,
    /// When the sample was taken (RFC 3339); now when absent.
    pub sampled_at: Option<DateTime<Utc>>,
    /// Who is in the tube: one person (a single sample) or 5–10 (a pooled one).
    pub members: Vec<MemberRef>,
}

/// A member of a tube: a registered person by id, or by document number.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct MemberRef {
    pub person_id: Option<i64>,
    /// The document number (an ID card number, usually).
    pub doc_number: Option<String>,
}

/// Several samples at once, as sampling devices send them; idempotent by barcode.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SampleBatch {
    pub samples: Vec<SampleInput>,
}

/// A sample as answered.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct SampleView {
    pub id: i64,
    pub barcode: String,
    pub pool_size: i32,
    pub point_id: Option<i64>,
    pub area_code: String,
    pub sampled_at: DateTime<Utc>,
    pub sampled_on: NaiveDate,
    pub sampled_by: String,
    /// `negative`, `positive`, `invalid`, or null while pending.
    pub result: Option<String>,
    pub result_at: Option<DateTime<Utc>>,
    pub lab: Option<String>,
}

/// A barcode as stored: trimmed, upper case; 6–32 letters, digits or `-`.
pub fn valid_barcode(text: &str) -> AppResult<String> {
    let code = text.trim().to_ascii_uppercase();
    let ok = (6..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(code)
    } else {
        Err(AppError::invalid("testing.bad_barcode").on_field("barcode"))
    }
}

/// A lab's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Negative,
    Positive,
    Invalid,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Negative => "negative",
            Outcome::Positive => "positive",
            Outcome::Invalid => "invalid",
        }
    }

    /// `阴性`/`阳性`/`无效` or `negative`/`positive`/`invalid` (any case), and the labs' usual
    /// shorthands (`-`, `+`).
    pub fn parse(text: &str) -> Option<Outcome> {
        match text.trim().to_lowercase().as_str() {
            "阴性" | "negative" | "neg" | "-" | "阴" => Some(Outcome::Negative),
            "阳性" | "positive" | "pos" | "+" | "阳" => Some(Outcome::Positive),
            "无效" | "invalid" | "无效样本" => Some(Outcome::Invalid),
            _ => None,
        }
    }
}

/// One result as a lab sends it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ResultInput {
    pub barcode: String,
    /// 阴性/阳性/无效, or negative/positive/invalid.
    pub result: String,
    /// When the lab tested it (RFC 3339); now when absent.
    pub tested_at: Option<DateTime<Utc>>,
    /// The testing lab.
    pub lab: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ResultBatch {
    pub results: Vec<ResultInput>,
}

/// A result that passed its checks.
#[derive(Clone, Debug)]
pub struct ValidResult {
    pub barcode: String,
    pub outcome: Outcome,
    pub tested_at: DateTime<Utc>,
    pub lab: Option<String>,
}

impl ResultInput {
    pub fn validate(&self, now: DateTime<Utc>) -> AppResult<ValidResult> {
        let barcode = valid_barcode(&self.barcode)?;
        let outcome = Outcome::parse(&self.result)
            .ok_or_else(|| AppError::invalid("testing.bad_result").on_field("result"))?;
        let tested_at = self.tested_at.unwrap_or(now);
        if tested_at > now + chrono::Duration::minutes(10) {
            return Err(AppError::invalid("testing.future_time").on_field("tested_at"));
        }
        let lab = self
            .lab
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string);
        if lab.as_deref().is_some_and(|l| l.chars().count() > 100) {
            return Err(AppError::invalid("testing.bad_lab").on_field("lab"));
        }
        Ok(ValidResult {
            barcode,
            outcome,
            tested_at,
            lab,
        })
    }
}

/// The Beijing day of an instant.
pub fn beijing_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&domain::china_offset()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barcodes_are_letters_digits_and_dashes() {
        assert_eq!(valid_barcode(" ab-123456 ").unwrap(), "AB-123456");
        assert!(valid_barcode("12345").is_err());
        assert!(valid_barcode("ABC 123456").is_err());
        assert!(valid_barcode(&"1".repeat(33)).is_err());
    }

    #[test]
    fn results_read_in_either_language() {
        assert_eq!(Outcome::parse("阳性"), Some(Outcome::Positive));
        assert_eq!(Outcome::parse(" Negative "), Some(Outcome::Negative));
        assert_eq!(Outcome::parse("无效"), Some(Outcome::Invalid));
        assert_eq!(Outcome::parse("maybe"), None);
    }
}

//! Personal data — ID numbers, phone numbers, addresses — masked in every list, page, export and
//! API response by default, and revealed one field of one record at a time, by a holder of the
//! `pii` permission, with a reason, audited.
//!
//! A module keeps such values as `Personal`: serializing, formatting (templates) and debugging it
//! all give the masked form, so a full value cannot leave by accident. The full value is only
//! reachable through `Personal::reveal(&Revealed)` or `Personal::export(&ExportGrant)`, and those
//! proofs are made only by `reveal` and `export`, after the permission check and with the audit
//! entry (`pii.reveal`, `export.pii`) committed.

mod reveal;

use std::fmt;

use serde::{Serialize, Serializer};

pub use reveal::{ExportGrant, ExportRequest, RecordRef, Revealed, export, reveal};

/// What kind of personal value, which decides how it is masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PiiKind {
    /// `230102********123X`
    IdNumber,
    /// `138****5678`
    Phone,
    /// The first part (roughly the township) and `****`.
    Address,
}

/// A personal value that shows itself masked.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Personal {
    kind: PiiKind,
    value: String,
}

impl Personal {
    pub fn new(kind: PiiKind, value: impl Into<String>) -> Personal {
        Personal {
            kind,
            value: value.into(),
        }
    }

    pub fn id_number(value: impl Into<String>) -> Personal {
        Personal::new(PiiKind::IdNumber, value)
    }

    pub fn phone(value: impl Into<String>) -> Personal {
        Personal::new(PiiKind::Phone, value)
    }

    pub fn address(value: impl Into<String>) -> Personal {
        Personal::new(PiiKind::Address, value)
    }

    pub fn kind(&self) -> PiiKind {
        self.kind
    }

    /// The masked form, as everyone sees it by default.
    pub fn masked(&self) -> String {
        mask(self.kind, &self.value)
    }

    /// The full value, for a reveal that was permitted and audited.
    pub fn reveal(&self, _proof: &Revealed) -> &str {
        &self.value
    }

    /// The full value, for an export that was permitted and audited.
    pub fn export(&self, _grant: &ExportGrant) -> &str {
        &self.value
    }
}

/// Masks `value` as `kind` — the kernel's one helper for personal data given as text (import
/// rows that failed to parse included: an invalid value is never shown in full either).
pub fn mask(kind: PiiKind, value: &str) -> String {
    match kind {
        PiiKind::IdNumber => domain::mask::mask_id_number(value),
        PiiKind::Phone => domain::mask::mask_phone(value),
        PiiKind::Address => domain::mask_address(value),
    }
}

impl Serialize for Personal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}

impl fmt::Display for Personal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for Personal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Personal({:?}, {})", self.kind, self.masked())
    }
}

impl utoipa::PartialSchema for Personal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Personal data, masked (230102********123X, 138****5678, an address's first part and ****)",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Personal {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_out_masks() {
        let id = Personal::id_number("11010519491231002X");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(id.to_string(), "110105********002X");
        assert!(!format!("{id:?}").contains("19491231"));
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"110105********002X\""
        );
        assert_eq!(Personal::phone("13812345678").masked(), "138****5678");
        assert_eq!(
            Personal::address("同心区东风街道幸福路12号3单元").masked(),
            "同心区东风街道幸****"
        );
        // Not even an invalid number is shown in full.
        assert_eq!(mask(PiiKind::IdNumber, "123456789012"), "123456**9012");
    }
}

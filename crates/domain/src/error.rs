//! The one error type of this crate: a message-catalog key plus an optional
//! detail, so the web layer can show a translated message without this crate
//! knowing any language.

use std::fmt;

/// Catalog keys, one constant per failure, so a typo cannot create a key the
/// catalogs do not translate.
pub mod keys {
    pub const ID_NUMBER_EMPTY: &str = "invalid.id_number.empty";
    pub const ID_NUMBER_LENGTH: &str = "invalid.id_number.length";
    pub const ID_NUMBER_CHARACTERS: &str = "invalid.id_number.characters";
    pub const ID_NUMBER_BIRTH_DATE: &str = "invalid.id_number.birth_date";
    pub const ID_NUMBER_CHECKSUM: &str = "invalid.id_number.checksum";
    pub const ID_NUMBER_ADDRESS_CODE: &str = "invalid.id_number.address_code";
    pub const ID_NUMBER_SEQUENCE: &str = "invalid.id_number.sequence";

    pub const SEX_UNKNOWN: &str = "invalid.sex.unknown";

    pub const DOCUMENT_TYPE_UNKNOWN: &str = "invalid.document_type.unknown";
    pub const DOCUMENT_EMPTY: &str = "invalid.document.empty";
    pub const DOCUMENT_LENGTH: &str = "invalid.document.length";
    pub const DOCUMENT_CHARACTERS: &str = "invalid.document.characters";
    pub const DOCUMENT_PREFIX: &str = "invalid.document.prefix";
    pub const DOCUMENT_BIRTH_DATE: &str = "invalid.document.birth_date";
    pub const DOCUMENT_CHECKSUM: &str = "invalid.document.checksum";

    pub const USCC_EMPTY: &str = "invalid.uscc.empty";
    pub const USCC_LENGTH: &str = "invalid.uscc.length";
    pub const USCC_CHARACTERS: &str = "invalid.uscc.characters";
    pub const USCC_DIVISION_CODE: &str = "invalid.uscc.division_code";

    pub const DIVISION_EMPTY: &str = "invalid.division.empty";
    pub const DIVISION_LENGTH: &str = "invalid.division.length";
    pub const DIVISION_CHARACTERS: &str = "invalid.division.characters";
    pub const DIVISION_PROVINCE: &str = "invalid.division.province";
    pub const DIVISION_STRUCTURE: &str = "invalid.division.structure";
    pub const DIVISION_CHILD: &str = "invalid.division.child";
    pub const AREA_LEVEL_UNKNOWN: &str = "invalid.area_level.unknown";

    pub const PHONE_EMPTY: &str = "invalid.phone.empty";
    pub const PHONE_CHARACTERS: &str = "invalid.phone.characters";
    pub const PHONE_LENGTH: &str = "invalid.phone.length";
    pub const PHONE_PREFIX: &str = "invalid.phone.prefix";

    pub const CALENDAR_JSON: &str = "invalid.calendar.json";
    pub const CALENDAR_ENTRY: &str = "invalid.calendar.entry";
    pub const CALENDAR_YEAR_NOT_COVERED: &str = "invalid.calendar.year_not_covered";

    pub const TIME_LIMIT_EMPTY: &str = "invalid.time_limit.empty";
    pub const TIME_LIMIT_FORMAT: &str = "invalid.time_limit.format";
    pub const TIME_LIMIT_RANGE: &str = "invalid.time_limit.range";
    pub const WORKING_HOURS_FORMAT: &str = "invalid.working_hours.format";
    pub const WORKING_HOURS_ORDER: &str = "invalid.working_hours.order";

    pub const DATE_EMPTY: &str = "invalid.date.empty";
    pub const DATE_FORMAT: &str = "invalid.date.format";
    pub const DATE_IMPOSSIBLE: &str = "invalid.date.impossible";
    pub const DATETIME_EMPTY: &str = "invalid.datetime.empty";
    pub const DATETIME_FORMAT: &str = "invalid.datetime.format";
    pub const DATETIME_IMPOSSIBLE: &str = "invalid.datetime.impossible";

    pub const AMOUNT_EMPTY: &str = "invalid.amount.empty";
    pub const AMOUNT_FORMAT: &str = "invalid.amount.format";
    pub const AMOUNT_OUT_OF_RANGE: &str = "invalid.amount.out_of_range";
    pub const MONEY_UNIT_UNKNOWN: &str = "invalid.money_unit.unknown";

    pub const INDUSTRY_EMPTY: &str = "invalid.industry.empty";
    pub const INDUSTRY_UNKNOWN: &str = "invalid.industry.unknown";

    pub const PLACE_KIND_EMPTY: &str = "invalid.place_kind.empty";
    pub const PLACE_KIND_UNKNOWN: &str = "invalid.place_kind.unknown";
    pub const HOUSEHOLD_RELATION_UNKNOWN: &str = "invalid.household_relation.unknown";

    pub const RESPONSIBILITY_ROLE_EMPTY: &str = "invalid.responsibility_role.empty";
    pub const RESPONSIBILITY_ROLE_UNKNOWN: &str = "invalid.responsibility_role.unknown";

    /// Not an error: an accepted value that deserves a second look.
    pub const WARNING_USCC_CHECKSUM: &str = "warning.uscc.checksum";
}

use keys::*;

const ALL_ERROR_KEYS: &[&str] = &[
    ID_NUMBER_EMPTY,
    ID_NUMBER_LENGTH,
    ID_NUMBER_CHARACTERS,
    ID_NUMBER_BIRTH_DATE,
    ID_NUMBER_CHECKSUM,
    ID_NUMBER_ADDRESS_CODE,
    ID_NUMBER_SEQUENCE,
    SEX_UNKNOWN,
    DOCUMENT_TYPE_UNKNOWN,
    DOCUMENT_EMPTY,
    DOCUMENT_LENGTH,
    DOCUMENT_CHARACTERS,
    DOCUMENT_PREFIX,
    DOCUMENT_BIRTH_DATE,
    DOCUMENT_CHECKSUM,
    USCC_EMPTY,
    USCC_LENGTH,
    USCC_CHARACTERS,
    USCC_DIVISION_CODE,
    DIVISION_EMPTY,
    DIVISION_LENGTH,
    DIVISION_CHARACTERS,
    DIVISION_PROVINCE,
    DIVISION_STRUCTURE,
    DIVISION_CHILD,
    AREA_LEVEL_UNKNOWN,
    PHONE_EMPTY,
    PHONE_CHARACTERS,
    PHONE_LENGTH,
    PHONE_PREFIX,
    CALENDAR_JSON,
    CALENDAR_ENTRY,
    CALENDAR_YEAR_NOT_COVERED,
    TIME_LIMIT_EMPTY,
    TIME_LIMIT_FORMAT,
    TIME_LIMIT_RANGE,
    WORKING_HOURS_FORMAT,
    WORKING_HOURS_ORDER,
    DATE_EMPTY,
    DATE_FORMAT,
    DATE_IMPOSSIBLE,
    DATETIME_EMPTY,
    DATETIME_FORMAT,
    DATETIME_IMPOSSIBLE,
    AMOUNT_EMPTY,
    AMOUNT_FORMAT,
    AMOUNT_OUT_OF_RANGE,
    MONEY_UNIT_UNKNOWN,
    INDUSTRY_EMPTY,
    INDUSTRY_UNKNOWN,
    PLACE_KIND_EMPTY,
    PLACE_KIND_UNKNOWN,
    HOUSEHOLD_RELATION_UNKNOWN,
    RESPONSIBILITY_ROLE_EMPTY,
    RESPONSIBILITY_ROLE_UNKNOWN,
];

const ALL_WARNING_KEYS: &[&str] = &[WARNING_USCC_CHECKSUM];

/// Every key a parser in this crate can return as an error.
pub fn all_error_keys() -> &'static [&'static str] {
    ALL_ERROR_KEYS
}

/// Every key of a warning attached to an accepted value (see `UsccWarning`).
pub fn all_warning_keys() -> &'static [&'static str] {
    ALL_WARNING_KEYS
}

/// A rejected input. The key selects the user-facing message; the detail is
/// for logs and import reports (e.g. the offending calendar entry) and is
/// never meant to be translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    key: &'static str,
    detail: Option<String>,
}

impl Invalid {
    pub(crate) fn new(key: &'static str) -> Self {
        Self { key, detail: None }
    }

    pub(crate) fn with_detail(key: &'static str, detail: impl Into<String>) -> Self {
        Self {
            key,
            detail: Some(detail.into()),
        }
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{}: {detail}", self.key),
            None => f.write_str(self.key),
        }
    }
}

impl std::error::Error for Invalid {}

#[cfg(test)]
mod tests;

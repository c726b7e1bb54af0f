//! Pure domain types and rules of Tongxin: no I/O, no clock, no database.
//! Values are built by `parse` and are valid by construction; failures carry
//! a message-catalog key (`error`), translated in `platform/i18n/*/domain.toml`.
//!
//! - People: `id_number` (resident ID), `document` (other ID documents),
//!   `phone`, `sex`, `household` (relation to the head), `mask` (display masking of
//!   personal data).
//! - Organisations: `uscc` (credit codes), `industry` (GB/T 4754 sections).
//! - Places: `division` (division codes and grids), `area_level`, `place_kind`
//!   (kinds of registered places).
//! - Time and money: `calendar` (official working days), `deadline` (time
//!   limits in working days and hours, due moments, pauses), `dates`, `money`.
//! - Work: `ticket` (the ledger ticket's state machine and per-kind rules).
//!   `responsibility` (包保 roles: who answers for an area or a record).

pub mod area_level;
pub mod calendar;
pub mod dates;
pub mod deadline;
pub mod division;
pub mod document;
pub mod error;
mod gb11643;
pub mod household;
pub mod id_number;
pub mod industry;
pub mod mask;
pub mod money;
pub mod phone;
pub mod place_kind;
pub mod responsibility;
mod serde_str;
pub mod sex;
pub mod ticket;
pub mod uscc;

pub use area_level::AreaLevel;
pub use calendar::{Reckoned, WorkCalendar};
pub use dates::{
    CHINA_OFFSET_SECONDS, china_offset, date_from_yyyymmdd, official_date, parse_date_lenient,
    parse_datetime_lenient,
};
pub use deadline::{TimeLimit, WorkingHours};
pub use division::{DivisionCode, TownshipKind, VillageKind};
pub use document::{Document, DocumentType};
pub use error::{Invalid, all_error_keys, all_warning_keys};
pub use household::HouseholdRelation;
pub use id_number::IdNumber;
pub use industry::IndustrySection;
pub use mask::{mask_address, mask_name};
pub use money::{MoneyUnit, format_auto, format_wan, format_yi, parse_amount};
pub use phone::Phone;
pub use place_kind::PlaceKind;
pub use responsibility::ResponsibilityRole;
pub use sex::Sex;
pub use uscc::{Uscc, UsccWarning};

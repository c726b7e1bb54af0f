//! The person registry: one record per person, keyed by document type and number (a resident ID
//! validated per GB 11643, or another document type), with name, sex and birth date (derived from
//! the resident ID), phone, address, area (village or grid), tags. Personal fields leave the
//! platform masked; a holder of the `pii` permission reveals one field with a reason.

pub mod api;
pub mod demo;
pub mod export;
pub mod import;
pub mod model;
pub mod pages;
pub mod repo;
pub mod service;

/// The audit log's record kind for people.
pub const RECORD_KIND: &str = "registry.person";

//! The household registry (家庭户): a head, who is one of the members, an address and an area
//! (village or grid); the members are the persons whose `household_id` points at the household,
//! each with their relation to the head. A person is in at most one household; moving a person
//! from another household is explicit (`move: true`); the head cannot be removed, only replaced
//! by another member. Every change is audited and versioned.

pub mod api;
pub mod demo;
pub mod export;
pub mod import;
pub mod model;
pub mod pages;
pub mod repo;
pub mod service;

/// The audit log's record kind for households.
pub const RECORD_KIND: &str = "registry.household";

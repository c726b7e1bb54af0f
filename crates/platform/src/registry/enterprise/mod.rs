//! The enterprise registry: one record per enterprise, keyed by its unified social credit code
//! (GB 32100; pilot codes that fail the checksum are accepted with a warning), with name, GB/T 4754
//! industry section, whether it is above designated size (规上), employees, legal representative,
//! contact phone (masked), address and area (township or below).

pub mod api;
pub mod demo;
pub mod export;
pub mod import;
pub mod model;
pub mod pages;
pub mod repo;
pub mod service;

/// The audit log's record kind for enterprises.
pub const RECORD_KIND: &str = "registry.enterprise";

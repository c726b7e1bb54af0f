//! The place registry: checkpoints, quarantine sites, residential compounds, buildings, venues,
//! schools, care homes, hospitals, construction sites, markets and other places, each with a
//! kind, name, address, area (township or below), capacity and optional coordinates.

pub mod api;
pub mod demo;
pub mod export;
pub mod import;
pub mod model;
pub mod pages;
pub mod repo;
pub mod service;

/// The audit log's record kind for places.
pub const RECORD_KIND: &str = "registry.place";

//! Passages (出入登记): every entry or exit at a compound, building, venue, workplace or
//! checkpoint — person, place, time, direction, method. Gate devices send batches (idempotent
//! per device and event key, thousands per request, each item answered); gatekeepers use a
//! phone form. Append-only (the tables refuse UPDATE and DELETE), group-committed (`writer`).
//! The tracing index (`crate::tracing`) is built from this table.

pub mod api;
pub mod demo;
pub mod lookup;
pub mod model;
pub mod pages;
pub mod repo;
pub mod service;
pub mod writer;

use axum::routing::get;
use platform::routes::Routes;
use utoipa_axum::routes;

use crate::{READ, WRITE};

pub const RECORD_KIND: &str = "epidemic.passages";

pub fn routes(r: &mut Routes) {
    r.api(WRITE, routes!(api::batch));
    r.api(WRITE, routes!(api::create));
    r.api(READ, routes!(api::list));
    r.page(
        WRITE,
        "/epidemic/passages/record",
        get(pages::form).post(pages::submit),
    );
    r.page(READ, "/epidemic/passages", get(pages::list));
}

//! Contact tracing (流调): close contacts (密接) and secondary contacts (次密接) of cases,
//! answered in milliseconds from an in-memory index of the passages (`engine`, kept current by
//! `live`), with manual contacts and exclusions recorded by hand (`contacts`). The investigation
//! workflow, risk areas and the map build on `api::trace`.

pub mod api;
pub mod contacts;
pub mod engine;
pub mod live;

use platform::routes::Routes;
use utoipa_axum::routes;

use crate::{READ, WRITE};

pub fn routes(r: &mut Routes) {
    r.api(READ, routes!(api::post_trace));
    r.api(WRITE, routes!(api::post_manual_contact));
    r.api(WRITE, routes!(api::post_exclusion));
}

//! Key persons (重点人员): the people under management — inbound travellers, close and secondary
//! contacts, people under observation, released people in follow-up, cases — one episode per
//! record, with category, reason, source, dates, the responsible grid worker (包保) and the
//! history of every change of status.

pub mod api;
pub mod figures;
pub mod model;
pub mod pages;
pub mod repo;
pub mod service;

use axum::routing::{get, post};
use platform::module::FigureDef;
use platform::routes::Routes;
use utoipa_axum::routes;

use crate::{READ, WRITE};

pub const RECORD_KIND: &str = "epidemic.key_person";

/// `status`: under management in the community, in quarantine, in follow-up after release,
/// ended.
pub mod status {
    pub const MANAGED: &str = "managed";
    pub const QUARANTINED: &str = "quarantined";
    pub const FOLLOWUP: &str = "followup";
    pub const ENDED: &str = "ended";
    pub const ALL: &[&str] = &[MANAGED, QUARANTINED, FOLLOWUP, ENDED];
}

pub fn routes(r: &mut Routes) {
    r.api(READ, routes!(api::list));
    r.api(WRITE, routes!(api::create));
    r.api(READ, routes!(api::get));
    r.api(WRITE, routes!(api::act));
    r.page(READ, "/epidemic/key-persons", get(pages::list));
    r.page(
        WRITE,
        "/epidemic/key-persons/new",
        get(pages::new_form).post(pages::create),
    );
    r.page(READ, "/epidemic/key-persons/{id}", get(pages::detail));
    r.page(WRITE, "/epidemic/key-persons/{id}/act", post(pages::act));
    r.page(
        WRITE,
        "/epidemic/key-persons/{id}/quarantine",
        post(pages::refer),
    );
}

pub fn figures() -> Vec<FigureDef> {
    figures::all()
}

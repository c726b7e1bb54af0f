//! Checkpoint screening (卡口排查): staff with the `checkpoint` role record a traveller in
//! seconds on a phone; gate devices send batches with idempotency keys; the policy decides what
//! follows (a key-person record, a quarantine referral, a test requirement, an urgent ticket), all
//! in one transaction with the screening.

pub mod api;
pub mod demo;
pub mod figures;
pub mod model;
pub mod pages;
pub mod repo;
pub mod service;

use axum::routing::get;
use platform::module::FigureDef;
use platform::routes::Routes;
use utoipa_axum::routes;

use crate::{READ, WRITE};

pub fn routes(r: &mut Routes) {
    r.api(READ, routes!(api::list));
    r.api(WRITE, routes!(api::create));
    r.api(WRITE, routes!(api::batch));
    r.api(READ, routes!(api::lookup));
    r.api(READ, routes!(api::get));
    r.page(
        WRITE,
        "/epidemic/screen",
        get(pages::form).post(pages::submit),
    );
    r.page(READ, "/epidemic/screen/lookup", get(pages::lookup));
    r.page(READ, "/epidemic/screenings", get(pages::list));
    r.page(READ, "/epidemic/screenings/{id}", get(pages::detail));
}

pub fn figures() -> Vec<FigureDef> {
    figures::all()
}

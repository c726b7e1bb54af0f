//! Health checks: N a day per category of key person, entered by staff or by the person through a
//! one-time link; a fever or an alarming symptom opens an urgent ticket; a check missed past its
//! window opens a ticket that escalates.

pub mod api;
pub mod demo;
pub mod figures;
pub mod links;
pub mod missed;
pub mod model;
pub mod pages;
pub mod repo;
pub mod roster;
pub mod schedule;
pub mod service;

use axum::routing::{get, post};
use platform::module::{FigureDef, JobDef};
use platform::routes::{Access, Routes};
use utoipa_axum::routes;

use crate::{READ, WRITE};

pub fn routes(r: &mut Routes) {
    r.api(WRITE, routes!(api::record));
    r.api(READ, routes!(api::get_roster));
    r.api(WRITE, routes!(api::create_link));
    r.page(READ, "/epidemic/checks", get(pages::roster));
    r.page(WRITE, "/epidemic/checks/record", post(pages::record));
    r.page(WRITE, "/epidemic/checks/link", post(pages::link));
    // The person's own phone, without an account: the token is the credential.
    r.page(
        Access::Public,
        "/c/{token}",
        get(links::page).post(links::submit),
    );
}

pub fn figures() -> Vec<FigureDef> {
    figures::all()
}

pub fn jobs() -> Vec<JobDef> {
    vec![missed::job()]
}

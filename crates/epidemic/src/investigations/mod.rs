//! Investigations (流调): a trace run for one or more cases whose candidates (close contacts 密接,
//! secondary contacts 次密接, with their exposure) are kept for review; re-running adds newly
//! found candidates and keeps the decisions made. Confirming candidates in bulk puts them under
//! management in one transaction — key-person record, quarantine order, testing — assigned to
//! the grid worker of each contact's grid; dismissing keeps the reason. The chain graph (cases →
//! contacts → secondary contacts) and the contact list export read the stored candidates.

pub mod api;
pub mod export;
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

pub const RECORD_KIND: &str = "epidemic.investigation";

/// A candidate's `state`.
pub mod state {
    pub const CANDIDATE: &str = "candidate";
    pub const CONFIRMED: &str = "confirmed";
    pub const DISMISSED: &str = "dismissed";
    pub const ALL: &[&str] = &[CANDIDATE, CONFIRMED, DISMISSED];
}

pub fn routes(r: &mut Routes) {
    r.api(READ, routes!(api::list));
    r.api(WRITE, routes!(api::create));
    r.api(READ, routes!(api::get));
    r.api(READ, routes!(api::graph));
    r.api(WRITE, routes!(api::run));
    r.api(WRITE, routes!(api::confirm));
    r.api(WRITE, routes!(api::dismiss));
    r.api(WRITE, routes!(api::close));
    r.page(READ, "/epidemic/investigations", get(pages::list));
    r.page(WRITE, "/epidemic/investigations/new", post(pages::create));
    r.page(READ, "/epidemic/investigations/{id}", get(pages::detail));
    r.page(WRITE, "/epidemic/investigations/{id}/run", post(pages::run));
    r.page(
        WRITE,
        "/epidemic/investigations/{id}/close",
        post(pages::close),
    );
    r.page(
        WRITE,
        "/epidemic/investigations/{id}/decide",
        post(pages::decide),
    );
    r.page(
        READ,
        "/epidemic/investigations/{id}/export/{format}",
        get(export::export),
    );
}

pub fn figures() -> Vec<FigureDef> {
    figures::all()
}

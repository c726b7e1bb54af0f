//! Enterprise needs (诉求): an enterprise or its cadre files a need by category; it becomes a
//! ticket of kind `economy.need` in the answering department's inbox with a deadline; the filer
//! reads the answer and rates it (`model`, `repo`, `service`, `api`, `pages`, figures, demo).

pub mod api;
pub mod demo;
pub mod figures;
pub mod model;
pub mod pages;
pub mod repo;
pub mod service;

use axum::routing::{get, post};
use domain::ticket::Rules;
use platform::module::FigureDef;
use platform::routes::Routes;
use platform::tickets::kind::TicketKind;
use utoipa_axum::routes;

use crate::{READ, WRITE};

pub fn routes(r: &mut Routes) {
    r.api(WRITE, routes!(api::create));
    r.api(READ, routes!(api::list));
    r.api(READ, routes!(api::get));
    r.api(WRITE, routes!(api::rate));
    r.api(READ, routes!(api::routes));
    r.api(WRITE, routes!(api::set_route));
    r.page(READ, "/economy/needs", get(pages::list));
    r.page(READ, "/economy/needs/{id}", get(pages::detail));
    r.page(WRITE, "/economy/needs/{id}/rating", post(pages::rate));
    r.page(WRITE, "/economy/need", get(pages::form).post(pages::submit));
}

pub fn figures() -> Vec<FigureDef> {
    figures::all()
}

/// `economy.need`: answered by the department like a complaint — no separate verification, the
/// filer's callback (rating) before it closes, the filer may withdraw it.
pub fn ticket_kinds() -> Vec<TicketKind> {
    vec![TicketKind {
        code: model::KIND,
        label_key: "needs.kind",
        rules: Rules::complaint(),
        limits: [
            "1 working day",
            "3 working days",
            "5 working days",
            "10 working days",
        ],
    }]
}

//! PPE producers (防疫物资): producers' capacity per product, daily output, the district's
//! demand, and the shortfall the command sees (`model`, `repo`, `service`, `api`, `pages`,
//! figures, demo).

pub mod api;
pub mod demo;
pub mod figures;
pub mod form;
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
    r.api(READ, routes!(api::supply));
    r.api(WRITE, routes!(api::set_lines));
    r.api(WRITE, routes!(api::report_output));
    r.api(WRITE, routes!(api::set_demand));
    r.page(READ, "/economy/ppe", get(pages::supply));
    r.page(
        WRITE,
        "/economy/ppe/output",
        get(form::form).post(form::submit),
    );
}

pub fn figures() -> Vec<FigureDef> {
    figures::all()
}

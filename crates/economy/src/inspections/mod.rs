//! Prevention inspections of reopened enterprises (防疫检查): checklist templates (`model`,
//! `repo`), inspections with per-item findings and photo evidence, the rectification tickets
//! and stop-work suspensions they cause (`service`), the API, the inspector's phone form and
//! the list (`pages`), figures and 30 days of demo inspections (`demo`).

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
    r.api(READ, routes!(api::checklists));
    r.api(WRITE, routes!(api::create_checklist));
    r.api(WRITE, routes!(api::update_checklist));
    r.api(WRITE, routes!(api::create));
    r.api(READ, routes!(api::list));
    r.api(READ, routes!(api::get));
    r.api(WRITE, routes!(api::attach));
    r.api(READ, routes!(api::photo));
    r.page(READ, "/economy/inspections", get(pages::list));
    r.page(READ, "/economy/inspections/{id}", get(pages::detail));
    r.page(
        WRITE,
        "/economy/inspections/{id}/photos",
        axum::routing::post(pages::add_photo),
    );
    r.page(
        WRITE,
        "/economy/inspect",
        get(pages::form).post(pages::submit),
    );
}

pub fn figures() -> Vec<FigureDef> {
    figures::all()
}

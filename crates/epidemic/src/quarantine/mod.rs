//! Quarantine: sites (places of kind `quarantine_site`) with rooms, orders (centralized or home)
//! with their policy-computed end, check-in, room changes, transfers, extensions, early ends,
//! release and the follow-up that comes after; live occupancy.

pub mod api;
pub mod demo;
pub mod figures;
pub mod model;
pub mod orders;
pub mod pages;
pub mod repo;
pub mod service;
pub mod sites;

use axum::routing::{get, post};
use platform::module::FigureDef;
use platform::routes::Routes;
use utoipa_axum::routes;

use crate::{READ, WRITE};

/// The audit log's record kind for orders.
pub const RECORD_KIND: &str = "epidemic.quarantine_order";

pub fn routes(r: &mut Routes) {
    r.api(READ, routes!(api::list_sites));
    r.api(READ, routes!(api::get_site));
    r.api(WRITE, routes!(api::add_rooms));
    r.api(READ, routes!(api::free_rooms));
    r.api(READ, routes!(api::list_orders));
    r.api(WRITE, routes!(api::create_order));
    r.api(READ, routes!(api::get_order));
    r.api(WRITE, routes!(api::act));
    r.page(READ, "/epidemic/quarantine", get(pages::index));
    r.page(READ, "/epidemic/quarantine/sites/{id}", get(pages::site));
    r.page(
        WRITE,
        "/epidemic/quarantine/sites/{id}/rooms",
        post(pages::add_rooms),
    );
    r.page(READ, "/epidemic/quarantine/orders/{id}", get(pages::order));
    r.page(
        WRITE,
        "/epidemic/quarantine/orders/{id}/check-in",
        get(pages::check_in_form).post(pages::check_in),
    );
    r.page(
        WRITE,
        "/epidemic/quarantine/orders/{id}/act",
        post(pages::act),
    );
}

pub fn figures() -> Vec<FigureDef> {
    figures::all()
}

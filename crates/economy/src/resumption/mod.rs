//! Enterprise resumption (复工复产): the day's report per enterprise (`model`, `repo`,
//! `service`), the rates live from the latest reports (`rates`, `views`), their figures, the
//! phone form and the desk view (`pages`), exports (`export`), the sheet import (`import`) and
//! 30 days of demo history (`demo`).

pub mod api;
pub mod demo;
pub mod export;
pub mod figures;
pub mod import;
pub mod model;
pub mod pages;
pub mod rates;
pub mod repo;
pub mod service;
pub mod views;

use axum::routing::get;
use platform::module::FigureDef;
use platform::routes::Routes;
use utoipa_axum::routes;

use crate::{READ, WRITE};

pub fn routes(r: &mut Routes) {
    r.api(WRITE, routes!(api::create));
    r.api(READ, routes!(api::list));
    r.api(READ, routes!(api::rates));
    r.api(READ, routes!(api::list_pending));
    r.api(WRITE, routes!(api::import));
    r.page(READ, "/economy/resumption", get(pages::resumption));
    r.page(
        READ,
        "/economy/resumption/export/{format}",
        get(export::export),
    );
    r.page(
        WRITE,
        "/economy/report",
        get(pages::report_form).post(pages::report_submit),
    );
    r.page(
        WRITE,
        "/economy/import",
        platform::imports::pages::routes(&import::PAGE).route_layer(axum::middleware::from_fn(
            crate::scope::not_for_enterprise_accounts,
        )),
    );
    r.page(WRITE, "/economy/template", get(pages::template));
}

pub fn figures() -> Vec<FigureDef> {
    figures::all()
}

pub fn importers() -> Vec<&'static dyn platform::imports::SheetImport> {
    vec![&import::RESUMPTION_REPORTS]
}

//! Risk levels (风险等级) of areas and places. The kernel keeps the level set and the rules
//! (`settings`), every level ever in force (`repo`, table `risk_levels`), what is in force on a
//! day (`service::InForce`: a point takes the highest of its own and its ancestors' levels; a map
//! area the highest anywhere in it), the command's overrides, the areas' map shapes (`shapes`),
//! the map and 对号入座 model (`view`) with its API and page.
//!
//! The rules themselves are pure (`rules`); a module that knows cases (`epidemic`) evaluates
//! them and records the changes through `service::record_rule_changes`. Modules that need a
//! level — economy's resumption by risk level, the command screen's map — read it here, so no
//! campaign depends on another.

pub mod api;
pub mod demo;
pub mod pages;
pub mod repo;
pub mod rules;
pub mod service;
pub mod settings;
pub mod shapes;
pub mod view;

use axum::routing::{get, post};
use utoipa_axum::routes;

use crate::auth::{Action, Role};
use crate::module::NavItem;
use crate::routes::{Access, Routes};

/// The audit log's record kind for level changes.
pub const RECORD_KIND: &str = "risk_level";

const READ: Access = Access::Module("kernel", Action::Read);
const EDIT: Access = Access::Roles(pages::EDITORS);
const ADMIN: Access = Access::Roles(&[Role::Admin]);

pub fn register(r: &mut Routes) {
    r.api(READ, routes!(api::get_settings));
    r.api(EDIT, routes!(api::put_settings));
    r.api(READ, routes!(api::get_map));
    r.api(READ, routes!(api::get_matched));
    r.api(READ, routes!(api::get_history));
    r.api(EDIT, routes!(api::post_override));
    r.api(EDIT, routes!(api::post_lift));
    r.api(ADMIN, routes!(api::put_shapes));
    r.page(READ, "/risk", get(pages::map));
    r.page(READ, "/risk/matched", get(pages::matched));
    r.page(READ, "/risk/history", get(pages::history));
    r.page(EDIT, "/risk/override", post(pages::submit_override));
}

/// The navigation item: 风险地区.
pub fn nav() -> NavItem {
    NavItem {
        label_key: "nav.risk",
        href: "/risk",
        roles: crate::identity::ALL_BUT_AUDITORS,
        order: 310,
        on_phone_bar: false,
    }
}

//! 包保 responsibility: who answers for an area or a registry record. An assignment gives a unit,
//! a person, or both a role (`domain::ResponsibilityRole`: 包保领导, 责任部门, 网格员, 包保干部,
//! 签约医生) for a subject (an area, a person, a household, an enterprise or a place) from a
//! start date until an end date. A subject holds at most one active leader and one active grid
//! worker at a time; cadres and departments may be several.
//!
//! Part of the registries' module (`registry` in permissions: reading lists, writing assigns and
//! ends), because every subject is a registry record or an area. The ticket engine asks
//! `default_owner` whom a ticket about a subject goes to. Coverage views list above-size
//! enterprises without a leader and grids without a grid worker.
//!
//! Dates are Beijing calendar days; `ends_on` is exclusive: an assignment ended on a day no
//! longer holds on it, so ending one and assigning its successor on the same day never overlaps.

pub mod api;
pub mod demo;
pub mod model;
pub mod pages;
pub mod repo;
pub mod service;

use axum::routing::{get, post};
use utoipa_axum::routes;

pub use model::{Owner, Subject, SubjectKind};
pub use service::{default_owner, responsible};

use crate::module::NavItem;
use crate::routes::Routes;

/// The audit log's record kind for assignments.
pub const RECORD_KIND: &str = "responsibility";

/// Today in Beijing: the day an assignment is active or not.
pub fn today() -> chrono::NaiveDate {
    crate::calendar::today()
}

/// Adds the routes, under the registries' permissions.
pub fn register(r: &mut Routes, read: crate::routes::Access, write: crate::routes::Access) {
    r.api(read, routes!(api::list));
    r.api(write, routes!(api::assign));
    r.api(read, routes!(api::get));
    r.api(write, routes!(api::end));
    r.api(read, routes!(api::enterprises_without_leader));
    r.api(read, routes!(api::grids_without_worker));
    r.page(read, "/responsibility", get(pages::list));
    r.page(
        write,
        "/responsibility/new",
        get(pages::new_form).post(pages::create),
    );
    r.page(read, "/responsibility/{id}", get(pages::detail));
    r.page(write, "/responsibility/{id}/end", post(pages::end));
    r.page(
        read,
        "/responsibility/coverage/enterprises",
        get(pages::enterprises_without_leader),
    );
    r.page(
        read,
        "/responsibility/coverage/grids",
        get(pages::grids_without_worker),
    );
    r.page(read, "/ui/pick/users", get(pages::pick_users));
}

/// The navigation item: 包保责任.
pub fn nav() -> NavItem {
    use crate::auth::Role;
    const ROLES: &[Role] = &[
        Role::Admin,
        Role::Commander,
        Role::Department,
        Role::Township,
        Role::Village,
    ];
    NavItem {
        label_key: "nav.responsibility",
        href: "/responsibility",
        roles: ROLES,
        order: 230,
        on_phone_bar: false,
    }
}

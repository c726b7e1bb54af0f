//! The shared registries that every module references and prefills from — collect once, use
//! everywhere. People first (`person`); enterprises, places and households follow the same shape:
//! a repository owning the SQL, a service that validates, writes and audits in one transaction,
//! the API, the pages, and the demo generator.

pub mod enterprise;
pub mod history;
pub mod household;
pub mod person;
pub mod place;
pub mod tags;

use axum::routing::{get, post};
use futures::future::BoxFuture;
use utoipa_axum::routes;

use crate::auth::{Action, Role};
use crate::demo::DemoContext;
use crate::module::{Module, NavItem};
use crate::routes::{Access, Routes};

/// Who sees the registries in the navigation.
const NAV_ROLES: &[Role] = &[
    Role::Admin,
    Role::Commander,
    Role::Department,
    Role::Township,
    Role::Village,
    Role::Grid,
    Role::Checkpoint,
    Role::Inspector,
];

/// The registries' module: `registry` in permissions.
pub struct Registries;

pub const MODULE: &str = "registry";

const READ: Access = Access::Module(MODULE, Action::Read);
const WRITE: Access = Access::Module(MODULE, Action::Write);

impl Module for Registries {
    fn name(&self) -> &'static str {
        MODULE
    }

    /// Everyone who works with people in an area; not enterprises, not auditors.
    fn default_roles(&self) -> &'static [Role] {
        &[
            Role::Department,
            Role::Township,
            Role::Village,
            Role::Grid,
            Role::Checkpoint,
            Role::Inspector,
        ]
    }

    fn routes(&self, r: &mut Routes) {
        r.api(READ, routes!(person::api::list));
        r.api(WRITE, routes!(person::api::create));
        r.api(READ, routes!(person::api::get));
        r.api(WRITE, routes!(person::api::update));
        r.api(READ, routes!(person::api::reveal));
        r.api(READ, routes!(person::api::history));
        r.api(WRITE, routes!(person::api::merge));
        r.api(WRITE, routes!(person::api::import));
        r.page(READ, "/registry/persons", get(person::pages::list));
        r.page(
            WRITE,
            "/registry/persons/new",
            get(person::pages::new_form).post(person::pages::create),
        );
        r.page(
            READ,
            "/registry/persons/{id}",
            get(person::pages::detail).post(person::pages::reveal),
        );
        r.page(
            READ,
            "/registry/persons/export/{format}",
            get(person::export::export),
        );
        r.page(
            READ,
            "/registry/persons/template",
            get(person::export::template),
        );
        r.page(
            WRITE,
            "/registry/persons/import",
            crate::imports::pages::routes(&person::import::PAGE),
        );
        r.page(READ, "/ui/pick/persons", get(person::pages::pick));
        r.api(READ, routes!(household::api::list));
        r.api(WRITE, routes!(household::api::create));
        r.api(READ, routes!(household::api::get));
        r.api(WRITE, routes!(household::api::update));
        r.api(WRITE, routes!(household::api::add_member));
        r.api(WRITE, routes!(household::api::remove_member));
        r.page(READ, "/registry/households", get(household::pages::list));
        r.page(
            WRITE,
            "/registry/households/new",
            get(household::pages::new_form).post(household::pages::create),
        );
        r.page(
            READ,
            "/registry/households/{id}",
            get(household::pages::detail),
        );
        r.page(
            WRITE,
            "/registry/households/{id}/members",
            post(household::pages::add_member),
        );
        r.page(
            WRITE,
            "/registry/households/{id}/members/{person_id}/remove",
            post(household::pages::remove_member),
        );
        r.api(WRITE, routes!(household::api::import));
        r.page(
            READ,
            "/registry/households/export/{format}",
            get(household::export::export),
        );
        r.page(
            READ,
            "/registry/households/template",
            get(household::export::template),
        );
        r.page(
            WRITE,
            "/registry/households/import",
            crate::imports::pages::routes(&household::import::PAGE),
        );
        r.api(READ, routes!(enterprise::api::list));
        r.api(WRITE, routes!(enterprise::api::create));
        r.api(READ, routes!(enterprise::api::get));
        r.api(WRITE, routes!(enterprise::api::update));
        r.page(READ, "/registry/enterprises", get(enterprise::pages::list));
        r.page(
            WRITE,
            "/registry/enterprises/new",
            get(enterprise::pages::new_form).post(enterprise::pages::create),
        );
        r.page(
            READ,
            "/registry/enterprises/{id}",
            get(enterprise::pages::detail),
        );
        r.api(WRITE, routes!(enterprise::api::import));
        r.page(
            READ,
            "/registry/enterprises/export/{format}",
            get(enterprise::export::export),
        );
        r.page(
            READ,
            "/registry/enterprises/template",
            get(enterprise::export::template),
        );
        r.page(
            WRITE,
            "/registry/enterprises/import",
            crate::imports::pages::routes(&enterprise::import::PAGE),
        );
        r.api(READ, routes!(enterprise::api::history));
        r.page(READ, "/ui/pick/enterprises", get(enterprise::pages::pick));
        r.api(READ, routes!(place::api::list));
        r.api(WRITE, routes!(place::api::create));
        r.api(READ, routes!(place::api::get));
        r.api(WRITE, routes!(place::api::update));
        r.api(READ, routes!(place::api::history));
        r.page(READ, "/registry/places", get(place::pages::list));
        r.page(
            WRITE,
            "/registry/places/new",
            get(place::pages::new_form).post(place::pages::create),
        );
        r.page(READ, "/registry/places/{id}", get(place::pages::detail));
        r.page(
            WRITE,
            "/registry/places/{id}/edit",
            post(place::pages::edit),
        );
        r.page(READ, "/ui/pick/places", get(place::pages::pick));
        r.api(WRITE, routes!(place::api::import));
        r.page(
            READ,
            "/registry/places/export/{format}",
            get(place::export::export),
        );
        r.page(
            READ,
            "/registry/places/template",
            get(place::export::template),
        );
        r.page(
            WRITE,
            "/registry/places/import",
            crate::imports::pages::routes(&place::import::PAGE),
        );
        crate::responsibility::register(r, READ, WRITE);
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![
            NavItem {
                label_key: "nav.persons",
                href: "/registry/persons",
                roles: NAV_ROLES,
                order: 200,
                on_phone_bar: true,
            },
            NavItem {
                label_key: "nav.households",
                href: "/registry/households",
                roles: NAV_ROLES,
                order: 205,
                on_phone_bar: false,
            },
            NavItem {
                label_key: "nav.enterprises",
                href: "/registry/enterprises",
                roles: NAV_ROLES,
                order: 210,
                on_phone_bar: false,
            },
            NavItem {
                label_key: "nav.places",
                href: "/registry/places",
                roles: NAV_ROLES,
                order: 220,
                on_phone_bar: false,
            },
            crate::responsibility::nav(),
        ]
    }

    fn importers(&self) -> Vec<&'static dyn crate::imports::SheetImport> {
        vec![
            &person::import::PERSONS,
            &enterprise::import::ENTERPRISES,
            &place::import::PLACES,
            &household::import::HOUSEHOLDS,
        ]
    }

    fn demo<'a>(&'a self, ctx: &'a DemoContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            use crate::demo::timed;
            timed("registry.persons", person::demo::generate(ctx)).await?;
            timed("registry.households", household::demo::generate(ctx)).await?;
            timed("registry.enterprises", enterprise::demo::generate(ctx)).await?;
            timed("registry.places", place::demo::generate(ctx)).await?;
            timed("responsibility", crate::responsibility::demo::generate(ctx)).await
        })
    }
}

/// A `LIKE … ESCAPE '\'` pattern matching `text` anywhere, ASCII letters lowered: compare it with
/// `LOWER(column)`, the same on SQLite and PostgreSQL.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c.to_ascii_lowercase());
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    #[test]
    fn contains_patterns_escape_wildcards() {
        assert_eq!(super::contains_pattern(" 幸福 "), "%幸福%");
        assert_eq!(super::contains_pattern("A_1%"), "%a\\_1\\%%");
        assert_eq!(super::contains_pattern("a\\b"), "%a\\\\b%");
    }
}

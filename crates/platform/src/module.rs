//! How a campaign plugs into the kernel. A module registers its routes (API and pages), message
//! catalogs, navigation, named figures, periodic jobs and demo data through one trait; the binary
//! lists the modules and `app::assemble` merges them. Modules never call each other: cross-module
//! needs go through the kernel. Deleting a campaign crate and its line in the binary compiles.

use std::time::Duration;

use chrono::NaiveDate;
use domain::DivisionCode;
use futures::future::BoxFuture;

use crate::auth::Role;
use crate::demo::DemoContext;
use crate::i18n::Lang;
use crate::routes::Routes;
use crate::state::AppState;

pub trait Module: Send + Sync + 'static {
    /// Short, stable, snake_case: `epidemic`, `economy`. Prefixes its figures and jobs.
    fn name(&self) -> &'static str;

    /// Roles that hold this module without a grant (see `auth::permission`): by default the
    /// grassroots (township, village, grid). Admins and commanders hold every module, auditors
    /// none; a department holds a module when its unit is granted it.
    fn default_roles(&self) -> &'static [Role] {
        crate::auth::permission::GRASSROOTS
    }

    /// Catalog files: (language, source name for error messages, TOML text).
    fn catalogs(&self) -> Vec<(Lang, &'static str, &'static str)> {
        Vec::new()
    }

    /// API routes (documented in OpenAPI) and pages, each with its access rule.
    fn routes(&self, routes: &mut Routes) {
        let _ = routes;
    }

    fn nav(&self) -> Vec<NavItem> {
        Vec::new()
    }

    fn figures(&self) -> Vec<FigureDef> {
        Vec::new()
    }

    fn jobs(&self) -> Vec<JobDef> {
        Vec::new()
    }

    /// Where the records behind each of this module's figures are listed: `(figure key, href)`,
    /// the href of a page of the module filtered to an area and a day. The command's drill-down
    /// links there, so a number leads to the people and enterprises it counts.
    fn figure_records(&self) -> Vec<(&'static str, RecordsFn)> {
        Vec::new()
    }

    /// Numbers shown beside navigation entries (the inbox's open work): `(href, count)`.
    fn nav_counts(&self) -> Vec<(&'static str, NavCountFn)> {
        Vec::new()
    }

    /// The kinds of ticket this module opens (`crate::tickets`): their rules and time limits.
    fn ticket_kinds(&self) -> Vec<crate::tickets::kind::TicketKind> {
        Vec::new()
    }

    /// The sheets this module imports (`crate::imports`): `tongxin import KIND FILE` finds them
    /// here. Each also registers its `POST /api/v1/imports/{kind}` route and upload page.
    fn importers(&self) -> Vec<&'static dyn crate::imports::SheetImport> {
        Vec::new()
    }

    /// Fills the demo district with this module's data, after the kernel's areas, units and
    /// accounts exist. Must be deterministic for a given `ctx.seed`.
    fn demo<'a>(&'a self, ctx: &'a DemoContext) -> BoxFuture<'a, anyhow::Result<()>> {
        let _ = ctx;
        Box::pin(async { Ok(()) })
    }
}

/// An entry of the navigation.
#[derive(Clone, Debug)]
pub struct NavItem {
    /// Catalog key of the label.
    pub label_key: &'static str,
    pub href: &'static str,
    /// Roles that see the entry; empty means every signed-in user.
    pub roles: &'static [Role],
    /// Sort key across modules; the kernel uses multiples of 100.
    pub order: i32,
    /// Shown in the phone's bottom bar (keep to four or five in all).
    pub on_phone_bar: bool,
}

impl NavItem {
    pub fn visible_to(&self, role: Role) -> bool {
        self.roles.is_empty() || self.roles.contains(&role)
    }
}

/// How many things wait behind a navigation entry for this user (e.g. open work in the inbox).
pub type NavCountFn = for<'a> fn(
    &'a AppState,
    &'a crate::auth::CurrentUser,
) -> BoxFuture<'a, crate::error::AppResult<u64>>;

/// The page listing a figure's records for an area's subtree on a day.
pub type RecordsFn = fn(&DivisionCode, NaiveDate) -> String;

pub type FigureFn =
    for<'a> fn(&'a AppState, &'a DivisionCode, NaiveDate) -> BoxFuture<'a, anyhow::Result<f64>>;

/// A named figure: one definition serves the dashboard, the API and bulletins.
#[derive(Clone)]
pub struct FigureDef {
    /// Stable key, `module.name`: `economy.enterprises_resumed`.
    pub key: &'static str,
    /// Catalog key of the label.
    pub label_key: &'static str,
    /// Catalog key of the unit (户, 人, %, 个).
    pub unit_key: &'static str,
    /// The value for an area's subtree on a date.
    pub compute: FigureFn,
}

impl std::fmt::Debug for FigureDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FigureDef").field("key", &self.key).finish()
    }
}

pub type JobFn = fn(AppState) -> BoxFuture<'static, anyhow::Result<()>>;

/// A periodic job. Every node may schedule it; a database lease lets one node run each turn.
#[derive(Clone)]
pub struct JobDef {
    /// Stable, `module.name`; also the lease name.
    pub name: &'static str,
    pub every: Duration,
    pub run: JobFn,
}

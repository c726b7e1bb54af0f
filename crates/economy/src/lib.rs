//! Economic recovery (复工复产): enterprises — or their 包保 cadres — report their resumption
//! once a day; the rates by area, industry and size are live from those reports, for the
//! command's bulletins and the grassroots' follow-up of enterprises not yet resumed.
//!
//! A campaign module: it plugs into the kernel through `platform::Module` and uses the kernel's
//! enterprise registry, 包保 responsibility, import framework and exports. Enterprise accounts
//! (`users.enterprise_id`) see and report their own enterprise only (`scope`).
//!
//! Besides resumption: prevention inspections of reopened enterprises with rectification
//! tickets and stop-work suspensions (`inspections`), enterprise needs answered by departments
//! as tickets (`needs`), and PPE producers' capacity and output (`ppe`).

pub mod demo;
pub mod figures;
pub mod inspections;
pub mod needs;
pub mod ppe;
pub mod resumption;
pub mod scope;

use futures::future::BoxFuture;
use platform::auth::{Action, Role};
use platform::i18n::Lang;
use platform::module::{FigureDef, Module, NavItem};
use platform::routes::{Access, Routes};

/// The module: `economy` in permissions.
pub struct Economy;

pub const MODULE: &str = "economy";

pub const READ: Access = Access::Module(MODULE, Action::Read);
pub const WRITE: Access = Access::Module(MODULE, Action::Write);

/// Who sees the module's navigation: everyone who may hold it.
pub const NAV_ROLES: &[Role] = &[
    Role::Admin,
    Role::Commander,
    Role::Department,
    Role::Township,
    Role::Village,
    Role::Grid,
    Role::Enterprise,
];

impl Module for Economy {
    fn name(&self) -> &'static str {
        MODULE
    }

    /// The grassroots and the enterprises themselves (their own records only); departments
    /// (工信) by grant.
    fn default_roles(&self) -> &'static [Role] {
        &[Role::Township, Role::Village, Role::Grid, Role::Enterprise]
    }

    fn catalogs(&self) -> Vec<(Lang, &'static str, &'static str)> {
        macro_rules! both {
            ($($name:literal),*) => {
                vec![$(
                    (Lang::ZhCn, concat!("economy/zh-CN/", $name), include_str!(concat!("../i18n/zh-CN/", $name))),
                    (Lang::En, concat!("economy/en/", $name), include_str!(concat!("../i18n/en/", $name))),
                )*]
            };
        }
        both!(
            "economy.toml",
            "resumption.toml",
            "inspections.toml",
            "needs.toml",
            "ppe.toml"
        )
    }

    fn routes(&self, r: &mut Routes) {
        resumption::routes(r);
        inspections::routes(r);
        needs::routes(r);
        ppe::routes(r);
    }

    fn nav(&self) -> Vec<NavItem> {
        let item = |label_key, href, order, on_phone_bar| NavItem {
            label_key,
            href,
            roles: NAV_ROLES,
            order,
            on_phone_bar,
        };
        vec![
            item("nav.economy.report", "/economy/report", 400, true),
            item("nav.economy.resumption", "/economy/resumption", 401, false),
            item(
                "nav.economy.inspections",
                "/economy/inspections",
                402,
                false,
            ),
            item("nav.economy.needs", "/economy/needs", 403, false),
            item("nav.economy.ppe", "/economy/ppe", 404, false),
        ]
    }

    fn figures(&self) -> Vec<FigureDef> {
        figures::all()
    }

    fn figure_records(&self) -> Vec<(&'static str, platform::module::RecordsFn)> {
        figures::records()
    }

    fn ticket_kinds(&self) -> Vec<platform::tickets::kind::TicketKind> {
        needs::ticket_kinds()
    }

    fn importers(&self) -> Vec<&'static dyn platform::imports::SheetImport> {
        resumption::importers()
    }

    fn demo<'a>(
        &'a self,
        ctx: &'a platform::demo::DemoContext,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(demo::generate(ctx))
    }
}

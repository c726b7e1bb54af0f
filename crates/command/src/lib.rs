//! Command (指挥): the figures every module registers, brought together for the command — the
//! dark 1920×1080 command screen (大屏) with headline figures per campaign, trends, overdue work
//! by unit and alerts as they happen, refreshed without reloading; the same on a phone; and the
//! drill-down from any figure to its breakdown by sub-area; and the bulletins (通报) written from
//! the same figures, previewed, downloaded as Word and Excel, archived daily. It knows figures only by their keys
//! (`layout`): a module that is not built shows as unavailable, never invented.

pub mod api;
pub mod bulletin;
pub mod drill;
pub mod layout;
pub mod pages;
pub mod snapshot;

use axum::routing::get;
use platform::auth::{Action, Role};
use platform::i18n::Lang;
use platform::module::{Module, NavItem};
use platform::routes::{Access, Routes};
use utoipa_axum::routes;

/// The module: `command` in permissions.
pub struct Command;

pub const MODULE: &str = "command";

pub const READ: Access = Access::Module(MODULE, Action::Read);
pub const WRITE: Access = Access::Module(MODULE, Action::Write);

impl Module for Command {
    fn name(&self) -> &'static str {
        MODULE
    }

    /// Township leaders watch their own township; the command holds every module anyway.
    fn default_roles(&self) -> &'static [Role] {
        &[Role::Township]
    }

    fn catalogs(&self) -> Vec<(Lang, &'static str, &'static str)> {
        macro_rules! both {
            ($($name:literal),*) => {
                vec![$(
                    (Lang::ZhCn, concat!("command/zh-CN/", $name), include_str!(concat!("../i18n/zh-CN/", $name))),
                    (Lang::En, concat!("command/en/", $name), include_str!(concat!("../i18n/en/", $name))),
                )*]
            };
        }
        both!("command.toml", "bulletin.toml")
    }

    fn routes(&self, r: &mut Routes) {
        r.api(READ, routes!(api::screen));
        r.api(READ, routes!(api::breakdown));
        r.page(READ, "/command/screen", get(pages::screen));
        r.page(READ, "/command/figures/{key}", get(pages::drill));
        bulletin::routes(r);
    }

    fn jobs(&self) -> Vec<platform::module::JobDef> {
        vec![bulletin::schedule::job()]
    }

    fn nav(&self) -> Vec<NavItem> {
        let roles = &[Role::Admin, Role::Commander, Role::Township];
        vec![
            NavItem {
                label_key: "nav.command.screen",
                href: "/command/screen",
                roles,
                order: 50,
                on_phone_bar: false,
            },
            NavItem {
                label_key: "nav.command.bulletins",
                href: "/command/bulletins",
                roles,
                order: 51,
                on_phone_bar: false,
            },
        ]
    }
}

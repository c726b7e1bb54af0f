//! The ledger of work (台账): one ticket engine every module uses. A ticket has a kind
//! (registered by modules with its rules and time limits, `kind`), a subject in the registries
//! or none, an area, an owner unit and person, a deadline in working time (`domain::deadline`,
//! the official calendar, pauses stop the clock), and a timeline. Every move goes through
//! `domain::ticket` (`service::act`); the deadline sweep warns, marks overdue and escalates
//! (`escalation`); the inbox shows each user their work (`inbox`). Tickets about a registry
//! record go to its responsible unit by default (`routing`).

pub mod api;
pub mod attachments;
pub mod demo;
pub mod escalation;
pub mod export;
pub mod inbox;
pub mod kind;
pub mod kpi;
pub mod model;
pub mod pages;
pub mod repo;
pub mod routing;
pub mod service;

use std::time::Duration;

use axum::routing::get;
use futures::future::BoxFuture;
use utoipa_axum::routes;

use crate::auth::{Action, Role};
use crate::module::{JobDef, Module, NavItem};
use crate::routes::{Access, Routes};
use crate::state::AppState;

/// The tickets' module: `tickets` in permissions.
pub struct Tickets;

pub const MODULE: &str = "tickets";

const READ: Access = Access::Module(MODULE, Action::Read);
const WRITE: Access = Access::Module(MODULE, Action::Write);

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

impl Module for Tickets {
    fn name(&self) -> &'static str {
        MODULE
    }

    /// Everyone who handles or reports work; not enterprises, not auditors.
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
        r.api(READ, routes!(api::kinds));
        r.api(READ, routes!(api::list));
        r.api(READ, routes!(kpi::kpis));
        r.api(WRITE, routes!(api::create));
        r.api(READ, routes!(api::get));
        r.api(WRITE, routes!(api::act));
        r.api(WRITE, routes!(api::comment));
        r.api(WRITE, routes!(api::callback));
        r.api(WRITE, routes!(api::attach));
        r.api(READ, routes!(api::attachment));
        r.api(READ, routes!(api::my_inbox));
        r.api(READ, routes!(api::mark_read));
        r.page(READ, "/tickets", get(pages::list));
        r.page(READ, "/tickets/kpis", get(kpi::page));
        r.page(READ, "/tickets/export/{format}", get(export::export));
        r.page(
            WRITE,
            "/tickets/new",
            get(pages::new_form).post(pages::create),
        );
        r.page(READ, "/tickets/{id}", get(pages::detail));
        r.page(WRITE, "/tickets/{id}/act", axum::routing::post(pages::post));
        r.page(
            WRITE,
            "/tickets/{id}/attachments",
            axum::routing::post(pages::attach),
        );
        r.page(READ, "/inbox", get(pages::inbox_page));
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![
            NavItem {
                label_key: "nav.inbox",
                href: "/inbox",
                roles: NAV_ROLES,
                order: 110,
                on_phone_bar: true,
            },
            NavItem {
                label_key: "nav.tickets",
                href: "/tickets",
                roles: NAV_ROLES,
                order: 120,
                on_phone_bar: false,
            },
        ]
    }

    fn nav_counts(&self) -> Vec<(&'static str, crate::module::NavCountFn)> {
        vec![("/inbox", inbox_count)]
    }

    fn ticket_kinds(&self) -> Vec<kind::TicketKind> {
        kind::kernel_kinds()
    }

    fn demo<'a>(&'a self, ctx: &'a crate::demo::DemoContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(demo::generate(ctx))
    }

    fn jobs(&self) -> Vec<JobDef> {
        vec![JobDef {
            name: "tickets.deadlines",
            every: Duration::from_secs(60),
            run: sweep_job,
        }]
    }
}

fn sweep_job(state: AppState) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        escalation::sweep(&state, chrono::Utc::now()).await?;
        Ok(())
    })
}

fn inbox_count<'a>(
    state: &'a AppState,
    user: &'a crate::auth::CurrentUser,
) -> BoxFuture<'a, crate::error::AppResult<u64>> {
    Box::pin(inbox::count(state.db(), user))
}

//! The kernel's identity and trust routes — the audit log, API tokens, signing out everywhere,
//! changing one's password by API — registered from `kernel.rs` in one call, with their
//! navigation entries.

use axum::routing::{get, post};
use utoipa_axum::routes;

use crate::audit;
use crate::auth::{self, Role};
use crate::module::NavItem;
use crate::routes::{Access, Routes};

pub const ADMINS: &[Role] = &[Role::Admin];
pub const AUDITORS: &[Role] = &[Role::Auditor];

/// Every role but the auditor's.
pub const ALL_BUT_AUDITORS: &[Role] = &[
    Role::Admin,
    Role::Commander,
    Role::Department,
    Role::Township,
    Role::Village,
    Role::Grid,
    Role::Checkpoint,
    Role::Inspector,
    Role::Enterprise,
];

pub fn routes(r: &mut Routes) {
    r.api(Access::OwnAccount, routes!(auth::api::sign_out_everywhere));
    r.api(Access::OwnAccount, routes!(auth::api::change_password));
    r.api(Access::Roles(AUDITORS), routes!(audit::api::list));
    r.api(
        Access::Roles(ADMINS),
        routes!(auth::tokens_api::list, auth::tokens_api::create),
    );
    r.api(Access::Roles(ADMINS), routes!(auth::tokens_api::revoke));

    r.page(
        Access::OwnAccount,
        "/account/sessions/end",
        post(auth::pages::logout_everywhere),
    );
    r.page(Access::Roles(AUDITORS), "/audit", get(audit::pages::list));
    r.page(
        Access::Roles(ADMINS),
        "/admin/tokens",
        get(auth::tokens_pages::list).post(auth::tokens_pages::create),
    );
    r.page(
        Access::Roles(ADMINS),
        "/admin/tokens/{id}/revoke",
        post(auth::tokens_pages::revoke),
    );
}

pub fn nav_tokens() -> NavItem {
    NavItem {
        label_key: "nav.tokens",
        href: "/admin/tokens",
        roles: ADMINS,
        order: 1010,
        on_phone_bar: false,
    }
}

pub fn nav_audit() -> NavItem {
    NavItem {
        label_key: "nav.audit",
        href: "/audit",
        roles: AUDITORS,
        order: 1100,
        on_phone_bar: true,
    }
}

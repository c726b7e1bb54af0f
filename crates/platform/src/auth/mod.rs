//! Who is calling and what they may do: roles, password hashing, database sessions, sign-in with
//! throttling, API tokens, module permissions, and the `CurrentUser` extractor. Route access
//! rules live in `routes`, which asks this module.

pub mod api;
pub mod client;
mod current_user;
pub mod pages;
mod password;
pub mod permission;
mod role;
pub mod session;
pub mod session_cache;
pub mod signin;
pub mod throttle;
pub mod tokens;
pub mod tokens_api;
pub mod tokens_pages;

pub use current_user::{CurrentUser, TokenScope};
pub use password::{check_password_policy, hash_password, verify_password};
pub use permission::Action;
pub use role::Role;
pub use session::{SESSION_COOKIE, resolve};

pub use client::ClientIp;

/// The client's IP address (see `client`), for handlers and extractors.
pub fn client_ip(parts: &axum::http::request::Parts) -> Option<String> {
    parts.extensions.get::<ClientIp>().and_then(|c| c.text())
}

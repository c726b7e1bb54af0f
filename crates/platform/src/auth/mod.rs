//! Who is calling: roles, password hashing, database-backed sessions, and the `CurrentUser`
//! extractor. Route access rules live in `routes`; this module only answers "who".

pub mod api;
mod current_user;
pub mod pages;
mod password;
mod role;
pub mod session;

pub use current_user::CurrentUser;
pub use password::{check_password_policy, hash_password, verify_password};
pub use role::Role;
pub use session::{SESSION_COOKIE, resolve};

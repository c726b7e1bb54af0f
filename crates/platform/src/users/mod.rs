//! Org units and user accounts: storage, and the administration pages for admins.

pub mod pages;
pub mod repo;
pub mod service;
pub mod units;

pub use repo::{NewUser, UserRow};

//! The Tongxin kernel. Everything a campaign module needs and nothing campaign-specific:
//! storage (`db`), the jurisdiction tree (`areas`), the work calendar (`calendar`), users and sessions (`users`, `auth`), the
//! route registry with access rules (`routes`), the hash-chained audit log (`audit`), personal-data
//! masking and reveal (`pii`), spreadsheets in and out (`tabular`), the web shell (`web`,
//! templates, assets), API conventions (`api`), message catalogs (`i18n`), periodic jobs (`jobs`),
//! the module trait (`module`), 包保 responsibility (`responsibility`), the demo district's base
//! (`demo`) and assembly (`app`). See
//! ARCHITECTURE.md.

pub mod api;
pub mod app;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod calendar;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod figures;
pub mod home;
pub mod i18n;
pub mod identity;
pub mod imports;
pub mod jobs;
pub mod kernel;
pub mod module;
pub mod pii;
pub mod registry;
pub mod responsibility;
pub mod risk;
pub mod routes;
pub mod state;
pub mod tabular;
pub mod tickets;
pub mod users;
pub mod web;

pub use app::{App, assemble, serve};
pub use config::Config;
pub use db::Db;
pub use error::{AppError, AppResult};
pub use kernel::Kernel;
pub use module::Module;
pub use registry::Registries;
pub use state::AppState;
pub use tickets::Tickets;

//! Test harness: `spawn_app` starts the real server on port 0 with a fresh database per test
//! (a temporary SQLite file, or a PostgreSQL database created and dropped per test when
//! `TONGXIN_TEST_PG` names a server), and `browser` drives headless Chromium through
//! chromedriver. Nothing is skipped silently: a missing PostgreSQL or chromedriver fails the test
//! unless `TONGXIN_TEST_SKIP_PG=1` / `TONGXIN_TEST_SKIP_BROWSER=1` says so, and then it says so.

mod app;
pub mod browser;
pub mod catalogs;
mod database;
pub mod sheets;

pub use app::{AppBuilder, DEMO_PASSWORD, TestApp, spawn_app};
pub use database::{Backend, DbGuard, fresh_database};

/// Writes each test twice, once per backend: `backend_tests!(a_user_can_sign_in, …)` over
/// `async fn a_user_can_sign_in(backend: Backend)` makes `sqlite::a_user_can_sign_in` and
/// `postgres::a_user_can_sign_in`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(backend) = $crate::Backend::postgres_or_skip(stringify!($name)) {
                        super::$name(backend).await
                    }
                }
            )*
        }
    };
}

//! The one road to the database: a concrete `Db` over SQLite or PostgreSQL, the `with_db!` macro and the
//! `Tx` write transaction (with `with_conn!`) that run the same portable SQL on either, connection set-up and migrations.
//!
//! Portable SQL here means: `$1`-style placeholders (SQLite accepts them), `ON CONFLICT … DO UPDATE`,
//! `RETURNING`, timestamps bound from Rust (never `now()`), and subtree queries as byte ranges on
//! division codes. Repositories own their SQL as `const`s next to the function that runs it.

mod checkpoint;
mod connect;
mod lease;
mod migrate;
pub mod raw;
mod tx;

pub use connect::{Backend, connect};
pub use lease::try_take_lease;
pub use migrate::{MigrationStatus, migrate, migration_status};
pub use tx::Tx;

use sqlx::{PgPool, SqlitePool};

/// A pool on one of the two supported backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// The `n`th (1-based) parameter of a statement built at run time with many values, as
    /// `Tx::param`: `?` on SQLite (bound by position), `$n` on PostgreSQL.
    pub fn param(&self, n: usize) -> String {
        match self {
            Db::Sqlite(_) => "?".to_string(),
            Db::Postgres(_) => format!("${n}"),
        }
    }

    /// Connections open and idle, for `/metrics`.
    pub fn pool_usage(&self) -> (u32, usize) {
        match self {
            Db::Sqlite(p) => (p.size(), p.num_idle()),
            Db::Postgres(p) => (p.size(), p.num_idle()),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }

    /// A cheap round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        const SQL: &str = "SELECT 1";
        crate::with_db!(self, pool => sqlx::query(SQL).execute(pool).await.map(|_| ()))
    }
}

/// Runs `$body` with `$pool` bound to the concrete pool of either backend. The body is compiled
/// once per backend, so it may use any sqlx API generic over the database.
///
/// ```text
/// with_db!(db, pool => sqlx::query(SQL).bind(code).execute(pool).await.map(|r| r.rows_affected()))?;
/// ```
#[macro_export]
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

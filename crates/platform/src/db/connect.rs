//! Opening a pool from a `sqlite://…` or `postgres://…` URL with the settings each backend needs.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::Db;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Opens a pool. SQLite gets WAL, `synchronous=NORMAL` (durable at checkpoints, safe against
/// corruption), checkpoints on a task of their own (`checkpoint`), a busy timeout so writers
/// queue instead of failing, and foreign keys on.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| anyhow::anyhow!("invalid SQLite URL {url}: {e}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            // Rows the connection's thread may read ahead of the task taking them (sqlx's
            // default is 50): an export's pages of thousands of rows then stream without the
            // two threads waking each other for every row.
            .row_buffer_size(8192)
            // Checkpoints run on a task of their own (`checkpoint`), never inside a commit.
            .pragma("wal_autocheckpoint", "0");
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open SQLite database {url}: {e}"))?;
        super::checkpoint::spawn(pool.clone());
        Ok(Db::Sqlite(pool))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| anyhow::anyhow!("invalid PostgreSQL URL: {e}"))?
            .application_name("tongxin");
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL: {e}"))?;
        Ok(Db::Postgres(pool))
    } else {
        anyhow::bail!(
            "unsupported database URL {url:?}: use sqlite://FILE or postgres://USER@HOST/DB"
        )
    }
}

//! A write transaction on either backend, as a value: repositories take `&mut Tx` so that one
//! change and its consequences (its history row, its audit entry, the ticket it opens) commit
//! together or not at all. `with_conn!` runs portable SQL on the transaction's connection.

use sqlx::{Postgres, SqlSafeStr, Sqlite, Transaction};

use super::Db;

pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Db {
    /// Begins a write transaction. On SQLite it begins `IMMEDIATE`, taking the write lock up
    /// front, so two writers never deadlock upgrading a read lock; the busy timeout queues them.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Begins a write transaction for a bulk load (an import of a whole sheet). On SQLite its
    /// connection gets, before `BEGIN` (where SQLite reads them), a page cache of up to
    /// `cache_mib` MiB and statement journals in memory — every multi-row upsert keeps one to
    /// undo itself alone, and in a temporary file that was a write call per page, a fifth of a
    /// person import's time. The connection is closed afterwards instead of going back to the
    /// pool with them.
    pub async fn begin_bulk(&self, cache_mib: u32) -> Result<Tx, sqlx::Error> {
        match self {
            Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                conn.close_on_drop();
                let pragmas = format!(
                    "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{}",
                    u64::from(cache_mib) * 1024
                );
                sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas))
                    .execute(&mut *conn)
                    .await?;
                // `Pool::begin_with` does the same with a connection of its own choosing; sqlx
                // keeps this constructor public (hidden from its docs) for exactly that use.
                let begun = Transaction::begin(conn, Some("BEGIN IMMEDIATE".into_sql_str()));
                Ok(Tx::Sqlite(begun.await?))
            }
            Db::Postgres(_) => self.begin().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    /// The `n`th (1-based) parameter of a statement built at run time with many rows of values:
    /// `?` on SQLite — bound by position, which stays linear where sqlx's lookup of `$n` by
    /// name grows with the statement's parameter count —, `$n` on PostgreSQL. Values must then
    /// be bound in the order they appear in the text.
    pub fn param(&self, n: usize) -> String {
        match self {
            Tx::Sqlite(_) => "?".to_string(),
            Tx::Postgres(_) => format!("${n}"),
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await,
            Tx::Postgres(tx) => tx.rollback().await,
        }
    }
}

/// Runs `$body` with `$conn` bound to the transaction's connection on either backend:
///
/// ```text
/// with_conn!(tx, conn => sqlx::query(SQL).bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
/// ```
#[macro_export]
macro_rules! with_conn {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

//! Indexes a large import builds once at its end instead of row by row (SQLite only).
//!
//! An index on a column whose values arrive in no order (a name, a phone number) costs a large
//! import a page read and a page write at random for every row; building it afresh from the
//! finished table is one sort. So once an import has inserted more rows than its table held
//! when it began, the indexes its importer names ([`Importer::deferred_indexes`]) are dropped
//! inside the import's transaction, and created again, from the definitions the database itself
//! holds, just before it commits. The import's own statements must not need them (a person
//! import finds a registered person by document, whose unique index stays).
//!
//! Nobody else sees the difference: readers keep the last committed state, indexes included,
//! until the import commits with them rebuilt; other writers wait for the import's write lock
//! as they always do; a failed or rolled-back import rolls the drop back with everything else.
//! PostgreSQL is left alone: there a dropped index holds every reader of the table until commit.
//!
//! Why "more rows than the table held": in a million-row person import into a small table, the
//! two indexes built at the end took 3.7–4.3 s, and kept row by row they had cost about 7 s of
//! the import's 17 s; so a build over the whole table pays once the rows still to come are a good
//! part of it. If the import ends right after the drop, the waste is one build over twice the
//! table's rows at the start.
//!
//! [`Importer::deferred_indexes`]: super::Importer::deferred_indexes

use sqlx::Row;

use crate::db::Tx;

/// How `CREATE INDEX` sorts while the deferred indexes are built. With temporary storage in
/// memory (as a bulk transaction has it, for its statement journals), SQLite's sorter keeps every
/// key in one list and sorts it in one piece on the statement's own thread. With temporary files
/// allowed, it sorts runs of at most the page cache's size, each on a worker thread as it fills,
/// and merges the runs on the workers too. Runs of 2 MiB sort within the CPU's caches: in the
/// sqlite3 shell, the two person indexes over a million rows took 0.76 s (1.0 core-s) this way
/// against 2.45 s in one piece. The small page cache only makes SQLite write the transaction's
/// pages to the WAL during the build instead of at the commit.
const SORT_IN_CHUNKS: &str =
    "PRAGMA temp_store = FILE; PRAGMA threads = 2; PRAGMA cache_size = -2048";

/// Indexes of one table an importer lets the framework build at the end of a large import.
#[derive(Clone, Copy, Debug)]
pub struct DeferredIndexes {
    pub table: &'static str,
    /// Index names; one the database does not have is skipped.
    pub indexes: &'static [&'static str],
}

/// One import's deferral: when to drop, and what to create again.
pub(super) struct Deferral {
    /// The indexes still to drop: taken when they are (at most once per import).
    spec: Option<DeferredIndexes>,
    /// The table's largest rowid when the import began: its row count, near enough.
    rows_before: u64,
    /// `CREATE INDEX` statements of the indexes dropped, to run before commit.
    dropped: Vec<String>,
}

impl Deferral {
    /// Nothing deferred (PostgreSQL, or an importer that names no index).
    pub(super) fn none() -> Self {
        Deferral {
            spec: None,
            rows_before: 0,
            dropped: Vec::new(),
        }
    }

    /// Reads, in the import's fresh transaction, how large the table is.
    pub(super) async fn begin(
        spec: Option<DeferredIndexes>,
        tx: &mut Tx,
    ) -> Result<Self, sqlx::Error> {
        let (Some(spec), Tx::Sqlite(tx)) = (spec, tx) else {
            return Ok(Self::none());
        };
        // `MAX(rowid)` is one step down the table's b-tree; `COUNT(*)` would read it all.
        let sql = format!("SELECT COALESCE(MAX(rowid), 0) FROM \"{}\"", spec.table);
        let rows_before: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut **tx)
            .await?;
        Ok(Deferral {
            spec: Some(spec),
            rows_before: rows_before.max(0) as u64,
            dropped: Vec::new(),
        })
    }

    /// Before a batch is stored: drops the indexes once the import has inserted more rows than
    /// the table held when it began.
    pub(super) async fn before_batch(
        &mut self,
        tx: &mut Tx,
        inserted: u64,
    ) -> Result<(), sqlx::Error> {
        if inserted <= self.rows_before {
            return Ok(());
        }
        let (Some(spec), Tx::Sqlite(tx)) = (self.spec.take(), tx) else {
            return Ok(());
        };
        for name in spec.indexes {
            let found = sqlx::query(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1 AND tbl_name = ?2",
            )
            .bind(name)
            .bind(spec.table)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(create) = found.and_then(|row| row.get::<Option<String>, _>(0)) else {
                continue;
            };
            let drop = format!("DROP INDEX \"{name}\"");
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&mut **tx)
                .await?;
            self.dropped.push(create);
        }
        Ok(())
    }

    /// Before commit: creates the dropped indexes again, sorting their keys in chunks on
    /// worker threads (see [`SORT_IN_CHUNKS`]); the connection's settings are put back after.
    pub(super) async fn rebuild(&mut self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        let Tx::Sqlite(tx) = tx else {
            return Ok(());
        };
        if self.dropped.is_empty() {
            return Ok(());
        }
        let (temp_store, threads, cache_size): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT temp_store FROM pragma_temp_store), \
             (SELECT threads FROM pragma_threads), (SELECT cache_size FROM pragma_cache_size)",
        )
        .fetch_one(&mut **tx)
        .await?;
        sqlx::raw_sql(SORT_IN_CHUNKS).execute(&mut **tx).await?;
        for create in self.dropped.drain(..) {
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(&mut **tx)
                .await?;
        }
        let restore = format!(
            "PRAGMA temp_store = {temp_store}; PRAGMA threads = {threads}; \
             PRAGMA cache_size = {cache_size}"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(restore))
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

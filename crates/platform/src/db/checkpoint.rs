//! WAL checkpoints off the writers' path. By default SQLite checkpoints in whichever connection
//! commits past 1,000 WAL pages, inside that commit: a request — or the passage writer's whole
//! group — waits while pages are copied into the database file and it is synced. Every SQLite
//! pool here instead turns the automatic checkpoint off on its connections (`connect`) and runs a
//! passive checkpoint on a task of its own a few times a second: it never blocks a writer or a
//! reader, and the WAL stays a fraction of a second of writes long (`synchronous=NORMAL` makes
//! commits durable at the checkpoint, so that is also how long a power cut could reach back).

use std::time::Duration;

use sqlx::SqlitePool;

/// How often the checkpoint runs; one with nothing to copy costs a look at the WAL's header.
const EVERY: Duration = Duration::from_millis(250);

/// Runs the pool's checkpoints until the pool is closed.
pub(super) fn spawn(pool: SqlitePool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            // (busy, frames in the WAL, frames copied); a busy answer is retried next tick.
            let done: Result<(i64, i64, i64), sqlx::Error> =
                sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(&pool)
                    .await;
            match done {
                Ok(_) => {}
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => tracing::warn!(%error, "WAL checkpoint failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use crate::db::{Db, connect};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_reach_the_database_file_without_a_checkpoint_in_any_commit() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.db");
        let db = connect(&format!("sqlite://{}", file.display()), 2)
            .await
            .unwrap();
        let Db::Sqlite(pool) = &db else {
            unreachable!()
        };
        let automatic: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(automatic, 0, "no connection checkpoints in its commits");
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .execute(pool)
            .await
            .unwrap();
        let before = std::fs::metadata(&file).unwrap().len();
        for i in 0..40 {
            // 40 commits of 100 kB each: 4 MB, past the 1,000 pages of the default.
            sqlx::query("INSERT INTO t (id, body) VALUES ($1, $2)")
                .bind(i)
                .bind("体".repeat(100_000 / 3))
                .execute(pool)
                .await
                .unwrap();
        }
        let mut grown = 0;
        for _ in 0..40 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            grown = std::fs::metadata(&file).unwrap().len();
            if grown >= before + 4_000_000 {
                break;
            }
        }
        assert!(
            grown >= before + 4_000_000,
            "the background checkpoint copied the WAL into the file: {before} → {grown} bytes"
        );
        db.close().await;
    }
}

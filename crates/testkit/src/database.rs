//! A fresh database per test, removed when the test ends.

use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `Some(Postgres)` when `TONGXIN_TEST_PG` is set; `None` (with a notice) when
    /// `TONGXIN_TEST_SKIP_PG=1`; otherwise the test fails, so PostgreSQL is never skipped unseen.
    pub fn postgres_or_skip(test: &str) -> Option<Backend> {
        if std::env::var("TONGXIN_TEST_PG").is_ok_and(|v| !v.is_empty()) {
            return Some(Backend::Postgres);
        }
        if std::env::var("TONGXIN_TEST_SKIP_PG").as_deref() == Ok("1") {
            eprintln!("SKIPPED (TONGXIN_TEST_SKIP_PG=1): postgres::{test}");
            return None;
        }
        panic!(
            "TONGXIN_TEST_PG is not set: the PostgreSQL tests need a server URL such as \
             postgres://postgres@127.0.0.1:5432/postgres (scripts/test.sh sets it up), \
             or TONGXIN_TEST_SKIP_PG=1 to skip them knowingly"
        );
    }
}

/// What to remove when the test ends.
pub enum DbGuard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let DbGuard::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a thread with its own runtime may block.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    use sqlx::Connection;
                    let mut conn = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A URL of a new, empty database and the guard that removes it.
pub async fn fresh_database(backend: Backend) -> anyhow::Result<(String, DbGuard)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            Ok((url, DbGuard::Sqlite(dir)))
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let admin_url = std::env::var("TONGXIN_TEST_PG")?;
            let name = format!(
                "tongxin_test_{}_{}_{:08x}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                rand::random::<u32>()
            );
            let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
            let sql = format!("CREATE DATABASE \"{name}\"");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await?;
            conn.close().await?;
            let mut url = url::Url::parse(&admin_url)?;
            url.set_path(&format!("/{name}"));
            Ok((url.to_string(), DbGuard::Postgres { admin_url, name }))
        }
    }
}

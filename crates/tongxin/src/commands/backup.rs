//! `tongxin backup --out FILE`: SQLite's `VACUUM INTO` copies a consistent snapshot while the
//! server keeps running. PostgreSQL has its own tool for that: pg_dump.

use std::path::Path;
use std::process::ExitCode;

pub async fn run(url: &str, out: &Path) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        !out.exists(),
        "{} exists already; choose a new file",
        out.display()
    );
    let db = platform::db::connect(url, 2).await?;
    match &db {
        platform::Db::Sqlite(pool) => {
            let target = out
                .to_str()
                .ok_or_else(|| anyhow::anyhow!("the path must be UTF-8"))?;
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(pool)
                .await?;
            println!("backup written to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        platform::Db::Postgres(_) => {
            eprintln!(
                "PostgreSQL is backed up with its own tool, while Tongxin runs:\n  pg_dump --format=custom --file={} \"{url}\"\nRestore with pg_restore --dbname=URL FILE.",
                out.display()
            );
            Ok(ExitCode::from(2))
        }
    }
}

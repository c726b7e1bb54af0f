//! Per-backend migrations, embedded in the binary, applied at start-up and by `tongxin migrate`.
//! On PostgreSQL sqlx takes an advisory lock, so several nodes starting at once apply them once.

use sqlx::migrate::Migrator;

use super::Db;

static SQLITE: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("../../migrations/postgres");

fn migrator(db: &Db) -> &'static Migrator {
    match db {
        Db::Sqlite(_) => &SQLITE,
        Db::Postgres(_) => &POSTGRES,
    }
}

pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    match db {
        Db::Sqlite(pool) => SQLITE.run(pool).await?,
        Db::Postgres(pool) => POSTGRES.run(pool).await?,
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Versions this binary knows.
    pub known: Vec<i64>,
    /// Versions recorded as applied successfully in the database.
    pub applied: Vec<i64>,
}

impl MigrationStatus {
    pub fn is_current(&self) -> bool {
        self.known.iter().all(|v| self.applied.contains(v))
    }
}

pub async fn migration_status(db: &Db) -> Result<MigrationStatus, sqlx::Error> {
    const SQL: &str = "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version";
    let known = migrator(db).iter().map(|m| m.version).collect();
    let applied: Vec<i64> = match crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_all(pool).await)
    {
        Ok(v) => v,
        // A database that was never migrated has no table yet: nothing applied.
        Err(sqlx::Error::Database(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok(MigrationStatus { known, applied })
}

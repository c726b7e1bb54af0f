//! Database leases, so that one node of several runs each periodic job.

use chrono::{DateTime, Utc};

use super::Db;

/// Takes or renews the lease `name` for `holder` until `until`. Succeeds when the lease is free,
/// expired, or already held by `holder`; answers false while another holder's lease runs.
pub async fn try_take_lease(
    db: &Db,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "INSERT INTO job_leases (name, holder, expires_at, last_run_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, \
         last_run_at = excluded.last_run_at \
         WHERE job_leases.expires_at <= $4 OR job_leases.holder = $2";
    let done = crate::with_db!(db, pool => sqlx::query(SQL)
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

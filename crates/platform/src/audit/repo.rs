//! Reading the audit log for auditors: filters and keyset pages, newest first.

use chrono::{DateTime, Utc};

use super::chain::Entry;
use crate::db::Db;

/// Which entries to list. Empty fields do not filter.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Exact actor name: a user name, `token:NAME`, `cli:USER`, `anonymous`.
    pub actor: Option<String>,
    /// An exact action (`user.create`), or every action of a noun when it ends in a dot (`user.`).
    pub action: Option<String>,
    /// From this instant on.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub until: Option<DateTime<Utc>>,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    /// Entries in this subtree `[lo, hi)`, plus those without an area (system-wide events).
    pub scope: (String, String),
}

/// Up to `limit` entries matching `filter` with `seq` below `before` (newest first).
pub async fn list(
    db: &Db,
    filter: &Filter,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Entry>, sqlx::Error> {
    const SQL: &str = "SELECT seq, at, actor_id, actor_name, client_addr, action, record_kind, record_id, \
         area_code, reason, before_json, after_json, prev_hash, hash FROM audit_log \
         WHERE seq < $1 \
         AND (area_code IS NULL OR (area_code >= $2 AND area_code < $3)) \
         AND ($4 = '' OR actor_name = $4) \
         AND ($5 = '' OR action = $5 OR ($6 <> '' AND action >= $6 AND action < $7)) \
         AND ($8 = '' OR record_kind = $8) \
         AND ($9 = '' OR record_id = $9) \
         AND ($10 IS NULL OR at >= $10) AND ($11 IS NULL OR at < $11) \
         ORDER BY seq DESC LIMIT $12";
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_string();
    let action = text(&filter.action);
    // `user.` lists every `user.*` action: a byte range, like area subtrees.
    let (prefix_lo, prefix_hi) = match action.strip_suffix('.') {
        Some(noun) if !noun.is_empty() => (format!("{noun}."), format!("{noun}/")),
        _ => (String::new(), String::new()),
    };
    crate::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(before.unwrap_or(i64::MAX))
        .bind(&filter.scope.0)
        .bind(&filter.scope.1)
        .bind(text(&filter.actor))
        .bind(&action)
        .bind(&prefix_lo)
        .bind(&prefix_hi)
        .bind(text(&filter.record_kind))
        .bind(text(&filter.record_id))
        .bind(filter.from)
        .bind(filter.until)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await)
}

/// Entries in the log, for tests and the CLI.
pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM audit_log";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await)
}

/// The sequence number of the newest entry (0 for none): one row, read in microseconds. Every
/// write is audited, so a cache of anything computed from the data is current while this has
/// not moved (the command screen's snapshots use it).
pub async fn head_seq(db: &Db) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT seq FROM audit_head WHERE id = 1";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await)
}

//! Sign-in throttling in the database, so it holds across nodes: after `max_failures` failures in
//! `window`, per account and per client address, further attempts are refused unchecked — even
//! with the right password — until the oldest counted failure leaves the window.
//!
//! Each attempt is written *before* its password is checked and counted against its account, so
//! many guesses at one account in parallel cannot all slip under the limit; a success removes its
//! row (and the account's earlier failures), a refusal removes its own row, a failure keeps it.
//! Against an address only finished failures count (a pending row's address is empty until it
//! fails): many colleagues behind one office address signing in at 8 a.m. are not throttled.

use chrono::{DateTime, Duration, FixedOffset, Timelike, Utc};

use crate::db::Db;

/// The limits; `Config` carries them.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_failures: u32,
    pub window: std::time::Duration,
}

impl Limits {
    fn window(&self) -> Duration {
        Duration::from_std(self.window).unwrap_or(Duration::minutes(15))
    }
}

/// An attempt under way: its row counts as a failure until `succeeded`.
#[derive(Debug)]
pub struct Attempt {
    id: i64,
}

/// Whether an attempt may check its password.
#[derive(Debug)]
pub enum Gate {
    Open(Attempt),
    /// Too many failures: no attempt before `until`.
    Throttled {
        until: DateTime<Utc>,
    },
}

const ADDR_UNKNOWN: &str = "unknown";
/// The address of an attempt whose password is still being checked.
const PENDING: &str = "";

/// User names are counted as typed (lower-case, trimmed, cut to a bounded length), known or not,
/// so the answer never tells whether an account exists.
fn account_key(username: &str) -> String {
    username
        .trim()
        .to_ascii_lowercase()
        .chars()
        .take(64)
        .collect()
}

/// Records an attempt and decides whether it may proceed.
pub async fn begin(
    db: &Db,
    limits: Limits,
    username: &str,
    client_addr: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Gate, sqlx::Error> {
    const INSERT: &str =
        "INSERT INTO login_attempts (username, client_addr, at) VALUES ($1, $2, $3) RETURNING id";
    const DELETE: &str = "DELETE FROM login_attempts WHERE id = $1";
    let account = account_key(username);
    let addr = client_addr.unwrap_or(ADDR_UNKNOWN);
    let id: i64 = crate::with_db!(db, pool => sqlx::query_scalar(INSERT)
        .bind(&account).bind(PENDING).bind(now).fetch_one(pool).await)?;
    let cutoff = now - limits.window();
    let max = i64::from(limits.max_failures);
    // This attempt's own row counts against the account: more than `max` means `max` failures (or
    // attempts under way) came before it. Against the address only failures count.
    let by_account = count(db, Key::Account(&account), cutoff).await?;
    let by_addr = count(db, Key::Addr(addr), cutoff).await?;
    if by_account <= max && by_addr < max {
        return Ok(Gate::Open(Attempt { id }));
    }
    crate::with_db!(db, pool => sqlx::query(DELETE).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
    let mut until = now;
    if by_account > max {
        until = until.max(free_at(db, Key::Account(&account), cutoff, limits).await?);
    }
    if by_addr >= max {
        until = until.max(free_at(db, Key::Addr(addr), cutoff, limits).await?);
    }
    Ok(Gate::Throttled { until })
}

/// The password was right: the attempt and the account's earlier failures are forgotten.
pub async fn succeeded(db: &Db, attempt: Attempt, username: &str) -> Result<(), sqlx::Error> {
    const SQL: &str = "DELETE FROM login_attempts WHERE id = $1 OR username = $2";
    crate::with_db!(db, pool => sqlx::query(SQL).bind(attempt.id).bind(account_key(username)).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Which throttles a failure started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Started {
    pub account: bool,
    pub address: bool,
}

impl Started {
    pub fn any(self) -> bool {
        self.account || self.address
    }
}

/// The password was wrong: the attempt stays as a failure. Answers which throttles this failure
/// starts (for the audit log, which records each throttle once, not every refused attempt).
pub async fn failed(
    db: &Db,
    attempt: Attempt,
    limits: Limits,
    username: &str,
    client_addr: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Started, sqlx::Error> {
    const MARK: &str = "UPDATE login_attempts SET client_addr = $2 WHERE id = $1";
    let addr = client_addr.unwrap_or(ADDR_UNKNOWN);
    crate::with_db!(db, pool => sqlx::query(MARK).bind(attempt.id).bind(addr).execute(pool).await.map(|r| r.rows_affected()))?;
    let cutoff = now - limits.window();
    let max = i64::from(limits.max_failures);
    let by_account = count(db, Key::Account(&account_key(username)), cutoff).await?;
    let by_addr = count(db, Key::Addr(addr), cutoff).await?;
    Ok(Started {
        account: by_account == max,
        address: by_addr == max,
    })
}

/// Deletes failures too old to count.
pub async fn purge(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    // Kept a day, longer than any window, so operators can look at recent attacks.
    const SQL: &str = "DELETE FROM login_attempts WHERE at < $1";
    crate::with_db!(db, pool => sqlx::query(SQL).bind(now - Duration::days(1)).execute(pool).await.map(|r| r.rows_affected()))
}

#[derive(Clone, Copy)]
enum Key<'a> {
    Account(&'a str),
    Addr(&'a str),
}

async fn count(db: &Db, key: Key<'_>, cutoff: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    const BY_ACCOUNT: &str = "SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND at > $2";
    const BY_ADDR: &str = "SELECT COUNT(*) FROM login_attempts WHERE client_addr = $1 AND at > $2";
    let (sql, value) = match key {
        Key::Account(v) => (BY_ACCOUNT, v),
        Key::Addr(v) => (BY_ADDR, v),
    };
    crate::with_db!(db, pool => sqlx::query_scalar(sql).bind(value).bind(cutoff).fetch_one(pool).await)
}

/// When fewer than `max` failures will remain in the window: the `max`-th newest failure's time
/// plus the window.
async fn free_at(
    db: &Db,
    key: Key<'_>,
    cutoff: DateTime<Utc>,
    limits: Limits,
) -> Result<DateTime<Utc>, sqlx::Error> {
    const BY_ACCOUNT: &str = "SELECT at FROM login_attempts WHERE username = $1 AND at > $2 \
         ORDER BY at DESC LIMIT 1 OFFSET $3";
    const BY_ADDR: &str = "SELECT at FROM login_attempts WHERE client_addr = $1 AND at > $2 \
         ORDER BY at DESC LIMIT 1 OFFSET $3";
    let (sql, value) = match key {
        Key::Account(v) => (BY_ACCOUNT, v),
        Key::Addr(v) => (BY_ADDR, v),
    };
    let offset = i64::from(limits.max_failures.saturating_sub(1));
    let at: Option<DateTime<Utc>> = crate::with_db!(db, pool => sqlx::query_scalar(sql)
        .bind(value).bind(cutoff).bind(offset).fetch_optional(pool).await)?;
    Ok(at.unwrap_or(cutoff) + limits.window())
}

/// `until` as Beijing wall-clock time, rounded up to the minute: "16:45".
pub fn beijing_minute(until: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(domain::CHINA_OFFSET_SECONDS).expect("a valid offset");
    let mut local = until.with_timezone(&offset);
    if local.second() > 0 || local.nanosecond() > 0 {
        local += Duration::minutes(1);
    }
    local.format("%H:%M").to_string()
}

/// Whole seconds from `now` until `until`, at least 1, for `Retry-After`.
pub fn retry_after_seconds(now: DateTime<Utc>, until: DateTime<Utc>) -> u64 {
    let millis = (until - now).num_milliseconds().max(0) as u64;
    millis.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_time_is_beijing_time_rounded_up_to_the_minute() {
        let at = DateTime::parse_from_rfc3339("2020-02-03T08:44:30Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(beijing_minute(at), "16:45");
        let exact = DateTime::parse_from_rfc3339("2020-02-03T08:45:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(beijing_minute(exact), "16:45");
        assert_eq!(
            retry_after_seconds(exact - Duration::milliseconds(1500), exact),
            2
        );
        assert_eq!(retry_after_seconds(exact, exact), 1);
    }
}

//! Sessions resolved in the last few seconds, so a device or a gatekeeper sending one request
//! after another does not join four tables for each (`session::resolve_token`).
//!
//! An entry answers for `TTL` at most, and only while the session is within its expiry and idle
//! time. Anything that ends a session or changes what a session carries (a password, an account
//! disabled, the right to reveal personal data) calls `forget_all` after its commit: the entries
//! cached before it are never answered again, even one a request read from the database just
//! before the commit and put here just after (each entry carries the generation it was read in).
//! Another node — or the `tongxin user` command in another process — cannot reach this node's
//! cache: its change is seen here within `TTL`.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::CurrentUser;
use crate::cache::Ttl;

/// How long an entry answers: the longest a change made by another node or process goes unseen here.
pub const TTL: Duration = Duration::from_secs(5);
const CAPACITY: usize = 10_000;

#[derive(Clone)]
pub(crate) struct Cached {
    pub user: CurrentUser,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    generation: u64,
}

/// Keyed by the token's hash, which no two databases share.
static ENTRIES: LazyLock<Ttl<String, Cached>> = LazyLock::new(|| Ttl::new(TTL, CAPACITY));
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The generation to pass to `put` for what is read from the database from now on.
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// The session behind `hash`, when one was cached since the last `forget_all`.
pub(crate) fn get(hash: &str) -> Option<Cached> {
    ENTRIES.get(hash).filter(|c| c.generation == generation())
}

/// Caches a session read from the database in `generation`.
pub(crate) fn put(
    hash: String,
    user: CurrentUser,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    generation: u64,
) {
    ENTRIES.insert(
        hash,
        Cached {
            user,
            last_seen_at,
            expires_at,
            generation,
        },
    );
}

/// Call after committing a change to sessions or to an account: every session is read again.
pub fn forget_all() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
    ENTRIES.clear();
}

//! Values kept as of the audit log's head: every write to the platform appends to the audit log
//! in its own transaction, so a value computed at head `seq` is still exact while the head has
//! not moved. Figures that share an expensive intermediate (a tally of every enterprise's latest
//! report) compute it once per head instead of once per figure and day; the check costs one
//! one-row read. Entries leave after `KEEP` without use.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::db::Db;

const KEEP: Duration = Duration::from_secs(120);

/// A kept value: the head it was computed at, when it was last used, the value.
type Kept<V> = (i64, Instant, V);

pub struct Memo<V> {
    map: Mutex<Option<HashMap<String, Kept<V>>>>,
}

impl<V: Clone> Default for Memo<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: Clone> Memo<V> {
    pub const fn new() -> Self {
        Memo {
            map: Mutex::new(None),
        }
    }

    /// The value of `key` as of the current head, computed by `f` when the head moved since.
    /// `key` must name the database too (several test databases share a process).
    pub async fn get_or<F, Fut, E>(&self, db: &Db, key: String, f: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
        E: From<sqlx::Error>,
    {
        let seq = crate::audit::repo::head_seq(db).await?;
        if let Some(v) = self.lookup(&key, seq) {
            return Ok(v);
        }
        let v = f().await?;
        let mut guard = self.map.lock().expect("the memo lock is never poisoned");
        let map = guard.get_or_insert_with(HashMap::new);
        map.retain(|_, (_, used, _)| used.elapsed() < KEEP);
        map.insert(key, (seq, Instant::now(), v.clone()));
        Ok(v)
    }

    fn lookup(&self, key: &str, seq: i64) -> Option<V> {
        let mut guard = self.map.lock().expect("the memo lock is never poisoned");
        let (at, used, v) = guard.as_mut()?.get_mut(key)?;
        if *at != seq {
            return None;
        }
        *used = Instant::now();
        Some(v.clone())
    }
}

//! A small time-bounded map for lookups that every request of a hot path repeats (the session
//! behind a cookie, the places and persons a device names): an entry answers for `ttl`, then the
//! next lookup reads the database again. Bounded: when full, it starts over empty, so a burst of
//! distinct keys costs memory once and never grows it. Not a source of truth — callers evict what
//! they change on this node, and accept `ttl` of staleness for changes made on another.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Ttl<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> Ttl<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Ttl<K, V> {
        Ttl {
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value stored under `key` less than `ttl` ago.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value));
    }

    pub fn remove(&self, key: &K) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_answers_until_its_time_is_up_and_a_full_cache_starts_over() {
        let cache = Ttl::new(Duration::from_millis(50), 2);
        cache.insert(1, "a");
        cache.insert(2, "b");
        assert_eq!(cache.get(&1), Some("a"));
        cache.insert(2, "b2");
        assert_eq!(cache.get(&1), Some("a"), "replacing a key keeps the others");
        cache.insert(3, "c");
        assert_eq!((cache.get(&1), cache.get(&3)), (None, Some("c")));
        cache.remove(&3);
        assert_eq!(cache.get(&3), None);
        cache.insert(4, "d");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&4), None, "an old entry is read again");
    }
}

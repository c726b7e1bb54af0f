//! The places and persons a batch names, read through short-lived caches: a gate device names
//! the same place and the same regulars all day, so most requests read nothing. An entry answers
//! for `TTL`; a place moved to another area or a person merged meanwhile is seen by the next read
//! after that (the passage is still stored against a real record either way). Only what was found
//! is cached: a person registered a moment ago is found by the next read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use platform::cache::Ttl;
use platform::db::Db;

use super::repo;

const TTL: Duration = Duration::from_secs(10);
const CAPACITY: usize = 200_000;

struct Caches {
    /// Place id → (area code, name).
    places: Ttl<i64, (String, String)>,
    /// Person id → the surviving record's id.
    persons: Ttl<i64, i64>,
    /// (document type, number) → the surviving record's id.
    documents: Ttl<(String, String), i64>,
}

fn caches(url: &str) -> Arc<Caches> {
    static ALL: OnceLock<Mutex<HashMap<String, Arc<Caches>>>> = OnceLock::new();
    let mut all = ALL
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    all.entry(url.to_string())
        .or_insert_with(|| {
            Arc::new(Caches {
                places: Ttl::new(TTL, 20_000),
                persons: Ttl::new(TTL, CAPACITY),
                documents: Ttl::new(TTL, CAPACITY),
            })
        })
        .clone()
}

/// Splits `keys` into what `cache` holds (into `found`) and what must be read.
fn hits<K: Clone + Eq + std::hash::Hash, V: Clone>(
    cache: &Ttl<K, V>,
    keys: &[K],
    found: &mut HashMap<K, V>,
) -> Vec<K> {
    let mut missing = Vec::new();
    for k in keys {
        match cache.get(k) {
            Some(v) => {
                found.insert(k.clone(), v);
            }
            None => missing.push(k.clone()),
        }
    }
    missing
}

/// (area code, name) of the places among `ids` that exist.
pub async fn places(
    db: &Db,
    url: &str,
    ids: &[i64],
) -> Result<HashMap<i64, (String, String)>, sqlx::Error> {
    let c = caches(url);
    let mut found = HashMap::with_capacity(ids.len());
    let missing = hits(&c.places, ids, &mut found);
    if !missing.is_empty() {
        for (id, v) in repo::places(db, &missing).await? {
            c.places.insert(id, v.clone());
            found.insert(id, v);
        }
    }
    Ok(found)
}

/// The surviving record of each person id among `ids` that exists.
pub async fn persons_by_id(
    db: &Db,
    url: &str,
    ids: &[i64],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let c = caches(url);
    let mut found = HashMap::with_capacity(ids.len());
    let missing = hits(&c.persons, ids, &mut found);
    if !missing.is_empty() {
        for (id, survivor) in repo::persons_by_id(db, &missing).await? {
            c.persons.insert(id, survivor);
            found.insert(id, survivor);
        }
    }
    Ok(found)
}

/// The surviving record of each (document type, number) among `docs` that is registered.
pub async fn persons_by_document(
    db: &Db,
    url: &str,
    docs: &[(String, String)],
) -> Result<HashMap<(String, String), i64>, sqlx::Error> {
    let c = caches(url);
    let mut found = HashMap::with_capacity(docs.len());
    let missing = hits(&c.documents, docs, &mut found);
    if !missing.is_empty() {
        let numbers: Vec<&str> = missing.iter().map(|d| d.1.as_str()).collect();
        for (doc, id) in repo::persons_by_document(db, &numbers).await? {
            c.documents.insert(doc.clone(), id);
            found.insert(doc, id);
        }
    }
    Ok(found)
}

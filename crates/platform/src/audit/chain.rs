//! The chain: an entry's canonical form, its hash, and appending under the head lock.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Actor, Event};
use crate::db::Tx;
use crate::db::raw::Raw;
use crate::error::AppError;

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A stored entry, every column.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub client_addr: Option<String>,
    pub action: String,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub area_code: Option<String>,
    pub reason: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The bytes an entry's hash covers: a JSON array of every column but `hash`, in a fixed order,
/// behind a version tag. Times are RFC 3339 UTC with microseconds (what PostgreSQL keeps);
/// before/after are hashed as the exact text stored.
pub fn canonical_form(e: &Entry) -> String {
    let value = serde_json::json!([
        "tongxin-audit-v1",
        e.seq,
        e.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        e.actor_id,
        e.actor_name,
        e.client_addr,
        e.action,
        e.record_kind,
        e.record_id,
        e.area_code,
        e.reason,
        e.before_json,
        e.after_json,
        e.prev_hash,
    ]);
    value.to_string()
}

impl Entry {
    /// The hash this entry should carry.
    pub fn computed_hash(&self) -> String {
        hex::encode(Sha256::digest(canonical_form(self).as_bytes()))
    }
}

const HEAD_SQLITE: &str = "SELECT seq, hash FROM audit_head WHERE id = 1";
const HEAD_POSTGRES: &str = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE";
const INSERT_SQL: &str = "INSERT INTO audit_log (seq, at, actor_id, actor_name, client_addr, action, \
     record_kind, record_id, area_code, reason, before_json, after_json, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
const MOVE_HEAD_SQL: &str = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1";

/// The entry after the head (`head_seq`, `head_hash`), hashed.
fn next_entry(head_seq: i64, head_hash: String, actor: &Actor, event: Event) -> Entry {
    let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string());
    let mut entry = Entry {
        seq: head_seq + 1,
        // PostgreSQL keeps microseconds; cut here so the hash covers what is stored.
        at: Utc::now().trunc_subsecs(6),
        actor_id: actor.user_id,
        actor_name: actor.name.clone(),
        client_addr: actor.client_addr.clone(),
        action: event.action,
        record_kind: event.record_kind,
        record_id: event.record_id,
        area_code: event.area_code,
        reason: event.reason,
        before_json: json(event.before),
        after_json: json(event.after),
        prev_hash: head_hash,
        hash: String::new(),
    };
    entry.hash = entry.computed_hash();
    entry
}

/// Appends `events` in order through a raw SQLite handle whose transaction holds the write lock
/// (`BEGIN IMMEDIATE`), for bulk writers that work on [`crate::db::raw`]; answers their `seq`s.
/// Call it last in the transaction, as [`append`].
pub fn append_raw(raw: &Raw, events: Vec<(&Actor, Event)>) -> Result<Vec<i64>, sqlx::Error> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let mut head = raw.prepare(HEAD_SQLITE)?;
    if !head.step()? {
        return Err(sqlx::Error::RowNotFound);
    }
    let (mut seq, mut hash) = (head.int(0), head.text(1).to_string());
    drop(head);
    let mut insert = raw.prepare(INSERT_SQL)?;
    let mut seqs = Vec::with_capacity(events.len());
    for (actor, event) in events {
        let e = next_entry(seq, hash, actor, event);
        insert.bind_i64(1, e.seq)?;
        insert.bind_time(2, e.at)?;
        insert.bind_opt_i64(3, e.actor_id)?;
        insert.bind_text(4, &e.actor_name)?;
        insert.bind_opt_text(5, e.client_addr.as_deref())?;
        insert.bind_text(6, &e.action)?;
        insert.bind_opt_text(7, e.record_kind.as_deref())?;
        insert.bind_opt_text(8, e.record_id.as_deref())?;
        insert.bind_opt_text(9, e.area_code.as_deref())?;
        insert.bind_opt_text(10, e.reason.as_deref())?;
        insert.bind_opt_text(11, e.before_json.as_deref())?;
        insert.bind_opt_text(12, e.after_json.as_deref())?;
        insert.bind_text(13, &e.prev_hash)?;
        insert.bind_text(14, &e.hash)?;
        insert.run()?;
        seqs.push(e.seq);
        (seq, hash) = (e.seq, e.hash);
    }
    drop(insert);
    let mut move_head = raw.prepare(MOVE_HEAD_SQL)?;
    move_head.bind_i64(1, seq)?;
    move_head.bind_text(2, &hash)?;
    move_head.run()?;
    Ok(seqs)
}

/// Appends `event` by `actor` inside `tx` and answers its `seq`. Call it last in the transaction:
/// the head row stays locked until commit, which serializes appends across nodes.
pub async fn append(tx: &mut Tx, actor: &Actor, event: Event) -> Result<i64, AppError> {
    let head_sql = match tx {
        Tx::Sqlite(_) => HEAD_SQLITE,
        Tx::Postgres(_) => HEAD_POSTGRES,
    };
    let (head_seq, head_hash): (i64, String) =
        crate::with_conn!(tx, conn => sqlx::query_as(head_sql).fetch_one(conn).await)?;
    let entry = next_entry(head_seq, head_hash, actor, event);
    crate::with_conn!(tx, conn => sqlx::query(INSERT_SQL)
        .bind(entry.seq)
        .bind(entry.at)
        .bind(entry.actor_id)
        .bind(&entry.actor_name)
        .bind(&entry.client_addr)
        .bind(&entry.action)
        .bind(&entry.record_kind)
        .bind(&entry.record_id)
        .bind(&entry.area_code)
        .bind(&entry.reason)
        .bind(&entry.before_json)
        .bind(&entry.after_json)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    crate::with_conn!(tx, conn => sqlx::query(MOVE_HEAD_SQL)
        .bind(entry.seq)
        .bind(&entry.hash)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(entry.seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Entry {
        Entry {
            seq: 1,
            at: DateTime::parse_from_rfc3339("2020-02-03T04:05:06.123456Z")
                .unwrap()
                .with_timezone(&Utc),
            actor_id: Some(7),
            actor_name: "admin".into(),
            client_addr: Some("10.0.0.1".into()),
            action: "user.create".into(),
            record_kind: Some("user".into()),
            record_id: Some("8".into()),
            area_code: Some("990102000000".into()),
            reason: None,
            before_json: None,
            after_json: Some("{\"role\":\"grid\"}".into()),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        }
    }

    #[test]
    fn the_hash_covers_every_field() {
        let base = sample();
        let h = base.computed_hash();
        assert_eq!(h.len(), 64);
        let mut variants = Vec::new();
        let mut e = base.clone();
        e.seq = 2;
        variants.push(e);
        let mut e = base.clone();
        e.at += chrono::Duration::microseconds(1);
        variants.push(e);
        let mut e = base.clone();
        e.actor_id = None;
        variants.push(e);
        let mut e = base.clone();
        e.actor_name = "admin2".into();
        variants.push(e);
        let mut e = base.clone();
        e.client_addr = None;
        variants.push(e);
        let mut e = base.clone();
        e.action = "user.disable".into();
        variants.push(e);
        let mut e = base.clone();
        e.record_id = Some("9".into());
        variants.push(e);
        let mut e = base.clone();
        e.area_code = None;
        variants.push(e);
        let mut e = base.clone();
        e.reason = Some("x".into());
        variants.push(e);
        let mut e = base.clone();
        e.after_json = Some("{\"role\":\"admin\"}".into());
        variants.push(e);
        let mut e = base.clone();
        e.prev_hash = "1".repeat(64);
        variants.push(e);
        for v in variants {
            assert_ne!(v.computed_hash(), h, "{v:?}");
        }
        // The stored hash itself is not part of what is hashed.
        let mut e = base.clone();
        e.hash = "whatever".into();
        assert_eq!(e.computed_hash(), h);
    }

    #[test]
    fn a_field_cannot_leak_into_its_neighbour() {
        // "ab" + "c" and "a" + "bc" must differ: fields are JSON strings, not concatenated text.
        let mut a = sample();
        a.actor_name = "ab".into();
        a.client_addr = Some("c".into());
        let mut b = sample();
        b.actor_name = "a".into();
        b.client_addr = Some("bc".into());
        assert_ne!(a.computed_hash(), b.computed_hash());
    }
}

//! Walking the chain: every entry's hash must match its content, link to the entry before, and
//! follow it in `seq` without a gap; the last must be the head. The first break is named.

use super::chain::{Entry, GENESIS};
use crate::db::Db;

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        entries: i64,
        /// Hash of the newest entry; writing it down elsewhere lets a later check prove that
        /// nothing before it was rewritten, even by someone who rehashed the whole chain.
        head_hash: String,
    },
    Broken {
        /// The first entry found edited, deleted or out of order.
        seq: i64,
        problem: Problem,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The entry's content does not match its hash: it was edited.
    Changed,
    /// No entry with this seq: it was deleted (the next one found is `next`).
    Missing { next: i64 },
    /// The entry does not link to the one before: entries were reordered, or the one before was
    /// edited and rehashed.
    Unlinked,
    /// The log ends before the head: this entry and those after it were deleted.
    TailMissing { head: i64 },
    /// The newest entry differs from the head: it was edited and rehashed, or inserted by hand.
    HeadMismatch,
}

impl Problem {
    /// Catalog key of the message (placeholders `{seq}`, `{next}`, `{head}`).
    pub fn key(self) -> &'static str {
        match self {
            Problem::Changed => "audit.verify.changed",
            Problem::Missing { .. } => "audit.verify.missing",
            Problem::Unlinked => "audit.verify.unlinked",
            Problem::TailMissing { .. } => "audit.verify.tail_missing",
            Problem::HeadMismatch => "audit.verify.head_mismatch",
        }
    }
}

const BATCH: i64 = 1000;

/// Walks the whole log in `seq` order.
pub async fn verify(db: &Db) -> Result<Verdict, sqlx::Error> {
    const HEAD: &str = "SELECT seq, hash FROM audit_head WHERE id = 1";
    const PAGE: &str = "SELECT seq, at, actor_id, actor_name, client_addr, action, record_kind, record_id, \
         area_code, reason, before_json, after_json, prev_hash, hash FROM audit_log \
         WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3";
    // The head first: entries and head move together, so entries up to it form a consistent view
    // even while others append.
    let (head_seq, head_hash): (i64, String) =
        crate::with_db!(db, pool => sqlx::query_as(HEAD).fetch_one(pool).await)?;
    let mut expected = 1_i64;
    let mut prev_hash = GENESIS.to_string();
    let mut last_seen = 0_i64;
    loop {
        let rows: Vec<Entry> = crate::with_db!(db, pool => sqlx::query_as(PAGE)
            .bind(last_seen).bind(head_seq).bind(BATCH).fetch_all(pool).await)?;
        let done = (rows.len() as i64) < BATCH;
        for entry in rows {
            if entry.seq != expected {
                return Ok(Verdict::Broken {
                    seq: expected,
                    problem: Problem::Missing { next: entry.seq },
                });
            }
            if entry.computed_hash() != entry.hash {
                return Ok(Verdict::Broken {
                    seq: entry.seq,
                    problem: Problem::Changed,
                });
            }
            if entry.prev_hash != prev_hash {
                return Ok(Verdict::Broken {
                    seq: entry.seq,
                    problem: Problem::Unlinked,
                });
            }
            prev_hash = entry.hash;
            last_seen = entry.seq;
            expected += 1;
        }
        if done {
            break;
        }
    }
    if last_seen < head_seq {
        return Ok(Verdict::Broken {
            seq: last_seen + 1,
            problem: Problem::TailMissing { head: head_seq },
        });
    }
    if prev_hash != head_hash {
        return Ok(Verdict::Broken {
            seq: last_seen.max(1),
            problem: Problem::HeadMismatch,
        });
    }
    // Entries past the head were added by hand, outside `append`.
    const BEYOND: &str = "SELECT MIN(seq) FROM audit_log WHERE seq > $1";
    let beyond: Option<i64> = crate::with_db!(db, pool => sqlx::query_scalar(BEYOND).bind(head_seq).fetch_one(pool).await)?;
    if let Some(seq) = beyond {
        return Ok(Verdict::Broken {
            seq,
            problem: Problem::HeadMismatch,
        });
    }
    Ok(Verdict::Intact {
        entries: head_seq,
        head_hash,
    })
}

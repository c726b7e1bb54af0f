//! A registry record's history: its entries in the audit log (changes, merges, reveals), newest
//! first. One function for every registry, so persons, enterprises and places answer alike.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::error::AppResult;

/// How many entries a history shows at most.
const LIMIT: u32 = 200;

/// One change of a record, from the audit log.
#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    /// `registry.person.create`, `registry.place.update`, `registry.person.merge`, `pii.reveal`, …
    pub action: String,
    pub reason: Option<String>,
    /// The record before and after (personal fields masked), as JSON text.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The audit entries of record `id` of `record_kind` (`registry.person`, …), newest first. The
/// caller has checked that the record lies in the user's area.
pub async fn entries(db: &Db, record_kind: &str, id: i64) -> AppResult<Vec<HistoryEntry>> {
    let filter = crate::audit::repo::Filter {
        record_kind: Some(record_kind.to_string()),
        record_id: Some(id.to_string()),
        scope: (String::new(), "~".to_string()),
        ..Default::default()
    };
    let entries = crate::audit::repo::list(db, &filter, None, LIMIT).await?;
    Ok(entries
        .into_iter()
        .map(|e| HistoryEntry {
            seq: e.seq,
            at: e.at,
            actor: e.actor_name,
            action: e.action,
            reason: e.reason,
            before: e.before_json,
            after: e.after_json,
        })
        .collect())
}

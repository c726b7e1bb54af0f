//! The record of every import (`imports`): the counts, and the error report for the importer
//! to download. The report holds the rejected rows as they were in the file — personal data
//! included — so only the user who imported the file may fetch it.

use chrono::Utc;

use super::{Mode, Outcome};
use crate::audit::Actor;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;

/// Records an import and its error report (when rows were rejected); answers its id.
pub async fn save(
    db: &Db,
    tr: &Tr,
    kind: &str,
    file_name: &str,
    mode: Mode,
    actor: &Actor,
    outcome: &Outcome,
) -> AppResult<i64> {
    const SQL: &str = "INSERT INTO imports (kind, file_name, mode, rows, inserted, updated, unchanged, \
         rejected, committed, report, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
    let report = if outcome.rejected.is_empty() {
        None
    } else {
        Some(
            crate::tabular::error_report(tr, &outcome.header, &outcome.rejected)
                .map_err(|p| AppError::internal(p.to_string()))?,
        )
    };
    let s = &outcome.summary;
    let id: i64 = crate::with_db!(db, pool => sqlx::query_scalar(SQL)
        .bind(kind)
        .bind(file_name)
        .bind(mode.as_str())
        .bind(s.rows as i64)
        .bind(s.inserted as i64)
        .bind(s.updated as i64)
        .bind(s.unchanged as i64)
        .bind(outcome.rejected.len() as i64)
        .bind(s.committed)
        .bind(report)
        .bind(Utc::now())
        .bind(&actor.name)
        .fetch_one(pool)
        .await)?;
    Ok(id)
}

/// An import's error report and the file name it came from, for the user who imported it;
/// `None` when there is no such import, it is someone else's, or it rejected nothing.
pub async fn report(db: &Db, id: i64, username: &str) -> AppResult<Option<(String, Vec<u8>)>> {
    const SQL: &str = "SELECT file_name, report FROM imports WHERE id = $1 AND created_by = $2";
    let row: Option<(String, Option<Vec<u8>>)> = crate::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(id)
        .bind(username)
        .fetch_optional(pool)
        .await)?;
    Ok(row.and_then(|(name, report)| Some((name, report?))))
}

//! Where a ticket about a registry record goes when its opener names no handling unit: the
//! record's responsible unit (包保), see `crate::responsibility`.

use chrono::NaiveDate;

use crate::db::Db;
use crate::error::AppResult;

/// The default (unit, person) owning a ticket about `kind` record `id` on `on`.
pub async fn default_owner(
    db: &Db,
    kind: &str,
    id: i64,
    on: NaiveDate,
) -> AppResult<(Option<i64>, Option<i64>)> {
    let _ = (db, kind, id, on);
    Ok((None, None))
}

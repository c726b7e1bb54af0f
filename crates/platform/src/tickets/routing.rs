//! Where a ticket about a registry record goes when its opener names no handling unit: the
//! record's responsible unit and person (包保, `crate::responsibility::service::default_owner`:
//! its department, cadre, grid worker or leader, else the grid worker of its area walking up).

use chrono::NaiveDate;

use crate::db::Db;
use crate::error::AppResult;
use crate::responsibility::model::Subject;
use crate::responsibility::service;

/// The default (unit, person) owning a ticket about `kind` record `id` on `on`.
pub async fn default_owner(
    db: &Db,
    kind: &str,
    id: i64,
    on: NaiveDate,
) -> AppResult<(Option<i64>, Option<i64>)> {
    let subject = match kind {
        "person" => Subject::Person(id),
        "household" => Subject::Household(id),
        "enterprise" => Subject::Enterprise(id),
        "place" => Subject::Place(id),
        _ => return Ok((None, None)),
    };
    Ok(service::default_owner(db, subject, on)
        .await?
        .map(|o| (o.unit_id, o.user_id))
        .unwrap_or((None, None)))
}

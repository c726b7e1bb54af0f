//! Key persons' SQL: opening an episode, changing its status or category with a history row.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, Tx};

/// A key person as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeyPersonRow {
    pub id: i64,
    pub person_id: i64,
    pub area_code: String,
    pub category: String,
    pub status: String,
    pub reason: Option<String>,
    pub source: String,
    pub source_ref: Option<String>,
    pub exposure_on: Option<NaiveDate>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub grid_unit_id: Option<i64>,
    pub grid_user_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

pub const COLUMNS: &str = "id, person_id, area_code, category, status, reason, source, source_ref, \
     exposure_on, starts_on, ends_on, grid_unit_id, grid_user_id, version, created_at, created_by, \
     updated_at, updated_by";

/// The person's open episode (any status but ended), if any.
pub async fn open_of_in(tx: &mut Tx, person_id: i64) -> Result<Option<KeyPersonRow>, sqlx::Error> {
    let sql =
        format!("SELECT {COLUMNS} FROM epi_key_persons WHERE person_id = $1 AND status <> 'ended'");
    platform::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(person_id).fetch_optional(conn).await)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> Result<Option<KeyPersonRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM epi_key_persons WHERE id = $1");
    platform::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(conn).await)
}

/// A new episode.
#[derive(Clone, Debug)]
pub struct NewKeyPerson<'a> {
    pub person_id: i64,
    pub area_code: &'a str,
    pub category: &'a str,
    pub status: &'a str,
    pub reason: Option<&'a str>,
    pub source: &'a str,
    pub source_ref: Option<String>,
    pub exposure_on: Option<NaiveDate>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub grid_unit_id: Option<i64>,
    pub grid_user_id: Option<i64>,
}

pub async fn insert(
    tx: &mut Tx,
    k: &NewKeyPerson<'_>,
    now: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO epi_key_persons (person_id, area_code, category, status, reason, \
         source, source_ref, exposure_on, starts_on, ends_on, grid_unit_id, grid_user_id, \
         created_at, created_by, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $14) RETURNING id";
    let id: i64 = platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(k.person_id).bind(k.area_code).bind(k.category).bind(k.status).bind(k.reason)
        .bind(k.source).bind(k.source_ref.as_deref()).bind(k.exposure_on).bind(k.starts_on)
        .bind(k.ends_on).bind(k.grid_unit_id).bind(k.grid_user_id).bind(now).bind(by)
        .fetch_one(conn).await)?;
    event(
        tx,
        id,
        &Change {
            action: "open",
            from: None,
            to: (Some(k.category), Some(k.status)),
            note: k.reason,
        },
        now,
        by,
    )
    .await?;
    Ok(id)
}

/// One line of a key person's history.
pub struct Change<'a> {
    /// `open`, `status`, `category`, `end`, `extend` …
    pub action: &'a str,
    /// (category, status) before; `None` when opened.
    pub from: Option<(&'a str, &'a str)>,
    /// (category, status) after; each `None` when unchanged.
    pub to: (Option<&'a str>, Option<&'a str>),
    pub note: Option<&'a str>,
}

pub async fn event(
    tx: &mut Tx,
    key_person_id: i64,
    change: &Change<'_>,
    now: DateTime<Utc>,
    by: &str,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO epi_key_person_events (key_person_id, action, from_category, \
         to_category, from_status, to_status, note, happened_at, by_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(key_person_id).bind(change.action)
        .bind(change.from.map(|f| f.0)).bind(change.to.0)
        .bind(change.from.map(|f| f.1)).bind(change.to.1)
        .bind(change.note).bind(now).bind(by)
        .execute(conn).await.map(|_| ()))
}

/// Moves an episode to `status` (and `category` when given; `ends_on` when given), with its
/// history row. Other modules' parts call this: a check-in makes the person `quarantined`, a
/// release `followup` in category `released`.
pub async fn set_status_in(
    tx: &mut Tx,
    id: i64,
    status: &str,
    category: Option<&str>,
    ends_on: Option<NaiveDate>,
    note: Option<&str>,
    by: &str,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE epi_key_persons SET status = $2, category = COALESCE($3, category), \
         ends_on = COALESCE($4, ends_on), version = version + 1, updated_at = $5, updated_by = $6 \
         WHERE id = $1";
    let Some(before) = get_in(tx, id).await? else {
        return Ok(());
    };
    let now = Utc::now();
    platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(status).bind(category).bind(ends_on).bind(now).bind(by)
        .execute(conn).await.map(|_| ()))?;
    let action = if status == super::status::ENDED {
        "end"
    } else if before.status != status {
        "status"
    } else {
        "category"
    };
    event(
        tx,
        id,
        &Change {
            action,
            from: Some((&before.category, &before.status)),
            to: (category, Some(status)),
            note,
        },
        now,
        by,
    )
    .await
}

/// A key person with the names lists show: the person's, the grid worker's.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedRow {
    #[sqlx(flatten)]
    pub k: KeyPersonRow,
    pub person_name: String,
    pub doc_number: String,
    pub phone: Option<String>,
    pub grid_user_name: Option<String>,
}

const LISTED: &str = "SELECT k.id, k.person_id, k.area_code, k.category, k.status, k.reason, k.source, \
     k.source_ref, k.exposure_on, k.starts_on, k.ends_on, k.grid_unit_id, k.grid_user_id, k.version, \
     k.created_at, k.created_by, k.updated_at, k.updated_by, p.name AS person_name, p.doc_number, \
     p.phone, u.display_name AS grid_user_name \
     FROM epi_key_persons k JOIN persons p ON p.id = k.person_id \
     LEFT JOIN users u ON u.id = k.grid_user_id";

pub async fn get(db: &Db, id: i64) -> Result<Option<ListedRow>, sqlx::Error> {
    let sql = format!("{LISTED} WHERE k.id = $1");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(pool).await)
}

/// How to narrow a list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub scope: (String, String),
    pub category: Option<String>,
    /// A status; `None` for every open one (not ended); `Some("all")` for all.
    pub status: Option<String>,
    /// Part of the person's name.
    pub name: Option<String>,
}

/// Newest first: key persons with `id < before`.
pub async fn list(
    db: &Db,
    f: &Filter,
    before: i64,
    limit: u32,
) -> Result<Vec<ListedRow>, sqlx::Error> {
    let sql = format!(
        "{LISTED} WHERE k.area_code >= $1 AND k.area_code < $2 AND k.id < $3 \
         AND ($4 = '' OR k.category = $4) \
         AND (($5 = '' AND k.status <> 'ended') OR $5 = 'all' OR k.status = $5) \
         AND ($6 = '' OR p.name LIKE $6 ESCAPE '\\') ORDER BY k.id DESC LIMIT $7"
    );
    let name = f
        .name
        .as_deref()
        .map(platform::registry::contains_pattern)
        .unwrap_or_default();
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&f.scope.0).bind(&f.scope.1).bind(before)
        .bind(f.category.clone().unwrap_or_default())
        .bind(f.status.clone().unwrap_or_default())
        .bind(&name).bind(i64::from(limit))
        .fetch_all(pool).await)
}

/// One line of the history as stored.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct EventRow {
    pub action: String,
    pub from_category: Option<String>,
    pub to_category: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    pub happened_at: DateTime<Utc>,
    pub by_name: String,
}

pub async fn events(db: &Db, id: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    const SQL: &str = "SELECT action, from_category, to_category, from_status, to_status, note, \
         happened_at, by_name FROM epi_key_person_events WHERE key_person_id = $1 ORDER BY id";
    platform::with_db!(db, pool => sqlx::query_as(SQL).bind(id).fetch_all(pool).await)
}

/// Open key persons in `[lo, hi)`: (category, status, count).
pub async fn open_counts(
    db: &Db,
    scope: (&str, &str),
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    const SQL: &str = "SELECT category, status, COUNT(*) FROM epi_key_persons \
         WHERE area_code >= $1 AND area_code < $2 AND status <> 'ended' GROUP BY category, status";
    platform::with_db!(db, pool => sqlx::query_as(SQL).bind(scope.0).bind(scope.1).fetch_all(pool).await)
}

/// Key persons in `[lo, hi)` whose management started on `day`.
pub async fn started_on(db: &Db, scope: (&str, &str), day: NaiveDate) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM epi_key_persons \
         WHERE area_code >= $1 AND area_code < $2 AND starts_on = $3";
    platform::with_db!(db, pool => sqlx::query_scalar(SQL).bind(scope.0).bind(scope.1).bind(day).fetch_one(pool).await)
}

/// Moves the episode on if its version is still `version`; false when someone moved it first.
#[allow(clippy::too_many_arguments)]
pub async fn update_checked(
    tx: &mut Tx,
    id: i64,
    version: i32,
    category: &str,
    status: &str,
    ends_on: NaiveDate,
    grid: (Option<i64>, Option<i64>),
    now: DateTime<Utc>,
    by: &str,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE epi_key_persons SET category = $3, status = $4, ends_on = $5, \
         grid_unit_id = $6, grid_user_id = $7, version = version + 1, updated_at = $8, updated_by = $9 \
         WHERE id = $1 AND version = $2";
    let n = platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(version).bind(category).bind(status).bind(ends_on)
        .bind(grid.0).bind(grid.1).bind(now).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Moves an open episode's planned end to `ends_on` when that is later (a quarantine extended),
/// with its history row; an earlier day changes nothing.
pub async fn extend_in(
    tx: &mut Tx,
    id: i64,
    ends_on: NaiveDate,
    note: Option<&str>,
    by: &str,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE epi_key_persons SET ends_on = $2, version = version + 1, \
         updated_at = $3, updated_by = $4 WHERE id = $1 AND ends_on < $2 AND status <> 'ended'";
    let Some(before) = get_in(tx, id).await? else {
        return Ok(());
    };
    let now = Utc::now();
    let changed = platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(ends_on).bind(now).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Ok(());
    }
    event(
        tx,
        id,
        &Change {
            action: "extend",
            from: Some((&before.category, &before.status)),
            to: (None, None),
            note,
        },
        now,
        by,
    )
    .await
}

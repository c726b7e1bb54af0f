//! Inspection storage: checklists, inspections with their items and photos, and the stop-work
//! suspensions they open and lift.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, Tx};

use super::model::{Checklist, InspectionRow, ItemRow, PhotoView, ValidInspection};

type ChecklistRow = (i64, String, String, bool, i32);

fn checklist_of(row: ChecklistRow) -> Checklist {
    Checklist {
        id: row.0,
        name: row.1,
        items: serde_json::from_str(&row.2).unwrap_or_default(),
        is_default: row.3,
        version: row.4,
    }
}

const CHECKLIST: &str = "SELECT id, name, items, is_default, version FROM eco_checklists";

pub async fn checklists(db: &Db) -> Result<Vec<Checklist>, sqlx::Error> {
    let sql = format!("{CHECKLIST} ORDER BY is_default DESC, id");
    let rows: Vec<ChecklistRow> = platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(pool).await)?;
    Ok(rows.into_iter().map(checklist_of).collect())
}

/// The checklist `id`, or the default one.
pub async fn checklist(db: &Db, id: Option<i64>) -> Result<Option<Checklist>, sqlx::Error> {
    let sql = format!(
        "{CHECKLIST} WHERE ($1 = -1 AND is_default) OR id = $1 ORDER BY is_default DESC, id LIMIT 1"
    );
    let row: Option<ChecklistRow> = platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id.unwrap_or(-1)).fetch_optional(pool).await)?;
    Ok(row.map(checklist_of))
}

/// Stores a new checklist (`id` None) or replaces one; a new default displaces the old one.
pub async fn save_checklist_in(
    tx: &mut Tx,
    id: Option<i64>,
    name: &str,
    items: &[String],
    is_default: bool,
    at: DateTime<Utc>,
    by: &str,
) -> Result<Option<i64>, sqlx::Error> {
    const CLEAR: &str = "UPDATE eco_checklists SET is_default = FALSE WHERE is_default";
    const INSERT: &str = "INSERT INTO eco_checklists (name, items, is_default, version, updated_at, \
         updated_by) VALUES ($1, $2, $3, 1, $4, $5) RETURNING id";
    const UPDATE: &str = "UPDATE eco_checklists SET name = $2, items = $3, \
         is_default = (is_default OR $4), version = version + 1, updated_at = $5, updated_by = $6 \
         WHERE id = $1 RETURNING id";
    if is_default {
        platform::with_conn!(tx, conn => sqlx::query(CLEAR).execute(conn).await.map(|_| ()))?;
    }
    let items = serde_json::to_string(items).unwrap_or_default();
    match id {
        None => platform::with_conn!(tx, conn => sqlx::query_scalar(INSERT)
            .bind(name).bind(&items).bind(is_default).bind(at).bind(by)
            .fetch_one(conn).await.map(Some)),
        Some(id) => platform::with_conn!(tx, conn => sqlx::query_scalar(UPDATE)
            .bind(id).bind(name).bind(&items).bind(is_default).bind(at).bind(by)
            .fetch_optional(conn).await),
    }
}

/// Stores the inspection and its items; answers its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_in(
    tx: &mut Tx,
    v: &ValidInspection,
    area_code: &str,
    checklist: &Checklist,
    team_unit_id: Option<i64>,
    reinspection_of: Option<i64>,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO eco_inspections (enterprise_id, area_code, checklist_id, kind, \
         team_unit_id, inspected_on, passed, stop_work, reinspection_of, note, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
    let id: i64 = platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(v.enterprise_id).bind(area_code).bind(checklist.id).bind(v.kind).bind(team_unit_id)
        .bind(v.inspected_on).bind(v.passed).bind(v.stop_work).bind(reinspection_of)
        .bind(v.note.as_deref()).bind(at).bind(by).fetch_one(conn).await)?;
    let values: Vec<String> = (0..v.items.len())
        .map(|i| {
            let b = i * 5;
            format!(
                "(${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO eco_inspection_items (inspection_id, position, label, passed, note) VALUES {}",
        values.join(", ")
    );
    platform::with_conn!(tx, conn => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for (i, item) in v.items.iter().enumerate() {
            q = q.bind(id).bind(i as i32 + 1).bind(checklist.items[i].as_str()).bind(item.passed)
                .bind(item.note.as_deref());
        }
        q.execute(conn).await.map(|_| ())
    })?;
    Ok(id)
}

pub async fn set_ticket_in(tx: &mut Tx, id: i64, ticket_id: i64) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE eco_inspections SET ticket_id = $2 WHERE id = $1";
    platform::with_conn!(tx, conn => sqlx::query(SQL).bind(id).bind(ticket_id)
        .execute(conn).await.map(|_| ()))
}

const SELECT: &str = "SELECT i.id, i.enterprise_id, e.name AS enterprise_name, i.area_code, \
     i.checklist_id, i.kind, i.team_unit_id, i.inspected_on, i.passed, i.stop_work, \
     i.reinspection_of, i.ticket_id, i.note, i.created_at, i.created_by \
     FROM eco_inspections i JOIN enterprises e ON e.id = i.enterprise_id";

pub async fn get(db: &Db, id: i64) -> Result<Option<InspectionRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE i.id = $1");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(pool).await)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> Result<Option<InspectionRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE i.id = $1");
    platform::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(conn).await)
}

pub async fn items(db: &Db, id: i64) -> Result<Vec<ItemRow>, sqlx::Error> {
    const SQL: &str = "SELECT position, label, passed, note FROM eco_inspection_items \
         WHERE inspection_id = $1 ORDER BY position";
    platform::with_db!(db, pool => sqlx::query_as(SQL).bind(id).fetch_all(pool).await)
}

/// Which inspections a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub scope: (String, String),
    pub enterprise_id: Option<i64>,
    /// Only failed ones.
    pub failed: bool,
}

/// Inspections newest first (by id), below `before` (0: from the newest).
pub async fn list(
    db: &Db,
    f: &Filter,
    before: i64,
    limit: u32,
) -> Result<Vec<InspectionRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE i.area_code >= $1 AND i.area_code < $2 AND ($3 = 0 OR i.id < $3) \
         AND ($4 = -1 OR i.enterprise_id = $4) AND ($5 = 0 OR NOT i.passed) ORDER BY i.id DESC LIMIT $6"
    );
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&f.scope.0).bind(&f.scope.1).bind(before).bind(f.enterprise_id.unwrap_or(-1))
        .bind(i64::from(f.failed)).bind(i64::from(limit)).fetch_all(pool).await)
}

pub async fn insert_photo_in(
    tx: &mut Tx,
    inspection_id: i64,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO eco_inspection_photos (inspection_id, file_name, content_type, \
         size, bytes, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(inspection_id).bind(file_name).bind(content_type).bind(bytes.len() as i64)
        .bind(bytes).bind(at).bind(by).fetch_one(conn).await)
}

pub async fn photos(db: &Db, inspection_id: i64) -> Result<Vec<PhotoView>, sqlx::Error> {
    const SQL: &str = "SELECT id, file_name, content_type, size, created_at FROM eco_inspection_photos \
         WHERE inspection_id = $1 ORDER BY id";
    platform::with_db!(db, pool => sqlx::query_as(SQL).bind(inspection_id).fetch_all(pool).await)
}

/// A photo's name, type and bytes.
pub async fn photo(
    db: &Db,
    inspection_id: i64,
    photo_id: i64,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    const SQL: &str = "SELECT file_name, content_type, bytes FROM eco_inspection_photos \
         WHERE id = $1 AND inspection_id = $2";
    platform::with_db!(db, pool => sqlx::query_as(SQL).bind(photo_id).bind(inspection_id)
        .fetch_optional(pool).await)
}

/// An open stop-work suspension: (id, the inspection that ordered it, its ticket, its first day).
pub async fn open_suspension_in(
    tx: &mut Tx,
    enterprise_id: i64,
) -> Result<Option<(i64, i64, Option<i64>, NaiveDate)>, sqlx::Error> {
    const SQL: &str = "SELECT id, inspection_id, ticket_id, suspended_on FROM eco_suspensions \
         WHERE enterprise_id = $1 AND lifted_on IS NULL ORDER BY id DESC LIMIT 1";
    platform::with_conn!(tx, conn => sqlx::query_as(SQL).bind(enterprise_id).fetch_optional(conn).await)
}

/// Whether the enterprise is under a stop-work suspension on `day`.
pub async fn suspended_on(
    db: &Db,
    enterprise_id: i64,
    day: NaiveDate,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM eco_suspensions WHERE enterprise_id = $1 \
         AND suspended_on <= $2 AND (lifted_on IS NULL OR lifted_on > $2)";
    let n: i64 = platform::with_db!(db, pool => sqlx::query_scalar(SQL)
        .bind(enterprise_id).bind(day).fetch_one(pool).await)?;
    Ok(n > 0)
}

pub async fn suspend_in(
    tx: &mut Tx,
    enterprise_id: i64,
    area_code: &str,
    inspection_id: i64,
    ticket_id: Option<i64>,
    on: NaiveDate,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO eco_suspensions (enterprise_id, area_code, inspection_id, ticket_id, \
         suspended_on) VALUES ($1, $2, $3, $4, $5)";
    platform::with_conn!(tx, conn => sqlx::query(SQL).bind(enterprise_id).bind(area_code)
        .bind(inspection_id).bind(ticket_id).bind(on).execute(conn).await.map(|_| ()))
}

pub async fn lift_in(
    tx: &mut Tx,
    suspension_id: i64,
    by_inspection: i64,
    on: NaiveDate,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE eco_suspensions SET lifted_on = $2, lifted_by = $3 WHERE id = $1";
    platform::with_conn!(tx, conn => sqlx::query(SQL).bind(suspension_id).bind(on).bind(by_inspection)
        .execute(conn).await.map(|_| ()))
}

/// Counts for the figures over `[lo, hi)` on `day`: inspections done and failed up to the
/// day, and enterprises suspended on it.
pub async fn counts(
    db: &Db,
    (lo, hi): (&str, &str),
    day: NaiveDate,
) -> Result<(i64, i64, i64), sqlx::Error> {
    const DONE: &str = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN passed THEN 0 ELSE 1 END), 0) \
         FROM eco_inspections WHERE area_code >= $1 AND area_code < $2 AND inspected_on <= $3";
    const SUSPENDED: &str = "SELECT COUNT(DISTINCT enterprise_id) FROM eco_suspensions \
         WHERE area_code >= $1 AND area_code < $2 AND suspended_on <= $3 \
         AND (lifted_on IS NULL OR lifted_on > $3)";
    let (done, failed): (i64, i64) = platform::with_db!(db, pool => sqlx::query_as(DONE)
        .bind(lo).bind(hi).bind(day).fetch_one(pool).await)?;
    let suspended: i64 = platform::with_db!(db, pool => sqlx::query_scalar(SUSPENDED)
        .bind(lo).bind(hi).bind(day).fetch_one(pool).await)?;
    Ok((done, failed, suspended))
}

/// Open rectification tickets (kind `rectification`, not closed or cancelled) about
/// enterprises of `[lo, hi)` that inspections opened.
pub async fn open_rectifications(db: &Db, (lo, hi): (&str, &str)) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM eco_inspections i JOIN tickets t ON t.id = i.ticket_id \
         WHERE i.area_code >= $1 AND i.area_code < $2 AND t.state NOT IN ('closed', 'cancelled')";
    platform::with_db!(db, pool => sqlx::query_scalar(SQL).bind(lo).bind(hi).fetch_one(pool).await)
}

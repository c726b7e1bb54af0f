//! Bulletin SQL: the templates the command office edited (`cmd_bulletin_templates`) and the
//! archive of generated bulletins (`cmd_bulletins`).

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, Tx};

/// A template row as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EditedTemplate {
    pub name: String,
    pub title: String,
    pub body: String,
    pub daily_at: Option<String>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

const TEMPLATE_COLUMNS: &str = "name, title, body, daily_at, version, updated_at, updated_by";

pub async fn edited(db: &Db) -> Result<Vec<EditedTemplate>, sqlx::Error> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM cmd_bulletin_templates ORDER BY name");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(pool).await)
}

pub async fn edited_one(db: &Db, name: &str) -> Result<Option<EditedTemplate>, sqlx::Error> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM cmd_bulletin_templates WHERE name = $1");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(name).fetch_optional(pool).await)
}

/// Writes `t` if the stored version is `expected` (0: no row yet); answers whether it did.
pub async fn save_in(tx: &mut Tx, t: &EditedTemplate, expected: i64) -> Result<bool, sqlx::Error> {
    const INSERT: &str = "INSERT INTO cmd_bulletin_templates \
        (name, title, body, daily_at, version, updated_at, updated_by) \
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING";
    const UPDATE: &str = "UPDATE cmd_bulletin_templates SET title = $2, body = $3, daily_at = $4, \
        version = $5, updated_at = $6, updated_by = $7 WHERE name = $1 AND version = $8";
    let sql = if expected == 0 { INSERT } else { UPDATE };
    let n = platform::with_conn!(tx, conn => sqlx::query(sql)
        .bind(&t.name).bind(&t.title).bind(&t.body).bind(&t.daily_at).bind(t.version)
        .bind(t.updated_at).bind(&t.updated_by).bind(expected)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Removes the edited row (the bundled template is used again); answers whether there was one
/// at version `expected`.
pub async fn reset_in(tx: &mut Tx, name: &str, expected: i64) -> Result<bool, sqlx::Error> {
    const SQL: &str = "DELETE FROM cmd_bulletin_templates WHERE name = $1 AND version = $2";
    let n = platform::with_conn!(tx, conn => sqlx::query(SQL).bind(name).bind(expected)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// An archived bulletin, without its document.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Archived {
    pub id: i64,
    pub template_name: String,
    pub area_code: String,
    pub bulletin_on: NaiveDate,
    pub title: String,
    pub generated_at: DateTime<Utc>,
    pub generated_by: String,
}

pub struct NewArchived<'a> {
    pub template_name: &'a str,
    pub area_code: &'a str,
    pub bulletin_on: NaiveDate,
    pub title: &'a str,
    pub content: &'a str,
    pub docx: &'a [u8],
    pub generated_at: DateTime<Utc>,
    pub generated_by: &'a str,
}

/// Archives a bulletin, replacing an earlier one of the same template, area and day; its id.
pub async fn archive_in(tx: &mut Tx, b: &NewArchived<'_>) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO cmd_bulletins (template_name, area_code, bulletin_on, title, \
        content, docx, generated_at, generated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
        ON CONFLICT (template_name, area_code, bulletin_on) DO UPDATE SET title = excluded.title, \
        content = excluded.content, docx = excluded.docx, generated_at = excluded.generated_at, \
        generated_by = excluded.generated_by RETURNING id";
    platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(b.template_name).bind(b.area_code).bind(b.bulletin_on).bind(b.title)
        .bind(b.content).bind(b.docx).bind(b.generated_at).bind(b.generated_by)
        .fetch_one(conn).await)
}

pub async fn archived_exists(
    db: &Db,
    template: &str,
    area: &str,
    on: NaiveDate,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM cmd_bulletins \
        WHERE template_name = $1 AND area_code = $2 AND bulletin_on = $3";
    let n: i64 = platform::with_db!(db, pool => sqlx::query_scalar(SQL)
        .bind(template).bind(area).bind(on).fetch_one(pool).await)?;
    Ok(n > 0)
}

const ARCHIVED_COLUMNS: &str =
    "id, template_name, area_code, bulletin_on, title, generated_at, generated_by";

/// The archive within an area's subtree (`[from, to)`), newest first, ids below `before`.
pub async fn archived(
    db: &Db,
    from: &str,
    to: &str,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Archived>, sqlx::Error> {
    let sql = format!(
        "SELECT {ARCHIVED_COLUMNS} FROM cmd_bulletins WHERE area_code >= $1 AND area_code < $2 \
         AND id < $3 ORDER BY id DESC LIMIT $4"
    );
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from).bind(to).bind(before.unwrap_or(i64::MAX)).bind(i64::from(limit))
        .fetch_all(pool).await)
}

pub async fn archived_one(db: &Db, id: i64) -> Result<Option<Archived>, sqlx::Error> {
    let sql = format!("SELECT {ARCHIVED_COLUMNS} FROM cmd_bulletins WHERE id = $1");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(pool).await)
}

/// An archived bulletin's composed content (JSON) and DOCX.
pub async fn archived_files(db: &Db, id: i64) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    const SQL: &str = "SELECT content, docx FROM cmd_bulletins WHERE id = $1";
    platform::with_db!(db, pool => sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)
}

//! Person storage. Every SQL string about people lives here.

use chrono::{DateTime, Utc};
use domain::{DivisionCode, DocumentType};

use super::model::{PersonRow, ValidPerson};
use crate::db::raw::{Raw, RawError};
use crate::db::{Db, Tx};

const COLUMNS: &str = "id, doc_type, doc_number, name, sex, birth_date, phone, address, area_code, \
     household_id, household_relation, merged_into, version, created_at, created_by, updated_at, \
     updated_by";

pub async fn get(db: &Db, id: i64) -> Result<Option<PersonRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM persons WHERE id = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> Result<Option<PersonRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM persons WHERE id = $1");
    crate::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(conn).await)
}

/// The members of a household, the head first, then by id.
pub async fn members_of(db: &Db, household: i64) -> Result<Vec<PersonRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM persons WHERE household_id = $1 \
         ORDER BY CASE WHEN household_relation = 'head' THEN 0 ELSE 1 END, id"
    );
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(household).fetch_all(pool).await)
}

pub async fn find_by_document(
    db: &Db,
    doc_type: &str,
    number: &str,
) -> Result<Option<PersonRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM persons WHERE doc_type = $1 AND doc_number = $2");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(doc_type).bind(number).fetch_optional(pool).await)
}

/// `find_by_document` inside a write transaction.
pub async fn find_by_document_in(
    tx: &mut Tx,
    doc_type: &str,
    number: &str,
) -> Result<Option<PersonRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM persons WHERE doc_type = $1 AND doc_number = $2");
    crate::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(doc_type).bind(number).fetch_optional(conn).await)
}

/// How to narrow a list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The subtree `[lo, hi)` of area codes.
    pub scope: (String, String),
    pub tag: Option<String>,
    /// A full document number (any type), normalized.
    pub doc_number: Option<String>,
    /// 11 digits.
    pub phone: Option<String>,
    /// Names starting with this.
    pub name_prefix: Option<String>,
    pub include_merged: bool,
}

/// People matching `filter` with `id > after`, by id.
///
/// Only the filters in use are written into the statement: a `$n = '' OR column = $n` term
/// keeps the planner (SQLite's, and PostgreSQL's generic plan) from using the column's index,
/// so a search by document number or phone scanned the whole scope (100 ms over 500,000). Each combination of filters
/// is its own statement, with its own plan.
pub async fn list(
    db: &Db,
    filter: &Filter,
    after: i64,
    limit: u32,
) -> Result<Vec<PersonRow>, sqlx::Error> {
    list_of(db, filter, after, limit, COLUMNS).await
}

/// What an export writes of a person (not yet masked), with the id it pages by.
#[derive(Debug, sqlx::FromRow)]
pub struct ExportRow {
    pub id: i64,
    pub doc_type: String,
    pub doc_number: String,
    pub name: String,
    pub sex: Option<String>,
    pub birth_date: Option<chrono::NaiveDate>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub area_code: String,
}

const EXPORT_COLUMNS: &str =
    "p.id, p.doc_type, p.doc_number, p.name, p.sex, p.birth_date, p.phone, p.address, p.area_code";

/// `list`'s people, only the columns an export writes: decoding the others (timestamps above
/// all) was a good part of an export's time.
pub async fn export_page(
    db: &Db,
    filter: &Filter,
    after: i64,
    limit: u32,
) -> Result<Vec<ExportRow>, sqlx::Error> {
    list_of(db, filter, after, limit, EXPORT_COLUMNS).await
}

/// One person of [`export_walk`], borrowed from SQLite's current row.
pub struct ExportRef<'a> {
    pub doc_type: &'a str,
    pub doc_number: &'a str,
    pub name: &'a str,
    pub sex: Option<&'a str>,
    /// As stored: `YYYY-MM-DD`.
    pub birth_date: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub address: Option<&'a str>,
    pub area_code: &'a str,
    /// The person's tags in order, joined by [`TAG_SEPARATOR`]; "" for none.
    pub tags: &'a str,
}

/// What [`ExportRef::tags`] joins tags with (no tag contains it).
pub const TAG_SEPARATOR: char = '\u{1f}';

/// Every person of `filter` in id order with their tags, read in one statement (one snapshot) on
/// a raw SQLite handle and handed to `each` without a copy: the whole-list export's read, about
/// five times cheaper than sqlx's pages. Returns the number of people.
pub fn export_walk<E: From<RawError>>(
    raw: &Raw,
    filter: &Filter,
    mut each: impl FnMut(&ExportRef<'_>) -> Result<(), E>,
) -> Result<u64, E> {
    let columns = format!(
        "{EXPORT_COLUMNS}, (SELECT group_concat(pt.tag, char(31) ORDER BY pt.tag) \
         FROM person_tags pt WHERE pt.person_id = p.id)"
    );
    let (sql, texts) = list_sql(filter, &columns);
    let mut stmt = raw.prepare(&sql)?;
    let at = stmt.parameter("$1")?;
    stmt.bind_text(at, &filter.scope.0)?;
    let at = stmt.parameter("$2")?;
    stmt.bind_text(at, &filter.scope.1)?;
    let at = stmt.parameter("$3")?;
    stmt.bind_i64(at, 0)?;
    for (i, text) in texts.iter().enumerate() {
        let at = stmt.parameter(&format!("${}", i + 4))?;
        stmt.bind_text(at, text)?;
    }
    // A negative LIMIT is no limit.
    let at = stmt.parameter(&format!("${}", texts.len() + 4))?;
    stmt.bind_i64(at, -1)?;
    let mut count = 0;
    while stmt.step()? {
        // Columns as EXPORT_COLUMNS lists them, the id first.
        each(&ExportRef {
            doc_type: stmt.text(1),
            doc_number: stmt.text(2),
            name: stmt.text(3),
            sex: stmt.opt_text(4),
            birth_date: stmt.opt_text(5),
            phone: stmt.opt_text(6),
            address: stmt.opt_text(7),
            area_code: stmt.text(8),
            tags: stmt.text(9),
        })?;
        count += 1;
    }
    Ok(count)
}

async fn list_of<T>(
    db: &Db,
    filter: &Filter,
    after: i64,
    limit: u32,
    columns: &str,
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let (sql, texts) = list_sql(filter, columns);
    crate::with_db!(db, pool => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&filter.scope.0)
            .bind(&filter.scope.1)
            .bind(after);
        for text in &texts {
            q = q.bind(text);
        }
        q.bind(i64::from(limit)).fetch_all(pool).await
    })
}

/// The SQL of a person list reading `columns` (of `persons p`), and its text parameters: `$1` and
/// `$2` are the scope's bounds, `$3` the id the page starts after, `$4` on the texts in order, and
/// the last the page's length.
fn list_sql(filter: &Filter, columns: &str) -> (String, Vec<String>) {
    let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    // A scope of a whole district (or more) is, in a district's deployment, nearly every row:
    // walking the ids in order finds a page at once, whereas the area index would read and sort
    // the whole district (`area_code || ''` keeps the planner off that index). Townships and
    // below are a small share, and their index range is the short way.
    let area = if filter.scope.0.len() <= WIDE_SCOPE_PREFIX {
        "(p.area_code || '')"
    } else {
        "p.area_code"
    };
    // Text parameters from $4 on, in order.
    let mut texts: Vec<String> = Vec::new();
    let param = |texts: &mut Vec<String>, value: String| {
        texts.push(value);
        format!("${}", texts.len() + 3)
    };
    // With a tag, the walk goes along the tag's index (tag, person_id), already in id order, and
    // stops at the page's end; `id IN (…)` would fetch and sort every person with the tag.
    let (from, id) = match given(&filter.tag) {
        Some(tag) => {
            let p = param(&mut texts, tag);
            (
                format!("person_tags t JOIN persons p ON p.id = t.person_id AND t.tag = {p}"),
                "t.person_id",
            )
        }
        None => ("persons p".to_string(), "p.id"),
    };
    let mut sql =
        format!("SELECT {columns} FROM {from} WHERE {area} >= $1 AND {area} < $2 AND {id} > $3");
    if let Some(number) = given(&filter.doc_number) {
        // Every document type named, so the unique (doc_type, doc_number) index finds it.
        let types: Vec<String> = DocumentType::ALL
            .iter()
            .map(|t| format!("'{}'", t.as_str()))
            .collect();
        let p = param(&mut texts, number);
        sql.push_str(&format!(
            " AND p.doc_type IN ({}) AND p.doc_number = {p}",
            types.join(", ")
        ));
    }
    if let Some(phone) = given(&filter.phone) {
        let p = param(&mut texts, phone);
        sql.push_str(&format!(" AND p.phone = {p}"));
    }
    if let Some(prefix) = given(&filter.name_prefix) {
        // The names starting with `prefix` are the byte range [prefix, prefix + U+10FFFF).
        let end = format!("{prefix}\u{10FFFF}");
        let lo = param(&mut texts, prefix);
        let hi = param(&mut texts, end);
        sql.push_str(&format!(" AND p.name >= {lo} AND p.name < {hi}"));
    }
    if !filter.include_merged {
        sql.push_str(" AND p.merged_into IS NULL");
    }
    sql.push_str(&format!(" ORDER BY {id} LIMIT ${}", texts.len() + 4));
    (sql, texts)
}

/// Subtree prefixes this short (a county-level district or above) are wide scopes; see `list`.
const WIDE_SCOPE_PREFIX: usize = 6;

/// Tags of each of `ids`, as (person id, tag).
pub async fn tags_of(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let mut tags = Vec::new();
    // Bound by position (`Db::param`): sqlx binds each `$n` by looking its name up, which SQLite
    // does in time linear in the statement's parameters, so one statement of 2,000 `$n` (an
    // export's page) cost a quadratic 2,000² lookups; `?` costs nothing of the kind.
    for chunk in ids.chunks(TAG_CHUNK) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| db.param(i)).collect();
        let sql = format!(
            "SELECT person_id, tag FROM person_tags WHERE person_id IN ({}) ORDER BY person_id, tag",
            placeholders.join(", ")
        );
        let rows: Vec<(i64, String)> = crate::with_db!(db, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in chunk {
                q = q.bind(id);
            }
            q.fetch_all(pool).await
        })?;
        tags.extend(rows);
    }
    Ok(tags)
}

const TAG_CHUNK: usize = 5_000;

/// Likely duplicates of a person: same name and birth date, or same phone; never the same id.
pub async fn likely_duplicates(
    db: &Db,
    scope: (&str, &str),
    exclude: i64,
    name: &str,
    birth: Option<chrono::NaiveDate>,
    phone: Option<&str>,
) -> Result<Vec<PersonRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM persons WHERE id <> $1 AND merged_into IS NULL \
         AND area_code >= $2 AND area_code < $3 \
         AND ((name = $4 AND birth_date = $5) OR ($6 <> '' AND phone = $6)) ORDER BY id LIMIT 10"
    );
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(exclude).bind(scope.0).bind(scope.1).bind(name).bind(birth).bind(phone.unwrap_or(""))
        .fetch_all(pool).await)
}

pub const INSERT_SQL: &str = "INSERT INTO persons (doc_type, doc_number, name, sex, birth_date, phone, address, \
     area_code, version, created_at, created_by, updated_at, updated_by) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $9, $10) RETURNING id";

/// Inserts a person; a second record for the same document is a unique violation.
pub async fn insert(
    tx: &mut Tx,
    p: &ValidPerson,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    crate::with_conn!(tx, conn => sqlx::query_scalar(INSERT_SQL)
        .bind(p.doc.kind().as_str())
        .bind(p.doc.number())
        .bind(&p.name)
        .bind(p.sex)
        .bind(p.birth_date)
        .bind(p.phone.as_ref().map(|ph| ph.as_str().to_string()))
        .bind(&p.address)
        .bind(p.area.as_str())
        .bind(at)
        .bind(by)
        .fetch_one(conn)
        .await)
}

pub async fn set_tags(tx: &mut Tx, id: i64, tags: &[&str]) -> Result<(), sqlx::Error> {
    const DELETE: &str = "DELETE FROM person_tags WHERE person_id = $1";
    const INSERT: &str =
        "INSERT INTO person_tags (person_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    crate::with_conn!(tx, conn => sqlx::query(DELETE).bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
    for tag in tags {
        crate::with_conn!(tx, conn => sqlx::query(INSERT).bind(id).bind(*tag).execute(conn).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Writes changed fields if the version is still `version`; answers whether it was.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    tx: &mut Tx,
    id: i64,
    version: i32,
    name: &str,
    phone: Option<&str>,
    address: Option<&str>,
    area: &DivisionCode,
    at: DateTime<Utc>,
    by: &str,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE persons SET name = $3, phone = $4, address = $5, area_code = $6, \
         version = version + 1, updated_at = $7, updated_by = $8 WHERE id = $1 AND version = $2";
    let n = crate::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(version).bind(name).bind(phone).bind(address).bind(area.as_str()).bind(at).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Marks `id` merged into `into` and gives `into` the tags of both.
pub async fn merge(
    tx: &mut Tx,
    id: i64,
    into: i64,
    at: DateTime<Utc>,
    by: &str,
) -> Result<(), sqlx::Error> {
    const MARK: &str = "UPDATE persons SET merged_into = $2, version = version + 1, updated_at = $3, updated_by = $4 \
         WHERE id = $1 AND merged_into IS NULL";
    const TAGS: &str = "INSERT INTO person_tags (person_id, tag) SELECT $2, tag FROM person_tags WHERE person_id = $1 \
         ON CONFLICT DO NOTHING";
    crate::with_conn!(tx, conn => sqlx::query(MARK).bind(id).bind(into).bind(at).bind(by).execute(conn).await.map(|r| r.rows_affected()))?;
    crate::with_conn!(tx, conn => sqlx::query(TAGS).bind(id).bind(into).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*) FROM persons";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await)
}

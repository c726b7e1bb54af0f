//! Every SQL string of passages: the multi-row append (idempotent on device and event key), the
//! lookups of the persons and places a batch names, and the keyset list.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::db::{Db, Tx};

use super::model::{NewPassage, PassageRow};

/// Columns an appended passage binds.
pub const COLUMNS: usize = 11;

/// The table and the columns an append binds, in order.
const INTO: &str = "epi_passages (person_id, place_id, area_code, at, at_minute, direction, \
     method, device, event_key, recorded_at, recorded_by) VALUES ";

/// `n` passages for the SQLite writer's prepared statement (`?` by position, eleven a row); a
/// retry changes nothing (`OR IGNORE`: see `writer::commit_raw`), and only the rows inserted are
/// returned.
pub fn insert_sqlite(n: usize) -> String {
    let mut sql = String::with_capacity(n * 40 + 300);
    sql.push_str("INSERT OR IGNORE INTO ");
    sql.push_str(INTO);
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?,?,?,?,?)");
    }
    sql.push_str(" RETURNING id, device, event_key");
    sql
}

/// The passage stored before under a device's event key.
pub const EXISTING_SQLITE: &str =
    "SELECT id FROM epi_passages WHERE device = ?1 AND event_key = ?2";

/// Appends rows (a statement per chunk) skipping those whose (device, event key) is stored;
/// answers the id of every (device, event key), new or old, and which are new.
pub async fn append(
    tx: &mut Tx,
    rows: &[&NewPassage],
    now: DateTime<Utc>,
) -> Result<HashMap<(String, String), (i64, bool)>, sqlx::Error> {
    // SQLite allows 32,766 parameters a statement; PostgreSQL 65,535.
    const CHUNK: usize = 2_000;
    let mut ids = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let sql = values_sql(
            tx,
            chunk.len(),
            " ON CONFLICT (device, event_key) DO NOTHING RETURNING id, device, event_key",
        );
        let created: Vec<(i64, String, String)> = platform::with_conn!(tx, conn => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for r in chunk {
                q = q
                    .bind(r.person_id)
                    .bind(r.place_id)
                    .bind(&r.area_code)
                    .bind(r.at)
                    .bind(r.at.timestamp().div_euclid(60))
                    .bind(r.direction)
                    .bind(r.method)
                    .bind(&r.device)
                    .bind(&r.event_key)
                    .bind(now)
                    .bind(&r.recorded_by);
            }
            q.fetch_all(conn).await
        })?;
        for (id, device, key) in created {
            ids.insert((device, key), (id, true));
        }
    }
    // The ones stored before: by device, their keys.
    let mut missing: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in rows {
        if !ids.contains_key(&(r.device.clone(), r.event_key.clone())) {
            missing.entry(&r.device).or_default().push(&r.event_key);
        }
    }
    for (device, keys) in missing {
        for chunk in keys.chunks(1_000) {
            let mut sql = String::from("SELECT id, event_key FROM epi_passages WHERE device = ");
            sql.push_str(&tx.param(1));
            sql.push_str(" AND event_key IN (");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&tx.param(i + 2));
            }
            sql.push(')');
            let old: Vec<(i64, String)> = platform::with_conn!(tx, conn => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(device);
                for k in chunk {
                    q = q.bind(*k);
                }
                q.fetch_all(conn).await
            })?;
            for (id, key) in old {
                ids.insert((device.to_string(), key), (id, false));
            }
        }
    }
    Ok(ids)
}

/// Appends rows known to be new (the demo): no conflict check, nothing returned.
pub async fn insert_plain(
    tx: &mut Tx,
    rows: &[&NewPassage],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = values_sql(tx, rows.len(), "");
    platform::with_conn!(tx, conn => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for r in rows {
            q = q
                .bind(r.person_id)
                .bind(r.place_id)
                .bind(&r.area_code)
                .bind(r.at)
                .bind(r.at.timestamp().div_euclid(60))
                .bind(r.direction)
                .bind(r.method)
                .bind(&r.device)
                .bind(&r.event_key)
                .bind(now)
                .bind(&r.recorded_by);
        }
        q.execute(conn).await.map(|_| ())
    })
}

/// `INSERT … VALUES (…), …` for `n` rows, then `tail`.
fn values_sql(tx: &Tx, n: usize, tail: &str) -> String {
    let mut sql = String::with_capacity(n * 64 + 200);
    sql.push_str("INSERT INTO ");
    sql.push_str(INTO);
    let mut k = 0;
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..COLUMNS {
            if c > 0 {
                sql.push(',');
            }
            k += 1;
            sql.push_str(&tx.param(k));
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

/// (document type, number) → (id, merged into) of the registered persons with these numbers.
pub async fn persons_by_document(
    db: &Db,
    numbers: &[&str],
) -> Result<HashMap<(String, String), i64>, sqlx::Error> {
    let mut found = HashMap::new();
    for chunk in numbers.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, merged_into, doc_type, doc_number FROM persons WHERE doc_number IN ({})",
            marks.join(",")
        );
        let rows: Vec<(i64, Option<i64>, String, String)> = platform::with_db!(db, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for n in chunk {
                q = q.bind(*n);
            }
            q.fetch_all(pool).await
        })?;
        for (id, merged, t, n) in rows {
            found.insert((t, n), merged.unwrap_or(id));
        }
    }
    Ok(found)
}

/// The ids among `ids` that are persons (surviving records: merged ones map to the survivor).
pub async fn persons_by_id(db: &Db, ids: &[i64]) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, merged_into FROM persons WHERE id IN ({})",
            marks.join(",")
        );
        let rows: Vec<(i64, Option<i64>)> = platform::with_db!(db, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for n in chunk {
                q = q.bind(*n);
            }
            q.fetch_all(pool).await
        })?;
        for (id, merged) in rows {
            found.insert(id, merged.unwrap_or(id));
        }
    }
    Ok(found)
}

/// (id, area code, name) of places.
pub async fn places(db: &Db, ids: &[i64]) -> Result<HashMap<i64, (String, String)>, sqlx::Error> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, area_code, name FROM places WHERE id IN ({})",
            marks.join(",")
        );
        let rows: Vec<(i64, String, String)> = platform::with_db!(db, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for n in chunk {
                q = q.bind(*n);
            }
            q.fetch_all(pool).await
        })?;
        for (id, area, name) in rows {
            found.insert(id, (area, name));
        }
    }
    Ok(found)
}

/// What a list is narrowed to.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Area subtree `[lo, hi)` of the place.
    pub scope: (String, String),
    pub place_id: Option<i64>,
    pub person_id: Option<i64>,
}

/// Newest first, ids below `before`.
pub async fn list(
    db: &Db,
    f: &Filter,
    before: i64,
    limit: u32,
) -> Result<Vec<PassageRow>, sqlx::Error> {
    const SQL: &str = "SELECT p.id, p.person_id, p.place_id, pl.name AS place_name, p.area_code, \
         p.at, p.direction, p.method, p.device, p.recorded_by, s.name, s.doc_type, s.doc_number \
         FROM epi_passages p JOIN persons s ON s.id = p.person_id \
         JOIN places pl ON pl.id = p.place_id \
         WHERE p.id < $1 AND p.area_code >= $2 AND p.area_code < $3 \
         AND ($4 IS NULL OR p.place_id = $4) AND ($5 IS NULL OR p.person_id = $5) \
         ORDER BY p.id DESC LIMIT $6";
    platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(before).bind(&f.scope.0).bind(&f.scope.1)
        .bind(f.place_id).bind(f.person_id).bind(i64::from(limit))
        .fetch_all(pool).await)
}

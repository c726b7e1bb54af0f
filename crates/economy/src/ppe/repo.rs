//! PPE storage: producers' lines, daily output (one row per producer, product and day,
//! replaced by a second report), the district's demand.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, Tx};

use super::model::ProducerLine;

pub async fn replace_lines_in(
    tx: &mut Tx,
    enterprise_id: i64,
    area_code: &str,
    lines: &[(&'static str, i64)],
    at: DateTime<Utc>,
    by: &str,
) -> Result<(), sqlx::Error> {
    const DELETE: &str = "DELETE FROM eco_ppe_lines WHERE enterprise_id = $1";
    const INSERT: &str = "INSERT INTO eco_ppe_lines (enterprise_id, product, area_code, daily_capacity, \
         updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)";
    platform::with_conn!(tx, conn => sqlx::query(DELETE).bind(enterprise_id).execute(conn).await.map(|_| ()))?;
    for (product, capacity) in lines {
        platform::with_conn!(tx, conn => sqlx::query(INSERT).bind(enterprise_id).bind(*product)
            .bind(area_code).bind(*capacity).bind(at).bind(by).execute(conn).await.map(|_| ()))?;
    }
    Ok(())
}

pub async fn has_line(db: &Db, enterprise_id: i64, product: &str) -> Result<bool, sqlx::Error> {
    const SQL: &str =
        "SELECT COUNT(*) FROM eco_ppe_lines WHERE enterprise_id = $1 AND product = $2";
    let n: i64 = platform::with_db!(db, pool => sqlx::query_scalar(SQL).bind(enterprise_id).bind(product)
        .fetch_one(pool).await)?;
    Ok(n > 0)
}

#[allow(clippy::too_many_arguments)]
pub async fn upsert_output_in(
    tx: &mut Tx,
    enterprise_id: i64,
    product: &str,
    on: NaiveDate,
    area_code: &str,
    quantity: i64,
    at: DateTime<Utc>,
    by: &str,
) -> Result<Option<i64>, sqlx::Error> {
    const BEFORE: &str = "SELECT quantity FROM eco_ppe_output WHERE enterprise_id = $1 AND product = $2 \
         AND output_on = $3";
    const SQL: &str = "INSERT INTO eco_ppe_output (enterprise_id, product, output_on, area_code, quantity, \
         reported_at, reported_by) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (enterprise_id, product, output_on) DO UPDATE SET quantity = excluded.quantity, \
         area_code = excluded.area_code, reported_at = excluded.reported_at, reported_by = excluded.reported_by";
    let before: Option<i64> = platform::with_conn!(tx, conn => sqlx::query_scalar(BEFORE)
        .bind(enterprise_id).bind(product).bind(on).fetch_optional(conn).await)?;
    platform::with_conn!(tx, conn => sqlx::query(SQL).bind(enterprise_id).bind(product).bind(on)
        .bind(area_code).bind(quantity).bind(at).bind(by).execute(conn).await.map(|_| ()))?;
    Ok(before)
}

pub async fn set_demand_in(
    tx: &mut Tx,
    product: &str,
    demand: i64,
    at: DateTime<Utc>,
    by: &str,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO eco_ppe_demand (product, daily_demand, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (product) DO UPDATE SET daily_demand = excluded.daily_demand, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by";
    platform::with_conn!(tx, conn => sqlx::query(SQL).bind(product).bind(demand).bind(at).bind(by)
        .execute(conn).await.map(|_| ()))
}

pub async fn demand(db: &Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    const SQL: &str = "SELECT product, daily_demand FROM eco_ppe_demand ORDER BY product";
    platform::with_db!(db, pool => sqlx::query_as(SQL).fetch_all(pool).await)
}

/// The producers' lines of `[lo, hi)` (only `only`, when given) with their output on `day`.
pub async fn lines(
    db: &Db,
    (lo, hi): (&str, &str),
    day: NaiveDate,
    only: Option<i64>,
) -> Result<Vec<ProducerLine>, sqlx::Error> {
    const SQL: &str = "SELECT l.enterprise_id, e.name AS enterprise_name, l.area_code, l.product, \
         l.daily_capacity, o.quantity AS output FROM eco_ppe_lines l JOIN enterprises e ON e.id = l.enterprise_id \
         LEFT JOIN eco_ppe_output o ON o.enterprise_id = l.enterprise_id AND o.product = l.product \
           AND o.output_on = $3 \
         WHERE l.area_code >= $1 AND l.area_code < $2 AND ($4 = -1 OR l.enterprise_id = $4) \
         ORDER BY l.enterprise_id, l.product";
    platform::with_db!(db, pool => sqlx::query_as(SQL).bind(lo).bind(hi).bind(day)
        .bind(only.unwrap_or(-1)).fetch_all(pool).await)
}

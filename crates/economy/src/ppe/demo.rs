//! Demo PPE producers: about one enterprise in forty (at least three) makes masks,
//! disinfectant or protective clothing, with 30 days of output climbing towards capacity, and
//! the district's daily demand a little above what they make, so shortfalls show. Deterministic
//! for the seed; multi-row inserts.

use chrono::{Duration, Utc};
use platform::demo::DemoContext;
use rand::Rng;

use super::model::PRODUCTS;

const DAYS: i64 = 30;
const CAPACITY: [(i64, i64); 3] = [(20_000, 200_000), (500, 5_000), (200, 3_000)];

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    const ENTERPRISES: &str = "SELECT id, area_code FROM enterprises WHERE area_code >= $1 AND area_code < $2 \
         AND industry = 'C' ORDER BY id";
    let (lo, hi) = ctx.root.subtree_range();
    let enterprises: Vec<(i64, String)> = platform::with_db!(&ctx.db, pool => sqlx::query_as(ENTERPRISES)
        .bind(&lo).bind(&hi).fetch_all(pool).await)?;
    let mut rng = ctx.rng("economy.ppe");
    let today = platform::responsibility::today();
    let now = Utc::now();
    let mut lines: Vec<(i64, String, &str, i64)> = Vec::new();
    for (n, (id, area)) in enterprises.iter().enumerate() {
        if n >= 3 && !rng.random_bool(1.0 / 15.0) {
            continue;
        }
        let p = n % PRODUCTS.len();
        let (min, max) = CAPACITY[p];
        lines.push((*id, area.clone(), PRODUCTS[p], rng.random_range(min..max)));
    }
    let mut output: Vec<(i64, &str, chrono::NaiveDate, String, i64)> = Vec::new();
    for (id, area, product, capacity) in &lines {
        let start: i64 = rng.random_range(0..10);
        for day in start..DAYS {
            let share = (0.3 + 0.7 * ((day - start) as f64 / 12.0)).min(0.98);
            let qty = (*capacity as f64 * share * rng.random_range(0.9..1.0)) as i64;
            output.push((
                *id,
                product,
                today - Duration::days(DAYS - 1 - day),
                area.clone(),
                qty,
            ));
        }
    }
    let mut tx = ctx.db.begin().await?;
    for chunk in lines.chunks(200) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 5;
                let p: Vec<String> = (1..=5).map(|c| tx.param(b + c)).collect();
                format!("({}, 'demo')", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO eco_ppe_lines (enterprise_id, product, area_code, daily_capacity, updated_at, updated_by) VALUES {}",
            rows.join(", ")
        );
        platform::with_conn!(&mut tx, conn => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (id, area, product, capacity) in chunk {
                q = q.bind(*id).bind(*product).bind(area.as_str()).bind(*capacity).bind(now);
            }
            q.execute(conn).await.map(|_| ())
        })?;
    }
    for chunk in output.chunks(400) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 6;
                let p: Vec<String> = (1..=6).map(|c| tx.param(b + c)).collect();
                format!("({}, 'demo')", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO eco_ppe_output (enterprise_id, product, output_on, area_code, quantity, reported_at, reported_by) VALUES {}",
            rows.join(", ")
        );
        platform::with_conn!(&mut tx, conn => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (id, product, day, area, qty) in chunk {
                q = q.bind(*id).bind(*product).bind(*day).bind(area.as_str()).bind(*qty).bind(now);
            }
            q.execute(conn).await.map(|_| ())
        })?;
    }
    const DEMAND: &str = "INSERT INTO eco_ppe_demand (product, daily_demand, updated_at, updated_by) \
         VALUES ($1, $2, $3, 'demo') ON CONFLICT (product) DO NOTHING";
    for p in PRODUCTS {
        let capacity: i64 = lines.iter().filter(|l| l.2 == p).map(|l| l.3).sum();
        let demand = capacity + capacity / 5 + 100;
        platform::with_conn!(&mut tx, conn => sqlx::query(DEMAND).bind(p).bind(demand).bind(now)
            .execute(conn).await.map(|_| ()))?;
    }
    tx.commit().await?;
    Ok(())
}

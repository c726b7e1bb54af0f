//! Thirty days of resumption reports for every demo enterprise, one a day, rising the way
//! districts saw it: most enterprises closed at first, above-size ones reopening earlier, about
//! nine in ten resumed by today, a few suspended for rectification or closed for good. Staff on
//! duty and capacity climb after reopening; workers back from elsewhere leave quarantine.
//! Deterministic for the seed; multi-row inserts of 500 reports (90,000 at district scale).

use chrono::{Duration, NaiveDate, Utc};
use platform::db::Tx;
use platform::demo::DemoContext;
use rand::Rng;

pub const DAYS: i64 = 30;
const BATCH: usize = 500;
/// Bound columns per report; `version` and `reported_by` are literals.
const COLUMNS: usize = 12;

struct Row {
    enterprise_id: i64,
    report_on: NaiveDate,
    area_code: String,
    status: &'static str,
    on_duty: i64,
    total_staff: i64,
    returned: i64,
    quarantined: i64,
    capacity_pct: i64,
    planned_on: Option<NaiveDate>,
    measures: String,
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    const ENTERPRISES: &str = "SELECT id, area_code, above_size, employees FROM enterprises \
         WHERE area_code >= $1 AND area_code < $2 ORDER BY id";
    let (lo, hi) = ctx.root.subtree_range();
    let enterprises: Vec<(i64, String, bool, Option<i32>)> = platform::with_db!(&ctx.db, pool => sqlx::query_as(ENTERPRISES)
            .bind(&lo).bind(&hi).fetch_all(pool).await)?;
    let mut rng = ctx.rng("economy.resumption");
    let today = platform::responsibility::today();
    let first = today - Duration::days(DAYS - 1);
    let mut tx = ctx.db.begin().await?;
    let mut batch = Vec::with_capacity(BATCH);
    for (id, area, above_size, employees) in enterprises {
        let total = i64::from(employees.unwrap_or(10).max(1));
        // The day (from the first) it reopens; past the window: not yet resumed.
        let reopen: i64 = if above_size {
            rng.random_range(0..24)
        } else {
            rng.random_range(3..33)
        };
        let closes_for_good = rng.random_bool(0.03);
        let suspended_from = rng
            .random_bool(0.04)
            .then(|| rng.random_range(reopen + 2..reopen + 12));
        let returned = (total as f64 * rng.random_range(0.05..0.35)).round() as i64;
        let measures_kept = rng.random_range(2..=6usize);
        let full_after = rng.random_range(4..12);
        for day in 0..DAYS {
            let report_on = first + Duration::days(day);
            let since = day - reopen;
            let (status, on_duty, capacity) = if closes_for_good {
                ("closed", 0, 0)
            } else if since < 0 {
                ("not_resumed", 0, 0)
            } else if suspended_from.is_some_and(|s| (s..s + 5).contains(&day)) {
                ("suspended", 0, 0)
            } else {
                let share = (0.3 + 0.7 * (since as f64 / full_after as f64)).min(1.0);
                let on_duty = ((total as f64 * share * rng.random_range(0.9..1.0)).round() as i64)
                    .clamp(1, total);
                let status = if since >= full_after {
                    "fully_resumed"
                } else {
                    "partly_resumed"
                };
                let capacity = ((share * 90.0) as i64 + rng.random_range(0..10)).min(100);
                (status, on_duty, capacity)
            };
            // Quarantine lasts 14 days from the reopening's return.
            let quarantined = if since < 0 {
                returned
            } else {
                (returned * (14 - since).max(0) / 14).min(returned)
            };
            let measures: Vec<&str> = if since >= 0 && status != "closed" {
                super::model::MEASURES[..measures_kept.min(1 + since as usize)].to_vec()
            } else {
                Vec::new()
            };
            batch.push(Row {
                enterprise_id: id,
                report_on,
                area_code: area.clone(),
                status,
                on_duty,
                total_staff: total,
                returned,
                quarantined,
                capacity_pct: capacity,
                planned_on: (since < 0 && !closes_for_good).then(|| first + Duration::days(reopen)),
                measures: measures.join(" "),
            });
            if batch.len() == BATCH {
                flush(&mut tx, &mut batch).await?;
            }
        }
    }
    flush(&mut tx, &mut batch).await?;
    tx.commit().await?;
    Ok(())
}

async fn flush(tx: &mut Tx, batch: &mut Vec<Row>) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows: Vec<String> = (0..batch.len())
        .map(|i| {
            let b = i * COLUMNS;
            let cols: Vec<String> = (1..=COLUMNS).map(|c| tx.param(b + c)).collect();
            format!("({}, 1, 'system:demo')", cols.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO eco_reports (enterprise_id, report_on, area_code, status, on_duty, total_staff, \
         returned, quarantined, capacity_pct, planned_on, measures, reported_at, version, reported_by) \
         VALUES {}",
        rows.join(", ")
    );
    platform::with_conn!(tx, conn => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for r in batch.iter() {
            q = q.bind(r.enterprise_id).bind(r.report_on).bind(&r.area_code).bind(r.status)
                .bind(r.on_duty).bind(r.total_staff).bind(r.returned).bind(r.quarantined)
                .bind(r.capacity_pct).bind(r.planned_on).bind(&r.measures).bind(now);
        }
        q.execute(conn).await.map(|r| r.rows_affected())
    })?;
    batch.clear();
    Ok(())
}

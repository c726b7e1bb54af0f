//! The demo district's testing: a sampling point per township, pooled and single samples over
//! the last three days for about half of the first few thousand persons, results (mostly
//! negative, one positive pool whose members must be retested), a weekly staff group and a
//! mass-testing round in the first township. Deterministic for the demo seed.

use chrono::{Days, Duration, Utc};
use platform::demo::DemoContext;
use rand::Rng;

use super::model::{Outcome, ValidResult, beijing_day};
use super::samples::{ValidSample, insert_in};

const BY: &str = "demo";

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    const TOWNSHIPS: &str = "SELECT code, name FROM areas WHERE code >= $1 AND code < $2 \
         AND level = 'township' ORDER BY code";
    const PERSONS: &str = "SELECT id, area_code FROM persons WHERE area_code >= $1 \
         AND area_code < $2 AND merged_into IS NULL ORDER BY id LIMIT 4000";
    const POINT: &str = "INSERT INTO places (kind, name, address, area_code, capacity, lat, lon, \
         version, created_at, created_by, updated_at, updated_by) \
         VALUES ('other', $1, NULL, $2, 200, NULL, NULL, 1, $3, $4, $3, $4) RETURNING id";
    const GROUP: &str = "INSERT INTO epi_staff_groups (name, area_code, every_days, created_at, \
         created_by) VALUES ($1, $2, 7, $3, $4) RETURNING id";
    const MEMBER: &str = "INSERT INTO epi_staff_members (group_id, person_id, created_at, created_by) \
         VALUES ($1, $2, $3, $4)";
    const ROUND: &str = "INSERT INTO epi_test_rounds (name, area_code, starts_on, ends_on, \
         created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)";
    let mut rng = ctx.rng("epidemic.testing");
    let (lo, hi) = ctx.root.subtree_range();
    let now = Utc::now();
    let today = beijing_day(now);
    let townships: Vec<(String, String)> = platform::with_db!(&ctx.db, pool => sqlx::query_as(TOWNSHIPS)
        .bind(&lo).bind(&hi).fetch_all(pool).await)?;
    let persons: Vec<(i64, String)> = platform::with_db!(&ctx.db, pool => sqlx::query_as(PERSONS)
        .bind(&lo).bind(&hi).fetch_all(pool).await)?;
    let mut tx = ctx.db.begin().await?;
    let mut points = Vec::new();
    for (code, name) in &townships {
        let id: i64 = platform::with_conn!(&mut tx, conn => sqlx::query_scalar(POINT)
            .bind(format!("{name}核酸采样点")).bind(code).bind(now).bind(BY)
            .fetch_one(conn).await)?;
        points.push((id, code.clone()));
    }
    let mut results = Vec::new();
    let mut n = 0;
    let mut i = 0;
    let mut made_positive = false;
    while i < persons.len() && !points.is_empty() {
        // Pools of ten mostly, some single tubes; about half of the people are sampled.
        let size = if rng.random_bool(0.2) { 1 } else { 10 };
        let group: Vec<&(i64, String)> = persons[i..persons.len().min(i + size)].iter().collect();
        i += size;
        if rng.random_bool(0.5) || (group.len() != 1 && group.len() < 5) {
            continue;
        }
        let (point, area) = points
            .iter()
            .find(|(_, t)| group[0].1.starts_with(&t[..9]))
            .unwrap_or(&points[0]);
        let days_ago = rng.random_range(0..3u64);
        let at =
            now - Duration::days(days_ago as i64) - Duration::minutes(rng.random_range(30..600));
        n += 1;
        let sample = ValidSample {
            barcode: format!("DEMO{:08}", n),
            point_id: Some(*point),
            area_code: area.clone(),
            sampled_at: at,
            sampled_on: beijing_day(at),
            members: group.iter().map(|p| p.0).collect(),
        };
        insert_in(&mut tx, &sample, BY).await?;
        if days_ago > 0 {
            // One positive pool: its members must be retested.
            let positive = size == 10 && !made_positive;
            made_positive |= positive;
            results.push(ValidResult {
                barcode: sample.barcode.clone(),
                outcome: if positive {
                    Outcome::Positive
                } else {
                    Outcome::Negative
                },
                tested_at: at + Duration::hours(8),
                lab: Some("区疾控中心实验室".into()),
            });
        }
    }
    super::results::apply_all_in(&mut tx, BY, &results).await?;
    if let Some((code, _)) = townships.first() {
        let group: i64 = platform::with_conn!(&mut tx, conn => sqlx::query_scalar(GROUP)
            .bind("卫生院工作人员").bind(code).bind(now).bind(BY).fetch_one(conn).await)?;
        for (person, _) in persons
            .iter()
            .filter(|p| p.1.starts_with(&code[..9]))
            .take(8)
        {
            platform::with_conn!(&mut tx, conn => sqlx::query(MEMBER)
                .bind(group).bind(person).bind(now).bind(BY)
                .execute(conn).await.map(|r| r.rows_affected()))?;
        }
        let ends = today.checked_add_days(Days::new(2)).unwrap_or(today);
        platform::with_conn!(&mut tx, conn => sqlx::query(ROUND)
            .bind("第一轮全员核酸检测").bind(code).bind(today).bind(ends).bind(now).bind(BY)
            .execute(conn).await.map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(())
}

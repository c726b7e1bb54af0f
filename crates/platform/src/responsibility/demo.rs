//! Demo assignments: nine in ten grids get their grid worker (the grid's own account, with its
//! village committee), nine in ten enterprises above designated size get a 包保 leader (their
//! township's duty officer, with the township office) and the district's industry department as
//! responsible department. The rest stay uncovered, so the coverage views show something.
//! Deterministic: the choice follows the order of codes and ids, not chance.

use chrono::{NaiveDate, Utc};
use domain::{AreaLevel, ResponsibilityRole};

use crate::db::Tx;
use crate::demo::DemoContext;

const BATCH: usize = 500;

struct Row {
    kind: &'static str,
    subject_id: Option<i64>,
    subject_area: Option<String>,
    role: &'static str,
    unit_id: Option<i64>,
    user_id: Option<i64>,
    area_code: String,
}

/// Whether the `i`th of `n` subjects stays uncovered: every tenth, and the last of several.
fn left_uncovered(i: usize, n: usize) -> bool {
    i % 10 == 9 || (n > 1 && i == n - 1)
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    let (lo, hi) = ctx.root.subtree_range();
    let db = &ctx.db;
    // Each grid's own account and its unit.
    const GRIDS: &str = "SELECT a.code, \
         (SELECT u.id FROM users u WHERE u.area_code = a.code AND u.role = 'grid' ORDER BY u.id LIMIT 1), \
         (SELECT u.unit_id FROM users u WHERE u.area_code = a.code AND u.role = 'grid' ORDER BY u.id LIMIT 1) \
         FROM areas a WHERE a.code >= $1 AND a.code < $2 AND a.level = $3 ORDER BY a.code";
    let grids: Vec<(String, Option<i64>, Option<i64>)> = crate::with_db!(db, pool => sqlx::query_as(GRIDS)
        .bind(&lo).bind(&hi).bind(AreaLevel::Grid.as_str()).fetch_all(pool).await)?;
    let mut rows = Vec::new();
    for (i, (code, user, unit)) in grids.iter().enumerate() {
        if left_uncovered(i, grids.len()) || user.is_none() {
            continue;
        }
        rows.push(Row {
            kind: "area",
            subject_id: None,
            subject_area: Some(code.clone()),
            role: ResponsibilityRole::GridWorker.as_str(),
            unit_id: *unit,
            user_id: *user,
            area_code: code.clone(),
        });
    }
    const ENTERPRISES: &str = "SELECT id, area_code FROM enterprises \
         WHERE above_size = TRUE AND area_code >= $1 AND area_code < $2 ORDER BY id";
    let enterprises: Vec<(i64, String)> = crate::with_db!(db, pool => sqlx::query_as(ENTERPRISES)
        .bind(&lo).bind(&hi).fetch_all(pool).await)?;
    // Township duty officers and district industry departments, by area code.
    const OFFICERS: &str = "SELECT area_code, id, unit_id FROM users \
         WHERE role = 'township' AND area_code >= $1 AND area_code < $2 ORDER BY id";
    let officers: Vec<(String, i64, Option<i64>)> = crate::with_db!(db, pool => sqlx::query_as(OFFICERS)
        .bind(&lo).bind(&hi).fetch_all(pool).await)?;
    const INDUSTRY: &str = "SELECT area_code, id FROM org_units \
         WHERE kind = 'department' AND area_code >= $1 AND area_code < $2 AND name LIKE $3 ORDER BY id";
    let industry: Vec<(String, i64)> = crate::with_db!(db, pool => sqlx::query_as(INDUSTRY)
        .bind(&lo).bind(&hi).bind("%工业和信息化局").fetch_all(pool).await)?;
    for (i, (id, area)) in enterprises.iter().enumerate() {
        if left_uncovered(i, enterprises.len()) {
            continue;
        }
        let township = format!("{}000", &area[..9]);
        if let Some((_, user, unit)) = officers.iter().find(|(a, ..)| *a == township) {
            rows.push(Row {
                kind: "enterprise",
                subject_id: Some(*id),
                subject_area: None,
                role: ResponsibilityRole::Leader.as_str(),
                unit_id: *unit,
                user_id: Some(*user),
                area_code: area.clone(),
            });
        }
        let district = format!("{}000000", &area[..6]);
        if let Some((_, unit)) = industry.iter().find(|(a, _)| *a == district) {
            rows.push(Row {
                kind: "enterprise",
                subject_id: Some(*id),
                subject_area: None,
                role: ResponsibilityRole::Department.as_str(),
                unit_id: Some(*unit),
                user_id: None,
                area_code: area.clone(),
            });
        }
    }
    let starts_on = NaiveDate::from_ymd_opt(2020, 2, 10).expect("a date");
    let now = Utc::now();
    let mut tx = db.begin().await?;
    for chunk in rows.chunks(BATCH) {
        flush(&mut tx, chunk, starts_on, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn flush(
    tx: &mut Tx,
    batch: &[Row],
    starts_on: NaiveDate,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    const COLUMNS: usize = 10;
    let rows: Vec<String> = (0..batch.len())
        .map(|i| {
            let b = i * COLUMNS;
            let p: Vec<String> = (1..=COLUMNS).map(|c| tx.param(b + c)).collect();
            format!(
                "({}, 1, {}, 'system:demo', {}, 'system:demo')",
                p[..8].join(", "),
                p[8],
                p[9]
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO responsibilities (subject_kind, subject_id, subject_area, role, unit_id, \
         user_id, area_code, starts_on, version, created_at, created_by, updated_at, updated_by) \
         VALUES {}",
        rows.join(", ")
    );
    crate::with_conn!(tx, conn => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for r in batch {
            q = q.bind(r.kind).bind(r.subject_id).bind(&r.subject_area).bind(r.role)
                .bind(r.unit_id).bind(r.user_id).bind(&r.area_code).bind(starts_on).bind(now).bind(now);
        }
        q.execute(conn).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn about_one_in_ten_stays_uncovered_and_always_one_of_several() {
        let uncovered = |n| (0..n).filter(|i| super::left_uncovered(*i, n)).count();
        assert_eq!(uncovered(800), 80);
        assert_eq!(uncovered(8), 1);
        assert_eq!(uncovered(1), 0);
        assert_eq!(uncovered(0), 0);
    }
}

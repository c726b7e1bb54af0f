//! Demo health checks over the last three days and today's closed windows: nine in ten due
//! checks recorded (a few fevers and symptoms among them), the rest missed. Checks missed before
//! yesterday are marked; yesterday's and today's are left for the `epidemic.missed_checks` job,
//! which opens their tickets on the first sweep. Deterministic for the demo seed; one statement
//! per day.

use chrono::{DateTime, Days, Utc};
use platform::db::Tx;
use platform::demo::DemoContext;
use rand::Rng;

use super::schedule;

const BY: &str = "system:demo";

struct Row {
    person_id: i64,
    key_person_id: i64,
    area_code: String,
    slot: i32,
    temperature_dc: i32,
    symptoms: &'static str,
    alarm: bool,
    recorded_at: DateTime<Utc>,
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    let mut rng = ctx.rng("epidemic.checks");
    let policy = crate::policy::load(&ctx.db).await?;
    let scope = ctx.root.subtree_range();
    let now = Utc::now();
    let today = schedule::beijing_day(now);
    let mut tx = ctx.db.begin().await?;
    for back in (0..=3u64).rev() {
        let Some(day) = today.checked_sub_days(Days::new(back)) else {
            continue;
        };
        let due = schedule::due_on(&ctx.db, &policy, &scope, day).await?;
        let mut rows = Vec::new();
        for d in &due {
            for slot in 1..=d.per_day {
                let Some((from, until)) = schedule::window(&policy, d.per_day, day, slot) else {
                    continue;
                };
                if until > now {
                    continue;
                }
                if rng.random_bool(0.1) {
                    if back >= 2 {
                        mark_missed(&mut tx, d, day, slot, now).await?;
                    }
                    continue;
                }
                let roll = rng.random_range(0..100);
                let (temperature_dc, symptoms) = match roll {
                    0..=2 => (rng.random_range(373..=386), "fever,cough"),
                    3..=5 => (rng.random_range(362..=370), "cough"),
                    _ => (rng.random_range(360..=371), ""),
                };
                let alarm = policy.is_fever(temperature_dc) || policy.alarming(symptoms.split(','));
                let minutes = (until - from).num_minutes().max(1);
                rows.push(Row {
                    person_id: d.person_id,
                    key_person_id: d.key_person_id,
                    area_code: d.area_code.clone(),
                    slot: slot as i32,
                    temperature_dc,
                    symptoms,
                    alarm,
                    recorded_at: from + chrono::TimeDelta::minutes(rng.random_range(0..minutes)),
                });
            }
        }
        insert(&mut tx, day, &rows).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn mark_missed(
    tx: &mut Tx,
    d: &schedule::Due,
    day: chrono::NaiveDate,
    slot: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    super::repo::mark_missed_in(
        tx,
        d.person_id,
        d.key_person_id,
        &d.area_code,
        day,
        slot,
        now,
    )
    .await?;
    Ok(())
}

async fn insert(tx: &mut Tx, day: chrono::NaiveDate, rows: &[Row]) -> anyhow::Result<()> {
    const COLUMNS: usize = 10;
    for chunk in rows.chunks(500) {
        // Bound by position (`Tx::param`), in the order they appear.
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=COLUMNS).map(|c| tx.param(i * COLUMNS + c)).collect();
                format!("({}, NULL, 'staff', {}, {})", p[..8].join(", "), p[8], p[9])
            })
            .collect();
        let sql = format!(
            "INSERT INTO epi_health_checks (person_id, key_person_id, area_code, on_date, slot, \
             temperature_dc, symptoms, alarm, ticket_id, via, recorded_at, recorded_by) VALUES {}",
            values.join(", ")
        );
        platform::with_conn!(tx, conn => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for r in chunk {
                q = q.bind(r.person_id).bind(r.key_person_id).bind(&r.area_code).bind(day)
                    .bind(r.slot).bind(r.temperature_dc).bind(r.symptoms).bind(r.alarm)
                    .bind(r.recorded_at).bind(BY);
            }
            q.execute(conn).await.map(|_| ())
        })?;
    }
    Ok(())
}

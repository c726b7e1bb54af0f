//! Thirty days of prevention inspections for the demo district: every enterprise that reopened
//! is inspected every week or so after it reopened (a quarter of them unannounced spot checks),
//! a few items fail now and then and open a rectification ticket; every enterprise the
//! resumption demo shows suspended gets the stop-work inspection that suspended it and, once
//! its reports show it working again, the passed re-inspection that lifted it — both on the
//! ticket's timeline. Deterministic for the seed; inspections and items in multi-row inserts,
//! tickets written directly (the kernel audits the demo once as `system.demo`).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeDelta, Utc};
use domain::{TimeLimit, WorkCalendar, WorkingHours};
use platform::db::Tx;
use platform::demo::DemoContext;
use platform::tickets::repo::{Event, Insert, append_event, insert};
use rand::Rng;

use super::repo;

const BATCH: usize = 400;

struct Planned {
    enterprise_id: i64,
    area_code: String,
    day: NaiveDate,
    kind: &'static str,
    items: Vec<bool>,
    stop_work: bool,
    /// Lifts the enterprise's suspension (a passed re-inspection).
    lifts: bool,
}

/// 10:00 Beijing on `day`.
fn morning(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(2, 0, 0).expect("a time").and_utc()
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    const ENTERPRISES: &str = "SELECT e.id, e.area_code, \
           (SELECT MIN(r.report_on) FROM eco_reports r WHERE r.enterprise_id = e.id \
            AND r.status IN ('partly_resumed', 'fully_resumed')) AS reopened, \
           (SELECT MIN(r.report_on) FROM eco_reports r WHERE r.enterprise_id = e.id AND r.status = 'suspended') AS s_from, \
           (SELECT MAX(r.report_on) FROM eco_reports r WHERE r.enterprise_id = e.id AND r.status = 'suspended') AS s_to \
         FROM enterprises e WHERE e.area_code >= $1 AND e.area_code < $2 ORDER BY e.id";
    const OFFICES: &str =
        "SELECT area_code, MIN(id) FROM org_units WHERE kind = 'township' GROUP BY area_code";
    type Found = (
        i64,
        String,
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<NaiveDate>,
    );
    let (lo, hi) = ctx.root.subtree_range();
    let enterprises: Vec<Found> = platform::with_db!(&ctx.db, pool => sqlx::query_as(ENTERPRISES)
        .bind(&lo).bind(&hi).fetch_all(pool).await)?;
    let offices: HashMap<String, i64> =
        platform::with_db!(&ctx.db, pool => sqlx::query_as::<_, (String, i64)>(OFFICES)
        .fetch_all(pool).await)?
        .into_iter()
        .collect();
    let Some(checklist) = repo::checklist(&ctx.db, None).await? else {
        return Ok(());
    };
    let items = checklist.items.len();
    let mut rng = ctx.rng("economy.inspections");
    let today = platform::responsibility::today();
    let mut planned = Vec::new();
    for (id, area, reopened, s_from, s_to) in enterprises {
        let Some(reopened) = reopened else { continue };
        let mut day = reopened + Duration::days(rng.random_range(1..6));
        while day <= today {
            let suspended = s_from.is_some_and(|f| day >= f)
                && s_to.is_some_and(|t| day <= t + Duration::days(1));
            if !suspended {
                let results: Vec<bool> = (0..items).map(|_| rng.random_bool(0.985)).collect();
                planned.push(Planned {
                    enterprise_id: id,
                    area_code: area.clone(),
                    day,
                    kind: if rng.random_bool(0.25) {
                        "spot"
                    } else {
                        "planned"
                    },
                    items: results,
                    stop_work: false,
                    lifts: false,
                });
            }
            day += Duration::days(rng.random_range(6..12));
        }
        if let (Some(from), Some(to)) = (s_from, s_to) {
            let mut results = vec![true; items];
            for _ in 0..2 {
                results[rng.random_range(0..items)] = false;
            }
            planned.push(Planned {
                enterprise_id: id,
                area_code: area.clone(),
                day: from,
                kind: if rng.random_bool(0.5) {
                    "spot"
                } else {
                    "planned"
                },
                items: results,
                stop_work: true,
                lifts: false,
            });
            if to < today {
                planned.push(Planned {
                    enterprise_id: id,
                    area_code: area.clone(),
                    day: to + Duration::days(1),
                    kind: "planned",
                    items: vec![true; items],
                    stop_work: false,
                    lifts: true,
                });
            }
        }
    }
    planned.sort_by_key(|p| (p.day, p.enterprise_id));
    let mut tx = ctx.db.begin().await?;
    // (enterprise, day) → inspection id, for the items and the suspensions.
    let mut ids: HashMap<(i64, NaiveDate), i64> = HashMap::new();
    for chunk in planned.chunks(BATCH) {
        insert_inspections(&mut tx, chunk, checklist.id, &offices, &mut ids).await?;
        insert_items(&mut tx, chunk, &checklist.items, &ids).await?;
    }
    let calendar = WorkCalendar::official();
    let hours = WorkingHours::default();
    let mut stopped: HashMap<i64, (i64, i64)> = HashMap::new();
    for p in &planned {
        let id = ids[&(p.enterprise_id, p.day)];
        let failed: Vec<&str> = checklist
            .items
            .iter()
            .zip(&p.items)
            .filter(|(_, ok)| !**ok)
            .map(|(l, _)| l.as_str())
            .collect();
        if p.lifts {
            if let Some((suspension, ticket)) = stopped.remove(&p.enterprise_id) {
                repo::lift_in(&mut tx, suspension, id, p.day).await?;
                let at = morning(p.day);
                let detail = format!("{} 复查合格，解除停工整改。", p.day);
                line(&mut tx, ticket, "reinspection", Some("passed"), &detail, at).await?;
                close(&mut tx, ticket, at).await?;
                set_reinspection(&mut tx, id, ticket).await?;
            }
            continue;
        }
        if failed.is_empty() {
            continue;
        }
        let opened = morning(p.day) + TimeDelta::minutes(rng.random_range(0..240));
        let limit = TimeLimit::WorkingDays(if p.stop_work { 3 } else { 10 });
        let due = domain::deadline::due(opened, limit, &calendar, &hours).value;
        let (owner_unit, owner_user) = platform::tickets::routing::default_owner(
            &ctx.db,
            "enterprise",
            p.enterprise_id,
            today,
        )
        .await?;
        let team = township_office(&offices, &p.area_code);
        let title = "复工企业防疫检查整改";
        let description = format!("{} 防疫检查不合格项目：{}", p.day, failed.join("；"));
        let old = (today - p.day).num_days() > 12 && !p.stop_work;
        let limit_text = limit.to_string();
        let ticket = insert(
            &mut tx,
            &Insert {
                kind: "rectification",
                title,
                description: Some(&description),
                subject: Some(("enterprise", p.enterprise_id)),
                area_code: &p.area_code,
                source: "inspection",
                priority: if p.stop_work { "high" } else { "normal" },
                state: if old {
                    "closed"
                } else if owner_unit.is_some() || owner_user.is_some() {
                    "dispatched"
                } else {
                    "reported"
                },
                dispatcher_unit_id: team,
                owner_unit_id: owner_unit,
                owner_user_id: owner_user,
                verifier_unit_id: team,
                reporter_user_id: None,
                reporter_name: None,
                reporter_phone: None,
                time_limit: &limit_text,
                due_at: due,
            },
            opened,
            "demo",
        )
        .await?;
        line(&mut tx, ticket, "create", None, &description, opened).await?;
        if old {
            close(&mut tx, ticket, opened + TimeDelta::days(5)).await?;
        }
        set_ticket(&mut tx, id, ticket).await?;
        if p.stop_work {
            let detail = format!(
                "{} 检查责令停工整改，不合格项目：{}",
                p.day,
                failed.join("；")
            );
            line(&mut tx, ticket, "stop_work", None, &detail, opened).await?;
            repo::suspend_in(
                &mut tx,
                p.enterprise_id,
                &p.area_code,
                id,
                Some(ticket),
                p.day,
            )
            .await?;
            let suspension: i64 = {
                const SQL: &str = "SELECT MAX(id) FROM eco_suspensions WHERE enterprise_id = $1";
                platform::with_conn!(&mut tx, conn => sqlx::query_scalar(SQL).bind(p.enterprise_id).fetch_one(conn).await)?
            };
            stopped.insert(p.enterprise_id, (suspension, ticket));
        }
    }
    tx.commit().await?;
    Ok(())
}

fn township_office(offices: &HashMap<String, i64>, area: &str) -> Option<i64> {
    let township = domain::DivisionCode::parse(area)
        .ok()
        .and_then(|mut code| {
            while code.as_str().len() > 9 {
                code = code.parent()?;
            }
            Some(code.as_str().to_string())
        })?;
    offices.get(&township).copied()
}

async fn insert_inspections(
    tx: &mut Tx,
    chunk: &[Planned],
    checklist: i64,
    offices: &HashMap<String, i64>,
    ids: &mut HashMap<(i64, NaiveDate), i64>,
) -> anyhow::Result<()> {
    const COLUMNS: usize = 9;
    let rows: Vec<String> = (0..chunk.len())
        .map(|i| {
            let b = i * COLUMNS;
            let cols: Vec<String> = (1..=COLUMNS).map(|c| tx.param(b + c)).collect();
            format!("({}, 'demo')", cols.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO eco_inspections (enterprise_id, area_code, checklist_id, kind, team_unit_id, \
         inspected_on, passed, stop_work, created_at, created_by) VALUES {} \
         RETURNING id, enterprise_id, inspected_on",
        rows.join(", ")
    );
    let stored: Vec<(i64, i64, NaiveDate)> = platform::with_conn!(tx, conn => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for p in chunk {
            q = q.bind(p.enterprise_id).bind(&p.area_code).bind(checklist).bind(p.kind)
                .bind(township_office(offices, &p.area_code)).bind(p.day)
                .bind(p.items.iter().all(|ok| *ok)).bind(p.stop_work).bind(morning(p.day));
        }
        q.fetch_all(conn).await
    })?;
    for (id, enterprise, day) in stored {
        ids.insert((enterprise, day), id);
    }
    Ok(())
}

async fn insert_items(
    tx: &mut Tx,
    chunk: &[Planned],
    labels: &[String],
    ids: &HashMap<(i64, NaiveDate), i64>,
) -> anyhow::Result<()> {
    let mut values = Vec::new();
    let mut n = 0;
    for p in chunk {
        for _ in &p.items {
            values.push(format!(
                "({}, {}, {}, {})",
                tx.param(n + 1),
                tx.param(n + 2),
                tx.param(n + 3),
                tx.param(n + 4)
            ));
            n += 4;
        }
    }
    let sql = format!(
        "INSERT INTO eco_inspection_items (inspection_id, position, label, passed) VALUES {}",
        values.join(", ")
    );
    platform::with_conn!(tx, conn => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for p in chunk {
            let id = ids[&(p.enterprise_id, p.day)];
            for (i, ok) in p.items.iter().enumerate() {
                q = q.bind(id).bind(i as i32 + 1).bind(labels[i].as_str()).bind(*ok);
            }
        }
        q.execute(conn).await.map(|_| ())
    })?;
    Ok(())
}

async fn line(
    tx: &mut Tx,
    ticket: i64,
    action: &str,
    reason: Option<&str>,
    detail: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    append_event(
        tx,
        ticket,
        &Event {
            action,
            from_state: None,
            to_state: if action == "create" {
                Some("reported")
            } else {
                None
            },
            reason,
            detail: Some(detail),
        },
        at,
        "demo",
    )
    .await?;
    Ok(())
}

async fn close(tx: &mut Tx, ticket: i64, at: DateTime<Utc>) -> anyhow::Result<()> {
    const SQL: &str =
        "UPDATE tickets SET state = 'closed', closed_at = $2, due_at = NULL WHERE id = $1";
    platform::with_conn!(tx, conn => sqlx::query(SQL).bind(ticket).bind(at).execute(conn).await.map(|_| ()))?;
    append_event(
        tx,
        ticket,
        &Event {
            action: "close",
            from_state: Some("verified"),
            to_state: Some("closed"),
            reason: None,
            detail: None,
        },
        at,
        "demo",
    )
    .await?;
    Ok(())
}

async fn set_ticket(tx: &mut Tx, inspection: i64, ticket: i64) -> anyhow::Result<()> {
    repo::set_ticket_in(tx, inspection, ticket).await?;
    Ok(())
}

/// A re-inspection names the stop-work inspection it re-inspects.
async fn set_reinspection(tx: &mut Tx, inspection: i64, ticket: i64) -> anyhow::Result<()> {
    const SQL: &str = "UPDATE eco_inspections SET reinspection_of = \
         (SELECT MIN(id) FROM eco_inspections WHERE ticket_id = $2) WHERE id = $1";
    platform::with_conn!(tx, conn => sqlx::query(SQL).bind(inspection).bind(ticket).execute(conn).await.map(|_| ()))?;
    Ok(())
}

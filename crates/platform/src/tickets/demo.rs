//! Demo tickets: four matters per village, so every inbox and ledger has work to show — one
//! dispatched to the village committee, one overdue (escalated where it is long overdue), one
//! handled and waiting for the township office's verification, one closed. Opened by the township
//! office, with deadlines on the official calendar. Deterministic for the demo seed.

use chrono::{TimeDelta, Utc};
use domain::{DivisionCode, TimeLimit, WorkCalendar, WorkingHours};
use rand::Rng;

use super::repo::{self, Event, Insert};
use crate::demo::DemoContext;

const MATTERS: &[(&str, &str)] = &[
    ("general", "背街小巷垃圾堆放清理"),
    ("general", "路灯损坏报修"),
    ("general", "独居老人走访发现屋顶漏雨"),
    ("complaint", "夜间施工噪音扰民"),
    ("complaint", "小区停车位被占用"),
    ("rectification", "农贸市场消毒记录不全整改"),
    ("rectification", "复工企业测温登记不规范整改"),
    ("general", "井盖缺失安全隐患"),
];

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    const VILLAGES: &str = "SELECT a.code, MIN(u.id) FROM areas a JOIN org_units u ON u.area_code = a.code \
         WHERE a.level = 'village' GROUP BY a.code ORDER BY a.code";
    const UNIT_AT: &str = "SELECT MIN(id) FROM org_units WHERE area_code = $1";
    let villages: Vec<(String, i64)> =
        crate::with_db!(&ctx.db, pool => sqlx::query_as(VILLAGES).fetch_all(pool).await)?;
    let mut rng = ctx.rng("tickets");
    let calendar = WorkCalendar::official();
    let hours = WorkingHours::default();
    let now = Utc::now();
    let mut tx = ctx.db.begin().await?;
    for (village, committee) in villages {
        let township = DivisionCode::parse(&village)?
            .parent()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        let office: Option<i64> = crate::with_conn!(&mut tx, conn => sqlx::query_scalar(UNIT_AT)
            .bind(&township).fetch_one(conn).await)?;
        for (n, stage) in ["dispatched", "overdue", "handled", "closed"]
            .iter()
            .enumerate()
        {
            let (kind, title) = MATTERS[(rng.random_range(0..MATTERS.len()) + n) % MATTERS.len()];
            let limit = TimeLimit::WorkingDays(if kind == "complaint" { 13 } else { 5 });
            let days_ago = match *stage {
                "overdue" => rng.random_range(20..40),
                "closed" => rng.random_range(10..30),
                _ => rng.random_range(0..3),
            };
            let opened =
                now - TimeDelta::days(days_ago) - TimeDelta::minutes(rng.random_range(0..600));
            let due = domain::deadline::due(opened, limit, &calendar, &hours).value;
            let state = match *stage {
                "overdue" => "in_progress",
                s => s,
            };
            let limit_text = limit.to_string();
            let id = repo::insert(
                &mut tx,
                &Insert {
                    kind,
                    title,
                    description: None,
                    subject: None,
                    area_code: &village,
                    source: if kind == "complaint" {
                        "hotline"
                    } else {
                        "grid_patrol"
                    },
                    priority: "normal",
                    state,
                    dispatcher_unit_id: office,
                    owner_unit_id: Some(committee),
                    owner_user_id: None,
                    verifier_unit_id: None,
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
            let mut steps = vec![
                ("create", None, Some("reported")),
                ("dispatch", Some("reported"), Some("dispatched")),
            ];
            match *stage {
                "overdue" => steps.push(("accept", Some("dispatched"), Some("in_progress"))),
                "handled" => {
                    steps.push(("accept", Some("dispatched"), Some("in_progress")));
                    steps.push(("handle", Some("in_progress"), Some("handled")));
                }
                "closed" => {
                    steps.push(("accept", Some("dispatched"), Some("in_progress")));
                    steps.push(("handle", Some("in_progress"), Some("handled")));
                    steps.push(("verify", Some("handled"), Some("verified")));
                    steps.push(("close", Some("verified"), Some("closed")));
                }
                _ => {}
            }
            for (i, (action, from, to)) in steps.iter().enumerate() {
                let at = opened + TimeDelta::hours(i as i64 * 3);
                repo::append_event(
                    &mut tx,
                    id,
                    &Event {
                        action,
                        from_state: *from,
                        to_state: *to,
                        reason: None,
                        detail: None,
                    },
                    at,
                    "demo",
                )
                .await?;
            }
            match *stage {
                "overdue" => {
                    const SQL: &str =
                        "UPDATE tickets SET overdue_at = due_at, warned_at = due_at WHERE id = $1";
                    crate::with_conn!(&mut tx, conn => sqlx::query(SQL).bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
                    repo::append_event(
                        &mut tx,
                        id,
                        &Event {
                            action: "overdue",
                            from_state: None,
                            to_state: None,
                            reason: None,
                            detail: None,
                        },
                        due,
                        "system:tickets",
                    )
                    .await?;
                }
                "closed" => {
                    const SQL: &str =
                        "UPDATE tickets SET closed_at = $2, callback_done = TRUE WHERE id = $1";
                    let closed = opened + TimeDelta::hours(12);
                    crate::with_conn!(&mut tx, conn => sqlx::query(SQL).bind(id).bind(closed).execute(conn).await.map(|r| r.rows_affected()))?;
                }
                _ => {}
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

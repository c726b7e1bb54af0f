//! Demo needs: about one enterprise in twelve has filed a need over the 30 days, at every stage
//! — just filed with its department, being handled, answered and waiting for the rating, rated
//! and closed, and a few past their deadline. Routed by category like a real one; filed by the
//! enterprise's account where it has one. Deterministic for the seed; tickets written directly
//! (the kernel audits the demo once), links in multi-row inserts.

use chrono::{DateTime, Duration, TimeDelta, Utc};
use domain::{TimeLimit, WorkCalendar, WorkingHours};
use platform::demo::DemoContext;
use platform::tickets::repo::{Event, Insert, append_event, insert};
use rand::Rng;

use super::model::{CATEGORIES, KIND};

const MATTERS: [(&str, &str, &str); 7] = [
    (
        "labour",
        "外地员工返岗难，需协调包车接返",
        "已协调专车两辆，下周一接返。",
    ),
    (
        "finance",
        "流动资金紧张，申请贷款展期三个月",
        "已对接银行，同意展期三个月。",
    ),
    (
        "supply_chain",
        "上游配件企业未复工，影响生产",
        "已联系配件企业所在地，预计三日内复工。",
    ),
    (
        "raw_materials",
        "原材料运输受阻，库存仅够三天",
        "已开具重点物资运输通行证明。",
    ),
    (
        "logistics",
        "货车通行证办理咨询",
        "已告知办理流程，当日可办结。",
    ),
    (
        "policy",
        "咨询社保费减免政策",
        "已送达政策解读，可按月申请减免。",
    ),
    (
        "ppe",
        "口罩和消毒液储备不足",
        "已协调本区生产企业优先供应。",
    ),
];

/// A line of the timeline: action, from, to, reason.
type Step<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);

const STAGES: [&str; 5] = ["dispatched", "in_progress", "handled", "closed", "overdue"];

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    const ENTERPRISES: &str = "SELECT e.id, e.area_code, (SELECT MIN(u.id) FROM users u WHERE u.enterprise_id = e.id) \
         FROM enterprises e WHERE e.area_code >= $1 AND e.area_code < $2 ORDER BY e.id";
    let (lo, hi) = ctx.root.subtree_range();
    let enterprises: Vec<(i64, String, Option<i64>)> = platform::with_db!(&ctx.db, pool => sqlx::query_as(ENTERPRISES)
        .bind(&lo).bind(&hi).fetch_all(pool).await)?;
    // Departments per (category, district): one lookup each.
    let mut routes: std::collections::HashMap<(usize, String), Option<i64>> = Default::default();
    let mut rng = ctx.rng("economy.needs");
    let calendar = WorkCalendar::official();
    let hours = WorkingHours::default();
    let now = Utc::now();
    let mut links: Vec<(i64, i64, String, &str, DateTime<Utc>)> = Vec::new();
    let mut tx = ctx.db.begin().await?;
    for (id, area, account) in enterprises {
        // Every enterprise with an account has a need to show, as do the first ten (so even a
        // tiny district has every stage); about one in twelve others.
        if account.is_none() && links.len() >= 10 && !rng.random_bool(1.0 / 12.0) {
            continue;
        }
        let m = rng.random_range(0..MATTERS.len());
        let (category, title, answer) = MATTERS[m];
        let stage = STAGES[links.len() % STAGES.len()];
        let days_ago = match stage {
            "overdue" => rng.random_range(10..25),
            "closed" => rng.random_range(5..28),
            "handled" => rng.random_range(2..6),
            _ => rng.random_range(0..2),
        };
        let opened = now - Duration::days(days_ago) - TimeDelta::minutes(rng.random_range(0..600));
        let limit = TimeLimit::WorkingDays(5);
        let due = domain::deadline::due(opened, limit, &calendar, &hours).value;
        let c = CATEGORIES.iter().position(|c| *c == category).unwrap_or(0);
        let district = area.chars().take(6).collect::<String>();
        let owner = match routes.get(&(c, district.clone())) {
            Some(found) => *found,
            None => {
                let found = super::repo::route_of(&ctx.db, category, &area).await?;
                routes.insert((c, district), found);
                found
            }
        };
        let state = match stage {
            "overdue" => "in_progress",
            s => s,
        };
        let limit_text = limit.to_string();
        let ticket = insert(
            &mut tx,
            &Insert {
                kind: KIND,
                title,
                description: None,
                subject: Some(("enterprise", id)),
                area_code: &area,
                source: "manual",
                priority: "normal",
                state,
                dispatcher_unit_id: None,
                owner_unit_id: owner,
                owner_user_id: None,
                verifier_unit_id: None,
                reporter_user_id: account,
                reporter_name: None,
                reporter_phone: None,
                time_limit: &limit_text,
                due_at: due,
            },
            opened,
            "demo",
        )
        .await?;
        let mut steps: Vec<Step> = vec![
            ("create", None, Some("reported"), None),
            ("dispatch", Some("reported"), Some("dispatched"), None),
        ];
        if stage != "dispatched" {
            steps.push(("accept", Some("dispatched"), Some("in_progress"), None));
        }
        if matches!(stage, "handled" | "closed") {
            steps.push(("handle", Some("in_progress"), Some("handled"), Some(answer)));
        }
        if stage == "closed" {
            steps.push(("callback", None, None, Some("satisfied")));
            steps.push(("close", Some("handled"), Some("closed"), None));
        }
        for (i, (action, from, to, reason)) in steps.iter().enumerate() {
            append_event(
                &mut tx,
                ticket,
                &Event {
                    action,
                    from_state: *from,
                    to_state: *to,
                    reason: *reason,
                    detail: None,
                },
                opened + TimeDelta::hours(i as i64 * 5),
                "demo",
            )
            .await?;
        }
        match stage {
            "overdue" => {
                const SQL: &str =
                    "UPDATE tickets SET overdue_at = due_at, warned_at = due_at WHERE id = $1";
                platform::with_conn!(&mut tx, conn => sqlx::query(SQL).bind(ticket).execute(conn).await.map(|_| ()))?;
            }
            "closed" => {
                const SQL: &str = "UPDATE tickets SET closed_at = $2, due_at = NULL, callback_done = TRUE, \
                     rating = 'satisfied' WHERE id = $1";
                platform::with_conn!(&mut tx, conn => sqlx::query(SQL).bind(ticket)
                    .bind(opened + TimeDelta::hours(30)).execute(conn).await.map(|_| ()))?;
            }
            _ => {}
        }
        links.push((ticket, id, area, category, opened));
    }
    for chunk in links.chunks(500) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 5;
                let p: Vec<String> = (1..=5).map(|c| tx.param(b + c)).collect();
                format!("({}, 'demo')", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO eco_needs (ticket_id, enterprise_id, area_code, category, filed_at, filed_by) VALUES {}",
            rows.join(", ")
        );
        platform::with_conn!(&mut tx, conn => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (ticket, id, area, category, at) in chunk {
                q = q.bind(*ticket).bind(*id).bind(area.as_str()).bind(*category).bind(*at);
            }
            q.execute(conn).await.map(|_| ())
        })?;
    }
    tx.commit().await?;
    Ok(())
}

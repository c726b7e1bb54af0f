//! The missed-check sweep (job `epidemic.missed_checks`, every minute on one node): every due
//! check of yesterday and today whose window closed more than `missed_check_grace_minutes` ago
//! without a check is marked missed once and opens a high-priority ticket to the site doctor or
//! the grid worker, which the kernel's `tickets.deadlines` job escalates when overdue.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Days, TimeDelta, Utc};
use futures::FutureExt;
use platform::audit::{self, Actor, Event};
use platform::i18n::Lang;
use platform::module::JobDef;
use platform::state::AppState;

use super::service::{TicketSpec, open_ticket_in, opener_for, owner_for};
use super::{repo, schedule};

pub const JOB: &str = "epidemic.missed_checks";

pub fn job() -> JobDef {
    JobDef {
        name: JOB,
        every: Duration::from_secs(60),
        run: |state| {
            async move {
                let opened = sweep(&state, Utc::now()).await?;
                if opened > 0 {
                    tracing::info!(opened, "missed health checks");
                }
                Ok(())
            }
            .boxed()
        },
    }
}

/// One sweep at `now`: answers how many checks it marked missed (each with its ticket).
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let db = state.db();
    let policy = crate::policy::load(db).await?;
    let grace = TimeDelta::minutes(i64::from(policy.missed_check_grace_minutes));
    let today = schedule::beijing_day(now);
    // Every area code is digits: this range holds them all.
    let everywhere = ("0".to_string(), ":".to_string());
    let actor = Actor::system(JOB);
    let tr = state.tr(Lang::ZhCn);
    let mut opened = 0;
    for day in [today.checked_sub_days(Days::new(1)).unwrap_or(today), today] {
        let due = schedule::due_on(db, &policy, &everywhere, day).await?;
        if due.is_empty() {
            continue;
        }
        let mut seen: HashSet<(i64, i32)> = repo::on_day(db, &everywhere, day)
            .await?
            .into_iter()
            .map(|c| (c.person_id, c.slot))
            .collect();
        seen.extend(repo::missed_on(db, &everywhere, day).await?);
        for d in &due {
            for slot in 1..=d.per_day {
                if seen.contains(&(d.person_id, slot as i32)) {
                    continue;
                }
                let Some((_, until)) = schedule::window(&policy, d.per_day, day, slot) else {
                    continue;
                };
                if until + grace > now {
                    continue;
                }
                let opener = opener_for(db, None, JOB, d.person_id, &d.area_code).await?;
                let owner = owner_for(db, d.person_id, today).await?;
                let mut tx = db.begin().await?;
                if !repo::mark_missed_in(
                    &mut tx,
                    d.person_id,
                    d.key_person_id,
                    &d.area_code,
                    day,
                    slot,
                    now,
                )
                .await?
                {
                    // Another node marked it meanwhile.
                    tx.rollback().await?;
                    continue;
                }
                let slot_text = slot.to_string();
                let day_text = day.to_string();
                let title = tr.f(
                    "checks.ticket.missed_title",
                    &[
                        ("name", &d.person_name),
                        ("date", &day_text),
                        ("slot", &slot_text),
                    ],
                );
                let window = policy.windows(d.per_day)[slot as usize - 1].clone();
                let description = tr.f(
                    "checks.ticket.missed_description",
                    &[("from", &window.from), ("until", &window.until)],
                );
                let ticket = open_ticket_in(
                    state,
                    &mut tx,
                    &actor,
                    &opener,
                    &TicketSpec {
                        kind: crate::kinds::MISSED_CHECK,
                        priority: "high",
                        title,
                        description: Some(description),
                        person_id: d.person_id,
                        area_code: &d.area_code,
                        owner,
                    },
                )
                .await?;
                repo::set_missed_ticket_in(&mut tx, d.person_id, day, slot, ticket).await?;
                let event = Event::new("epidemic.check.missed")
                    .record(
                        super::service::RECORD_KIND,
                        format!("{}:{day}:{slot}", d.person_id),
                    )
                    .area(&d.area_code)
                    .after(serde_json::json!({"person_id": d.person_id, "on_date": day,
                        "slot": slot, "ticket_id": ticket}));
                audit::append(&mut tx, &actor, event).await?;
                tx.commit().await?;
                opened += 1;
            }
        }
    }
    Ok(opened)
}

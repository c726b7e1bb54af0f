//! The deadline sweep (job `tickets.deadlines`, every minute on one node): warns the owner when
//! less than a quarter of the time limit (at most one working day, at least an hour) is left,
//! marks open tickets overdue at their deadline, and escalates (督办) to the owner's superior
//! unit after `ticket_escalate_after_hours` overdue. Each step is on the timeline and in the
//! inbox, and happens once.

use chrono::{DateTime, TimeDelta, Utc};

use super::model::TicketRow;
use super::repo::{self, Event, Moved};
use crate::audit::{self, Actor};
use crate::error::AppResult;
use crate::state::AppState;

/// Open states whose clock runs.
const RUNNING: &str = "('reported', 'filed', 'dispatched', 'in_progress', 'returned')";

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub warned: u32,
    pub overdue: u32,
    pub escalated: u32,
}

fn warn_before(t: &TicketRow) -> TimeDelta {
    let total = t.due_at.map(|d| d - t.clock_from).unwrap_or_default();
    (total / 4).clamp(TimeDelta::hours(1), TimeDelta::hours(24))
}

async fn candidates(state: &AppState, now: DateTime<Utc>) -> AppResult<Vec<TicketRow>> {
    // Everything due within a day, or overdue and not yet escalated.
    let sql = format!(
        "SELECT {} FROM tickets WHERE state IN {RUNNING} AND due_at IS NOT NULL AND due_at <= $1 \
         AND escalation_level = 0 ORDER BY due_at LIMIT 500",
        repo::COLUMNS
    );
    let horizon = now + TimeDelta::hours(24);
    Ok(
        crate::with_db!(state.db(), pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(horizon).fetch_all(pool).await)?,
    )
}

/// One sweep at `now`.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> AppResult<Swept> {
    let escalate_after = TimeDelta::hours(i64::from(state.config().ticket_escalate_after_hours));
    let actor = Actor::system("tickets");
    let mut swept = Swept::default();
    for t in candidates(state, now).await? {
        let Some(due) = t.due_at else { continue };
        let step = match t.overdue_at {
            Some(o) if now - o >= escalate_after => "escalate",
            Some(_) => continue,
            None if due <= now => "overdue",
            None if t.warned_at.is_none() && due - now <= warn_before(&t) => "warn",
            None => continue,
        };
        let mut moved = Moved::from_row(&t);
        let mut tx = state.db().begin().await?;
        let (notice_unit, notice_user) = match step {
            "escalate" => {
                moved.escalation_level = 1;
                moved.escalated_at = Some(now);
                let superior = match t.owner_unit_id {
                    Some(unit) => super::service::superior_unit(&mut tx, unit).await?,
                    None => None,
                };
                (superior.or(t.dispatcher_unit_id), None)
            }
            "overdue" => {
                moved.overdue_at = Some(now);
                moved.warned_at = moved.warned_at.or(Some(now));
                (t.owner_unit_id, t.owner_user_id)
            }
            _ => {
                moved.warned_at = Some(now);
                (t.owner_unit_id, t.owner_user_id)
            }
        };
        if !repo::write_move(&mut tx, t.id, t.version, &moved, now, &actor.name).await? {
            // Moved by someone meanwhile: the next sweep looks again.
            tx.rollback().await?;
            continue;
        }
        match step {
            "escalate" => swept.escalated += 1,
            "overdue" => swept.overdue += 1,
            _ => swept.warned += 1,
        }
        repo::append_event(
            &mut tx,
            t.id,
            &Event {
                action: step,
                from_state: None,
                to_state: None,
                reason: None,
                detail: Some(&due.to_rfc3339()),
            },
            now,
            &actor.name,
        )
        .await?;
        repo::notify(&mut tx, t.id, notice_unit, notice_user, step, now).await?;
        if step == "escalate" {
            repo::notify(&mut tx, t.id, t.owner_unit_id, t.owner_user_id, step, now).await?;
        }
        let event = audit::Event::new(&format!("ticket.{step}"))
            .record(super::service::RECORD_KIND, t.id)
            .area(&t.area_code);
        audit::append(&mut tx, &actor, event).await?;
        tx.commit().await?;
    }
    Ok(swept)
}

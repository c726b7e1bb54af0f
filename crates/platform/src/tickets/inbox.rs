//! "My work" (我的待办): what the user or their unit must do on tickets — handle, verify,
//! dispatch — what is overdue, and the notices of warnings and escalations.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{TicketRow, TicketView};
use super::repo;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::AppResult;

/// Items per section.
const SECTION: i64 = 100;

#[derive(Debug, Serialize, ToSchema)]
pub struct Inbox {
    /// Assigned to me or my unit, to accept or to handle.
    pub todo: Vec<TicketView>,
    /// Of those, past their deadline.
    pub overdue: Vec<TicketView>,
    /// Handled, waiting for my unit's verification.
    pub to_verify: Vec<TicketView>,
    /// Reported or returned, waiting for my unit to dispatch.
    pub to_dispatch: Vec<TicketView>,
    /// Unread warnings, overdue marks, escalations and assignments.
    pub notices: Vec<Notice>,
}

impl Inbox {
    /// What the navigation's badge counts: to do, to verify, to dispatch.
    pub fn count(&self) -> usize {
        self.todo.len() + self.to_verify.len() + self.to_dispatch.len()
    }
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub ticket_id: i64,
    /// `assigned`, `verify`, `returned`, `warn`, `overdue`, `escalate`, `escalated`,
    /// `extended`, `reopened`.
    pub kind: String,
    pub at: DateTime<Utc>,
    pub title: String,
}

async fn tickets(db: &Db, condition: &str, user: &CurrentUser) -> AppResult<Vec<TicketView>> {
    // Every section binds the same three values; PostgreSQL wants each one used and typed.
    let sql = format!(
        "SELECT {} FROM tickets WHERE {condition} AND CAST($1 AS BIGINT) > -2 \
         AND CAST($2 AS BIGINT) > -2 AND CAST($3 AS TEXT) IS NOT NULL ORDER BY due_at IS NULL, due_at, id LIMIT {SECTION}",
        repo::COLUMNS
    );
    let rows: Vec<TicketRow> = crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(user.id).bind(user.unit_id.unwrap_or(-1)).bind(&user.username)
        .fetch_all(pool).await)?;
    Ok(rows.into_iter().map(TicketView::from_row).collect())
}

/// `$1` the user, `$2` the unit (or -1), `$3` the user name.
const MINE: &str = "(owner_user_id = $1 OR owner_unit_id = $2)";
const MY_DISPATCH: &str =
    "(dispatcher_unit_id = $2 OR (dispatcher_unit_id IS NULL AND created_by = $3))";

pub async fn of(db: &Db, user: &CurrentUser) -> AppResult<Inbox> {
    let todo = tickets(
        db,
        &format!("{MINE} AND state IN ('dispatched', 'in_progress')"),
        user,
    )
    .await?;
    let overdue = todo
        .iter()
        .filter(|t| t.overdue_at.is_some())
        .cloned()
        .collect();
    let to_verify = tickets(
        db,
        &format!(
            "state = 'handled' AND (verifier_unit_id = $2 OR (verifier_unit_id IS NULL AND {MY_DISPATCH}))"
        ),
        user,
    )
    .await?;
    let to_dispatch = tickets(
        db,
        &format!("state IN ('reported', 'filed', 'returned') AND {MY_DISPATCH}"),
        user,
    )
    .await?;
    const NOTICES: &str = "SELECT n.id, n.ticket_id, n.kind, n.at, t.title FROM ticket_notices n \
         JOIN tickets t ON t.id = n.ticket_id \
         WHERE (n.user_id = $1 OR n.unit_id = $2) AND n.read_at IS NULL ORDER BY n.id DESC LIMIT 50";
    let notices: Vec<Notice> = crate::with_db!(db, pool => sqlx::query_as(NOTICES)
        .bind(user.id).bind(user.unit_id.unwrap_or(-1)).fetch_all(pool).await)?;
    Ok(Inbox {
        todo,
        overdue,
        to_verify,
        to_dispatch,
        notices,
    })
}

/// Marks the user's (and their unit's) notices read up to `up_to`.
pub async fn mark_read(db: &Db, user: &CurrentUser, up_to: i64) -> AppResult<u64> {
    const SQL: &str = "UPDATE ticket_notices SET read_at = $4 WHERE (user_id = $1 OR unit_id = $2) \
         AND id <= $3 AND read_at IS NULL";
    Ok(crate::with_db!(db, pool => sqlx::query(SQL)
        .bind(user.id).bind(user.unit_id.unwrap_or(-1)).bind(up_to).bind(Utc::now())
        .execute(pool).await.map(|r| r.rows_affected()))?)
}

/// What the navigation counts beside "我的待办": tickets to handle, verify or dispatch.
pub async fn count(db: &Db, user: &CurrentUser) -> AppResult<u64> {
    let sql = format!(
        "SELECT COUNT(*) FROM tickets WHERE ({MINE} AND state IN ('dispatched', 'in_progress')) \
         OR (state = 'handled' AND (verifier_unit_id = $2 OR (verifier_unit_id IS NULL AND {MY_DISPATCH}))) \
         OR (state IN ('reported', 'filed', 'returned') AND {MY_DISPATCH})"
    );
    let n: i64 = crate::with_db!(db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(user.id).bind(user.unit_id.unwrap_or(-1)).bind(&user.username)
        .fetch_one(pool).await)?;
    Ok(n as u64)
}

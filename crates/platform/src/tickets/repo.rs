//! Ticket storage. Every SQL string about tickets lives here.

use chrono::{DateTime, Utc};

use super::model::{TicketRow, TimelineEntry};
use crate::db::{Db, Tx};

pub const COLUMNS: &str = "id, kind, title, description, subject_kind, subject_id, area_code, source, \
     priority, state, paused_from, dispatcher_unit_id, owner_unit_id, owner_user_id, verifier_unit_id, \
     reporter_user_id, reporter_name, reporter_phone, time_limit, clock_from, extended_due, due_at, \
     warned_at, overdue_at, escalated_at, escalation_level, callback_done, rating, reopened_by_rating, \
     closed_at, version, \
     created_at, created_by, updated_at, updated_by";

pub async fn get(db: &Db, id: i64) -> Result<Option<TicketRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM tickets WHERE id = $1");
    crate::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)
}

pub async fn get_in(tx: &mut Tx, id: i64) -> Result<Option<TicketRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM tickets WHERE id = $1");
    crate::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(conn).await)
}

/// The fields of a new ticket.
pub struct Insert<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub subject: Option<(&'a str, i64)>,
    pub area_code: &'a str,
    pub source: &'a str,
    pub priority: &'a str,
    pub state: &'a str,
    pub dispatcher_unit_id: Option<i64>,
    pub owner_unit_id: Option<i64>,
    pub owner_user_id: Option<i64>,
    pub verifier_unit_id: Option<i64>,
    pub reporter_user_id: Option<i64>,
    pub reporter_name: Option<&'a str>,
    pub reporter_phone: Option<&'a str>,
    pub time_limit: &'a str,
    pub due_at: DateTime<Utc>,
}

pub async fn insert(
    tx: &mut Tx,
    t: &Insert<'_>,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO tickets (kind, title, description, subject_kind, subject_id, area_code, \
         source, priority, state, dispatcher_unit_id, owner_unit_id, owner_user_id, verifier_unit_id, \
         reporter_user_id, reporter_name, reporter_phone, time_limit, clock_from, due_at, version, \
         created_at, created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, 1, $18, $20, $18, $20) RETURNING id";
    crate::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(t.kind).bind(t.title).bind(t.description)
        .bind(t.subject.map(|s| s.0)).bind(t.subject.map(|s| s.1))
        .bind(t.area_code).bind(t.source).bind(t.priority).bind(t.state)
        .bind(t.dispatcher_unit_id).bind(t.owner_unit_id).bind(t.owner_user_id).bind(t.verifier_unit_id)
        .bind(t.reporter_user_id).bind(t.reporter_name).bind(t.reporter_phone).bind(t.time_limit)
        .bind(at).bind(t.due_at).bind(by)
        .fetch_one(conn).await)
}

/// What a move changes.
pub struct Moved {
    pub state: String,
    pub paused_from: Option<String>,
    pub owner_unit_id: Option<i64>,
    pub owner_user_id: Option<i64>,
    pub extended_due: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue_at: Option<DateTime<Utc>>,
    pub warned_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub escalation_level: i32,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Moved {
    /// The ticket as it stands, for a move to change.
    pub fn from_row(t: &TicketRow) -> Moved {
        Moved {
            state: t.state.clone(),
            paused_from: t.paused_from.clone(),
            owner_unit_id: t.owner_unit_id,
            owner_user_id: t.owner_user_id,
            extended_due: t.extended_due,
            due_at: t.due_at,
            overdue_at: t.overdue_at,
            warned_at: t.warned_at,
            escalated_at: t.escalated_at,
            escalation_level: t.escalation_level,
            closed_at: t.closed_at,
        }
    }
}

/// Writes a move if the ticket is still at `version`; false when someone moved it first.
pub async fn write_move(
    tx: &mut Tx,
    id: i64,
    version: i32,
    m: &Moved,
    at: DateTime<Utc>,
    by: &str,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE tickets SET state = $3, paused_from = $4, owner_unit_id = $5, \
         owner_user_id = $6, extended_due = $7, due_at = $8, overdue_at = $9, warned_at = $10, \
         escalated_at = $11, escalation_level = $12, closed_at = $13, version = version + 1, \
         updated_at = $14, updated_by = $15 WHERE id = $1 AND version = $2";
    let n = crate::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(id).bind(version).bind(&m.state).bind(&m.paused_from).bind(m.owner_unit_id)
        .bind(m.owner_user_id).bind(m.extended_due).bind(m.due_at).bind(m.overdue_at)
        .bind(m.warned_at).bind(m.escalated_at).bind(m.escalation_level).bind(m.closed_at)
        .bind(at).bind(by)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records the callback (回访) and the reporter's rating, if given.
pub async fn set_callback_done(
    tx: &mut Tx,
    id: i64,
    rating: Option<&str>,
    at: DateTime<Utc>,
    by: &str,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE tickets SET callback_done = TRUE, rating = COALESCE($4, rating), \
         version = version + 1, updated_at = $2, updated_by = $3 WHERE id = $1";
    crate::with_conn!(tx, conn => sqlx::query(SQL).bind(id).bind(at).bind(by).bind(rating).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks the one reopening a dissatisfied rating is allowed.
pub async fn set_reopened_by_rating(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE tickets SET reopened_by_rating = TRUE WHERE id = $1";
    crate::with_conn!(tx, conn => sqlx::query(SQL).bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The ticket a creation with this Idempotency-Key already made, if any.
pub async fn idempotent_ticket(
    db: &Db,
    actor: &str,
    key: &str,
) -> Result<Option<i64>, sqlx::Error> {
    const SQL: &str = "SELECT ticket_id FROM ticket_idempotency WHERE actor = $1 AND idem_key = $2";
    crate::with_db!(db, pool => sqlx::query_scalar(SQL).bind(actor).bind(key).fetch_optional(pool).await)
}

pub async fn remember_key(
    tx: &mut Tx,
    actor: &str,
    key: &str,
    ticket_id: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO ticket_idempotency (actor, idem_key, ticket_id, created_at) VALUES ($1, $2, $3, $4)";
    crate::with_conn!(tx, conn => sqlx::query(SQL).bind(actor).bind(key).bind(ticket_id).bind(at).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// An entry of the timeline.
pub struct Event<'a> {
    pub action: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub detail: Option<&'a str>,
}

pub async fn append_event(
    tx: &mut Tx,
    ticket_id: i64,
    e: &Event<'_>,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO ticket_events (ticket_id, at, actor, action, from_state, to_state, \
         reason, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    crate::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(ticket_id).bind(at).bind(actor).bind(e.action).bind(e.from_state).bind(e.to_state)
        .bind(e.reason).bind(e.detail)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn timeline(db: &Db, ticket_id: i64) -> Result<Vec<TimelineEntry>, sqlx::Error> {
    const SQL: &str = "SELECT id, at, actor, action, from_state, to_state, reason, detail \
         FROM ticket_events WHERE ticket_id = $1 ORDER BY id";
    crate::with_db!(db, pool => sqlx::query_as(SQL).bind(ticket_id).fetch_all(pool).await)
}

pub async fn pauses_in(
    tx: &mut Tx,
    ticket_id: i64,
) -> Result<Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>, sqlx::Error> {
    const SQL: &str =
        "SELECT started_at, ended_at FROM ticket_pauses WHERE ticket_id = $1 ORDER BY id";
    crate::with_conn!(tx, conn => sqlx::query_as(SQL).bind(ticket_id).fetch_all(conn).await)
}

pub async fn start_pause(
    tx: &mut Tx,
    ticket_id: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO ticket_pauses (ticket_id, started_at) VALUES ($1, $2)";
    crate::with_conn!(tx, conn => sqlx::query(SQL).bind(ticket_id).bind(at).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn end_pause(tx: &mut Tx, ticket_id: i64, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    const SQL: &str =
        "UPDATE ticket_pauses SET ended_at = $2 WHERE ticket_id = $1 AND ended_at IS NULL";
    crate::with_conn!(tx, conn => sqlx::query(SQL).bind(ticket_id).bind(at).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn notify(
    tx: &mut Tx,
    ticket_id: i64,
    unit_id: Option<i64>,
    user_id: Option<i64>,
    kind: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if unit_id.is_none() && user_id.is_none() {
        return Ok(());
    }
    const SQL: &str = "INSERT INTO ticket_notices (ticket_id, unit_id, user_id, kind, at) VALUES ($1, $2, $3, $4, $5)";
    crate::with_conn!(tx, conn => sqlx::query(SQL).bind(ticket_id).bind(unit_id).bind(user_id).bind(kind).bind(at)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// How to narrow a list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The subtree `[lo, hi)` of area codes.
    pub scope: (String, String),
    pub kind: Option<String>,
    pub state: Option<String>,
    /// Only open tickets (not closed or cancelled).
    pub open: bool,
    /// Only overdue open tickets.
    pub overdue: bool,
    pub owner_unit_id: Option<i64>,
    pub subject: Option<(String, i64)>,
    /// Created at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Created before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// Far enough back and ahead to stand for "no bound" (both backends compare them correctly).
pub fn no_earlier() -> DateTime<Utc> {
    DateTime::from_timestamp(0, 0).unwrap_or_default()
}

pub fn no_later() -> DateTime<Utc> {
    DateTime::from_timestamp(32_503_680_000, 0).unwrap_or_default() // 3000-01-01
}

/// The conditions of a `Filter` on `tickets t`, parameters `$1`–`$12`.
const WHERE: &str = "t.area_code >= $1 AND t.area_code < $2 AND t.id < $3 \
     AND ($4 = '' OR t.kind = $4) AND ($5 = '' OR t.state = $5) \
     AND ($6 = 0 OR t.state NOT IN ('closed', 'cancelled')) \
     AND ($7 = 0 OR (t.overdue_at IS NOT NULL AND t.state NOT IN ('closed', 'cancelled'))) \
     AND ($8 = 0 OR t.owner_unit_id = $8) \
     AND ($9 = '' OR (t.subject_kind = $9 AND t.subject_id = $10)) \
     AND t.created_at >= $11 AND t.created_at < $12";

macro_rules! bind_filter {
    ($query:expr, $filter:expr, $before:expr, $limit:expr) => {{
        let f: &Filter = $filter;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let (subject_kind, subject_id) = f.subject.clone().unwrap_or_default();
        $query
            .bind(f.scope.0.clone())
            .bind(f.scope.1.clone())
            .bind($before)
            .bind(text(&f.kind))
            .bind(text(&f.state))
            .bind(i32::from(f.open))
            .bind(i32::from(f.overdue))
            .bind(f.owner_unit_id.unwrap_or(0))
            .bind(subject_kind)
            .bind(subject_id)
            .bind(f.from.unwrap_or_else(no_earlier))
            .bind(f.until.unwrap_or_else(no_later))
            .bind(i64::from($limit))
    }};
}

fn prefixed_columns() -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("t.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Tickets matching `filter` with `id < before` (newest first), `limit` of them.
pub async fn list(
    db: &Db,
    filter: &Filter,
    before: i64,
    limit: u32,
) -> Result<Vec<TicketRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM tickets t WHERE {WHERE} ORDER BY t.id DESC LIMIT $13",
        prefixed_columns()
    );
    crate::with_db!(db, pool => bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), filter, before, limit)
        .fetch_all(pool).await)
}

/// A ticket of the ledger export with its owner unit's name.
#[derive(Debug, sqlx::FromRow)]
pub struct LedgerRow {
    #[sqlx(flatten)]
    pub ticket: TicketRow,
    pub owner_unit_name: Option<String>,
}

/// As `list`, with the owner unit's name.
pub async fn ledger(
    db: &Db,
    filter: &Filter,
    before: i64,
    limit: u32,
) -> Result<Vec<LedgerRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {}, u.name AS owner_unit_name FROM tickets t \
         LEFT JOIN org_units u ON u.id = t.owner_unit_id \
         WHERE {WHERE} ORDER BY t.id DESC LIMIT $13",
        prefixed_columns()
    );
    crate::with_db!(db, pool => bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), filter, before, limit)
        .fetch_all(pool).await)
}

//! Opening and moving tickets: every input checked, the move checked by the one state machine
//! and the kind's rules (`domain::ticket`), the deadline kept (working time, pauses, extensions),
//! the timeline, the inbox notices and the audit entry written in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use domain::ticket::{Action, Facts, Party, State, TransitionError};
use domain::{DivisionCode, TimeLimit, WorkingHours};
use serde_json::json;

use super::kind::{Priority, SOURCES, TicketKind};
use super::model::{ActionRequest, NewTicket, TicketRow, TicketView};
use super::repo::{self, Event, Insert, Moved};
use crate::audit::{self, Actor};
use crate::auth::{CurrentUser, Role};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;

pub const RECORD_KIND: &str = "ticket";

/// The registry tables a ticket's subject may be in.
pub const SUBJECT_KINDS: &[(&str, &str)] = &[
    ("person", "persons"),
    ("household", "households"),
    ("enterprise", "enterprises"),
    ("place", "places"),
];

fn text(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|t| !t.is_empty())
}

/// The ticket `id` if it lies in the user's area; 404 otherwise.
pub async fn get_scoped(db: &Db, user: &CurrentUser, id: i64) -> AppResult<TicketRow> {
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    if !(user.owns(&row) || user.require_record_area(&row.area_code).is_ok()) {
        return Err(AppError::not_found());
    }
    Ok(row)
}

trait TicketParty {
    fn owns(&self, t: &TicketRow) -> bool;
}

impl TicketParty for CurrentUser {
    /// The ticket is assigned to this user or their unit: owners outside the ticket's area (a
    /// district department handling a village's matter) see it too.
    fn owns(&self, t: &TicketRow) -> bool {
        t.owner_user_id == Some(self.id)
            || (self.unit_id.is_some() && self.unit_id == t.owner_unit_id)
    }
}

async fn unit_area(db: &Db, unit_id: i64) -> AppResult<Option<String>> {
    Ok(crate::users::units::get(db, unit_id)
        .await?
        .map(|u| u.area_code))
}

/// The unit a matter escalates to from `unit_id`: its parent unit, or else the first unit of
/// the nearest area above its own (a village committee's township office, a township's command).
pub async fn superior_unit(tx: &mut Tx, unit_id: i64) -> AppResult<Option<i64>> {
    const UNIT: &str = "SELECT parent_id, area_code FROM org_units WHERE id = $1";
    const AT: &str = "SELECT id FROM org_units WHERE area_code = $1 ORDER BY id LIMIT 1";
    let found: Option<(Option<i64>, String)> = crate::with_conn!(tx, conn => sqlx::query_as(UNIT)
        .bind(unit_id).fetch_optional(conn).await)?;
    let Some((parent, area)) = found else {
        return Ok(None);
    };
    if parent.is_some() {
        return Ok(parent);
    }
    let mut area = DivisionCode::parse(&area).ok().and_then(|a| a.parent());
    while let Some(code) = area {
        let id: Option<i64> = crate::with_conn!(tx, conn => sqlx::query_scalar(AT)
            .bind(code.as_str()).fetch_optional(conn).await)?;
        if id.is_some() {
            return Ok(id);
        }
        area = code.parent();
    }
    Ok(None)
}

async fn user_exists(db: &Db, user_id: i64) -> AppResult<bool> {
    Ok(crate::users::repo::get_by_id(db, user_id)
        .await?
        .is_some_and(|u| !u.disabled))
}

/// Which parties of the ticket the user is: owner, dispatcher, verifier, approver, reporter.
async fn parties_of(db: &Db, user: &CurrentUser, t: &TicketRow) -> AppResult<Vec<Party>> {
    let mut parties = Vec::new();
    let in_unit = |unit: Option<i64>| user.unit_id.is_some() && user.unit_id == unit;
    if user.owns(t) {
        parties.push(Party::Owner);
    }
    let dispatcher = match t.dispatcher_unit_id {
        Some(_) => in_unit(t.dispatcher_unit_id),
        None => user.username == t.created_by,
    };
    if dispatcher {
        parties.push(Party::Dispatcher);
    }
    let verifier = match t.verifier_unit_id {
        Some(_) => in_unit(t.verifier_unit_id),
        None => dispatcher,
    };
    if verifier {
        parties.push(Party::Verifier);
    }
    // The dispatcher's superior level: the command and admins over the area, or anyone whose
    // area strictly contains the dispatching unit's.
    let area = DivisionCode::parse(&t.area_code).ok();
    let covers = area.as_ref().is_some_and(|a| user.covers(a));
    let superior = match t.dispatcher_unit_id {
        Some(unit) => match unit_area(db, unit)
            .await?
            .and_then(|a| DivisionCode::parse(&a).ok())
        {
            Some(dispatch_area) => user.area != dispatch_area && user.area.contains(&dispatch_area),
            None => false,
        },
        None => false,
    };
    if (matches!(user.role, Role::Admin | Role::Commander) && covers) || superior {
        parties.push(Party::Approver);
    }
    if t.reporter_user_id == Some(user.id) {
        parties.push(Party::Reporter);
    }
    Ok(parties)
}

/// The actions the user may offer as buttons on the ticket.
pub async fn available(
    state: &AppState,
    user: &CurrentUser,
    t: &TicketRow,
) -> AppResult<Vec<Action>> {
    let Some(kind) = state.ticket_kind(&t.kind) else {
        return Ok(Vec::new());
    };
    let Ok(current) = State::parse(&t.state, t.paused_from.as_deref()) else {
        return Ok(Vec::new());
    };
    let mut actions: Vec<Action> = Vec::new();
    for party in parties_of(state.db(), user, t).await? {
        for a in kind.rules.available(current, party) {
            if !actions.contains(&a) {
                actions.push(a);
            }
        }
    }
    actions.sort_by_key(|a| Action::ALL.iter().position(|b| b == a));
    Ok(actions)
}

/// The office hours deadlines count in (Beijing time, the default).
fn office_hours() -> WorkingHours {
    WorkingHours::default()
}

/// The due moment of a ticket whose clock started at `from`, given its pauses.
fn due_of(
    state: &AppState,
    from: DateTime<Utc>,
    limit: TimeLimit,
    pauses: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
) -> Option<DateTime<Utc>> {
    domain::deadline::due_with_pauses(from, limit, pauses, state.calendar(), &office_hours())
        .map(|d| d.value)
}

/// Checks and stores a new ticket. With a handling unit (given, or the subject's responsible
/// unit) it is filed and dispatched at once by the opener's unit; otherwise it waits as
/// reported for a dispatcher.
/// What `open` did: a new ticket, or the one an earlier request with the same Idempotency-Key
/// made.
pub struct Opened {
    pub ticket: TicketView,
    pub created: bool,
}

pub async fn open(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    input: &NewTicket,
    idempotency_key: Option<&str>,
) -> AppResult<Opened> {
    let db = state.db();
    let key = crate::api::idempotency_key(idempotency_key, "tickets.bad_idempotency_key")?;
    if let Some(key) = key
        && let Some(id) = repo::idempotent_ticket(db, &actor.name, key).await?
    {
        let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
        return Ok(Opened {
            ticket: TicketView::from_row(row),
            created: false,
        });
    }
    let mut tx = state.db().begin().await?;
    let id = open_in(state, &mut tx, actor, user, input).await?;
    if let Some(key) = key
        && repo::remember_key(&mut tx, &actor.name, key, id, Utc::now())
            .await
            .is_err()
    {
        // The same key raced this request and won: answer its ticket.
        tx.rollback().await?;
        let first = repo::idempotent_ticket(db, &actor.name, key)
            .await?
            .ok_or_else(|| AppError::conflict("tickets.bad_idempotency_key"))?;
        let row = repo::get(db, first)
            .await?
            .ok_or_else(AppError::not_found)?;
        return Ok(Opened {
            ticket: TicketView::from_row(row),
            created: false,
        });
    }
    tx.commit().await?;
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    Ok(Opened {
        ticket: TicketView::from_row(row),
        created: true,
    })
}

/// Checks and stores a new ticket inside the caller's transaction, with its timeline, notices
/// and audit entry, so a module's fact and the work it causes commit together (a screening and
/// its urgent ticket). The subject is looked up in `tx`, so it may have been created there.
pub async fn open_in(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    user: &CurrentUser,
    input: &NewTicket,
) -> AppResult<i64> {
    let db = state.db();
    let kind: &TicketKind = state
        .ticket_kind(input.kind.trim())
        .ok_or_else(|| AppError::invalid("tickets.unknown_kind").on_field("kind"))?;
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::invalid("tickets.bad_title").on_field("title"));
    }
    let description = text(input.description.as_deref());
    if description.is_some_and(|d| d.chars().count() > 4000) {
        return Err(AppError::invalid("tickets.bad_description").on_field("description"));
    }
    let area = DivisionCode::parse(input.area_code.trim())
        .map_err(|e| AppError::from(e).on_field("area_code"))?;
    if !user.covers(&area) {
        return Err(AppError::forbidden().on_field("area_code"));
    }
    if crate::areas::repo::get(db, area.as_str()).await?.is_none() {
        return Err(AppError::invalid("user.unknown_area").on_field("area_code"));
    }
    let source = text(input.source.as_deref()).unwrap_or("manual");
    if !SOURCES.contains(&source) {
        return Err(AppError::invalid("tickets.bad_source").on_field("source"));
    }
    let priority = match text(input.priority.as_deref()) {
        None => Priority::Normal,
        Some(p) => Priority::parse(p)
            .ok_or_else(|| AppError::invalid("tickets.bad_priority").on_field("priority"))?,
    };
    let subject = match (text(input.subject_kind.as_deref()), input.subject_id) {
        (None, None) => None,
        (Some(kind), Some(id)) => {
            let table = SUBJECT_KINDS
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, t)| *t)
                .ok_or_else(|| {
                    AppError::invalid("tickets.bad_subject_kind").on_field("subject_kind")
                })?;
            let sql = format!("SELECT area_code FROM {table} WHERE id = $1");
            let found: Option<String> = crate::with_conn!(tx, conn => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id).fetch_optional(conn).await)?;
            match found {
                Some(a) if user.require_record_area(&a).is_ok() => Some((kind, id)),
                _ => {
                    return Err(AppError::invalid("tickets.unknown_subject").on_field("subject_id"));
                }
            }
        }
        _ => return Err(AppError::invalid("tickets.subject_pair").on_field("subject_id")),
    };
    for (field, unit) in [
        ("owner_unit_id", input.owner_unit_id),
        ("verifier_unit_id", input.verifier_unit_id),
    ] {
        if let Some(unit) = unit
            && unit_area(db, unit).await?.is_none()
        {
            return Err(AppError::invalid("tickets.unknown_unit").on_field(field));
        }
    }
    if let Some(owner) = input.owner_user_id
        && !user_exists(db, owner).await?
    {
        return Err(AppError::invalid("tickets.unknown_user").on_field("owner_user_id"));
    }
    let reporter_name = text(input.reporter_name.as_deref());
    if reporter_name.is_some_and(|n| n.chars().count() > 50) {
        return Err(AppError::invalid("tickets.bad_reporter_name").on_field("reporter_name"));
    }
    let reporter_phone = text(input.reporter_phone.as_deref())
        .map(|p| domain::Phone::parse(p).map_err(|e| AppError::from(e).on_field("reporter_phone")))
        .transpose()?;
    let limit = match text(input.time_limit.as_deref()) {
        Some(t) => TimeLimit::parse(t).map_err(|e| AppError::from(e).on_field("time_limit"))?,
        None => kind.limit(priority),
    };
    let now = Utc::now();
    let due = due_of(state, now, limit, &[]).expect("no pauses");
    let (owner_unit, owner_user) = match (input.owner_unit_id, input.owner_user_id) {
        (None, None) => match subject {
            Some((kind, id)) => {
                super::routing::default_owner(db, kind, id, crate::responsibility::today()).await?
            }
            None => (None, None),
        },
        given => given,
    };
    let dispatched = owner_unit.is_some() || owner_user.is_some();
    let limit_text = limit.to_string();
    let insert = Insert {
        kind: kind.code,
        title,
        description,
        subject,
        area_code: area.as_str(),
        source,
        priority: priority.as_str(),
        state: if dispatched { "dispatched" } else { "reported" },
        dispatcher_unit_id: user.unit_id,
        owner_unit_id: owner_unit,
        owner_user_id: owner_user,
        verifier_unit_id: input.verifier_unit_id,
        reporter_user_id: if user.is_token() || user.is_system() {
            None
        } else {
            Some(user.id)
        },
        reporter_name,
        reporter_phone: reporter_phone.as_ref().map(|p| p.as_str()),
        time_limit: &limit_text,
        due_at: due,
    };
    let id = repo::insert(tx, &insert, now, &actor.name).await?;
    repo::append_event(
        tx,
        id,
        &Event {
            action: "create",
            from_state: None,
            to_state: Some("reported"),
            reason: None,
            detail: description,
        },
        now,
        &actor.name,
    )
    .await?;
    if dispatched {
        repo::append_event(
            tx,
            id,
            &Event {
                action: "dispatch",
                from_state: Some("reported"),
                to_state: Some("dispatched"),
                reason: None,
                detail: None,
            },
            now,
            &actor.name,
        )
        .await?;
        repo::notify(tx, id, owner_unit, owner_user, "assigned", now).await?;
    }
    let event = audit::Event::new("ticket.open")
        .record(RECORD_KIND, id)
        .area(area.as_str())
        .after(
            json!({"kind": kind.code, "title": title, "priority": priority.as_str(),
            "owner_unit_id": owner_unit, "time_limit": limit_text}),
        );
    audit::append(tx, actor, event).await?;
    Ok(id)
}

/// A move refused by the state machine or the kind's rules, in the reader's language.
fn refused(tr: &Tr, err: &TransitionError) -> AppError {
    let mut error = match err {
        TransitionError::ReasonRequired(_) => AppError::invalid(err.key()).on_field("reason"),
        TransitionError::DeadlineRequired | TransitionError::DeadlineNotLater => {
            AppError::invalid(err.key()).on_field("new_due")
        }
        TransitionError::NotAllowed { .. } => {
            let mut forbidden = AppError::forbidden();
            forbidden.key = err.key().to_string();
            forbidden
        }
        _ => AppError::conflict(err.key()),
    };
    for (name, code) in err.args() {
        let key = match name {
            "state" => format!("ticket.state.{code}"),
            "action" => format!("ticket.action.{code}"),
            _ => format!("ticket.party.{code}"),
        };
        error = error.with_arg(name, tr.t(&key));
    }
    error
}

/// `YYYY-MM-DD` (the end of that day's office hours) or an RFC 3339 moment.
fn parse_due(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(day) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Some(office_hours().day_end(day));
    }
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Makes a move on a ticket as `user`: the first of the user's parties the kind allows it to.
pub async fn act(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    tr: &Tr,
    id: i64,
    request: &ActionRequest,
) -> AppResult<TicketView> {
    let db = state.db();
    let row = get_scoped(db, user, id).await?;
    let action = Action::parse(request.action.trim())
        .map_err(|_| AppError::invalid("ticket.error.unknown_action").on_field("action"))?;
    let kind = state
        .ticket_kind(&row.kind)
        .ok_or_else(|| AppError::internal(format!("ticket kind {} not registered", row.kind)))?;
    let current = State::parse(&row.state, row.paused_from.as_deref())
        .map_err(|_| AppError::internal(format!("ticket {id} has state {}", row.state)))?;
    if request.version != row.version {
        return Err(AppError::conflict("tickets.stale_version"));
    }
    let reason = text(request.reason.as_deref());
    if reason.is_some_and(|r| r.chars().count() > 1000) {
        return Err(AppError::invalid("tickets.bad_reason").on_field("reason"));
    }
    let new_due = match text(request.new_due.as_deref()) {
        Some(t) => Some(
            parse_due(t).ok_or_else(|| AppError::invalid("tickets.bad_due").on_field("new_due"))?,
        ),
        None => None,
    };
    let facts = Facts {
        reason,
        callback_done: row.callback_done,
        current_due: row.due_at,
        new_due,
    };
    let parties = parties_of(db, user, &row).await?;
    if parties.is_empty() {
        return Err(AppError::forbidden());
    }
    let mut outcome = Err(TransitionError::NotAllowed {
        action,
        party: parties[0],
    });
    for party in &parties {
        match kind.rules.check(current, action, *party, &facts) {
            Ok(next) => {
                outcome = Ok(next);
                break;
            }
            Err(TransitionError::NotAllowed { .. }) => {}
            Err(other) => {
                outcome = Err(other);
                break;
            }
        }
    }
    let next = outcome.map_err(|e| refused(tr, &e))?;

    let now = Utc::now();
    let mut moved = Moved {
        state: next.as_str().to_string(),
        paused_from: next.paused_from().map(|r| r.as_str().to_string()),
        ..Moved::from_row(&row)
    };
    let mut tx = db.begin().await?;
    let mut notices: Vec<(Option<i64>, Option<i64>, &str)> = Vec::new();
    match action {
        Action::Dispatch => {
            let unit = request.owner_unit_id.or(row.owner_unit_id);
            let person = request.owner_user_id.or(row.owner_user_id);
            if unit.is_none() && person.is_none() {
                return Err(AppError::invalid("tickets.owner_required").on_field("owner_unit_id"));
            }
            if let Some(u) = request.owner_unit_id
                && unit_area(db, u).await?.is_none()
            {
                return Err(AppError::invalid("tickets.unknown_unit").on_field("owner_unit_id"));
            }
            if let Some(u) = request.owner_user_id
                && !user_exists(db, u).await?
            {
                return Err(AppError::invalid("tickets.unknown_user").on_field("owner_user_id"));
            }
            moved.owner_unit_id = unit;
            moved.owner_user_id = person;
            notices.push((unit, person, "assigned"));
        }
        Action::Handle => notices.push((
            row.verifier_unit_id.or(row.dispatcher_unit_id),
            None,
            "verify",
        )),
        Action::Return => notices.push((row.dispatcher_unit_id, None, "returned")),
        Action::Pause => {
            repo::start_pause(&mut tx, id, now).await?;
            moved.due_at = None;
        }
        Action::Resume => {
            repo::end_pause(&mut tx, id, now).await?;
            let pauses = repo::pauses_in(&mut tx, id).await?;
            moved.due_at = match row.extended_due {
                Some(extended) => Some(extended),
                None => TimeLimit::parse(&row.time_limit)
                    .ok()
                    .and_then(|limit| due_of(state, row.clock_from, limit, &pauses)),
            };
            if moved.due_at.is_some_and(|d| d > now) {
                moved.overdue_at = None;
            }
        }
        Action::Extend => {
            moved.extended_due = new_due;
            moved.due_at = new_due;
            if new_due.is_some_and(|d| d > now) {
                moved.overdue_at = None;
                moved.warned_at = None;
            }
            notices.push((row.owner_unit_id, row.owner_user_id, "extended"));
        }
        Action::Escalate => {
            moved.escalation_level = row.escalation_level + 1;
            moved.escalated_at = Some(now);
            if let Some(owner) = row.owner_unit_id {
                let superior = superior_unit(&mut tx, owner).await?;
                notices.push((superior, None, "escalated"));
            }
            notices.push((row.owner_unit_id, row.owner_user_id, "escalated"));
        }
        Action::Close | Action::Cancel => moved.closed_at = Some(now),
        Action::Reopen => {
            moved.closed_at = None;
            notices.push((row.owner_unit_id, row.owner_user_id, "reopened"));
        }
        Action::File | Action::Accept | Action::Verify => {}
    }
    if !repo::write_move(&mut tx, id, row.version, &moved, now, &actor.name).await? {
        return Err(AppError::conflict("tickets.stale_version"));
    }
    let detail = new_due.map(|d| d.to_rfc3339());
    repo::append_event(
        &mut tx,
        id,
        &Event {
            action: action.as_str(),
            from_state: Some(current.as_str()),
            to_state: Some(next.as_str()),
            reason,
            detail: detail.as_deref(),
        },
        now,
        &actor.name,
    )
    .await?;
    for (unit, person, kind) in notices {
        repo::notify(&mut tx, id, unit, person, kind, now).await?;
    }
    let mut event = audit::Event::new(&format!("ticket.{}", action.as_str()))
        .record(RECORD_KIND, id)
        .area(&row.area_code)
        .before(json!({"state": row.state}))
        .after(json!({"state": next.as_str(), "owner_unit_id": moved.owner_unit_id}));
    event.reason = reason.map(str::to_string);
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    Ok(TicketView::from_row(row))
}

/// The reporter's ratings at the callback.
pub const RATINGS: &[&str] = &["satisfied", "basically_satisfied", "dissatisfied"];

/// A comment on the timeline, or the callback (回访) to the reporting citizen being recorded
/// with their rating. A dissatisfied rating reopens a handled, verified or closed ticket — once.
#[allow(clippy::too_many_arguments)]
pub async fn note(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    text_in: &str,
    callback: bool,
    rating: Option<&str>,
) -> AppResult<()> {
    let db = state.db();
    let row = get_scoped(db, user, id).await?;
    let body = text_in.trim();
    if body.is_empty() || body.chars().count() > 2000 {
        return Err(AppError::invalid("tickets.bad_comment").on_field("text"));
    }
    let rating = text(rating);
    if rating.is_some_and(|r| !RATINGS.contains(&r)) {
        return Err(AppError::invalid("tickets.bad_rating").on_field("rating"));
    }
    if rating.is_some() && !callback {
        return Err(AppError::invalid("tickets.rating_at_callback").on_field("rating"));
    }
    if callback && parties_of(db, user, &row).await?.is_empty() {
        return Err(AppError::forbidden());
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if callback {
        repo::set_callback_done(&mut tx, id, rating, now, &actor.name).await?;
    }
    repo::append_event(
        &mut tx,
        id,
        &Event {
            action: if callback { "callback" } else { "comment" },
            from_state: None,
            to_state: None,
            reason: rating,
            detail: Some(body),
        },
        now,
        &actor.name,
    )
    .await?;
    let mut event = audit::Event::new(if callback {
        "ticket.callback"
    } else {
        "ticket.comment"
    })
    .record(RECORD_KIND, id)
    .area(&row.area_code);
    if let Some(r) = rating {
        event = event.after(json!({"rating": r}));
    }
    audit::append(&mut tx, actor, event).await?;
    let current = State::parse(&row.state, row.paused_from.as_deref()).ok();
    if rating == Some("dissatisfied")
        && !row.reopened_by_rating
        && let Some(current) = current
        && matches!(current, State::Handled | State::Verified | State::Closed)
        && let Ok(next) = domain::ticket::transition(current, Action::Reopen)
    {
        let moved = Moved {
            state: next.as_str().to_string(),
            paused_from: None,
            closed_at: None,
            ..Moved::from_row(&row)
        };
        // The callback bumped the version once.
        let system = Actor::system("tickets");
        if !repo::write_move(&mut tx, id, row.version + 1, &moved, now, &system.name).await? {
            return Err(AppError::conflict("tickets.stale_version"));
        }
        repo::set_reopened_by_rating(&mut tx, id).await?;
        repo::append_event(
            &mut tx,
            id,
            &Event {
                action: "reopen",
                from_state: Some(current.as_str()),
                to_state: Some(next.as_str()),
                reason: Some("dissatisfied"),
                detail: None,
            },
            now,
            &system.name,
        )
        .await?;
        repo::notify(
            &mut tx,
            id,
            row.owner_unit_id,
            row.owner_user_id,
            "reopened",
            now,
        )
        .await?;
        let event = audit::Event::new("ticket.reopen")
            .record(RECORD_KIND, id)
            .area(&row.area_code)
            .after(json!({"state": next.as_str(), "by_rating": "dissatisfied"}));
        audit::append(&mut tx, &system, event).await?;
    }
    tx.commit().await?;
    Ok(())
}

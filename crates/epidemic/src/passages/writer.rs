//! Group commit: every node has one writer task per database that takes the passages of all
//! concurrent requests from a queue and commits them together — one transaction, one fsync, for
//! whatever queued while the previous commit was in flight. A request's answer waits for the
//! commit that holds its events (nothing acknowledged is ever lost) but never for an fsync of its
//! own. Each request's batch gets its audit entry (one per batch, not per passage) in that
//! commit.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, Utc};
use platform::audit::{self, Actor, Event};
use platform::db::Db;
use platform::db::raw::{self, Raw};
use platform::error::{AppError, AppResult};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use super::model::NewPassage;
use super::repo;

/// The most passages one commit takes (the rest wait for the next).
const MAX_ROWS: usize = 50_000;

/// (id, whether this request created it) for each passage, in order.
pub type Stored = Vec<(i64, bool)>;

struct Job {
    actor: Actor,
    rows: Arc<Vec<NewPassage>>,
    reply: oneshot::Sender<AppResult<Stored>>,
}

fn registry() -> &'static Mutex<HashMap<String, mpsc::UnboundedSender<Job>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, mpsc::UnboundedSender<Job>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn sender(db: &Db, url: &str) -> mpsc::UnboundedSender<Job> {
    let mut all = registry().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(tx) = all.get(url).filter(|tx| !tx.is_closed()) {
        return tx.clone();
    }
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(db.clone(), rx));
    all.insert(url.to_string(), tx.clone());
    tx
}

/// Queues `rows` for the next group commit and waits for it.
pub async fn write(
    state: &platform::AppState,
    actor: &Actor,
    rows: Vec<NewPassage>,
) -> AppResult<Stored> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let (reply, answer) = oneshot::channel();
    let job = Job {
        actor: actor.clone(),
        rows: Arc::new(rows),
        reply,
    };
    let mut job = Some(job);
    // A writer whose runtime ended (tests) is replaced once.
    for _ in 0..2 {
        let tx = sender(state.db(), &state.config().db_url);
        match tx.send(job.take().expect("a job")) {
            Ok(()) => break,
            Err(mpsc::error::SendError(j)) => job = Some(j),
        }
    }
    if job.is_some() {
        return Err(AppError::internal("passage writer unavailable"));
    }
    answer
        .await
        .map_err(|_| AppError::internal("passage writer stopped"))?
}

async fn run(db: Db, mut rx: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut rows = first.rows.len();
        let mut jobs = vec![first];
        while rows < MAX_ROWS {
            match rx.try_recv() {
                Ok(j) => {
                    rows += j.rows.len();
                    jobs.push(j);
                }
                Err(_) => break,
            }
        }
        match commit(&db, &jobs).await {
            Ok(answers) => {
                for (job, answer) in jobs.into_iter().zip(answers) {
                    let _ = job.reply.send(Ok(answer));
                }
            }
            // One request's failure must not fail the others': each alone.
            Err(_) if jobs.len() > 1 => {
                for job in jobs {
                    let answer = commit(&db, std::slice::from_ref(&job)).await;
                    let _ = job
                        .reply
                        .send(answer.map(|mut a| a.pop().unwrap_or_default()));
                }
            }
            Err(e) => {
                for job in jobs {
                    let _ = job.reply.send(Err(AppError::internal(&e)));
                }
            }
        }
    }
}

/// One request's rows with who sent them.
type Batch = (Actor, Arc<Vec<NewPassage>>);

async fn commit(db: &Db, jobs: &[Job]) -> AppResult<Vec<Stored>> {
    let now = Utc::now();
    let batches: Vec<Batch> = jobs
        .iter()
        .map(|j| (j.actor.clone(), j.rows.clone()))
        .collect();
    match db {
        Db::Sqlite(pool) => {
            Ok(raw::on_pool(pool, move |raw| commit_raw(raw, &batches, now)).await?)
        }
        Db::Postgres(_) => commit_sqlx(db, &batches, now).await,
    }
}

/// The audit entry of one request's batch: counts and the id range, not every passage.
fn ingest_event(rows: &[NewPassage], stored: &Stored) -> Event {
    let first = &rows[0];
    let created = stored.iter().filter(|s| s.1).count();
    Event::new("epidemic.passages.ingest")
        .record(super::RECORD_KIND, stored[0].0)
        .area(&first.area_code)
        .after(json!({
            "device": first.device,
            "created": created,
            "duplicates": stored.len() - created,
            "first_id": stored.iter().map(|s| s.0).min(),
            "last_id": stored.iter().map(|s| s.0).max(),
        }))
}

/// Passages per multi-row statement of the SQLite writer: a statement's set-up (a cursor per
/// index and per parent table) is paid once per chunk instead of once per row.
const CHUNK: usize = 16;

/// SQLite: one group in one transaction on a raw handle, with the connection's foreign-key
/// checks off meanwhile and on again after, whatever happened.
///
/// Why off: a statement that may abort (a foreign key checked immediately, a constraint with the
/// default conflict action) makes SQLite journal every page it changes, so it can undo just that
/// statement — a fifth of the writer's time, plus three parent lookups a passage. Here nothing
/// can abort: the service resolved every person and place against registries that never delete
/// a record (the area is the place's own), and `OR IGNORE` leaves a row that broke a rule out
/// instead of aborting — such a row is then not found by its key and fails the group, so it is
/// never acknowledged.
fn commit_raw(
    raw: &mut Raw,
    batches: &[Batch],
    now: DateTime<Utc>,
) -> Result<Vec<Stored>, sqlx::Error> {
    raw.execute("PRAGMA foreign_keys = OFF")?;
    let result = write_group(raw, batches, now);
    if raw.in_transaction() {
        let _ = raw.execute("ROLLBACK");
    }
    raw.execute("PRAGMA foreign_keys = ON")?;
    result
}

/// Passages go in by prepared multi-row statements that return what they inserted; a row left
/// out (a retry, or the same event twice in the group) is looked up by its device and key.
fn write_group(
    raw: &mut Raw,
    batches: &[Batch],
    now: DateTime<Utc>,
) -> Result<Vec<Stored>, sqlx::Error> {
    raw.execute("BEGIN IMMEDIATE")?;
    let recorded_at = raw::time_text(now);
    let all: Vec<&NewPassage> = batches.iter().flat_map(|b| b.1.iter()).collect();
    let mut stored: Vec<(i64, bool)> = vec![(0, false); all.len()];
    {
        let mut many = raw.prepare(&repo::insert_sqlite(CHUNK))?;
        let mut existing = raw.prepare(repo::EXISTING_SQLITE)?;
        let mut at = 0;
        while at < all.len() {
            let n = CHUNK.min(all.len() - at);
            let mut tail;
            let stmt = if n == CHUNK {
                &mut many
            } else {
                tail = raw.prepare(&repo::insert_sqlite(n))?;
                &mut tail
            };
            let chunk = &all[at..at + n];
            for (i, r) in chunk.iter().enumerate() {
                let k = i * repo::COLUMNS;
                stmt.bind_i64(k + 1, r.person_id)?;
                stmt.bind_i64(k + 2, r.place_id)?;
                stmt.bind_str(k + 3, &r.area_code)?;
                stmt.bind_time(k + 4, r.at)?;
                stmt.bind_i64(k + 5, r.at.timestamp().div_euclid(60))?;
                stmt.bind_str(k + 6, r.direction)?;
                stmt.bind_str(k + 7, r.method)?;
                stmt.bind_str(k + 8, &r.device)?;
                stmt.bind_str(k + 9, &r.event_key)?;
                stmt.bind_str(k + 10, &recorded_at)?;
                stmt.bind_str(k + 11, &r.recorded_by)?;
            }
            // Each row's first position in the chunk; a repeat is found below as a duplicate.
            let mut position: HashMap<(&str, &str), usize> = HashMap::with_capacity(n);
            for (i, r) in chunk.iter().enumerate() {
                position
                    .entry((r.device.as_str(), r.event_key.as_str()))
                    .or_insert(i);
            }
            while stmt.step()? {
                if let Some(i) = position.get(&(stmt.text(1), stmt.text(2))) {
                    stored[at + i] = (stmt.int(0), true);
                }
            }
            stmt.reset()?;
            for (i, r) in chunk.iter().enumerate() {
                if stored[at + i].1 {
                    continue;
                }
                existing.bind_text(1, &r.device)?;
                existing.bind_text(2, &r.event_key)?;
                if !existing.step()? {
                    return Err(sqlx::Error::RowNotFound);
                }
                stored[at + i] = (existing.int(0), false);
                existing.reset()?;
            }
            at += n;
        }
    }
    let mut rest = stored.into_iter();
    let answers: Vec<Stored> = batches
        .iter()
        .map(|(_, rows)| rest.by_ref().take(rows.len()).collect())
        .collect();
    let events = batches
        .iter()
        .zip(&answers)
        .map(|((actor, rows), stored)| (actor, ingest_event(rows, stored)))
        .collect();
    audit::append_raw(raw, events)?;
    raw.execute("COMMIT")?;
    Ok(answers)
}

/// PostgreSQL: multi-row statements through sqlx.
async fn commit_sqlx(db: &Db, batches: &[Batch], now: DateTime<Utc>) -> AppResult<Vec<Stored>> {
    let mut tx = db.begin().await?;
    let all: Vec<&NewPassage> = batches.iter().flat_map(|b| b.1.iter()).collect();
    let ids = repo::append(&mut tx, &all, now).await?;
    let mut claimed: HashSet<(&str, &str)> = HashSet::new();
    let mut answers = Vec::with_capacity(batches.len());
    for (actor, rows) in batches {
        let mut stored = Vec::with_capacity(rows.len());
        for r in rows.iter() {
            let (id, new) = ids
                .get(&(r.device.clone(), r.event_key.clone()))
                .copied()
                .ok_or_else(|| AppError::internal("passage not stored"))?;
            let first = new && claimed.insert((&r.device, &r.event_key));
            stored.push((id, first));
        }
        audit::append(&mut tx, actor, ingest_event(rows, &stored)).await?;
        answers.push(stored);
    }
    tx.commit().await?;
    Ok(answers)
}

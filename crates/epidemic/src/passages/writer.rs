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

/// SQLite: one `BEGIN IMMEDIATE` transaction on a raw handle, a prepared statement run per
/// passage; a row the conflict clause skipped (a retry, or the same event twice in the group) is
/// looked up by its device and key.
fn commit_raw(
    raw: &mut Raw,
    batches: &[Batch],
    now: DateTime<Utc>,
) -> Result<Vec<Stored>, sqlx::Error> {
    raw.execute("BEGIN IMMEDIATE")?;
    let recorded_at = raw::time_text(now);
    let mut insert = raw.prepare(repo::INSERT_ONE_SQLITE)?;
    let mut existing = raw.prepare(repo::EXISTING_SQLITE)?;
    let mut answers = Vec::with_capacity(batches.len());
    for (_, rows) in batches {
        let mut stored = Vec::with_capacity(rows.len());
        for r in rows.iter() {
            insert.bind_i64(1, r.person_id)?;
            insert.bind_i64(2, r.place_id)?;
            insert.bind_text(3, &r.area_code)?;
            insert.bind_time(4, r.at)?;
            insert.bind_i64(5, r.at.timestamp().div_euclid(60))?;
            insert.bind_text(6, r.direction)?;
            insert.bind_text(7, r.method)?;
            insert.bind_text(8, &r.device)?;
            insert.bind_text(9, &r.event_key)?;
            insert.bind_text(10, &recorded_at)?;
            insert.bind_text(11, &r.recorded_by)?;
            insert.run()?;
            if insert.changes() == 1 {
                stored.push((insert.last_insert_rowid(), true));
            } else {
                existing.bind_text(1, &r.device)?;
                existing.bind_text(2, &r.event_key)?;
                if !existing.step()? {
                    return Err(sqlx::Error::RowNotFound);
                }
                let id = existing.int(0);
                existing.reset()?;
                stored.push((id, false));
            }
        }
        answers.push(stored);
    }
    drop((insert, existing));
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

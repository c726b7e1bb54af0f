//! Group commit: every node has one writer per database that takes the passages of all
//! concurrent requests from a queue and commits them together — one transaction, one fsync, for
//! whatever queued while the previous commit was in flight. On SQLite the writer is a thread with
//! a connection of its own and its statements prepared once (`raw::on_own_connection`): the queue
//! wakes it directly, not through a pool, a blocking thread and sqlx's worker, each a handoff
//! that waits for a core while the requests' threads keep both busy. A request's answer waits for the
//! commit that holds its events (nothing acknowledged is ever lost) but never for an fsync of its
//! own. Each request's batch gets its audit entry (one per batch, not per passage) in that
//! commit.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use platform::audit::{self, Actor, Event};
use platform::db::Db;
use platform::db::raw::{self, Raw, Stmt};
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

/// A node's writer for one database: a thread with a connection of its own on SQLite, a task on
/// PostgreSQL.
#[derive(Clone)]
enum Queue {
    Thread(std::sync::mpsc::Sender<Job>),
    Task(mpsc::UnboundedSender<Job>),
}

impl Queue {
    fn send(&self, job: Job) -> Result<(), Job> {
        match self {
            Queue::Thread(tx) => tx.send(job).map_err(|e| e.0),
            Queue::Task(tx) => tx.send(job).map_err(|e| e.0),
        }
    }
}

/// The writers by database URL, each with a number telling one writer from its successor. Jobs
/// are sent with this lock held, so a writer that leaves the map under it receives nothing after.
type Writers = HashMap<String, (u64, Queue)>;

fn registry() -> &'static Mutex<Writers> {
    static REGISTRY: OnceLock<Mutex<Writers>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn lock() -> std::sync::MutexGuard<'static, Writers> {
    registry().lock().unwrap_or_else(|e| e.into_inner())
}

/// How long the SQLite writer waits for work before its thread ends (the next write starts one).
pub const IDLE: Duration = Duration::from_secs(10);

fn start(db: &Db, url: &str, number: u64) -> AppResult<Queue> {
    match db {
        Db::Sqlite(pool) => {
            let (tx, rx) = std::sync::mpsc::channel();
            let url = url.to_string();
            raw::on_own_connection(pool, "passage-writer", |o| o.foreign_keys(false), {
                move |raw| serve_sqlite(raw, &rx, &url, number)
            })
            .map_err(AppError::internal)?;
            Ok(Queue::Thread(tx))
        }
        Db::Postgres(_) => {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run_sqlx(db.clone(), rx));
            Ok(Queue::Task(tx))
        }
    }
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
    let mut job = Some(Job {
        actor: actor.clone(),
        rows: Arc::new(rows),
        reply,
    });
    let url = &state.config().db_url;
    // A writer that ended (its runtime gone, in tests) is replaced once.
    for _ in 0..2 {
        let mut writers = lock();
        let live = writers.get(url).filter(|(_, q)| match q {
            Queue::Task(tx) => !tx.is_closed(),
            Queue::Thread(_) => true,
        });
        let queue = match live {
            Some((_, queue)) => queue.clone(),
            None => {
                static STARTED: AtomicU64 = AtomicU64::new(0);
                let number = STARTED.fetch_add(1, Ordering::Relaxed);
                let queue = start(state.db(), url, number)?;
                writers.insert(url.clone(), (number, queue.clone()));
                queue
            }
        };
        match queue.send(job.take().expect("a job")) {
            Ok(()) => break,
            Err(j) => {
                writers.remove(url);
                job = Some(j);
            }
        }
    }
    if job.is_some() {
        return Err(AppError::internal("passage writer unavailable"));
    }
    answer
        .await
        .map_err(|_| AppError::internal("passage writer stopped"))?
}

/// Takes the first job and whatever else is queued, up to `MAX_ROWS` passages.
fn gather(first: Job, mut next: impl FnMut() -> Option<Job>) -> Vec<Job> {
    let mut rows = first.rows.len();
    let mut jobs = vec![first];
    while rows < MAX_ROWS {
        let Some(j) = next() else { break };
        rows += j.rows.len();
        jobs.push(j);
    }
    jobs
}

/// Answers every job from one commit's result.
fn reply(jobs: Vec<Job>, result: AppResult<Vec<Stored>>) {
    match result {
        Ok(answers) => {
            for (job, answer) in jobs.into_iter().zip(answers) {
                let _ = job.reply.send(Ok(answer));
            }
        }
        Err(e) => {
            for job in jobs {
                let _ = job.reply.send(Err(AppError::internal(&e)));
            }
        }
    }
}

/// The SQLite writer's thread: group commits on its own connection (foreign-key checks off for
/// good, see `write_group`) with its statements prepared once, until it has been idle for
/// `IDLE`; then it leaves the registry and answers what was queued before it left.
fn serve_sqlite(
    raw: Result<&mut Raw, sqlx::Error>,
    rx: &std::sync::mpsc::Receiver<Job>,
    url: &str,
    number: u64,
) {
    let ready = raw.and_then(|raw| {
        let raw: &Raw = raw;
        Ok((Statements::prepare(raw)?, raw))
    });
    let (mut statements, raw) = match ready {
        Ok(ready) => ready,
        Err(err) => {
            tracing::error!(%err, "the passage writer cannot open its connection");
            leave(url, number);
            while let Ok(job) = rx.try_recv() {
                let _ = job.reply.send(Err(AppError::internal(&err)));
            }
            return;
        }
    };
    // Once it has left, nothing more can arrive: it answers what is queued and ends.
    let mut leaving = false;
    loop {
        let next = if leaving {
            rx.try_recv().ok()
        } else {
            match rx.recv_timeout(IDLE) {
                Ok(job) => Some(job),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    leave(url, number);
                    leaving = true;
                    continue;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => None,
            }
        };
        let Some(first) = next else { return };
        let jobs = gather(first, || rx.try_recv().ok());
        let mut commit = |jobs: &[Job]| -> AppResult<Vec<Stored>> {
            let result = write_group(raw, &mut statements, &batches_of(jobs), Utc::now());
            if raw.in_transaction() {
                let _ = statements.rollback.run();
            }
            Ok(result?)
        };
        match commit(&jobs) {
            // One request's failure must not fail the others': each alone.
            Err(_) if jobs.len() > 1 => {
                for job in jobs {
                    let result = commit(std::slice::from_ref(&job));
                    reply(vec![job], result);
                }
            }
            result => reply(jobs, result),
        }
    }
}

/// Removes writer `number` from the registry (not a successor); nothing is sent to it after.
fn leave(url: &str, number: u64) {
    let mut writers = lock();
    if writers.get(url).is_some_and(|w| w.0 == number) {
        writers.remove(url);
    }
}

async fn run_sqlx(db: Db, mut rx: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = rx.recv().await {
        let jobs = gather(first, || rx.try_recv().ok());
        let now = Utc::now();
        match commit_sqlx(&db, &batches_of(&jobs), now).await {
            // One request's failure must not fail the others': each alone.
            Err(_) if jobs.len() > 1 => {
                for job in jobs {
                    let batch = batches_of(std::slice::from_ref(&job));
                    let result = commit_sqlx(&db, &batch, now).await;
                    reply(vec![job], result);
                }
            }
            result => reply(jobs, result),
        }
    }
}

fn batches_of(jobs: &[Job]) -> Vec<Batch> {
    jobs.iter()
        .map(|j| (j.actor.clone(), j.rows.clone()))
        .collect()
}

/// One request's rows with who sent them.
type Batch = (Actor, Arc<Vec<NewPassage>>);

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

/// The SQLite writer's statements, prepared once for its connection's life.
struct Statements<'r> {
    begin: Stmt<'r>,
    commit: Stmt<'r>,
    rollback: Stmt<'r>,
    /// `CHUNK` passages at once.
    many: Stmt<'r>,
    /// Fewer, by count (`tails[n - 1]` takes n), prepared when first needed.
    tails: Vec<Option<Stmt<'r>>>,
    existing: Stmt<'r>,
}

impl<'r> Statements<'r> {
    fn prepare(raw: &'r Raw) -> Result<Statements<'r>, sqlx::Error> {
        Ok(Statements {
            begin: raw.prepare("BEGIN IMMEDIATE")?,
            commit: raw.prepare("COMMIT")?,
            rollback: raw.prepare("ROLLBACK")?,
            many: raw.prepare(&repo::insert_sqlite(CHUNK))?,
            tails: (1..CHUNK).map(|_| None).collect(),
            existing: raw.prepare(repo::EXISTING_SQLITE)?,
        })
    }
}

/// One group in one transaction. Passages go in by prepared multi-row statements that return
/// what they inserted; a row left out (a retry, or the same event twice in the group) is looked
/// up by its device and key.
///
/// The connection's foreign-key checks are off. Why: a statement that may abort (a foreign key
/// checked immediately, a constraint with the default conflict action) makes SQLite journal
/// every page it changes, so it can undo just that statement — a fifth of the writer's time,
/// plus three parent lookups a passage. Here nothing can abort: the service resolved every
/// person and place against registries that never delete a record (the area is the place's
/// own), and `OR IGNORE` leaves a row that broke a rule out instead of aborting — such a row is
/// then not found by its key and fails the group, so it is never acknowledged.
fn write_group<'r>(
    raw: &'r Raw,
    st: &mut Statements<'r>,
    batches: &[Batch],
    now: DateTime<Utc>,
) -> Result<Vec<Stored>, sqlx::Error> {
    st.begin.run()?;
    let recorded_at = raw::time_text(now);
    let all: Vec<&NewPassage> = batches.iter().flat_map(|b| b.1.iter()).collect();
    let mut stored: Vec<(i64, bool)> = vec![(0, false); all.len()];
    let mut at = 0;
    while at < all.len() {
        let n = CHUNK.min(all.len() - at);
        let stmt = if n == CHUNK {
            &mut st.many
        } else {
            match &mut st.tails[n - 1] {
                Some(tail) => tail,
                empty => empty.insert(raw.prepare(&repo::insert_sqlite(n))?),
            }
        };
        let chunk = &all[at..at + n];
        for (i, r) in chunk.iter().enumerate() {
            let k = i * repo::COLUMNS;
            stmt.bind_i64(k + 1, r.person_id)?;
            stmt.bind_i64(k + 2, r.place_id)?;
            stmt.bind_text(k + 3, &r.area_code)?;
            stmt.bind_time(k + 4, r.at)?;
            stmt.bind_i64(k + 5, r.at.timestamp().div_euclid(60))?;
            stmt.bind_text(k + 6, r.direction)?;
            stmt.bind_text(k + 7, r.method)?;
            stmt.bind_text(k + 8, &r.device)?;
            stmt.bind_text(k + 9, &r.event_key)?;
            stmt.bind_text(k + 10, &recorded_at)?;
            stmt.bind_text(k + 11, &r.recorded_by)?;
        }
        // Each row's first position in the chunk; a repeat is found below as a duplicate.
        let mut position: HashMap<(&str, &str), usize> = HashMap::with_capacity(n);
        for (i, r) in chunk.iter().enumerate() {
            position
                .entry((r.device.as_str(), r.event_key.as_str()))
                .or_insert(i);
        }
        let stepped = (|| {
            while stmt.step()? {
                if let Some(i) = position.get(&(stmt.text(1), stmt.text(2))) {
                    stored[at + i] = (stmt.int(0), true);
                }
            }
            Ok::<_, sqlx::Error>(())
        })();
        stmt.reset()?;
        stepped?;
        for (i, r) in chunk.iter().enumerate() {
            if stored[at + i].1 {
                continue;
            }
            st.existing.bind_text(1, &r.device)?;
            st.existing.bind_text(2, &r.event_key)?;
            let found = st
                .existing
                .step()
                .map(|row| row.then(|| st.existing.int(0)));
            st.existing.reset()?;
            stored[at + i] = (found?.ok_or(sqlx::Error::RowNotFound)?, false);
        }
        at += n;
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
    st.commit.run()?;
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

//! The tracing index of a database, kept current: built at first use (or at start-up, `warm`)
//! from the passages of the tracing window, then brought up to date at every trace with the rows
//! whose ids are above the last seen (one index-range read) — so every node behind a load
//! balancer answers from what is committed, whichever node took the passages. On PostgreSQL rows
//! may commit out of id order: each catch-up re-reads `LAG` ids below the last seen and skips the
//! ones it holds. A full rebuild (in the background, every ten minutes, or when the policy's
//! stay rules change) drops passages that left the window, picks up changed place kinds and
//! pairs late-arriving passages exactly.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use platform::db::{Db, raw};
use platform::error::AppResult;
use tokio::sync::{RwLock, RwLockReadGuard};

use super::engine::{Engine, Passage, Rule, StayParams};
use crate::policy::TracingPolicy;

const LAG: i64 = 1024;
const REBUILD_AFTER: Duration = Duration::from_secs(600);
/// Rows read per catch-up query.
const CHUNK: i64 = 200_000;

/// Minutes since 1970-01-01 UTC.
pub fn minute_of(at: DateTime<Utc>) -> u32 {
    (at.timestamp().max(0) / 60) as u32
}

pub fn at_of(minute: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(i64::from(minute) * 60, 0).unwrap_or_default()
}

/// The index with what it has read.
pub struct Live {
    pub engine: Engine,
    /// The highest passage id applied.
    pub mark: i64,
    /// Ids in `(mark - LAG, mark]` already applied (PostgreSQL only).
    recent: HashSet<i64>,
    places_mark: i64,
    params: StayParams,
    same_day: Vec<String>,
    pub from_minute: u32,
    built: Instant,
    pub build_ms: u128,
}

fn params_of(p: &TracingPolicy) -> StayParams {
    StayParams {
        default_stay: p.default_stay_minutes,
        max_stay: p.max_stay_minutes,
    }
}

async fn rules(db: &Db, same_day: &[String], after: i64) -> AppResult<(Vec<(u32, Rule)>, i64)> {
    const SQL: &str = "SELECT id, kind FROM places WHERE id > $1 ORDER BY id";
    let rows: Vec<(i64, String)> = platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(after).fetch_all(pool).await)?;
    let mark = rows.last().map(|r| r.0).unwrap_or(after);
    Ok((
        rows.into_iter()
            .filter_map(|(id, kind)| {
                let rule = if same_day.contains(&kind) {
                    Rule::SameDay
                } else {
                    Rule::Window
                };
                u32::try_from(id).ok().map(|id| (id, rule))
            })
            .collect(),
        mark,
    ))
}

type Row = (i64, i64, i64, i64, String);

fn passage((_, person, place, minute, direction): &Row) -> Option<Passage> {
    passage_of(*person, *place, *minute, direction == "out")
}

fn passage_of(person: i64, place: i64, minute: i64, out: bool) -> Option<Passage> {
    Some(Passage {
        person: u32::try_from(person).ok()?,
        place: u32::try_from(place).ok()?,
        minute: u32::try_from(minute).ok()?,
        out,
    })
}

/// The passages of the window in id order (in parts, one after the other), and the highest id
/// read. On SQLite raw walks over the table, without sqlx's owned row and channel message per
/// passage: a start-up with tens of millions of passages is then SQLite's scan, split into id
/// ranges read side by side on connections of their own, one a core. The ranges end at the
/// highest id when the read began: ids are given under the write lock and committed in order,
/// so every row up to it is there in each range's snapshot, and later rows are the next
/// catch-up's. On PostgreSQL, pages of `CHUNK` by id, in one part.
async fn read_window(db: &Db, from_minute: u32) -> AppResult<(Vec<Vec<Passage>>, i64)> {
    const SQL: &str = "SELECT person_id, place_id, at_minute, direction = 'out' \
         FROM epi_passages WHERE id > ?1 AND id <= ?2 AND at_minute >= ?3 ORDER BY id";
    match db {
        Db::Sqlite(pool) => {
            let top = max_id(db).await?;
            let walks = walks(top);
            let reads = (0..walks).map(|k| {
                let (after, upto) = (top * k / walks, top * (k + 1) / walks);
                raw::on_pool(pool, move |raw| {
                    let mut rows = raw.prepare(SQL)?;
                    rows.bind_i64(1, after)?;
                    rows.bind_i64(2, upto)?;
                    rows.bind_i64(3, i64::from(from_minute))?;
                    let mut passages = Vec::new();
                    while rows.step()? {
                        passages.extend(passage_of(
                            rows.int(0),
                            rows.int(1),
                            rows.int(2),
                            rows.int(3) != 0,
                        ));
                    }
                    Ok(passages)
                })
            });
            Ok((futures::future::try_join_all(reads).await?, top))
        }
        Db::Postgres(_) => {
            // Rows older than the window still move the mark: the highest id before reading.
            let top = max_id(db).await?;
            let (mut passages, mut mark) = (Vec::new(), 0);
            loop {
                let rows = read(db, mark, from_minute, CHUNK).await?;
                let Some(last) = rows.last() else { break };
                mark = last.0;
                passages.extend(rows.iter().filter_map(passage));
            }
            Ok((vec![passages], mark.max(top)))
        }
    }
}

/// Walks for ids up to `top`: one a core, at most four. Small tables are split too — a walk
/// costs a connection and a blocking thread for a moment — so every build takes this path.
fn walks(top: i64) -> i64 {
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4) as i64;
    top.clamp(1, cores)
}

async fn read(db: &Db, after: i64, from_minute: u32, limit: i64) -> AppResult<Vec<Row>> {
    const SQL: &str = "SELECT id, person_id, place_id, at_minute, direction FROM epi_passages \
         WHERE id > $1 AND at_minute >= $2 ORDER BY id LIMIT $3";
    Ok(platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(after).bind(i64::from(from_minute)).bind(limit).fetch_all(pool).await)?)
}

async fn max_id(db: &Db) -> AppResult<i64> {
    const SQL: &str = "SELECT COALESCE(MAX(id), 0) FROM epi_passages";
    Ok(platform::with_db!(db, pool => sqlx::query_scalar::<_, i64>(SQL).fetch_one(pool).await)?)
}

impl Live {
    pub async fn build(db: &Db, policy: &TracingPolicy, now: DateTime<Utc>) -> AppResult<Live> {
        let started = Instant::now();
        let from_minute = minute_of(now).saturating_sub(policy.window_days * 1440);
        let (rule_rows, places_mark) = rules(db, &policy.same_day_kinds, 0).await?;
        let mut rule_vec = Vec::new();
        for (id, r) in rule_rows {
            let i = id as usize;
            if rule_vec.len() <= i {
                rule_vec.resize(i + 1, Rule::Window);
            }
            rule_vec[i] = r;
        }
        let (parts, mark) = read_window(db, from_minute).await?;
        let lag = matches!(db, Db::Postgres(_));
        let recent = if lag {
            let floor = mark - LAG;
            let mut ids = HashSet::new();
            for r in read(db, floor, from_minute, LAG).await? {
                ids.insert(r.0);
            }
            ids
        } else {
            HashSet::new()
        };
        let params = params_of(policy);
        let parts: Vec<&[Passage]> = parts.iter().map(Vec::as_slice).collect();
        let engine = Engine::build_from_parts(params, &parts, rule_vec);
        Ok(Live {
            engine,
            mark,
            recent,
            places_mark,
            params,
            same_day: policy.same_day_kinds.clone(),
            from_minute,
            built: Instant::now(),
            build_ms: started.elapsed().as_millis(),
        })
    }

    /// Applies what was committed since the last catch-up.
    async fn catch_up(&mut self, db: &Db) -> AppResult<()> {
        let (new_rules, places_mark) = rules(db, &self.same_day, self.places_mark).await?;
        for (id, r) in new_rules {
            self.engine.set_rule(id, r);
        }
        self.places_mark = places_mark;
        let postgres = matches!(db, Db::Postgres(_));
        let mut after = if postgres {
            (self.mark - LAG).max(0)
        } else {
            self.mark
        };
        loop {
            let rows = read(db, after, self.from_minute, CHUNK).await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for row in &rows {
                if postgres && row.0 <= self.mark && !self.recent.insert(row.0) {
                    continue;
                }
                if postgres {
                    self.recent.insert(row.0);
                }
                if let Some(p) = passage(row) {
                    self.engine.add(p);
                }
            }
            self.mark = self.mark.max(after);
            if (rows.len() as i64) < CHUNK {
                break;
            }
        }
        if postgres {
            let floor = self.mark - LAG;
            self.recent.retain(|id| *id > floor);
        }
        Ok(())
    }
}

/// One database's index.
pub struct Shared {
    db: Db,
    index: RwLock<Option<Live>>,
    rebuilding: AtomicBool,
}

fn registry() -> &'static Mutex<HashMap<String, Arc<Shared>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Arc<Shared>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

pub fn shared(db: &Db, url: &str) -> Arc<Shared> {
    let mut all = registry().lock().unwrap_or_else(|e| e.into_inner());
    all.entry(url.to_string())
        .or_insert_with(|| {
            Arc::new(Shared {
                db: db.clone(),
                index: RwLock::new(None),
                rebuilding: AtomicBool::new(false),
            })
        })
        .clone()
}

pub fn of(state: &platform::state::AppState) -> Arc<Shared> {
    shared(state.db(), &state.config().db_url)
}

impl Shared {
    /// The index, current with what is committed now.
    pub async fn fresh(
        self: &Arc<Self>,
        policy: &TracingPolicy,
    ) -> AppResult<RwLockReadGuard<'_, Live>> {
        let mut guard = self.index.write().await;
        let stale = match guard.as_ref() {
            None => true,
            Some(live) => {
                live.params != params_of(policy)
                    || live.same_day != policy.same_day_kinds
                    || max_id(&self.db).await? < live.mark
            }
        };
        if stale {
            *guard = Some(Live::build(&self.db, policy, Utc::now()).await?);
        } else if let Some(live) = guard.as_mut() {
            live.catch_up(&self.db).await?;
            let old = live.built.elapsed() > REBUILD_AFTER || live.engine.delta_len() > 1_000_000;
            if old && !self.rebuilding.swap(true, Ordering::SeqCst) {
                let me = self.clone();
                let policy = policy.clone();
                tokio::spawn(async move {
                    if let Ok(fresh) = Live::build(&me.db, &policy, Utc::now()).await {
                        let mut w = me.index.write().await;
                        *w = Some(fresh);
                        if let Some(live) = w.as_mut() {
                            let _ = live.catch_up(&me.db).await;
                        }
                    }
                    me.rebuilding.store(false, Ordering::SeqCst);
                });
            }
        }
        let read = guard.downgrade();
        Ok(RwLockReadGuard::map(read, |i| {
            i.as_ref().expect("built above")
        }))
    }
}

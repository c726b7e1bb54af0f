//! The command screen's data for an area on a day: every headline figure with the day before,
//! the trends, overdue work by unit and the latest urgent matters. Computed once per area and day
//! on each node and shared by every screen watching it — a wall of screens and a room of phones
//! cost the database one computation, not one each — and computed again when anything was
//! written since (every write moves the audit log's head: one one-row read per request tells),
//! at most once every `MIN_AGE`, and at least every `MAX_AGE` (for figures that move with time).
//! A recomputation takes the values of the days before (the day-before column, the trends'
//! earlier points) from the previous one for up to `MAX_AGE`: only back-dated records move them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use domain::DivisionCode;
use platform::AppState;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use serde::Serialize;
use utoipa::ToSchema;

use crate::layout::{SECTIONS, TREND_DAYS, TRENDS};

/// A snapshot serves at least this long, however busy the writers.
pub const MIN_AGE: Duration = Duration::from_secs(1);
/// A snapshot serves at most this long, even when nothing was written.
pub const MAX_AGE: Duration = Duration::from_secs(60);

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FigureSnap {
    pub key: String,
    pub module: String,
    pub label_key: String,
    pub unit_key: String,
    /// `None`: the figure's module is not part of this platform yet.
    pub value: Option<f64>,
    pub day_before: Option<f64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SectionSnap {
    pub label_key: String,
    pub figures: Vec<FigureSnap>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TrendSnap {
    pub key: String,
    pub module: String,
    pub label_key: String,
    /// `(day, value)`, oldest first.
    pub points: Vec<(NaiveDate, f64)>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OverdueUnit {
    pub name: String,
    pub open_overdue: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Alert {
    pub ticket_id: i64,
    pub kind: String,
    /// Catalog key of the kind's name.
    pub kind_label_key: String,
    pub title: String,
    pub area_code: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Snapshot {
    pub area_code: String,
    pub area_name: String,
    pub date: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub sections: Vec<SectionSnap>,
    pub trends: Vec<TrendSnap>,
    pub overdue_by_unit: Vec<OverdueUnit>,
    pub alerts: Vec<Alert>,
}

/// A snapshot's answers as JSON, by the modules hidden from the reader (`""` for none): built
/// once per snapshot and reader kind, not per request.
pub type Rendered = Mutex<HashMap<String, axum::body::Bytes>>;

/// A snapshot and its rendered answers, shared by every request on the node.
#[derive(Clone)]
pub struct Shared {
    pub snapshot: Arc<Snapshot>,
    pub rendered: Arc<Rendered>,
}

/// A computed snapshot: when, at which audit head, what.
struct Entry {
    at: Instant,
    seq: i64,
    snapshot: Arc<Snapshot>,
    rendered: Arc<Rendered>,
}

impl Entry {
    fn shared(&self) -> Shared {
        Shared {
            snapshot: self.snapshot.clone(),
            rendered: self.rendered.clone(),
        }
    }
}

type Cache = Mutex<HashMap<String, Entry>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// One computation at a time per snapshot (area and day) on a node: requests that find it stale
/// while another computes it are answered the previous one (or, when there is none, wait for
/// that one) instead of starting their own.
fn computing(key: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Default::default)
        .lock()
        .expect("the lock map is never poisoned");
    locks.entry(key.to_string()).or_default().clone()
}

fn cached(key: &str, seq: Option<i64>) -> Option<Shared> {
    let map = cache().lock().expect("the cache lock is never poisoned");
    map.get(key)
        .filter(|e| {
            let age = e.at.elapsed();
            age < MIN_AGE || (seq == Some(e.seq) && age < MAX_AGE)
        })
        .map(Entry::shared)
}

/// The newest snapshot kept for `key`, however old (entries leave the cache after
/// `2 × MAX_AGE`).
fn kept(key: &str) -> Option<Shared> {
    let map = cache().lock().expect("the cache lock is never poisoned");
    map.get(key).map(Entry::shared)
}

/// The snapshot of `area` on `date`: current with every write, within `MIN_AGE`. The request
/// that finds it stale computes it again and waits for that; requests arriving while another
/// computes are answered the previous snapshot at once (a wall of screens never queues behind
/// one computation); only when there is none yet do they wait.
pub async fn get(
    state: &AppState,
    area: &DivisionCode,
    date: NaiveDate,
) -> AppResult<Arc<Snapshot>> {
    Ok(get_shared(state, area, date).await?.snapshot)
}

/// `get`, with the snapshot's rendered answers. A snapshot younger than `MIN_AGE` is answered
/// without reading the audit head at all.
pub async fn get_shared(
    state: &AppState,
    area: &DivisionCode,
    date: NaiveDate,
) -> AppResult<Shared> {
    let key = format!("{}|{}|{date}", state.config().db_url, area.as_str());
    if let Some(s) = cached(&key, None) {
        return Ok(s);
    }
    let seq = platform::audit::repo::head_seq(state.db()).await?;
    if let Some(s) = cached(&key, Some(seq)) {
        return Ok(s);
    }
    let lock = computing(&key);
    let _turn = match lock.clone().try_lock_owned() {
        Ok(turn) => turn,
        Err(_) => match kept(&key) {
            Some(previous) => return Ok(previous),
            None => lock.lock_owned().await,
        },
    };
    if let Some(s) = cached(&key, Some(seq)) {
        return Ok(s);
    }
    let entry = Entry {
        at: Instant::now(),
        seq,
        snapshot: Arc::new(compute_reusing(state, &key, area, date).await?),
        rendered: Arc::default(),
    };
    let shared = entry.shared();
    let mut map = cache().lock().expect("the cache lock is never poisoned");
    map.retain(|_, e| e.at.elapsed() < MAX_AGE * 2);
    map.insert(key, entry);
    Ok(shared)
}

fn module_of(key: &str) -> String {
    platform::figures::module_of(key).to_string()
}

/// Figure values on days before the snapshot's (the day-before column and the trends' earlier
/// points), by figure key and day.
type Before = HashMap<(String, NaiveDate), f64>;

/// The values before the day, kept per snapshot key and reused for `MAX_AGE`: the screen
/// recomputes its headline figures and work lists at every write (at most once a second), but the
/// days before move only with back-dated records, so those are computed again once a minute.
type BeforeCache = Mutex<HashMap<String, (Instant, Arc<Before>)>>;

fn before_cache() -> &'static BeforeCache {
    static BEFORE: OnceLock<BeforeCache> = OnceLock::new();
    BEFORE.get_or_init(Default::default)
}

async fn compute_reusing(
    state: &AppState,
    key: &str,
    area: &DivisionCode,
    date: NaiveDate,
) -> AppResult<Snapshot> {
    let reuse = {
        let map = before_cache()
            .lock()
            .expect("the cache lock is never poisoned");
        map.get(key)
            .filter(|(at, _)| at.elapsed() < MAX_AGE)
            .map(|(_, b)| b.clone())
    };
    let (snapshot, before) = compute_with(state, area, date, reuse.as_deref()).await?;
    if reuse.is_none() {
        let mut map = before_cache()
            .lock()
            .expect("the cache lock is never poisoned");
        map.retain(|_, (at, _)| at.elapsed() < MAX_AGE * 2);
        map.insert(key.to_string(), (Instant::now(), Arc::new(before)));
    }
    Ok(snapshot)
}

/// The value of `figure` on `day`: for a day before `date`, from `reuse` when it has it; noted
/// in `fresh` for the next snapshots.
async fn value_on(
    state: &AppState,
    figure: &platform::module::FigureDef,
    area: &DivisionCode,
    (date, day): (NaiveDate, NaiveDate),
    reuse: Option<&Before>,
    fresh: &mut Before,
) -> AppResult<f64> {
    let key = (figure.key.to_string(), day);
    if day < date
        && let Some(v) = reuse.and_then(|r| r.get(&key))
    {
        fresh.insert(key, *v);
        return Ok(*v);
    }
    let v = platform::figures::compute(state, figure, area, day).await?;
    if day < date {
        fresh.insert(key, v);
    }
    Ok(v)
}

/// Computes the snapshot afresh, without any cache (the baseline the screen benchmark compares
/// with).
pub async fn compute(
    state: &AppState,
    area: &DivisionCode,
    date: NaiveDate,
) -> AppResult<Snapshot> {
    Ok(compute_with(state, area, date, None).await?.0)
}

async fn compute_with(
    state: &AppState,
    area: &DivisionCode,
    date: NaiveDate,
    reuse: Option<&Before>,
) -> AppResult<(Snapshot, Before)> {
    let mut fresh = Before::new();
    let area_name = platform::areas::repo::get(state.db(), area.as_str())
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let yesterday = date.checked_sub_days(Days::new(1)).unwrap_or(date);
    let mut sections = Vec::new();
    for section in SECTIONS {
        let mut figures = Vec::new();
        for key in section.figures {
            let found = state.figure(key).cloned();
            let (label_key, unit_key, value, day_before) = match found {
                Some(f) => (
                    f.label_key.to_string(),
                    f.unit_key.to_string(),
                    Some(value_on(state, &f, area, (date, date), reuse, &mut fresh).await?),
                    Some(value_on(state, &f, area, (date, yesterday), reuse, &mut fresh).await?),
                ),
                None => (format!("figure.{key}"), String::new(), None, None),
            };
            figures.push(FigureSnap {
                key: key.to_string(),
                module: module_of(key),
                label_key,
                unit_key,
                value,
                day_before,
            });
        }
        sections.push(SectionSnap {
            label_key: section.label_key.to_string(),
            figures,
        });
    }
    let mut trends = Vec::new();
    for key in TRENDS {
        let Some(f) = state.figure(key).cloned() else {
            continue;
        };
        let mut points = Vec::new();
        for back in (0..TREND_DAYS).rev() {
            let day = date.checked_sub_days(Days::new(back)).unwrap_or(date);
            points.push((
                day,
                value_on(state, &f, area, (date, day), reuse, &mut fresh).await?,
            ));
        }
        trends.push(TrendSnap {
            key: key.to_string(),
            module: module_of(key),
            label_key: f.label_key.to_string(),
            points,
        });
    }
    let system = CurrentUser::system("command", area.clone());
    let tr = state.tr(platform::i18n::Lang::ZhCn);
    let kpis = platform::tickets::kpi::compute(
        state,
        &system,
        &tr,
        &platform::tickets::kpi::KpiQuery {
            area: Some(area.as_str().to_string()),
            group: Some("unit".into()),
            ..Default::default()
        },
    )
    .await?;
    let mut overdue_by_unit: Vec<OverdueUnit> = kpis
        .rows
        .into_iter()
        .filter(|r| r.open_overdue > 0)
        .map(|r| OverdueUnit {
            name: r.name,
            open_overdue: r.open_overdue,
        })
        .collect();
    overdue_by_unit.sort_by(|a, b| {
        b.open_overdue
            .cmp(&a.open_overdue)
            .then(a.name.cmp(&b.name))
    });
    overdue_by_unit.truncate(8);
    let (lo, hi) = area.subtree_range();
    let recent = platform::tickets::repo::list(
        state.db(),
        &platform::tickets::repo::Filter {
            scope: (lo, hi),
            open: true,
            from: Some(Utc::now() - TimeDelta::hours(24)),
            ..Default::default()
        },
        i64::MAX,
        200,
    )
    .await
    .map_err(AppError::from)?;
    let alerts = recent
        .into_iter()
        .filter(|t| t.priority == "urgent")
        .take(8)
        .map(|t| Alert {
            ticket_id: t.id,
            kind_label_key: state
                .ticket_kind(&t.kind)
                .map(|k| k.label_key.to_string())
                .unwrap_or_else(|| "tickets.kind.general".into()),
            kind: t.kind,
            title: t.title,
            area_code: t.area_code,
            created_at: t.created_at,
        })
        .collect();
    let snapshot = Snapshot {
        area_code: area.as_str().to_string(),
        area_name,
        date,
        generated_at: Utc::now(),
        sections,
        trends,
        overdue_by_unit,
        alerts,
    };
    Ok((snapshot, fresh))
}

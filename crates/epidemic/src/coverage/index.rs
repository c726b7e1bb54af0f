//! The in-memory coverage index: per person the area and the days a sample was taken, the open
//! requirements, the staff groups with their members and the mass-testing rounds — enough to say
//! who must be tested on a day and who was not, by area and group, without scanning the
//! database per request.
//!
//! One index per database, kept in a process-wide registry keyed by the database URL. It is
//! built at first use and brought up to date at every use with one cheap query (the highest id
//! of each table it reads, each an index lookup) followed by the rows above what it has seen —
//! so several nodes writing to one database all answer correctly. On PostgreSQL, rows may
//! commit out of id order: each refresh re-reads a window of ids below the last seen, and every
//! change is applied idempotently. Persons' changes of area or name (rare, and not visible in
//! ids) are picked up by a full rebuild in the background every ten minutes.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use platform::db::Db;
use platform::error::AppResult;
use tokio::sync::{RwLock, RwLockReadGuard};

/// A day as a number: days since 2000-01-01.
pub type Day = u16;

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("a valid epoch"),
};

pub fn day_num(d: NaiveDate) -> Day {
    (d - EPOCH).num_days().clamp(0, i64::from(Day::MAX)) as Day
}

pub fn day_date(d: Day) -> NaiveDate {
    EPOCH + chrono::Duration::days(i64::from(d))
}

/// Rows that committed late on PostgreSQL are found again within this many ids.
const LAG: i64 = 256;
const REBUILD_AFTER: Duration = Duration::from_secs(600);
pub const NO_AREA: u32 = u32::MAX;

/// The requirement reasons, in a fixed order (their index is stored).
pub const REASONS: &[&str] = &[
    crate::testing::requirements::reasons::SCREENING,
    crate::testing::requirements::reasons::POOL_RETEST,
    crate::testing::requirements::reasons::QUARANTINE,
    crate::testing::requirements::reasons::RELEASED,
    crate::testing::requirements::reasons::TRACING,
];

fn between(days: &[Day], from: Day, until: Day) -> bool {
    let i = days.partition_point(|d| *d < from);
    i < days.len() && days[i] <= until
}

fn add_day(days: &mut Vec<Day>, d: Day) {
    if let Err(at) = days.binary_search(&d) {
        days.insert(at, d);
    }
}

/// A person as the index holds them.
#[derive(Clone, Debug, Default)]
pub struct Slot {
    pub area: u32,
    /// Sampling days, sorted, without repeats.
    pub days: Vec<Day>,
    /// Days of single-tube samples only (a retest after a positive pool must be one).
    pub singles: Vec<Day>,
    /// Name, masked document number and masked phone, separated by U+001F.
    pub label: Box<str>,
}

impl Slot {
    /// Whether a sample was taken on a day in `[from, until]`.
    pub fn sampled_between(&self, from: Day, until: Day) -> bool {
        between(&self.days, from, until)
    }

    /// Whether a single-tube sample was taken on a day in `[from, until]`.
    pub fn single_between(&self, from: Day, until: Day) -> bool {
        between(&self.singles, from, until)
    }

    /// The last sampling day on or before `day`.
    pub fn last_by(&self, day: Day) -> Option<Day> {
        let i = self.days.partition_point(|d| *d <= day);
        (i > 0).then(|| self.days[i - 1])
    }

    /// (name, masked document, masked phone).
    pub fn parts(&self) -> (&str, &str, &str) {
        let mut it = self.label.split('\u{1f}');
        (
            it.next().unwrap_or(""),
            it.next().unwrap_or(""),
            it.next().unwrap_or(""),
        )
    }
}

#[derive(Clone, Debug)]
pub struct Requirement {
    pub person: i64,
    pub area: u32,
    pub reason: u8,
    pub from: Day,
    pub due: Day,
}

#[derive(Clone, Debug)]
pub struct StaffGroup {
    pub name: String,
    pub area_code: String,
    pub every_days: u16,
    pub members: Vec<i64>,
}

#[derive(Clone, Debug)]
pub struct Round {
    pub name: String,
    pub area_code: String,
    pub from: Day,
    pub until: Day,
}

/// The highest id seen of each table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Marks {
    pub persons: i64,
    pub samples: i64,
    pub requirements: i64,
    pub groups: i64,
    pub members: i64,
    pub rounds: i64,
}

/// What the index knows.
#[derive(Debug)]
pub struct Index {
    pub marks: Marks,
    /// Area codes in byte order, so a subtree is a range of positions.
    pub areas: Vec<String>,
    pub area_names: Vec<String>,
    /// Each area's parent position (`NO_AREA` for the top).
    pub area_parent: Vec<u32>,
    pub area_pos: HashMap<String, u32>,
    /// By person id; merged or unknown persons have `NO_AREA`.
    pub persons: Vec<Slot>,
    pub requirements: Vec<Requirement>,
    requirement_ids: HashSet<i64>,
    pub groups: std::collections::BTreeMap<i64, StaffGroup>,
    member_ids: HashSet<i64>,
    pub rounds: std::collections::BTreeMap<i64, Round>,
    built: Instant,
    lag: i64,
}

impl Index {
    /// Positions `[lo, hi)` of the areas in the subtree `(lo, hi)` of codes.
    pub fn range(&self, (lo, hi): &(String, String)) -> (u32, u32) {
        let a = self.areas.partition_point(|c| c.as_str() < lo.as_str());
        let b = self.areas.partition_point(|c| c.as_str() < hi.as_str());
        (a as u32, b as u32)
    }

    pub fn person(&self, id: i64) -> Option<&Slot> {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.persons.get(i))
            .filter(|s| s.area != NO_AREA)
    }

    async fn build(db: &Db) -> AppResult<Index> {
        let mut index = Index {
            marks: Marks::default(),
            areas: Vec::new(),
            area_names: Vec::new(),
            area_parent: Vec::new(),
            area_pos: HashMap::new(),
            persons: Vec::new(),
            requirements: Vec::new(),
            requirement_ids: HashSet::new(),
            groups: Default::default(),
            member_ids: HashSet::new(),
            rounds: Default::default(),
            built: Instant::now(),
            lag: match db {
                Db::Sqlite(_) => 0,
                Db::Postgres(_) => LAG,
            },
        };
        index.load_areas(db).await?;
        let marks = current_marks(db).await?;
        index.apply(db, marks, true).await?;
        Ok(index)
    }

    async fn load_areas(&mut self, db: &Db) -> AppResult<()> {
        const SQL: &str = "SELECT code, name, parent_code FROM areas ORDER BY code";
        let rows: Vec<(String, String, Option<String>)> =
            platform::with_db!(db, pool => sqlx::query_as(SQL).fetch_all(pool).await)?;
        // Byte order, whatever the database's collation.
        let mut rows = rows;
        rows.sort();
        self.area_pos = rows
            .iter()
            .enumerate()
            .map(|(i, (c, _, _))| (c.clone(), i as u32))
            .collect();
        self.area_parent = rows
            .iter()
            .map(|(_, _, p)| p.as_deref().map(|p| self.area_of(p)).unwrap_or(NO_AREA))
            .collect();
        self.areas = rows.iter().map(|r| r.0.clone()).collect();
        self.area_names = rows.into_iter().map(|r| r.1).collect();
        Ok(())
    }

    fn area_of(&self, code: &str) -> u32 {
        self.area_pos.get(code).copied().unwrap_or(NO_AREA)
    }

    /// Reads every row above the marks (less the lag) up to `to`.
    async fn apply(&mut self, db: &Db, to: Marks, first: bool) -> AppResult<()> {
        let lag = self.lag;
        let from = |mark: i64| if first { 0 } else { (mark - lag).max(0) };
        if to.persons > self.marks.persons || first {
            self.load_persons(db, from(self.marks.persons)).await?;
        }
        if to.samples > self.marks.samples || first {
            self.load_samples(db, from(self.marks.samples)).await?;
        }
        if to.requirements > self.marks.requirements || first {
            self.load_requirements(db, from(self.marks.requirements))
                .await?;
        }
        if to.groups > self.marks.groups || to.members > self.marks.members || first {
            self.load_groups(db, from(self.marks.groups), from(self.marks.members))
                .await?;
        }
        if to.rounds > self.marks.rounds || first {
            self.load_rounds(db, from(self.marks.rounds)).await?;
        }
        self.marks = to;
        Ok(())
    }

    async fn load_persons(&mut self, db: &Db, after: i64) -> AppResult<()> {
        const SQL: &str = "SELECT id, area_code, name, doc_type, doc_number, phone FROM persons \
             WHERE id > $1 AND merged_into IS NULL ORDER BY id";
        type Row = (i64, String, String, String, String, Option<String>);
        let rows: Vec<Row> = platform::with_db!(db, pool => sqlx::query_as(SQL)
            .bind(after).fetch_all(pool).await)?;
        for (id, area, name, doc_type, doc, phone) in rows {
            let Ok(i) = usize::try_from(id) else { continue };
            if self.persons.len() <= i {
                self.persons.resize_with(i + 1, || Slot {
                    area: NO_AREA,
                    ..Default::default()
                });
            }
            let label = format!(
                "{name}\u{1f}{}\u{1f}{}",
                platform::registry::person::model::mask_document(&doc_type, &doc),
                phone
                    .as_deref()
                    .map(|p| platform::pii::mask(platform::pii::PiiKind::Phone, p))
                    .unwrap_or_default()
            );
            let area = self.area_of(&area);
            let slot = &mut self.persons[i];
            slot.area = area;
            slot.label = label.into_boxed_str();
        }
        Ok(())
    }

    async fn load_samples(&mut self, db: &Db, after: i64) -> AppResult<()> {
        const SQL: &str = "SELECT m.person_id, m.sampled_on, s.pool_size FROM epi_sample_members m \
             JOIN epi_samples s ON s.id = m.sample_id WHERE m.sample_id > $1";
        let rows: Vec<(i64, NaiveDate, i32)> = platform::with_db!(db, pool => sqlx::query_as(SQL)
            .bind(after).fetch_all(pool).await)?;
        for (person, on, size) in rows {
            let Ok(i) = usize::try_from(person) else {
                continue;
            };
            if self.persons.len() <= i {
                self.persons.resize_with(i + 1, || Slot {
                    area: NO_AREA,
                    ..Default::default()
                });
            }
            let slot = &mut self.persons[i];
            let d = day_num(on);
            add_day(&mut slot.days, d);
            if size == 1 {
                add_day(&mut slot.singles, d);
            }
        }
        Ok(())
    }

    async fn load_requirements(&mut self, db: &Db, after: i64) -> AppResult<()> {
        const SQL: &str = "SELECT id, person_id, area_code, reason, from_on, due_on \
             FROM epi_test_requirements WHERE id > $1 ORDER BY id";
        type Row = (i64, i64, String, String, NaiveDate, NaiveDate);
        let rows: Vec<Row> = platform::with_db!(db, pool => sqlx::query_as(SQL)
            .bind(after).fetch_all(pool).await)?;
        for (id, person, area, reason, from, due) in rows {
            if !self.requirement_ids.insert(id) {
                continue;
            }
            let Some(reason) = REASONS.iter().position(|r| *r == reason) else {
                continue;
            };
            self.requirements.push(Requirement {
                person,
                area: self.area_of(&area),
                reason: reason as u8,
                from: day_num(from),
                due: day_num(due),
            });
        }
        Ok(())
    }

    async fn load_groups(
        &mut self,
        db: &Db,
        groups_after: i64,
        members_after: i64,
    ) -> AppResult<()> {
        const GROUPS: &str = "SELECT id, name, area_code, every_days FROM epi_staff_groups \
             WHERE id > $1 ORDER BY id";
        const MEMBERS: &str = "SELECT id, group_id, person_id FROM epi_staff_members \
             WHERE id > $1 ORDER BY id";
        let groups: Vec<(i64, String, String, i32)> = platform::with_db!(db, pool => sqlx::query_as(GROUPS)
            .bind(groups_after).fetch_all(pool).await)?;
        for (id, name, area_code, every) in groups {
            self.groups.entry(id).or_insert(StaffGroup {
                name,
                area_code,
                every_days: every.clamp(1, 60) as u16,
                members: Vec::new(),
            });
        }
        let members: Vec<(i64, i64, i64)> = platform::with_db!(db, pool => sqlx::query_as(MEMBERS)
            .bind(members_after).fetch_all(pool).await)?;
        for (id, group, person) in members {
            if self.member_ids.insert(id)
                && let Some(g) = self.groups.get_mut(&group)
            {
                g.members.push(person);
            }
        }
        Ok(())
    }

    async fn load_rounds(&mut self, db: &Db, after: i64) -> AppResult<()> {
        const SQL: &str = "SELECT id, name, area_code, starts_on, ends_on FROM epi_test_rounds \
             WHERE id > $1 ORDER BY id";
        let rows: Vec<(i64, String, String, NaiveDate, NaiveDate)> = platform::with_db!(db, pool => sqlx::query_as(SQL)
            .bind(after).fetch_all(pool).await)?;
        for (id, name, area_code, from, until) in rows {
            self.rounds.insert(
                id,
                Round {
                    name,
                    area_code,
                    from: day_num(from),
                    until: day_num(until),
                },
            );
        }
        Ok(())
    }
}

async fn current_marks(db: &Db) -> AppResult<Marks> {
    const SQL: &str = "SELECT \
         (SELECT COALESCE(MAX(id), 0) FROM persons) AS persons, \
         (SELECT COALESCE(MAX(id), 0) FROM epi_samples) AS samples, \
         (SELECT COALESCE(MAX(id), 0) FROM epi_test_requirements) AS requirements, \
         (SELECT COALESCE(MAX(id), 0) FROM epi_staff_groups) AS groups, \
         (SELECT COALESCE(MAX(id), 0) FROM epi_staff_members) AS members, \
         (SELECT COALESCE(MAX(id), 0) FROM epi_test_rounds) AS rounds";
    Ok(platform::with_db!(db, pool => sqlx::query_as(SQL).fetch_one(pool).await)?)
}

/// One database's index and what keeps it fresh.
pub struct Shared {
    db: Db,
    index: RwLock<Option<Index>>,
    rebuilding: Arc<AtomicBool>,
}

fn registry() -> &'static Mutex<HashMap<String, Arc<Shared>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Arc<Shared>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The index of the database at `url` (reached through `db`).
pub fn shared(db: &Db, url: &str) -> Arc<Shared> {
    let mut all = registry().lock().unwrap_or_else(|e| e.into_inner());
    all.entry(url.to_string())
        .or_insert_with(|| {
            Arc::new(Shared {
                db: db.clone(),
                index: RwLock::new(None),
                rebuilding: Arc::new(AtomicBool::new(false)),
            })
        })
        .clone()
}

/// The index of the application's database.
pub fn of(state: &platform::state::AppState) -> Arc<Shared> {
    shared(state.db(), &state.config().db_url)
}

impl Shared {
    /// The index, brought up to date with what is committed now.
    pub async fn fresh(self: &Arc<Self>) -> AppResult<RwLockReadGuard<'_, Index>> {
        let mut guard = self.index.write().await;
        match guard.as_mut() {
            None => *guard = Some(Index::build(&self.db).await?),
            Some(index) => {
                let marks = current_marks(&self.db).await?;
                let behind = marks.persons < index.marks.persons
                    || marks.samples < index.marks.samples
                    || marks.requirements < index.marks.requirements;
                if behind {
                    // The database was replaced under the same URL.
                    *guard = Some(Index::build(&self.db).await?);
                } else if marks != index.marks {
                    index.apply(&self.db, marks, false).await?;
                }
                if index_age(guard.as_ref()) > REBUILD_AFTER
                    && !self.rebuilding.swap(true, Ordering::SeqCst)
                {
                    let me = self.clone();
                    tokio::spawn(async move {
                        if let Ok(fresh) = Index::build(&me.db).await {
                            *me.index.write().await = Some(fresh);
                        }
                        me.rebuilding.store(false, Ordering::SeqCst);
                    });
                }
            }
        }
        let read = guard.downgrade();
        Ok(RwLockReadGuard::map(read, |i| {
            i.as_ref().expect("built above")
        }))
    }
}

fn index_age(index: Option<&Index>) -> Duration {
    index.map(|i| i.built.elapsed()).unwrap_or_default()
}

//! The import framework every ledger shares: a module describes its sheet once (an
//! [`Importer`]: the columns with the names officials use, how one row is checked, how a batch
//! is stored) and gets the rest — the header found under titles and units, every row checked,
//! duplicates within the file caught, the two modes (all-or-nothing, or valid rows only), the
//! batches stored in one transaction while the file streams, one audit entry, a record of the
//! import with its error report, and the same behaviour from the API, the upload page and
//! `tongxin import KIND FILE`.
//!
//! Modules list their importers in `Module::importers`; the kind (`persons`) names the API route
//! `POST /api/v1/imports/{kind}`, the page and the command line's KIND.

pub mod api;
pub mod cells;
mod deferred;
pub mod pages;
pub mod record;
mod upload;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::DivisionCode;
use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{self, Actor, Event};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::tabular::{CellProblem, Problem, Record, RejectedRow, Spec, Table};

pub use deferred::DeferredIndexes;
pub use upload::Upload;

/// Rows stored per statement by default (`Importer::store_batch`): enough to amortize the round
/// trip, few enough that a statement's parameters stay in the hundreds.
pub const BATCH: usize = 64;

/// Rows handed to [`Importer::confirm_batch`] at most at a time: one query for this many keys
/// stays well under both backends' parameter limits (32,766 on SQLite, 65,535 on PostgreSQL).
pub const CONFIRM_BATCH: usize = 4096;

/// Rows read but not yet judged at most (rows waiting for their confirmation, and the rejected
/// rows between them), so a long run of bad rows does not pile up in memory.
const WAITING_MAX: usize = 4 * CONFIRM_BATCH;

/// What to do with a file that has bad rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Any bad row: store nothing.
    AllOrNothing,
    /// Store the valid rows, report the others.
    ValidRows,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim() {
            "all-or-nothing" => Some(Mode::AllOrNothing),
            "valid-rows" | "" => Some(Mode::ValidRows),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::AllOrNothing => "all-or-nothing",
            Mode::ValidRows => "valid-rows",
        }
    }
}

/// What an import did.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Summary {
    /// The import's record: its error report is at `/api/v1/imports/{id}/report`.
    pub id: Option<i64>,
    /// Data rows read (titles, headers, totals and blank rows not counted).
    pub rows: usize,
    pub inserted: u64,
    pub updated: u64,
    /// Valid rows equal to the stored record.
    pub unchanged: u64,
    /// Whether anything was stored (false in all-or-nothing mode with bad rows).
    pub committed: bool,
    pub rejected: Vec<RejectedSummary>,
    /// Rows passed over: totals, repeated headers, notes.
    pub skipped: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedSummary {
    pub row: usize,
    pub errors: Vec<String>,
}

/// The outcome with the rejected rows in full, for an error report.
pub struct Outcome {
    pub summary: Summary,
    pub header: Vec<String>,
    pub rejected: Vec<RejectedRow>,
}

/// Where rows may go: the importing user's subtree (or the whole tree from the command line),
/// and the area for rows that name none.
pub struct Target {
    pub scope: Option<DivisionCode>,
    pub default_area: Option<DivisionCode>,
}

/// What an importer's `check` may consult: the reader's language, the target, the areas.
pub struct CheckContext<'a> {
    pub tr: &'a Tr,
    pub target: &'a Target,
    areas: HashSet<String>,
}

impl CheckContext<'_> {
    /// The row's area text, or the target's default area when the row names none.
    pub fn area_text(&self, record: &Record, key: &str) -> String {
        let text = record.get(key).trim();
        if text.is_empty() {
            return self
                .target
                .default_area
                .as_ref()
                .map(|a| a.as_str().to_string())
                .unwrap_or_default();
        }
        text.to_string()
    }

    /// Whether a valid code names an existing area inside the target's scope; the problem if not.
    pub fn area_problem(&self, area: &DivisionCode) -> Option<Problem> {
        if self
            .target
            .scope
            .as_ref()
            .is_some_and(|s| !s.contains(area))
        {
            Some(Problem::new("user.area_outside_scope"))
        } else if !self.areas.contains(area.as_str()) {
            Some(Problem::new("user.unknown_area"))
        } else {
            None
        }
    }
}

/// A row that passed its checks: its identity within the file (a second row with the same key
/// is rejected as a duplicate), the field the key is read from, and the value to store.
pub struct Checked<T> {
    pub key: String,
    pub key_field: &'static str,
    pub item: T,
}

/// What confirming a row answered: nothing to say, or the problems that reject it.
pub type Verdict = Result<(), Vec<CellProblem>>;

/// What a stored batch did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stored {
    pub inserted: u64,
    pub updated: u64,
}

/// One kind of sheet a module imports.
pub trait Importer: Send + Sync + 'static {
    type Item: Send + Sync;

    /// `persons`: the API route, the command line's KIND.
    fn kind(&self) -> &'static str;
    /// The audit log's record kind, `registry.person`; the import's entry is `{it}.import`.
    fn record_kind(&self) -> &'static str;
    /// The columns and the names officials give them.
    fn spec(&self) -> &'static Spec;
    /// The catalog key saying a row repeats the identifier of row `{first}`.
    fn duplicate_key(&self) -> &'static str {
        "import.duplicate_in_file"
    }
    /// Checks one row like a registration would.
    fn check(
        &self,
        record: &Record,
        ctx: &CheckContext<'_>,
    ) -> Result<Checked<Self::Item>, Vec<CellProblem>>;
    /// Checks a row that passed `check` against what is registered — a household's head and
    /// members must be registered persons — and may complete its item from there (their ids).
    /// Runs on the pool, outside the import's transaction: it sees what was committed before
    /// the import, not what this import stored so far. By default there is nothing to confirm.
    fn confirm<'a>(
        &'a self,
        _db: &'a Db,
        _record: &'a Record,
        _item: &'a mut Self::Item,
        _ctx: &'a CheckContext<'a>,
    ) -> BoxFuture<'a, AppResult<Result<(), Vec<CellProblem>>>> {
        Box::pin(async { Ok(Ok(())) })
    }
    /// Confirms a batch of rows that passed `check`, in file order, with as few queries as the
    /// importer can manage (one `WHERE key IN (…)` for the batch, say) instead of a round trip
    /// per row. Answers one verdict per row, in the order given, exactly as `confirm` would
    /// have answered it: a rejected row's problems name its cells as before. `run` hands over
    /// at most [`CONFIRM_BATCH`] rows at a time and judges duplicates and storing afterwards,
    /// in file order, so the outcome is the one row-by-row confirmation gives; a row may thus
    /// be confirmed and then rejected as a duplicate of an earlier row of the same batch, so
    /// confirming must not change anything. Same rules as `confirm`: on the pool, outside the
    /// import's transaction. By default it calls `confirm` for each row in turn.
    fn confirm_batch<'a>(
        &'a self,
        db: &'a Db,
        rows: &'a mut [(&'a Record, &'a mut Self::Item)],
        ctx: &'a CheckContext<'a>,
    ) -> BoxFuture<'a, AppResult<Vec<Verdict>>> {
        Box::pin(async move {
            let mut verdicts = Vec::with_capacity(rows.len());
            for (record, item) in rows.iter_mut() {
                verdicts.push(self.confirm(db, record, item, ctx).await?);
            }
            Ok(verdicts)
        })
    }
    /// The catalog key of a line the upload page shows under the framework's introduction,
    /// saying what this import does beyond it (households: members are moved); `None` for none.
    fn note_key(&self) -> Option<&'static str> {
        None
    }
    /// The page cache (MiB) of the import's transaction on SQLite (`Db::begin_bulk`), a ceiling
    /// filled only as pages are read: enough for the pages a million-row import rewrites at
    /// random (64 made a million lab results take half as long again as 256, the default).
    fn page_cache_mib(&self) -> u32 {
        256
    }
    /// Indexes of the table this import fills that a large import may build at its end instead
    /// of row by row, on SQLite (see `deferred`): ones on columns whose values arrive in no
    /// order, and that `store` itself never searches. None by default.
    fn deferred_indexes(&self) -> Option<DeferredIndexes> {
        None
    }
    /// Rows handed to one `store` call: [`BATCH`] by default. An importer that stores a batch
    /// with a few multi-row statements of its own size, and gains from seeing many rows at once
    /// (sorting them into the order of the table it writes, so consecutive rows share pages),
    /// may ask for more; the rows are held in memory until stored.
    fn store_batch(&self) -> usize {
        BATCH
    }
    /// Stores a batch of checked rows, idempotently: a row equal to the stored record changes
    /// nothing and counts neither as inserted nor as updated.
    fn store<'a>(
        &'a self,
        tx: &'a mut Tx,
        items: &'a [Self::Item],
        at: DateTime<Utc>,
        by: &'a str,
    ) -> BoxFuture<'a, AppResult<Stored>>;
    /// `store`, with the transaction and the batch moved in and handed back: what the framework
    /// calls. An importer overrides it to store on a thread of its own while the next rows are
    /// read (SQLite's raw statements, `db::raw::on_tx`); by default it awaits `store`.
    fn store_owned<'a>(
        &'a self,
        tx: Tx,
        items: Vec<Self::Item>,
        at: DateTime<Utc>,
        by: &'a str,
    ) -> Running<'a, Self::Item> {
        awaiting_store(self, tx, items, at, by)
    }
}

/// `Importer::store_owned`'s default: `store` awaited on the batch, the transaction handed back.
pub fn awaiting_store<'a, I: Importer + ?Sized>(
    importer: &'a I,
    mut tx: Tx,
    items: Vec<I::Item>,
    at: DateTime<Utc>,
    by: &'a str,
) -> Running<'a, I::Item> {
    Box::pin(async move {
        let result = importer.store(&mut tx, &items, at, by).await;
        (tx, items, result)
    })
}

/// An importer as the kernel holds it, whatever its item type.
pub trait SheetImport: Send + Sync + 'static {
    fn kind(&self) -> &'static str;
    fn spec(&self) -> &'static Spec;
    fn note_key(&self) -> Option<&'static str>;
    #[allow(clippy::too_many_arguments)]
    fn run<'a>(
        &'a self,
        db: &'a Db,
        actor: &'a Actor,
        tr: &'a Tr,
        table: Table,
        mode: Mode,
        target: &'a Target,
        file_name: &'a str,
    ) -> BoxFuture<'a, AppResult<Outcome>>;
}

impl<I: Importer> SheetImport for I {
    fn kind(&self) -> &'static str {
        Importer::kind(self)
    }

    fn spec(&self) -> &'static Spec {
        Importer::spec(self)
    }

    fn note_key(&self) -> Option<&'static str> {
        Importer::note_key(self)
    }

    fn run<'a>(
        &'a self,
        db: &'a Db,
        actor: &'a Actor,
        tr: &'a Tr,
        table: Table,
        mode: Mode,
        target: &'a Target,
        file_name: &'a str,
    ) -> BoxFuture<'a, AppResult<Outcome>> {
        Box::pin(run(self, db, actor, tr, table, mode, target, file_name))
    }
}

/// Reads, checks and stores a sheet. Rows stream: valid rows are stored a batch at a time in
/// one transaction, opened at the first batch; in all-or-nothing mode the first bad row stops
/// the storing (the rest is still checked, for the report) and the transaction is rolled back.
/// A file that cannot be read at all is an `Err`. Every import is recorded (`record`), with its
/// error report.
#[allow(clippy::too_many_arguments)]
pub async fn run<I: Importer>(
    importer: &I,
    db: &Db,
    actor: &Actor,
    tr: &Tr,
    mut table: Table,
    mode: Mode,
    target: &Target,
    file_name: &str,
) -> AppResult<Outcome> {
    let layout = table
        .locate(importer.spec())
        .map_err(|p| file_problem(tr, p))?;
    let header = layout.labels.clone();
    let ctx = CheckContext {
        tr,
        target,
        areas: area_codes(db).await?,
    };
    let mut records = table.records(&layout);
    let at = Utc::now();
    let mut judge = Judge {
        importer,
        db,
        tr,
        ctx: &ctx,
        mode,
        rejected: Vec::new(),
        seen: HashMap::new(),
        storing: Storing::new(importer, db, at, &actor.name),
        valid: 0,
    };
    // Rows read and checked, waiting (in file order) for their batch's confirmation.
    let mut waiting: Vec<Waiting<I::Item>> = Vec::new();
    let mut to_confirm = 0;
    let mut rows = 0;
    for record in records.by_ref() {
        let record = record.map_err(|p| file_problem(tr, p))?;
        rows += 1;
        if rows % PUMP_EVERY == 0 {
            // The store of earlier rows runs on (its connection's thread, or the server) while
            // this task reads and checks: hand it its next statement when the last one is done.
            judge.storing.pump().await?;
        }
        match importer.check(&record, &ctx) {
            Ok(checked) => {
                let key = digest(&checked.key);
                // A repeat of a row already judged valid, or a row with cell errors, is
                // rejected whatever is stored: no need to confirm it.
                let confirm = !judge.seen.contains_key(&key) && record.errors.is_empty();
                to_confirm += usize::from(confirm);
                waiting.push(Waiting::Checked {
                    record,
                    key,
                    checked,
                    confirm,
                });
            }
            Err(problems) => waiting.push(Waiting::Rejected(record, problems)),
        }
        if to_confirm == CONFIRM_BATCH || waiting.len() >= WAITING_MAX {
            judge.settle(&mut waiting).await?;
            to_confirm = 0;
        }
    }
    judge.settle(&mut waiting).await?;
    let Judge {
        rejected,
        storing,
        valid,
        ..
    } = judge;
    let keep = mode != Mode::AllOrNothing || rejected.is_empty();
    let (tx, stored) = storing.finish(keep).await?;
    let skipped = records.skipped().len();
    let mut summary = Summary {
        rows,
        skipped,
        rejected: rejected
            .iter()
            .map(|r| RejectedSummary {
                row: r.row,
                errors: r.errors.iter().map(|e| e.message.clone()).collect(),
            })
            .collect(),
        ..Default::default()
    };
    if !keep {
        if let Some(tx) = tx {
            tx.rollback().await?;
        }
    } else {
        summary.inserted = stored.inserted;
        summary.updated = stored.updated;
        summary.unchanged = valid - stored.inserted - stored.updated;
        let mut tx = match tx {
            Some(tx) => tx,
            None => db.begin().await?,
        };
        let mut event = Event::new(&format!("{}.import", importer.record_kind()))
            .area(target.scope.as_ref().map(|s| s.as_str()).unwrap_or(""))
            .after(json!({
                "file": file_name, "mode": mode, "rows": rows, "inserted": summary.inserted,
                "updated": summary.updated, "unchanged": summary.unchanged,
                "rejected": rejected.len(),
            }));
        event.record_kind = Some(importer.record_kind().to_string());
        if target.scope.is_none() {
            event.area_code = None;
        }
        audit::append(&mut tx, actor, event).await?;
        tx.commit().await?;
        summary.committed = true;
    }
    let outcome = Outcome {
        summary,
        header,
        rejected,
    };
    let id = record::save(db, tr, importer.kind(), file_name, mode, actor, &outcome).await?;
    let mut outcome = outcome;
    outcome.summary.id = Some(id);
    Ok(outcome)
}

/// A row read and checked, waiting in file order for its batch to be confirmed and judged.
enum Waiting<T> {
    /// Failed its checks.
    Rejected(Record, Vec<CellProblem>),
    /// Passed its checks; `confirm` says whether it goes to `confirm_batch` (not when it
    /// repeats a row already judged valid, or has cell errors: it is rejected anyway).
    Checked {
        record: Record,
        key: u128,
        checked: Checked<T>,
        confirm: bool,
    },
}

/// The judging half of `run`: what has been decided so far and where valid rows go.
struct Judge<'a, I: Importer> {
    importer: &'a I,
    db: &'a Db,
    tr: &'a Tr,
    ctx: &'a CheckContext<'a>,
    mode: Mode,
    rejected: Vec<RejectedRow>,
    /// Keys judged valid so far, as 128-bit digests (a million keys in tens of megabytes), with
    /// their row.
    seen: HashMap<u128, usize>,
    storing: Storing<'a, I>,
    valid: u64,
}

impl<I: Importer> Judge<'_, I> {
    /// Confirms the waiting rows in one `confirm_batch`, then judges each in file order as
    /// row-by-row confirmation would: a repeat of an earlier valid row is a duplicate, a row
    /// with cell errors is rejected with them, else the confirmation decides; valid rows go to
    /// the store batch (in all-or-nothing mode only until the first rejected row).
    async fn settle(&mut self, waiting: &mut Vec<Waiting<I::Item>>) -> AppResult<()> {
        let (asked, verdicts) = {
            let mut rows: Vec<(&Record, &mut I::Item)> = waiting
                .iter_mut()
                .filter_map(|w| match w {
                    Waiting::Checked {
                        record,
                        checked,
                        confirm: true,
                        ..
                    } => Some((&*record, &mut checked.item)),
                    _ => None,
                })
                .collect();
            let asked = rows.len();
            if asked == 0 {
                (0, Vec::new())
            } else {
                let confirm = self.importer.confirm_batch(self.db, &mut rows, self.ctx);
                let verdicts = self.storing.beside(confirm).await?;
                (asked, verdicts)
            }
        };
        if verdicts.len() != asked {
            return Err(AppError::internal(format!(
                "{}: confirm_batch answered {} verdicts for {asked} rows",
                self.importer.kind(),
                verdicts.len()
            )));
        }
        let mut verdicts = verdicts.into_iter();
        for w in waiting.drain(..) {
            let (record, problems) = match w {
                Waiting::Rejected(record, problems) => (record, problems),
                Waiting::Checked {
                    record,
                    key,
                    checked,
                    confirm,
                } => {
                    let verdict = if confirm { verdicts.next() } else { None };
                    let problems = match (self.seen.get(&key), verdict) {
                        (Some(first), _) => vec![problem_at(
                            &record,
                            checked.key_field,
                            Problem::new(self.importer.duplicate_key())
                                .arg("first", first.to_string()),
                        )],
                        (None, _) if !record.errors.is_empty() => Vec::new(),
                        (None, Some(Err(problems))) => problems,
                        (None, None) => {
                            return Err(AppError::internal("a row was judged unconfirmed"));
                        }
                        (None, Some(Ok(()))) => {
                            self.seen.insert(key, record.row);
                            self.valid += 1;
                            if self.mode == Mode::ValidRows || self.rejected.is_empty() {
                                self.storing.push(checked.item);
                            }
                            continue;
                        }
                    };
                    (record, problems)
                }
            };
            self.rejected.push(record.reject(self.tr, problems));
            if self.mode == Mode::AllOrNothing {
                // Nothing will be kept: rows not yet handed to the store never need to be.
                self.storing.drop_queued();
            }
        }
        self.storing.pump().await?;
        self.storing.limit_queue().await
    }
}

/// A 128-bit digest of a key: two SipHash passes with different salts.
fn digest(key: &str) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        key.hash(&mut h);
        h.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}

/// A batch being stored, with the transaction it is stored in (handed back when done).
pub type Running<'a, T> = BoxFuture<'a, (Tx, Vec<T>, AppResult<Stored>)>;

/// The storing half of `run`, beside the reading: valid rows queue here in file order and are
/// stored `store_batch` at a time, in that order, in one transaction opened at the first batch
/// — the batches `run` stored one after the other before, with the same contents. A batch's
/// store runs while the next rows are read, checked and confirmed: `pump` hands it on (polls
/// it, and starts the next full batch when it is done), so SQLite's writer thread (or the
/// PostgreSQL server) works while this task reads. One batch is stored at a time.
struct Storing<'a, I: Importer> {
    importer: &'a I,
    db: &'a Db,
    at: DateTime<Utc>,
    by: &'a str,
    /// The transaction while no batch is being stored.
    tx: Option<Tx>,
    running: Option<Running<'a, I::Item>>,
    queue: std::collections::VecDeque<I::Item>,
    /// An emptied batch, for its allocation.
    spare: Vec<I::Item>,
    total: Stored,
    deferral: deferred::Deferral,
}

/// Records read between two `Storing::pump`s.
const PUMP_EVERY: usize = 32;

impl<'a, I: Importer> Storing<'a, I> {
    fn new(importer: &'a I, db: &'a Db, at: DateTime<Utc>, by: &'a str) -> Self {
        Storing {
            importer,
            db,
            at,
            by,
            tx: None,
            running: None,
            queue: std::collections::VecDeque::new(),
            spare: Vec::new(),
            total: Stored::default(),
            deferral: deferred::Deferral::none(),
        }
    }

    fn push(&mut self, item: I::Item) {
        self.queue.push_back(item);
    }

    /// Forgets the rows queued but not yet being stored.
    fn drop_queued(&mut self) {
        self.queue.clear();
    }

    /// Takes the running batch's result.
    fn done(
        &mut self,
        (tx, mut batch, result): (Tx, Vec<I::Item>, AppResult<Stored>),
    ) -> AppResult<()> {
        self.tx = Some(tx);
        batch.clear();
        self.spare = batch;
        let done = result?;
        self.total.inserted += done.inserted;
        self.total.updated += done.updated;
        Ok(())
    }

    /// Polls the running batch once, without waiting; starts the next one when none is running
    /// and a full batch is queued.
    async fn pump(&mut self) -> AppResult<()> {
        if let Some(running) = self.running.as_mut()
            && let std::task::Poll::Ready(out) = futures::poll!(running)
        {
            self.running = None;
            self.done(out)?;
        }
        if self.running.is_none() && self.queue.len() >= self.importer.store_batch() {
            self.start(self.importer.store_batch()).await?;
        }
        Ok(())
    }

    /// Waits for the running batch.
    async fn wait(&mut self) -> AppResult<()> {
        if let Some(running) = self.running.take() {
            let out = running.await;
            self.done(out)?;
        }
        Ok(())
    }

    /// Starts storing the first `n` queued rows, opening the transaction at the first batch.
    async fn start(&mut self, n: usize) -> AppResult<()> {
        self.wait().await?;
        let mut tx = match self.tx.take() {
            Some(tx) => tx,
            None => {
                let mut tx = self.db.begin_bulk(self.importer.page_cache_mib()).await?;
                let deferred = self.importer.deferred_indexes();
                self.deferral = deferred::Deferral::begin(deferred, &mut tx).await?;
                tx
            }
        };
        self.deferral
            .before_batch(&mut tx, self.total.inserted)
            .await?;
        let mut batch = std::mem::take(&mut self.spare);
        batch.extend(self.queue.drain(..n.min(self.queue.len())));
        self.running = Some(self.importer.store_owned(tx, batch, self.at, self.by));
        Ok(())
    }

    /// Runs `work` (a confirmation, on other connections) while the running batch stores;
    /// answers `work`'s output, the batch still running if it takes longer.
    async fn beside<T>(&mut self, work: BoxFuture<'_, AppResult<T>>) -> AppResult<T> {
        let Some(running) = self.running.as_mut() else {
            return work.await;
        };
        match futures::future::select(work, running).await {
            futures::future::Either::Left((answer, _)) => answer,
            futures::future::Either::Right((out, work)) => {
                self.running = None;
                self.done(out)?;
                self.pump().await?;
                work.await
            }
        }
    }

    /// Keeps the queue to a few batches: reading waits for storing beyond that. Four confirm
    /// batches' worth, so that reading and checking run on while a store batch takes longer.
    async fn limit_queue(&mut self) -> AppResult<()> {
        let limit = 4 * self.importer.store_batch().max(CONFIRM_BATCH);
        while self.queue.len() > limit {
            self.start(self.importer.store_batch()).await?;
        }
        Ok(())
    }

    /// Stores what is queued and creates the deferred indexes again (`keep`), or lets the
    /// running batch end (not `keep`: the import will be rolled back, and any index dropped
    /// with it); answers the transaction, if one was opened, and the totals.
    async fn finish(mut self, keep: bool) -> AppResult<(Option<Tx>, Stored)> {
        self.wait().await?;
        if keep {
            while !self.queue.is_empty() {
                self.start(self.importer.store_batch()).await?;
                self.wait().await?;
            }
            if let Some(tx) = self.tx.as_mut() {
                self.deferral.rebuild(tx).await?;
            }
        }
        Ok((self.tx, self.total))
    }
}

/// An `AppError` from a model's validation, as a problem at the cell of its field (or of
/// `fallback` when it names none, or the row when neither is a column).
pub fn cell_problem(record: &Record, err: AppError, fallback: &str) -> CellProblem {
    let field = err.field.clone().unwrap_or_else(|| fallback.to_string());
    let mut problem = Problem::new(leak(err.key.clone()));
    for (k, v) in &err.args {
        problem = problem.arg(leak(k.clone()), v.clone());
    }
    match record.column(&field).or_else(|| record.column(fallback)) {
        Some(c) => CellProblem::cell(c, problem),
        None => CellProblem::row(problem),
    }
}

/// A problem at the cell of `key`, or the row when the sheet has no such column.
pub fn problem_at(record: &Record, key: &str, problem: Problem) -> CellProblem {
    match record.column(key) {
        Some(c) => CellProblem::cell(c, problem),
        None => CellProblem::row(problem),
    }
}

/// Catalog keys of `AppError`s are `String`s; problems and events want `'static` keys. The
/// set of keys is small and fixed (the catalog's), so each is leaked once and reused.
fn leak(text: String) -> &'static str {
    static KEYS: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = keys.iter().find(|k| **k == text) {
        return k;
    }
    let k: &'static str = Box::leak(text.into_boxed_str());
    keys.push(k);
    k
}

fn file_problem(tr: &Tr, problem: Problem) -> AppError {
    AppError::invalid("import.file_problem").with_arg("problem", problem.message(tr))
}

async fn area_codes(db: &Db) -> AppResult<HashSet<String>> {
    const SQL: &str = "SELECT code FROM areas";
    let codes: Vec<String> =
        crate::with_db!(db, pool => sqlx::query_scalar(SQL).fetch_all(pool).await)?;
    Ok(codes.into_iter().collect())
}

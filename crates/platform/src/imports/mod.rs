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

pub use upload::Upload;

/// Rows stored per statement: enough to amortize the round trip, few enough that a statement's
/// parameters stay in the hundreds.
const BATCH: usize = 64;

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
    /// The catalog key of a line the upload page shows under the framework's introduction,
    /// saying what this import does beyond it (households: members are moved); `None` for none.
    fn note_key(&self) -> Option<&'static str> {
        None
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
    let mut rejected: Vec<RejectedRow> = Vec::new();
    // Keys seen so far, as 128-bit digests (a million keys in tens of megabytes), with their row.
    let mut seen: HashMap<u128, usize> = HashMap::new();
    let mut batch: Vec<I::Item> = Vec::with_capacity(BATCH);
    let mut tx: Option<Tx> = None;
    let mut stored = Stored::default();
    let mut valid: u64 = 0;
    let mut rows = 0;
    let at = Utc::now();
    for record in records.by_ref() {
        let record = record.map_err(|p| file_problem(tr, p))?;
        rows += 1;
        let problems = match importer.check(&record, &ctx) {
            Ok(mut checked) => match seen.get(&digest(&checked.key)) {
                Some(first) => vec![problem_at(
                    &record,
                    checked.key_field,
                    Problem::new(importer.duplicate_key()).arg("first", first.to_string()),
                )],
                None if record.errors.is_empty() => {
                    match importer
                        .confirm(db, &record, &mut checked.item, &ctx)
                        .await?
                    {
                        Err(problems) => problems,
                        Ok(()) => {
                            seen.insert(digest(&checked.key), record.row);
                            valid += 1;
                            let storing = mode == Mode::ValidRows || rejected.is_empty();
                            if storing {
                                batch.push(checked.item);
                                if batch.len() == BATCH {
                                    store(
                                        importer,
                                        db,
                                        &mut tx,
                                        &mut batch,
                                        at,
                                        actor,
                                        &mut stored,
                                    )
                                    .await?;
                                }
                            }
                            continue;
                        }
                    }
                }
                None => Vec::new(),
            },
            Err(problems) => problems,
        };
        rejected.push(record.reject(tr, problems));
        if mode == Mode::AllOrNothing {
            batch.clear();
        }
    }
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
    if mode == Mode::AllOrNothing && !rejected.is_empty() {
        if let Some(tx) = tx {
            tx.rollback().await?;
        }
    } else {
        store(importer, db, &mut tx, &mut batch, at, actor, &mut stored).await?;
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

/// Stores and empties the batch, opening the transaction at the first batch.
async fn store<I: Importer>(
    importer: &I,
    db: &Db,
    tx: &mut Option<Tx>,
    batch: &mut Vec<I::Item>,
    at: DateTime<Utc>,
    actor: &Actor,
    total: &mut Stored,
) -> AppResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    if tx.is_none() {
        let mut begun = db.begin().await?;
        if let Tx::Sqlite(_) = begun {
            // A large import touches many pages: 64 MB of page cache for this connection keeps
            // SQLite from spilling to a statement journal mid-transaction.
            crate::with_conn!(&mut begun, conn => sqlx::query("PRAGMA cache_size = -65536")
                .execute(conn).await.map(|r| r.rows_affected()))?;
        }
        *tx = Some(begun);
    }
    let tx = tx.as_mut().expect("opened above");
    let done = importer.store(tx, batch, at, &actor.name).await?;
    total.inserted += done.inserted;
    total.updated += done.updated;
    batch.clear();
    Ok(())
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

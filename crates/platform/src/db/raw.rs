//! Blocking prepared statements on sqlx's own SQLite connection, for the few bulk paths where
//! sqlx's per-row handoff (a channel message and an owned value per cell) costs more than the work:
//! streaming a million rows out, or storing a sheet's rows in. Everything else goes through sqlx.
//!
//! The connection comes from the pool and keeps its settings (WAL, busy timeout, foreign keys);
//! [`on_pool`] runs the closure on a blocking thread with the connection's handle locked out of
//! sqlx's worker, so nothing else uses that connection meanwhile; [`on_tx`] does the same inside a
//! write transaction, which it hands back still open. SQLite only: callers keep their PostgreSQL
//! path on sqlx.
//!
//! ```text
//! db::raw::on_pool(&pool, move |raw| {
//!     let mut stmt = raw.prepare("SELECT id, name FROM persons WHERE area_code >= ?1")?;
//!     stmt.bind_text(1, &from)?;
//!     while stmt.step()? { out.push((stmt.int(0), stmt.text(1).to_owned())); }
//!     Ok(out)
//! }).await?
//! ```

use std::borrow::Cow;
use std::ffi::{CStr, CString, c_char, c_int};
use std::fmt;
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use chrono::{DateTime, SecondsFormat, Utc};
use libsqlite3_sys as ffi;
use sqlx::Connection;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::sqlite::{LockedSqliteHandle, SqliteConnectOptions, SqliteConnection};
use sqlx::{Sqlite, SqlitePool, Transaction};

/// An error SQLite returned to a raw call; `?` turns it into [`sqlx::Error::Database`] (sqlx's own
/// blanket `From`), so callers map it — unique violations included — exactly as they map sqlx's.
#[derive(Debug)]
pub struct RawError {
    code: c_int,
    message: String,
}

impl RawError {
    fn from_handle(db: *mut ffi::sqlite3, code: c_int) -> RawError {
        // SAFETY: `db` is the open handle of the call that failed; sqlite3_errmsg returns a
        // NUL-terminated string owned by SQLite, copied before any further call on the handle.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
            .to_string_lossy()
            .into_owned();
        RawError {
            code: unsafe { ffi::sqlite3_extended_errcode(db) }.max(code),
            message,
        }
    }

    pub(crate) fn misuse(message: &str) -> RawError {
        RawError {
            code: ffi::SQLITE_MISUSE,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for RawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for RawError {}

impl DatabaseError for RawError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

/// A time as sqlx stores `DateTime<Utc>` in SQLite; bind it with `bind_text` when one value goes
/// into many rows.
pub fn time_text(value: DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// The locked handle of one connection. Only lent to closures: it cannot outlive the lock.
pub struct Raw {
    db: NonNull<ffi::sqlite3>,
}

impl Raw {
    /// Runs SQL without parameters or rows (`BEGIN IMMEDIATE`, `COMMIT`, a `PRAGMA`); several
    /// statements separated by `;` are fine.
    pub fn execute(&mut self, sql: &str) -> Result<(), RawError> {
        let sql = CString::new(sql).map_err(|_| RawError::misuse("NUL in SQL"))?;
        // SAFETY: the handle is locked out of sqlx's worker for the lifetime of `self`.
        let code = unsafe {
            ffi::sqlite3_exec(
                self.db.as_ptr(),
                sql.as_ptr(),
                None,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        self.check(code)
    }

    /// Compiles one statement; placeholders are `?` or `?N`, bound by position from 1. Several
    /// may be live at once; `execute` (a `COMMIT`) waits until they are dropped.
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>, RawError> {
        let mut stmt = ptr::null_mut();
        let len = c_int::try_from(sql.len()).map_err(|_| RawError::misuse("SQL too long"))?;
        // SAFETY: `sql` is valid for `len` bytes; the statement is finalized by `Stmt::drop`.
        let code = unsafe {
            ffi::sqlite3_prepare_v2(
                self.db.as_ptr(),
                sql.as_ptr() as *const c_char,
                len,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        self.check(code)?;
        if stmt.is_null() {
            return Err(RawError::misuse("empty SQL"));
        }
        Ok(Stmt {
            stmt,
            db: self.db.as_ptr(),
            _raw: PhantomData,
        })
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    pub fn changes(&self) -> u64 {
        // SAFETY: the handle is open and locked.
        unsafe { ffi::sqlite3_changes64(self.db.as_ptr()) }.max(0) as u64
    }

    /// The rowid of the last row this connection inserted.
    pub fn last_insert_rowid(&self) -> i64 {
        // SAFETY: the handle is open and locked.
        unsafe { ffi::sqlite3_last_insert_rowid(self.db.as_ptr()) }
    }

    /// Whether a transaction is open (SQLite is not in autocommit mode).
    pub fn in_transaction(&self) -> bool {
        // SAFETY: the handle is open and locked.
        unsafe { ffi::sqlite3_get_autocommit(self.db.as_ptr()) == 0 }
    }

    fn check(&self, code: c_int) -> Result<(), RawError> {
        if code == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(RawError::from_handle(self.db.as_ptr(), code))
        }
    }
}

/// A compiled statement. Text and blob values read from a row are borrowed until the next
/// `step` or `reset`; bound text is copied by SQLite, so the caller's strings may go at once.
pub struct Stmt<'r> {
    stmt: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
    _raw: PhantomData<&'r Raw>,
}

impl<'r> Stmt<'r> {
    /// The position of the named parameter `name` (`$3`, `:from`), as SQLite numbers
    /// parameters in order of first appearance; for SQL written for sqlx's `$N`.
    pub fn parameter(&self, name: &str) -> Result<usize, RawError> {
        let c_name = CString::new(name).map_err(|_| RawError::misuse("NUL in a parameter name"))?;
        // SAFETY: the statement is live; the name is a NUL-terminated string.
        let index = unsafe { ffi::sqlite3_bind_parameter_index(self.stmt, c_name.as_ptr()) };
        if index > 0 {
            Ok(index as usize)
        } else {
            Err(RawError::misuse("no such parameter"))
        }
    }

    pub fn bind_i64(&mut self, index: usize, value: i64) -> Result<(), RawError> {
        // SAFETY: the statement is live; SQLite checks the index.
        let code = unsafe { ffi::sqlite3_bind_int64(self.stmt, index as c_int, value) };
        self.check(code)
    }

    pub fn bind_f64(&mut self, index: usize, value: f64) -> Result<(), RawError> {
        // SAFETY: as `bind_i64`.
        let code = unsafe { ffi::sqlite3_bind_double(self.stmt, index as c_int, value) };
        self.check(code)
    }

    /// Binds text that outlives the statement, without SQLite copying it (bulk writers binding
    /// fields of rows they hold).
    pub fn bind_str(&mut self, index: usize, value: &'r str) -> Result<(), RawError> {
        // SAFETY: `value` lives at least as long as the statement (`'r`), so SQLite may keep
        // pointing at it (SQLITE_STATIC) until the statement is rebound, reset or finalized.
        unsafe { self.bind_text_as(index, value, ffi::SQLITE_STATIC()) }
    }

    /// `bind_str`, or NULL for `None`.
    pub fn bind_opt_str(&mut self, index: usize, value: Option<&'r str>) -> Result<(), RawError> {
        match value {
            Some(value) => self.bind_str(index, value),
            None => self.bind_null(index),
        }
    }

    pub fn bind_text(&mut self, index: usize, value: &str) -> Result<(), RawError> {
        // SAFETY: SQLITE_TRANSIENT makes SQLite copy the bytes before the call returns.
        unsafe { self.bind_text_as(index, value, ffi::SQLITE_TRANSIENT()) }
    }

    /// # Safety
    /// `value` must stay valid for as long as `destructor` tells SQLite it may use it.
    unsafe fn bind_text_as(
        &mut self,
        index: usize,
        value: &str,
        destructor: ffi::sqlite3_destructor_type,
    ) -> Result<(), RawError> {
        let len = c_int::try_from(value.len()).map_err(|_| RawError::misuse("text too long"))?;
        // SAFETY: the statement is live; `value` is valid for `len` bytes (caller's contract).
        let code = unsafe {
            ffi::sqlite3_bind_text(
                self.stmt,
                index as c_int,
                value.as_ptr() as *const c_char,
                len,
                destructor,
            )
        };
        self.check(code)
    }

    /// A time as sqlx stores `DateTime<Utc>` in SQLite (RFC 3339, `+00:00`, fraction as needed),
    /// so rows written here read back through sqlx unchanged.
    pub fn bind_time(&mut self, index: usize, value: DateTime<Utc>) -> Result<(), RawError> {
        self.bind_text(index, &time_text(value))
    }

    pub fn bind_null(&mut self, index: usize) -> Result<(), RawError> {
        // SAFETY: as `bind_i64`.
        let code = unsafe { ffi::sqlite3_bind_null(self.stmt, index as c_int) };
        self.check(code)
    }

    pub fn bind_opt_text(&mut self, index: usize, value: Option<&str>) -> Result<(), RawError> {
        match value {
            Some(value) => self.bind_text(index, value),
            None => self.bind_null(index),
        }
    }

    pub fn bind_opt_i64(&mut self, index: usize, value: Option<i64>) -> Result<(), RawError> {
        match value {
            Some(value) => self.bind_i64(index, value),
            None => self.bind_null(index),
        }
    }

    /// Runs the statement to its next row: `true` when a row is ready to read, `false` when done.
    pub fn step(&mut self) -> Result<bool, RawError> {
        // SAFETY: the statement is live and its connection locked.
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            code => {
                let error = RawError::from_handle(self.db, code);
                // SAFETY: resetting a failed statement makes it usable again.
                unsafe { ffi::sqlite3_reset(self.stmt) };
                Err(error)
            }
        }
    }

    /// Runs a statement that returns no rows, then resets it for the next bindings.
    pub fn run(&mut self) -> Result<(), RawError> {
        while self.step()? {}
        self.reset()
    }

    /// Runs an INSERT and answers the new row's rowid, or `None` when a conflict clause
    /// (`ON CONFLICT DO NOTHING`) skipped the row; resets it for the next bindings.
    pub fn run_insert(&mut self) -> Result<Option<i64>, RawError> {
        self.run()?;
        Ok((self.changes() > 0).then(|| self.last_insert_rowid()))
    }

    /// Makes the statement ready to run again; bindings stay unless rebound.
    pub fn reset(&mut self) -> Result<(), RawError> {
        // SAFETY: the statement is live.
        let code = unsafe { ffi::sqlite3_reset(self.stmt) };
        self.check(code)
    }

    /// Rows this statement's last run inserted, updated or deleted (0 when a conflict clause
    /// skipped the row).
    pub fn changes(&self) -> u64 {
        // SAFETY: the connection is open and locked while the statement lives.
        unsafe { ffi::sqlite3_changes64(self.db) }.max(0) as u64
    }

    /// The rowid of the last row the connection inserted.
    pub fn last_insert_rowid(&self) -> i64 {
        // SAFETY: as above.
        unsafe { ffi::sqlite3_last_insert_rowid(self.db) }
    }

    pub fn is_null(&self, column: usize) -> bool {
        // SAFETY: reading a column of the current row; SQLite checks the index.
        unsafe { ffi::sqlite3_column_type(self.stmt, column as c_int) == ffi::SQLITE_NULL }
    }

    pub fn int(&self, column: usize) -> i64 {
        // SAFETY: as `is_null`; NULL reads as 0.
        unsafe { ffi::sqlite3_column_int64(self.stmt, column as c_int) }
    }

    pub fn opt_int(&self, column: usize) -> Option<i64> {
        (!self.is_null(column)).then(|| self.int(column))
    }

    pub fn double(&self, column: usize) -> f64 {
        // SAFETY: as `is_null`.
        unsafe { ffi::sqlite3_column_double(self.stmt, column as c_int) }
    }

    /// The column's text ("" for NULL), borrowed until the next `step` or `reset`. SQLite stores
    /// what was bound, and the platform binds only UTF-8; anything else reads as "".
    pub fn text(&self, column: usize) -> &str {
        self.bytes(column)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    pub fn opt_text(&self, column: usize) -> Option<&str> {
        if self.is_null(column) {
            None
        } else {
            Some(self.text(column))
        }
    }

    fn bytes(&self, column: usize) -> Option<&[u8]> {
        // SAFETY: sqlite3_column_text then sqlite3_column_bytes (in this order, as SQLite asks)
        // describe a buffer owned by the statement that stays valid until the next step, reset or
        // finalize, all of which need `&mut self`.
        unsafe {
            let ptr = ffi::sqlite3_column_text(self.stmt, column as c_int);
            if ptr.is_null() {
                return None;
            }
            let len = ffi::sqlite3_column_bytes(self.stmt, column as c_int).max(0) as usize;
            Some(std::slice::from_raw_parts(ptr, len))
        }
    }

    fn check(&self, code: c_int) -> Result<(), RawError> {
        if code == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(RawError::from_handle(self.db, code))
        }
    }
}

impl Drop for Stmt<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared on this connection and is finalized once.
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

/// Runs `work` with a raw handle on one connection of `pool`, on a blocking thread so the
/// runtime's workers stay free (and outside the runtime, so `work` may block on channels). An open
/// transaction left by `work` is rolled back before the connection returns to the pool.
pub async fn on_pool<T, F>(pool: &SqlitePool, work: F) -> Result<T, sqlx::Error>
where
    T: Send + 'static,
    F: FnOnce(&mut Raw) -> Result<T, sqlx::Error> + Send + 'static,
{
    let mut conn = pool.acquire().await?;
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let conn: &mut SqliteConnection = &mut conn;
        let mut handle = runtime.block_on(conn.lock_handle())?;
        Ok(with_handle(&mut handle, work))
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "raw SQLite work panicked or was cancelled");
        sqlx::Error::WorkerCrashed
    })?
    .and_then(|result| result)
}

/// Runs `work` with the raw handle of a write transaction's connection on a blocking thread, so
/// the calling task goes on (reading the next rows of a sheet, say) while SQLite writes; answers
/// the transaction, still open, with `work`'s result. The transaction is moved in and handed
/// back rather than borrowed, so nothing can reach its connection until `work` is done. A panic
/// in `work` resumes in the caller.
pub async fn on_tx<T, F>(
    mut tx: Transaction<'static, Sqlite>,
    work: F,
) -> (Transaction<'static, Sqlite>, Result<T, sqlx::Error>)
where
    T: Send + 'static,
    F: FnOnce(&mut Raw) -> Result<T, sqlx::Error> + Send + 'static,
{
    let runtime = tokio::runtime::Handle::current();
    let joined = tokio::task::spawn_blocking(move || {
        let conn: &mut SqliteConnection = &mut tx;
        let result = match runtime.block_on(conn.lock_handle()) {
            Ok(mut handle) => with_handle(&mut handle, work),
            Err(err) => Err(err),
        };
        (tx, result)
    })
    .await;
    match joined {
        Ok(done) => done,
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}

/// Runs `work` with the raw handle of `conn`, on the calling thread (callers already off the
/// runtime, or with work too short to matter). Rolls back a transaction `work` opened and left
/// open; one open before is left to its owner.
pub async fn on_conn<T, F>(conn: &mut SqliteConnection, work: F) -> Result<T, sqlx::Error>
where
    F: FnOnce(&mut Raw) -> Result<T, sqlx::Error>,
{
    let mut handle = conn.lock_handle().await?;
    with_handle(&mut handle, work)
}

/// Opens a connection of its own — `pool`'s settings, then `configure`'s — on a new thread named
/// `name`, and runs `work` there with its raw handle (or the error opening it) for as long as
/// `work` likes: a writer that keeps its statements prepared between transactions, and whose
/// queue wakes it directly instead of through the runtime, a blocking thread and sqlx's worker.
/// The connection closes when `work` returns. Call it from inside the runtime (it opens the
/// connection through it); the thread does not end with the runtime.
pub fn on_own_connection<F>(
    pool: &SqlitePool,
    name: &str,
    configure: fn(SqliteConnectOptions) -> SqliteConnectOptions,
    work: F,
) -> std::io::Result<()>
where
    F: FnOnce(Result<&mut Raw, sqlx::Error>) + Send + 'static,
{
    let options = configure((*pool.connect_options()).clone());
    let runtime = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            let mut conn = match runtime.block_on(SqliteConnection::connect_with(&options)) {
                Ok(conn) => conn,
                Err(err) => return work(Err(err)),
            };
            let mut handle = match runtime.block_on(conn.lock_handle()) {
                Ok(handle) => handle,
                Err(err) => return work(Err(err)),
            };
            let mut raw = Raw {
                db: handle.as_raw_handle(),
            };
            work(Ok(&mut raw));
            if raw.in_transaction() {
                let _ = raw.execute("ROLLBACK");
            }
        })
        .map(|_| ())
}

fn with_handle<T, F>(handle: &mut LockedSqliteHandle<'_>, work: F) -> Result<T, sqlx::Error>
where
    F: FnOnce(&mut Raw) -> Result<T, sqlx::Error>,
{
    let mut raw = Raw {
        db: handle.as_raw_handle(),
    };
    let open_before = raw.in_transaction();
    let result = work(&mut raw);
    if !open_before && raw.in_transaction() {
        let _ = raw.execute("ROLLBACK");
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pool() -> SqlitePool {
        sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rows_written_raw_are_read_by_sqlx_and_back() {
        let pool = pool().await;
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)")
            .execute(&pool)
            .await
            .unwrap();
        let stored = on_pool(&pool, |raw| {
            raw.execute("BEGIN IMMEDIATE")?;
            let mut insert = raw.prepare("INSERT INTO t (id, name, score) VALUES (?1, ?2, ?3)")?;
            for i in 1..=1000i64 {
                insert.bind_i64(1, i)?;
                insert.bind_opt_text(2, (i % 10 != 0).then(|| format!("名{i}")).as_deref())?;
                insert.bind_f64(3, i as f64 / 2.0)?;
                insert.run()?;
            }
            drop(insert);
            raw.execute("COMMIT")?;
            Ok(1000)
        })
        .await
        .unwrap();
        assert_eq!(stored, 1000);
        let (count, nulls): (i64, i64) =
            sqlx::query_as("SELECT count(*), count(*) - count(name) FROM t")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!((count, nulls), (1000, 100));

        let read = on_pool(&pool, |raw| {
            let mut select =
                raw.prepare("SELECT id, name, score FROM t WHERE id <= ?1 ORDER BY id")?;
            select.bind_i64(1, 11)?;
            let mut rows = Vec::new();
            while select.step()? {
                rows.push((
                    select.int(0),
                    select.opt_text(1).map(str::to_owned),
                    select.double(2),
                ));
            }
            Ok(rows)
        })
        .await
        .unwrap();
        assert_eq!(read.len(), 11);
        assert_eq!(read[0], (1, Some("名1".to_string()), 0.5));
        assert_eq!(read[9], (10, None, 5.0));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn named_parameters_are_found_in_order_of_first_appearance() {
        let pool = pool().await;
        let (positions, missing, value) = on_pool(&pool, |raw| {
            let mut stmt = raw.prepare("SELECT $4 || '-' || $1 || '-' || $4")?;
            let positions = (stmt.parameter("$4")?, stmt.parameter("$1")?);
            let missing = stmt.parameter("$2").is_err();
            stmt.bind_text(positions.0, "a")?;
            stmt.bind_text(positions.1, "b")?;
            assert!(stmt.step()?);
            Ok((positions, missing, stmt.text(0).to_string()))
        })
        .await
        .unwrap();
        assert_eq!(positions, (1, 2));
        assert!(missing);
        assert_eq!(value, "a-b-a");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_unique_violation_is_a_database_error_and_an_open_transaction_is_rolled_back() {
        let pool = pool().await;
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .execute(&pool)
            .await
            .unwrap();
        let error = on_pool(&pool, |raw| {
            raw.execute("BEGIN IMMEDIATE")?;
            let mut insert = raw.prepare("INSERT INTO t (id) VALUES (?1)")?;
            insert.bind_i64(1, 7)?;
            insert.run()?;
            insert.run()?;
            Ok(())
        })
        .await
        .unwrap_err();
        match error {
            sqlx::Error::Database(e) => assert!(e.is_unique_violation(), "{e}"),
            other => panic!("expected a database error, got {other}"),
        }
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(
            count, 0,
            "the transaction left open by the failed work is rolled back"
        );
        let error = on_pool(&pool, |raw| {
            raw.prepare("SELEC nothing").map(|_| ()).map_err(Into::into)
        })
        .await
        .unwrap_err();
        assert!(error.to_string().contains("syntax error"), "{error}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_insert_answers_its_new_rowid_or_none_when_skipped() {
        let pool = pool().await;
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE)")
            .execute(&pool)
            .await
            .unwrap();
        let runs = on_pool(&pool, |raw| {
            let mut insert = raw.prepare("INSERT INTO t (k) VALUES (?1) ON CONFLICT DO NOTHING")?;
            let mut runs = Vec::new();
            for k in ["a", "b", "a", "c"] {
                insert.bind_text(1, k)?;
                runs.push(insert.run_insert()?);
            }
            Ok(runs)
        })
        .await
        .unwrap();
        assert_eq!(runs, [Some(1), Some(2), None, Some(3)]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn work_in_a_transaction_leaves_it_open_for_its_owner_to_end() {
        let pool = pool().await;
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .execute(&pool)
            .await
            .unwrap();
        let insert = |from: i64| {
            move |raw: &mut Raw| {
                assert!(raw.in_transaction(), "the work runs inside the transaction");
                let mut insert = raw.prepare("INSERT INTO t (id) VALUES (?1)")?;
                for id in from..from + 3 {
                    insert.bind_i64(1, id)?;
                    insert.run()?;
                }
                Ok(3)
            }
        };
        let tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
        let (mut tx, stored) = on_tx(tx, insert(1)).await;
        assert_eq!(stored.unwrap(), 3);
        let (tx2, again) = on_tx(tx, insert(3)).await;
        assert!(again.is_err(), "a unique violation is answered");
        tx = tx2;
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(seen, 3, "the first work's rows are seen in the transaction");
        tx.rollback().await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 0, "rolled back by its owner, everything goes");
        let tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
        let (tx, stored) = on_tx(tx, insert(10)).await;
        stored.unwrap();
        tx.commit().await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 3, "committed by its owner, the rows stay");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn times_bound_raw_decode_through_sqlx_and_the_new_rowid_is_known() {
        let pool = pool().await;
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT NOT NULL UNIQUE)")
            .execute(&pool)
            .await
            .unwrap();
        let at = DateTime::parse_from_rfc3339("2026-02-03T04:05:06.789Z")
            .unwrap()
            .with_timezone(&Utc);
        let (id, repeated) = on_pool(&pool, move |raw| {
            let mut insert =
                raw.prepare("INSERT INTO t (at) VALUES (?1) ON CONFLICT DO NOTHING")?;
            insert.bind_time(1, at)?;
            insert.run()?;
            drop(insert);
            let id = raw.last_insert_rowid();
            let mut again = raw.prepare("INSERT INTO t (at) VALUES (?1) ON CONFLICT DO NOTHING")?;
            again.bind_time(1, at)?;
            again.run()?;
            drop(again);
            Ok((id, raw.changes()))
        })
        .await
        .unwrap();
        assert_eq!(repeated, 0, "the conflicting row changed nothing");
        let (stored_id, stored_at): (i64, DateTime<Utc>) = sqlx::query_as("SELECT id, at FROM t")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!((stored_id, stored_at), (id, at));
        let found: i64 = sqlx::query_scalar("SELECT count(*) FROM t WHERE at = ?1")
            .bind(at)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(found, 1, "sqlx binds the same text the raw call stored");
    }
}

//! Issue [E1]: "importing 1,000,000 lab results (xlsx) and matching them to people: ≤ 15 s".
//!
//! Generates, from a seed, N persons and N samples (19 in 20 pooled tubes of ten, the rest
//! singles; each person in about ten tubes) in a temporary SQLite database, and a lab sheet of N
//! result rows (a title row, the header, barcode, result, time, lab; rows in a shuffled order;
//! about 1% positive) written by rust_xlsxwriter in constant memory. Then times, as medians:
//!
//! - the baseline: calamine's bare parse of the same sheet (every cell into memory);
//! - the import of the sheet through the kernel's import path, as `tongxin import lab_results`
//!   runs it (`platform::tabular::open` and the importer's `run`, valid-rows mode): each run on
//!   samples without results, so every row is matched and stored, positive pools' members
//!   required to be retested, positive singles made cases; the results are cleared between runs
//!   (not timed);
//! - the same sheet imported again onto its own results (every row unchanged).
//!
//! `cargo bench -p epidemic --bench lab_import` (`LAB_BENCH_ROWS=100000` for a smaller run,
//! `LAB_BENCH_RUNS` for the number of timed runs, default 3).

use std::path::Path;
use std::time::Instant;

use calamine::{Reader, Xlsx, open_workbook};
use chrono::{Duration, NaiveDate};
use epidemic::testing::import::LAB_RESULTS;
use platform::audit::Actor;
use platform::db::Db;
use platform::i18n::{Catalogs, Lang, Tr};
use platform::imports::{Mode, SheetImport, Summary, Target};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const SEED: u64 = 20_220_410;
const DISTRICT: &str = "990102000000";
const TOWNSHIPS: usize = 12;
const VILLAGES: usize = 20;
/// One tube in this many is a single sample; the others pool ten people.
const SINGLE_EVERY: usize = 20;
/// One result in this many is positive.
const POSITIVE_EVERY: u32 = 100;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn exec(db: &Db, sql: &str) {
    platform::with_db!(db, pool => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool).await.map(|r| r.rows_affected()))
    .unwrap_or_else(|e| panic!("bench SQL failed: {e}\n{}", &sql[..sql.len().min(300)]));
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    platform::with_db!(db, pool => sqlx::query_scalar(sql).fetch_one(pool).await).expect("a count")
}

/// The village of the `i`th person or tube: spread over the district's 240 villages.
fn village_sql(column: &str) -> String {
    format!(
        "'990102' || printf('%03d', ({column} % {TOWNSHIPS}) + 1) || \
         printf('%03d', (({column} / {TOWNSHIPS}) % {VILLAGES}) + 1)"
    )
}

/// Areas, persons, tubes and their members, generated inside SQLite (no result yet).
async fn generate(db: &Db, n: usize, day: NaiveDate) {
    let at = "2022-04-10T00:00:00+00:00";
    let mut sql = format!(
        "BEGIN; INSERT INTO areas (code, name, level, parent_code, edition_year, created_at, updated_at) \
         VALUES ('{DISTRICT}', '同心区', 'district', NULL, 2020, '{at}', '{at}');"
    );
    for t in 1..=TOWNSHIPS {
        sql += &format!(
            "INSERT INTO areas VALUES ('990102{t:03}000', '街道{t}', 'township', '{DISTRICT}', 2020, '{at}', '{at}');"
        );
        for v in 1..=VILLAGES {
            sql += &format!(
                "INSERT INTO areas VALUES ('990102{t:03}{v:03}', '社区{t}-{v}', 'village', '990102{t:03}000', 2020, '{at}', '{at}');"
            );
        }
    }
    // Persons 1..=n; tubes 1..=n, sampled the morning of `day`.
    sql += &format!(
        "WITH RECURSIVE i(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM i WHERE i + 1 < {n}) \
         INSERT INTO persons (id, doc_type, doc_number, name, phone, area_code, version, \
         created_at, created_by, updated_at, updated_by) \
         SELECT i + 1, 'resident_id', printf('990102199001%07d', i), '张' || i, \
         printf('138%08d', i), {village}, 1, '{at}', 'bench', '{at}', 'bench' FROM i;",
        village = village_sql("i")
    );
    sql += &format!(
        "WITH RECURSIVE t(t) AS (SELECT 0 UNION ALL SELECT t + 1 FROM t WHERE t + 1 < {n}) \
         INSERT INTO epi_samples (id, barcode, pool_size, area_code, sampled_at, sampled_on, sampled_by) \
         SELECT t + 1, printf('LAB%09d', t), CASE WHEN t % {SINGLE_EVERY} = 0 THEN 1 ELSE 10 END, \
         {village}, '{day}T01:00:00+00:00', '{day}', 'bench' FROM t;",
        village = village_sql("t")
    );
    // Members: tube t pools persons 10t … 10t+9 (modulo n); a single holds the first of them.
    // The by-person index is built once after the rows are in.
    sql += &format!(
        "DROP INDEX epi_sample_members_by_person; \
         INSERT INTO epi_sample_members (sample_id, person_id, sampled_on) \
         SELECT s.id, ((s.id - 1) * 10 + k.k) % {n} + 1, s.sampled_on FROM epi_samples s \
         JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 \
         UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 \
         UNION ALL SELECT 8 UNION ALL SELECT 9) k ON k.k < s.pool_size; \
         CREATE INDEX epi_sample_members_by_person ON epi_sample_members(person_id, sampled_on); \
         COMMIT; ANALYZE;"
    );
    exec(db, &sql).await;
}

/// The lab's sheet: every tube once, in a shuffled order, about 1% positive, tested in the
/// afternoon of `day` (Beijing time). Answers the positive pools and singles.
fn write_sheet(path: &Path, n: usize, day: NaiveDate) -> (usize, usize) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book
        .add_worksheet_with_constant_memory()
        .expect("a constant-memory worksheet");
    sheet
        .write_string(0, 0, "同心区核酸检测结果")
        .expect("title");
    for (c, h) in ["试管编码", "检测结果", "检测时间", "检测机构"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, c as u16, *h).expect("header");
    }
    let labs = [
        "区疾控中心实验室",
        "第一人民医院检验科",
        "华大基因检测实验室",
    ];
    let start = day.and_hms_opt(13, 0, 0).expect("a time");
    let (mut pools, mut singles) = (0, 0);
    for (r, t) in order.into_iter().enumerate() {
        let row = r as u32 + 2;
        let positive = rng.random_ratio(1, POSITIVE_EVERY);
        if positive {
            if t % SINGLE_EVERY == 0 {
                singles += 1;
            } else {
                pools += 1;
            }
        }
        let tested = start + Duration::seconds(rng.random_range(0..6 * 3600));
        sheet
            .write_string(row, 0, format!("LAB{t:09}"))
            .and_then(|s| s.write_string(row, 1, if positive { "阳性" } else { "阴性" }))
            .and_then(|s| s.write_string(row, 2, tested.format("%Y-%m-%d %H:%M:%S").to_string()))
            .and_then(|s| s.write_string(row, 3, labs[t % labs.len()]))
            .expect("a row");
    }
    book.save(path).expect("the sheet is saved");
    (pools, singles)
}

/// calamine's bare parse of the sheet: every cell into memory; answers the cell count.
fn calamine_parse(path: &Path) -> usize {
    let mut book: Xlsx<_> = open_workbook(path).expect("the sheet opens");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("the sheet parses");
    range.used_cells().count()
}

/// One import through the kernel's path, as `tongxin import lab_results FILE` runs it.
async fn import(db: &Db, tr: &Tr, path: &Path) -> (f64, Summary) {
    let start = Instant::now();
    let table = platform::tabular::open(path).expect("the sheet opens");
    let target = Target {
        scope: None,
        default_area: None,
    };
    let outcome = LAB_RESULTS
        .run(
            db,
            &Actor::cli(),
            tr,
            table,
            Mode::ValidRows,
            &target,
            "检测结果.xlsx",
        )
        .await
        .expect("the import runs");
    (start.elapsed().as_secs_f64(), outcome.summary)
}

/// Clears what an import stored: results, retests, cases and their notices.
async fn clear(db: &Db) {
    exec(
        db,
        "BEGIN; UPDATE epi_samples SET result = NULL, result_at = NULL, result_on = NULL, lab = NULL; \
         DELETE FROM epi_test_requirements; DELETE FROM epi_case_notices; \
         DELETE FROM epi_key_person_events; DELETE FROM epi_key_persons; COMMIT;",
    )
    .await;
}

#[tokio::main]
async fn main() {
    let n = env_or("LAB_BENCH_ROWS", 1_000_000);
    let runs = env_or("LAB_BENCH_RUNS", 3).max(1);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db = platform::db::connect(&url, 4).await.expect("connect");
    platform::db::migrate(&db).await.expect("migrate");
    let day = NaiveDate::from_ymd_opt(2022, 4, 10).expect("a day");
    println!("lab import bench: {n} rows, seed {SEED}, {runs} timed runs");

    let t = Instant::now();
    generate(&db, n, day).await;
    let members = count(&db, "SELECT COUNT(*) FROM epi_sample_members").await;
    println!(
        "generated {n} persons, {n} tubes ({members} members) in SQLite in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let path = dir.path().join("lab.xlsx");
    let t = Instant::now();
    let (pools, singles) = write_sheet(&path, n, day);
    println!(
        "sheet: {n} rows × 4 columns, {pools} positive pools and {singles} positive singles, \
         xlsx {:.1} MB, written in {:.1} s",
        std::fs::metadata(&path).expect("the sheet").len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let mut parse = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let cells = calamine_parse(&path);
        parse.push(t.elapsed().as_secs_f64());
        assert_eq!(cells, 4 * n + 5, "every cell parsed");
    }
    let baseline = median(&parse);
    println!(
        "baseline, calamine's bare parse: median {baseline:.2} s ({:.0} rows/s)",
        n as f64 / baseline
    );

    let catalogs = Catalogs::load(&{
        use platform::module::Module;
        epidemic::Epidemic.catalogs()
    })
    .expect("catalogs");
    let tr = Tr::new(Lang::ZhCn, catalogs.get(Lang::ZhCn).clone());
    let mut first = Vec::new();
    for run in 0..runs {
        if run > 0 {
            clear(&db).await;
        }
        let (seconds, s) = import(&db, &tr, &path).await;
        assert!(s.committed && s.rejected.is_empty(), "{s:?}");
        assert_eq!(s.updated as usize, n, "every row stored");
        first.push(seconds);
    }
    let retests = count(&db, "SELECT COUNT(*) FROM epi_test_requirements").await;
    let notices = count(&db, "SELECT COUNT(*) FROM epi_case_notices").await;
    let cases = count(
        &db,
        "SELECT COUNT(*) FROM epi_key_persons WHERE category = 'case'",
    )
    .await;
    println!(
        "import, matched and stored: median {:.2} s ({:.0} rows/s), {:.2}× the bare parse — \
         {retests} retests, {notices} case notices, {cases} cases",
        median(&first),
        n as f64 / median(&first),
        median(&first) / baseline
    );

    let mut again = Vec::new();
    for _ in 0..runs {
        let (seconds, s) = import(&db, &tr, &path).await;
        assert_eq!(
            (s.updated, s.unchanged as usize),
            (0, n),
            "re-importing changes nothing"
        );
        again.push(seconds);
    }
    println!(
        "the same sheet again (every row unchanged): median {:.2} s ({:.0} rows/s), {:.2}× the bare parse",
        median(&again),
        n as f64 / median(&again),
        median(&again) / baseline
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM epi_test_requirements").await,
        retests,
        "no new retests"
    );
    println!(
        "target [E1]: ≤ 15 s for 1,000,000 rows — {}",
        if n == 1_000_000 {
            if median(&first) <= 15.0 {
                "met"
            } else {
                "NOT met"
            }
        } else {
            "scale LAB_BENCH_ROWS to 1000000 to judge"
        }
    );
}

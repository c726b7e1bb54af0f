//! "Who is untested, by area" at district scale: 1,000,000 registered persons and 900,000
//! results of the day (90,000 pooled tubes of ten; 10,000 people sampled twice), a mass-testing
//! round over the district. Times the in-memory index (cold build, then the warm by-area answer
//! and the full untested list to CSV) against the same anti-join in SQLite.
//!
//! `cargo bench -p epidemic --bench coverage` (`COVERAGE_PERSONS=100000` for a smaller run).

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use domain::DivisionCode;
use epidemic::coverage::{api::Checked, compute, export, index};
use platform::db::Db;
use platform::i18n::{Catalogs, Lang, Tr};
use platform::web::download::ExportSink;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DISTRICT: &str = "990102000000";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn exec(tx: &mut platform::db::Tx, sql: &str) {
    platform::with_conn!(tx, pool => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await.map(|r| r.rows_affected()))
        .expect("bench SQL");
}

/// Areas: the district, 12 townships, 20 villages each.
fn villages() -> Vec<String> {
    let mut out = Vec::new();
    for t in 1..=12 {
        for v in 1..=20 {
            out.push(format!("990102{t:03}{v:03}"));
        }
    }
    out
}

async fn generate(db: &Db, persons: usize, day: NaiveDate) {
    let at = "2022-04-10T00:00:00Z";
    let mut owned = db.begin().await.expect("a transaction");
    let tx = &mut owned;
    let mut sql = format!(
        "INSERT INTO areas (code, name, level, parent_code, edition_year, created_at, updated_at) \
         VALUES ('{DISTRICT}', '同心区', 'district', NULL, 2020, '{at}', '{at}');"
    );
    for t in 1..=12 {
        sql += &format!(
            "INSERT INTO areas VALUES ('990102{t:03}000', '街道{t}', 'township', '{DISTRICT}', 2020, '{at}', '{at}');"
        );
    }
    for v in villages() {
        sql += &format!(
            "INSERT INTO areas VALUES ('{v}', '社区{v}', 'village', '{}000', 2020, '{at}', '{at}');",
            &v[..9]
        );
    }
    exec(tx, &sql).await;
    let villages = villages();
    let mut rng = StdRng::seed_from_u64(2022);
    let chunk = 2000;
    for start in (0..persons).step_by(chunk) {
        let mut sql = String::from(
            "INSERT INTO persons (id, doc_type, doc_number, name, phone, area_code, version, \
             created_at, created_by, updated_at, updated_by) VALUES ",
        );
        for i in start..(start + chunk).min(persons) {
            let v = &villages[rng.random_range(0..villages.len())];
            if i > start {
                sql.push(',');
            }
            sql += &format!(
                "({id}, 'resident_id', '990102199001{i:06}', '张{i}', '138{i:08}', '{v}', 1, '{at}', 'bench', '{at}', 'bench')",
                id = i + 1
            );
        }
        exec(tx, &sql).await;
    }
    // 900,000 results: 90,000 pools of ten; the first 890,000 persons, then 10,000 again.
    let tested = persons * 89 / 100;
    let results = persons * 9 / 10;
    let mut order: Vec<usize> = (0..tested).collect();
    order.extend(0..(results - tested));
    let sampled = Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap());
    // Tubes and members in bulk.
    let tubes = order.len().div_ceil(10);
    for start in (0..tubes).step_by(chunk) {
        let mut s = String::from(
            "INSERT INTO epi_samples (id, barcode, pool_size, area_code, sampled_at, sampled_on, \
             sampled_by, result, result_at, result_on) VALUES ",
        );
        let mut m = String::from(
            "INSERT INTO epi_sample_members (sample_id, person_id, sampled_on) VALUES ",
        );
        for t in start..(start + chunk).min(tubes) {
            if t > start {
                s.push(',');
            }
            s += &format!(
                "({id}, 'B{t:09}', 10, '{DISTRICT}', '{sampled}', '{day}', 'bench', 'negative', '{sampled}', '{day}')",
                id = t + 1,
                sampled = sampled.to_rfc3339()
            );
            for (k, p) in order[t * 10..(t * 10 + 10).min(order.len())]
                .iter()
                .enumerate()
            {
                if t > start || k > 0 {
                    m.push(',');
                }
                m += &format!("({}, {}, '{day}')", t + 1, p + 1);
            }
        }
        exec(tx, &s).await;
        exec(tx, &m).await;
    }
    exec(
        tx,
        &format!(
            "INSERT INTO epi_test_rounds (name, area_code, starts_on, ends_on, created_at, created_by) \
             VALUES ('全员核酸', '{DISTRICT}', '{day}', '{day}', '{at}', 'bench')"
        ),
    )
    .await;
    owned.commit().await.expect("commit");
    platform::with_db!(db, pool => sqlx::query("ANALYZE").execute(pool).await.map(|r| r.rows_affected()))
        .expect("analyze");
}

#[tokio::main]
async fn main() {
    let persons: usize = std::env::var("COVERAGE_PERSONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db = platform::db::connect(&url, 1).await.expect("connect");
    platform::db::migrate(&db).await.expect("migrate");
    let day = NaiveDate::from_ymd_opt(2022, 4, 10).unwrap();
    let t = Instant::now();
    generate(&db, persons, day).await;
    println!(
        "generated {persons} persons and {} results in {:.1?}",
        persons * 9 / 10,
        t.elapsed()
    );

    let shared = index::shared(&db, &url);
    let t = Instant::now();
    drop(shared.fresh().await.expect("index"));
    println!("index built (cold) in {:.1?}", t.elapsed());

    let area = DivisionCode::parse(DISTRICT).unwrap();
    let d = index::day_num(day);
    let mut times = Vec::new();
    let mut untested = 0;
    for _ in 0..21 {
        let t = Instant::now();
        let idx = shared.fresh().await.expect("index");
        let c = compute::by_area(&idx, d, &area, None);
        untested = c.total.untested;
        drop(idx);
        times.push(t.elapsed());
    }
    println!(
        "untested by area via the index (warm, incl. freshness check): median {:.2?} — {untested} untested of {}",
        median(times),
        persons
    );

    const ANTI_JOIN: &str = "SELECT substr(p.area_code, 1, 9) AS township, COUNT(*) FROM persons p \
         WHERE p.area_code >= $1 AND p.area_code < $2 AND p.merged_into IS NULL AND NOT EXISTS \
         (SELECT 1 FROM epi_sample_members m WHERE m.person_id = p.id AND m.sampled_on >= $3 \
         AND m.sampled_on <= $3) GROUP BY 1";
    let (lo, hi) = area.subtree_range();
    let mut times = Vec::new();
    let mut sql_untested = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let rows: Vec<(String, i64)> = platform::with_db!(&db, pool => sqlx::query_as(ANTI_JOIN)
            .bind(&lo).bind(&hi).bind(day).fetch_all(pool).await)
        .unwrap();
        sql_untested = rows.iter().map(|r| r.1).sum::<i64>();
        times.push(t.elapsed());
    }
    println!(
        "the same by area as an SQLite anti-join: median {:.2?} — {sql_untested} untested",
        median(times)
    );
    assert_eq!(sql_untested as u64, untested, "the index and SQLite agree");

    let catalogs = Catalogs::load(&epidemic_catalogs()).expect("catalogs");
    let tr = Tr::new(Lang::ZhCn, catalogs.get(Lang::ZhCn).clone());
    let checked = Checked {
        day,
        area: area.clone(),
        group: None,
    };
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let idx = shared.fresh().await.expect("index");
        let mut sink = ExportSink::new("csv", "未检人员名单", "", &export::headers(&tr)).unwrap();
        export::write(&idx, &tr, &checked, &mut sink).unwrap();
        drop(idx);
        let response = sink.finish().await.unwrap();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        bytes = body.len();
        times.push(t.elapsed());
    }
    println!(
        "the full untested list ({untested} rows) to CSV: median {:.2?} ({} KB)",
        median(times),
        bytes / 1024
    );
}

fn epidemic_catalogs() -> Vec<(Lang, &'static str, &'static str)> {
    use platform::module::Module;
    epidemic::Epidemic.catalogs()
}

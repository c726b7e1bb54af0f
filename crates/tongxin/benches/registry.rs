//! `cargo bench -p tongxin --bench registry`: the person registry end to end, through the real
//! binary, against issue [R]'s targets. Every figure is printed next to a baseline measured in
//! the same run.
//!
//! 1. Import. Prepares a SQLite database with `tongxin demo --scale tiny --no-serve` (its areas),
//!    generates a person sheet with `testkit::sheets` (1,000,000 rows: a merged title row, a 序号
//!    column, valid resident IDs, mobile numbers, tags, the tiny district's grid codes), times
//!    calamine's bare parse of it (the baseline; median of 3 runs, each in its own process) and
//!    `tongxin import persons FILE --mode valid-rows` (wall clock and the child's peak RSS, its
//!    `VmHWM`), then the same import again (every row unchanged).
//! 2. Lists. Builds `tongxin demo --scale district --no-serve` (about 500,000 persons), serves it
//!    with `tongxin serve` on a free port, signs in as the demo admin and times `N` requests of
//!    each of a few filtered person lists (median, p95), with `/healthz` and the unfiltered first
//!    page as the baselines.
//! 3. Exports. `/registry/persons/export/xlsx` and `/csv` of the whole district through HTTP:
//!    time (and the time scaled to 1,000,000 rows) and the server's RSS growth.
//!
//! `REGISTRY_BENCH_ROWS` sets the import's row count (default 1,000,000); `REGISTRY_BENCH_N` the
//! requests per list query (default 200).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use calamine::{Reader, Xlsx, open_workbook};
use serde_json::Value;

const TONGXIN: &str = env!("CARGO_BIN_EXE_tongxin");
const PASSWORD: &str = "tongxin-demo-2020";
const CALAMINE_RUNS: usize = 3;
const EXPORT_RUNS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--phase") {
        calamine_phase(Path::new(&args[i + 1]));
        return;
    }
    let rows: usize = env_or("REGISTRY_BENCH_ROWS", 1_000_000);
    let n: usize = env_or("REGISTRY_BENCH_N", 200);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    println!("registry bench: tongxin {TONGXIN}");
    import(&runtime, dir.path(), rows);
    let server = runtime.block_on(district(dir.path()));
    runtime.block_on(lists(&server, n));
    runtime.block_on(exports(&server));
    drop(server);
    std::io::stdout().flush().expect("stdout");
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Runs the binary to completion; panics with its output when it fails.
fn tongxin(args: &[&str]) -> (Duration, String) {
    let start = Instant::now();
    let out = Command::new(TONGXIN)
        .args(args)
        .env("TONGXIN_LOG", "warn")
        .output()
        .expect("tongxin runs");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "tongxin {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (elapsed, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A finished child: wall clock, peak RSS, exit status and output.
struct Run {
    seconds: f64,
    peak_mb: f64,
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs `program args` as a child. Its peak RSS is its `VmHWM`, read every few milliseconds
/// until it exits and reaped only then (`try_wait`): `ru_maxrss` would not do, as it
/// keeps the high-water mark of the memory the child had before `exec` — this process's.
/// `args` must not be empty; its first element tells the child's own command line.
fn run_measured(program: &Path, args: &[&str], dir: &Path) -> Run {
    let out_path = dir.join("child.out");
    let err_path = dir.join("child.err");
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .env("TONGXIN_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("the child starts");
    let mut peak_mb: f64 = 0.0;
    let status = loop {
        // Until `exec` the child shares this process's memory (`vfork`): its figures count only
        // once its command line is its own.
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(args[0])
            && let Some(mb) = proc_mb(child.id(), "VmHWM:")
        {
            peak_mb = peak_mb.max(mb);
        }
        if let Some(status) = child.try_wait().expect("the child's status") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        seconds: start.elapsed().as_secs_f64(),
        peak_mb,
        success: status.success(),
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

/// A `/proc/PID/status` memory field (`VmRSS:`, `VmHWM:`) in MB.
fn proc_mb(pid: u32, field: &str) -> Option<f64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
}

/// calamine's bare parse of the sheet, in this (child) process; prints the cell count.
fn calamine_phase(file: &Path) {
    let mut book: Xlsx<_> = open_workbook(file).expect("the sheet opens");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("the sheet parses");
    println!("{}", range.used_cells().count());
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

async fn query_strings(url: &str, sql: &str) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(url).await.expect("the database");
    let values: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(&pool)
        .await
        .expect("the query");
    pool.close().await;
    values
}

fn import(runtime: &tokio::runtime::Runtime, dir: &Path, rows: usize) {
    println!("\n== import: {rows} rows into a fresh SQLite database (tiny demo's areas) ==");
    let db = dir.join("import.db");
    let url = sqlite_url(&db);
    tongxin(&["--db", &url, "demo", "--scale", "tiny", "--no-serve"]);
    let grids = runtime.block_on(query_strings(
        &url,
        "SELECT code FROM areas WHERE level = 'grid' ORDER BY code",
    ));
    let before = runtime.block_on(query_strings(
        &url,
        "SELECT CAST(COUNT(*) AS TEXT) FROM persons",
    ))[0]
        .parse::<u64>()
        .expect("a count");
    let file = dir.join("persons.xlsx");
    let start = Instant::now();
    testkit::sheets::write_person_xlsx(&file, rows, &grids).expect("the sheet is written");
    println!(
        "sheet: {rows} rows × 9 columns (seed {}), {} grids, xlsx {:.1} MB, generated in {:.1} s",
        testkit::sheets::SEED,
        grids.len(),
        std::fs::metadata(&file).expect("the sheet").len() as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    let file_arg = file.to_str().expect("a UTF-8 path");
    let exe = std::env::current_exe().expect("this benchmark");
    let mut parse = Vec::new();
    let mut parse_mb: f64 = 0.0;
    for _ in 0..CALAMINE_RUNS {
        let run = run_measured(&exe, &["--phase", file_arg], dir);
        assert!(run.success, "calamine: {}", run.stderr);
        parse.push(run.seconds);
        parse_mb = parse_mb.max(run.peak_mb);
    }
    let baseline = median(&parse);
    let import_args = [
        "--db",
        &url,
        "import",
        "persons",
        file_arg,
        "--mode",
        "valid-rows",
    ];
    let first = run_measured(Path::new(TONGXIN), &import_args, dir);
    assert!(
        first.success,
        "import: {}\n{}",
        first.stdout,
        first.stderr.chars().take(2000).collect::<String>()
    );
    let after = runtime.block_on(query_strings(
        &url,
        "SELECT CAST(COUNT(*) AS TEXT) FROM persons",
    ))[0]
        .parse::<u64>()
        .expect("a count");
    assert_eq!(after - before, rows as u64, "every row was stored");
    let again = run_measured(Path::new(TONGXIN), &import_args, dir);
    assert!(
        again.success,
        "re-import: {}\n{}",
        again.stdout, again.stderr
    );
    let unchanged = runtime.block_on(query_strings(
        &url,
        "SELECT CAST(COUNT(*) AS TEXT) FROM persons",
    ))[0]
        .parse::<u64>()
        .expect("a count");
    assert_eq!(unchanged, after, "re-importing stores nothing new");
    let runs: Vec<String> = parse.iter().map(|s| format!("{s:.2}")).collect();
    println!(
        "{:<48} {:>9} {:>12} {:>13}",
        "phase", "s", "peak RSS MB", "× calamine"
    );
    println!(
        "{:<48} {baseline:>9.2} {parse_mb:>12.0} {:>13}",
        format!(
            "calamine bare parse (median of {CALAMINE_RUNS}: {})",
            runs.join(" ")
        ),
        "1.00"
    );
    for (label, run) in [
        ("tongxin import persons --mode valid-rows", &first),
        ("the same import again (all rows unchanged)", &again),
    ] {
        println!(
            "{label:<48} {:>9.2} {:>12.0} {:>13.2}",
            run.seconds,
            run.peak_mb,
            run.seconds / baseline
        );
    }
    println!(
        "  import said: {}",
        first.stdout.lines().next().unwrap_or("")
    );
    println!(
        "  again said:  {}",
        again.stdout.lines().next().unwrap_or("")
    );
    println!("targets ([R]): import ≤ 2.00 × calamine's bare parse, ≤ 500 MB");
}

/// A served district: the server child, its address, a signed-in client and samples of the data.
struct Server {
    child: std::process::Child,
    base: String,
    client: reqwest::Client,
    persons: u64,
    townships: Vec<String>,
    /// (doc_number, name, phone) of people spread over the id range.
    samples: Vec<(String, String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn rss_mb(&self, field: &str) -> f64 {
        proc_mb(self.child.id(), field).unwrap_or(f64::NAN)
    }

    /// Resets the server's peak RSS (VmHWM) to its current RSS.
    fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    listener.local_addr().expect("an address").port()
}

async fn district(dir: &Path) -> Server {
    println!("\n== lists and exports: the district demo (tongxin demo --scale district) ==");
    let db: PathBuf = dir.join("district.db");
    let url = sqlite_url(&db);
    let (built, _) = tongxin(&["--db", &url, "demo", "--scale", "district", "--no-serve"]);
    let count = |sql: &'static str| {
        let url = url.clone();
        async move {
            query_strings(&url, sql).await[0]
                .parse::<u64>()
                .expect("a count")
        }
    };
    let persons = count("SELECT CAST(COUNT(*) AS TEXT) FROM persons").await;
    println!(
        "district built in {:.1} s: {persons} persons, {} tagged",
        built.as_secs_f64(),
        count("SELECT CAST(COUNT(DISTINCT person_id) AS TEXT) FROM person_tags").await
    );
    let townships = query_strings(
        &url,
        "SELECT code FROM areas WHERE level = 'township' ORDER BY code",
    )
    .await;
    let step = (persons / 200).max(1);
    let sample_sql = format!(
        "SELECT doc_number || '|' || name || '|' || COALESCE(phone, '') FROM persons \
         WHERE id % {step} = 0 ORDER BY id"
    );
    let samples: Vec<(String, String, String)> = query_strings(&url, &sample_sql)
        .await
        .into_iter()
        .map(|s| {
            let mut parts = s.split('|').map(str::to_string);
            (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            )
        })
        .collect();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(TONGXIN)
        .args([
            "--db",
            &url,
            "serve",
            "--listen",
            &listen,
            "--run-jobs",
            "false",
        ])
        .env("TONGXIN_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("serve.err")).expect("a log file"))
        .spawn()
        .expect("tongxin serve starts");
    let base = format!("http://{listen}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let mut server = Server {
        child,
        base,
        client,
        persons,
        townships,
        samples,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = server.client.get(server.url("/healthz")).send().await
            && r.status().is_success()
        {
            break;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!(
                "tongxin serve exited with {status}: {}",
                std::fs::read_to_string(dir.join("serve.err")).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "tongxin serve did not answer");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let response = server
        .client
        .post(server.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(response.status(), 200, "sign in as admin");
    server
}

/// GETs `path`; answers the time and the JSON body.
async fn timed_get(server: &Server, path: &str) -> (f64, Value) {
    let start = Instant::now();
    let response = server
        .client
        .get(server.url(path))
        .send()
        .await
        .expect("a response");
    let status = response.status();
    let bytes = response.bytes().await.expect("a body");
    let seconds = start.elapsed().as_secs_f64();
    assert!(
        status.is_success(),
        "GET {path}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (seconds, value)
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

const TAGS: &[&str] = &[
    "elderly_alone",
    "disabled",
    "poor_student",
    "left_behind_child",
    "veteran",
    "low_income",
    "chronic_illness",
    "pregnant",
];

async fn lists(server: &Server, n: usize) {
    println!(
        "\nperson lists over {} persons as the district admin, {n} requests each (sequential, keep-alive); ms",
        server.persons
    );
    // The first page of each (township, tag), whose cursor the next-page query follows.
    let mut cursors = Vec::new();
    for (i, township) in server.townships.iter().enumerate() {
        let tag = TAGS[i % TAGS.len()];
        let (_, page) = timed_get(
            server,
            &format!("/api/v1/persons?area={township}&tag={tag}"),
        )
        .await;
        if let Some(cursor) = page["next_cursor"].as_str() {
            cursors.push((township.clone(), tag, cursor.to_string()));
        }
    }
    assert!(
        !cursors.is_empty(),
        "some (township, tag) has a second page"
    );
    let samples = &server.samples;
    type PathOf<'a> = Box<dyn Fn(usize) -> String + 'a>;
    let queries: Vec<(&str, PathOf, Option<usize>)> = vec![
        (
            "GET /healthz (baseline: HTTP floor)",
            Box::new(|_| "/healthz".to_string()),
            None,
        ),
        (
            "persons, no filter, first page (baseline)",
            Box::new(|_| "/api/v1/persons".to_string()),
            None,
        ),
        (
            "?area=<township>&tag=<tag>",
            Box::new(|i| {
                let t = &server.townships[i % server.townships.len()];
                format!("/api/v1/persons?area={t}&tag={}", TAGS[i % TAGS.len()])
            }),
            None,
        ),
        (
            "?area=<township>&tag=<tag>&cursor=<page 2>",
            Box::new(|i| {
                let (t, tag, c) = &cursors[i % cursors.len()];
                format!("/api/v1/persons?area={t}&tag={tag}&cursor={}", encode(c))
            }),
            None,
        ),
        (
            "?q=<full name>",
            Box::new(|i| {
                format!(
                    "/api/v1/persons?q={}",
                    encode(&samples[i % samples.len()].1)
                )
            }),
            None,
        ),
        (
            "?q=<full resident ID number>",
            Box::new(|i| format!("/api/v1/persons?q={}", samples[i % samples.len()].0)),
            Some(1),
        ),
        (
            "?q=<mobile number>",
            Box::new(|i| format!("/api/v1/persons?q={}", samples[i % samples.len()].2)),
            None,
        ),
        (
            "?area=<township>&q=<surname>",
            Box::new(|i| {
                let t = &server.townships[i % server.townships.len()];
                let name = &samples[i % samples.len()].1;
                let surname: String = name.chars().take(1).collect();
                format!("/api/v1/persons?area={t}&q={}", encode(&surname))
            }),
            None,
        ),
    ];
    println!(
        "{:<48} {:>8} {:>8} {:>8} {:>10}",
        "query", "median", "p95", "max", "items/req"
    );
    for (label, path_of, exact) in &queries {
        // One request first, so the first figure is not a cold cache's.
        timed_get(server, &path_of(0)).await;
        let mut times = Vec::with_capacity(n);
        let mut items = 0usize;
        for i in 0..n {
            let (seconds, body) = timed_get(server, &path_of(i)).await;
            times.push(seconds * 1e3);
            let got = body["items"].as_array().map(Vec::len).unwrap_or(0);
            if let Some(expected) = exact {
                assert_eq!(got, *expected, "{label}: request {i} finds its person");
            }
            items += got;
        }
        println!(
            "{label:<48} {:>8.2} {:>8.2} {:>8.2} {:>10.1}",
            median(&times),
            percentile(&times, 0.95),
            times.iter().cloned().fold(0.0, f64::max),
            items as f64 / n as f64
        );
    }
    println!("target ([R]): a filtered, paginated list over 500,000 persons ≤ 50 ms at the median");
}

async fn exports(server: &Server) {
    println!(
        "\nexports of the whole district ({} persons) through HTTP as the admin, {EXPORT_RUNS} runs each",
        server.persons
    );
    println!(
        "{:<34} {:>9} {:>22} {:>9} {:>15} {:>16}",
        "export", "median s", "runs s", "MB", "s per 1M rows", "server +RSS MB"
    );
    for format in ["xlsx", "csv"] {
        let mut seconds = Vec::new();
        let mut growth: f64 = 0.0;
        let mut size = 0;
        for _ in 0..EXPORT_RUNS {
            server.reset_peak();
            let before = server.rss_mb("VmRSS:");
            let start = Instant::now();
            let response = server
                .client
                .get(server.url(&format!("/registry/persons/export/{format}")))
                .send()
                .await
                .expect("a response");
            assert!(
                response.status().is_success(),
                "export {format}: {}",
                response.status()
            );
            let bytes = response.bytes().await.expect("the file");
            seconds.push(start.elapsed().as_secs_f64());
            size = bytes.len();
            growth = growth.max(server.rss_mb("VmHWM:") - before);
        }
        let m = median(&seconds);
        let runs: Vec<String> = seconds.iter().map(|s| format!("{s:.2}")).collect();
        println!(
            "{:<34} {m:>9.2} {:>22} {:>9.1} {:>15.2} {growth:>16.0}",
            format!("/registry/persons/export/{format}"),
            runs.join(" "),
            size as f64 / 1e6,
            m * 1e6 / server.persons as f64,
        );
    }
    println!(
        "targets ([R]): 1,000,000 persons to xlsx ≤ 12 s, to CSV ≤ 2 s, ≤ 300 MB (\"s per 1M rows\" scales the measured time linearly by 1,000,000 / rows)"
    );
}

//! Passage ingest through the HTTP batch API of a real server (SQLite, the embedded default):
//! concurrent devices sending batches of 5,000 — passages per second, each request answered only
//! once the group commit holding its items is done — then a trace to show the tracing index
//! catching up; then 64 clients sending single passages, with the latency percentiles, and the
//! same clients asking `/healthz` as the baseline of what the HTTP stack answers here.
//!
//! `cargo bench -p epidemic --bench passages_ingest` (`INGEST_BENCH_PASSAGES`, default 1,000,000;
//! `INGEST_BENCH_DEVICES`, default 4; `INGEST_BENCH_SINGLES` per client, default 200).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};
use testkit::{AppBuilder, Backend};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let total = env("INGEST_BENCH_PASSAGES", 1_000_000);
    let devices = env("INGEST_BENCH_DEVICES", 4).max(1);
    let singles = env("INGEST_BENCH_SINGLES", 200);
    const BATCH: usize = 5_000;
    let app = AppBuilder::new(Backend::Sqlite)
        .module(Arc::new(epidemic::Epidemic))
        .configure(|c| c.max_connections = 16)
        .spawn()
        .await;
    let area = app.area_of("checkpoint01").await;
    let (lo, hi) = domain::DivisionCode::parse(&area).unwrap().subtree_range();
    let place: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT id FROM places WHERE area_code >= $1 AND area_code < $2 ORDER BY id LIMIT 1")
        .bind(&lo).bind(&hi).fetch_one(pool).await)
    .expect("a place in checkpoint01's township");
    let persons: Vec<i64> = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT id FROM persons WHERE merged_into IS NULL ORDER BY id")
        .fetch_all(pool).await)
    .expect("persons");
    let client = app.signed_in("checkpoint01").await;
    println!(
        "ingest bench (SQLite, WAL, synchronous=NORMAL): {total} passages in batches of {BATCH} \
         from {devices} devices; {} people",
        persons.len()
    );
    let now = Utc::now() - chrono::Duration::hours(1);
    let batches = total.div_ceil(BATCH);
    let bodies: Vec<String> = (0..batches)
        .map(|b| {
            let items: Vec<Value> = (0..BATCH)
                .map(|i| {
                    let n = b * BATCH + i;
                    json!({"event_key": n.to_string(), "person_id": persons[n % persons.len()],
                           "at": (now + chrono::Duration::seconds((n % 3000) as i64)).to_rfc3339(),
                           "direction": if n.is_multiple_of(2) { "in" } else { "out" }})
                })
                .collect();
            json!({"device": format!("bench-{}", b % devices), "place_id": place, "items": items})
                .to_string()
        })
        .collect();
    let bodies = Arc::new(bodies);
    let url = app.url("/api/v1/epidemic/passages/batch");
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..devices {
        let (client, url, bodies, next) =
            (client.clone(), url.clone(), bodies.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(body) = bodies.get(i) else { break };
                let r = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .expect("batch");
                assert_eq!(r.status(), 200);
                let answer: Value = r.json().await.expect("answer");
                assert_eq!(answer["created"].as_u64(), Some(BATCH as u64));
            }
        }));
    }
    for t in tasks {
        t.await.expect("device");
    }
    let took = started.elapsed();
    println!(
        "  batch ingest: {:.0} passages/s ({} in {:.2} s)",
        (batches * BATCH) as f64 / took.as_secs_f64(),
        batches * BATCH,
        took.as_secs_f64()
    );
    let trace = |cases: Vec<i64>| {
        let (client, url) = (client.clone(), app.url("/api/v1/epidemic/tracing/trace"));
        async move {
            let t = Instant::now();
            let r: Value = client
                .post(url)
                .json(&json!({"cases": cases, "second_hop": false}))
                .send()
                .await
                .expect("trace")
                .json()
                .await
                .expect("answer");
            (t.elapsed(), r)
        }
    };
    // The index as a start-up builds it, from the table (the policy's window holds every passage).
    let policy = epidemic::policy::TracingPolicy::default();
    let t = Instant::now();
    let live = epidemic::tracing::live::Live::build(&app.db, &policy, Utc::now())
        .await
        .expect("the index is rebuilt");
    let took = t.elapsed().as_secs_f64();
    let indexed = live.engine.passages();
    println!(
        "  index rebuild from the table (start-up): {indexed} passages in {:.0} ms = {:.2} s per \
         20M passages (target ≤ 3 s)",
        took * 1e3,
        took * 20e6 / indexed.max(1) as f64
    );
    drop(live);
    // Baseline: the same rows read through sqlx in pages by id, as the rebuild read them before.
    let t = Instant::now();
    let (mut mark, mut read) = (0i64, 0usize);
    loop {
        let rows: Vec<(i64, i64, i64, i64, String)> = platform::with_db!(&app.db, pool =>
            sqlx::query_as("SELECT id, person_id, place_id, at_minute, direction FROM epi_passages \
                 WHERE id > $1 AND at_minute >= 0 ORDER BY id LIMIT 200000")
            .bind(mark).fetch_all(pool).await)
        .expect("passages");
        let Some(last) = rows.last() else { break };
        mark = last.0;
        read += rows.len();
    }
    println!(
        "  (baseline: the same {read} rows read alone through sqlx in pages of 200,000, as the \
         rebuild read them before: {:.0} ms)",
        t.elapsed().as_secs_f64() * 1e3
    );
    let (t, r) = trace(vec![persons[0]]).await;
    println!(
        "  first trace after the ingest (index built from {} passages): {:.0} ms",
        r["indexed_passages"],
        t.as_secs_f64() * 1e3
    );

    // Single passages from 64 clients, each on its own keep-alive connection, sending the next
    // request when the answer came (a lean client, as wrk would be: the bench shares the two
    // cores with the server). The baseline is the same client asking `/healthz` in the same run.
    let cookie = session_cookie(&app).await;
    let addr = app
        .url("/")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let (rate, lat) = closed_loop(&addr, 64, singles, |_, _| {
        "GET /healthz HTTP/1.1\r\nhost: bench\r\n\r\n".to_string()
    })
    .await;
    println!(
        "  baseline, /healthz, 64 clients: {rate:.0} req/s; p50 {:.1} ms, p99 {:.1} ms, p99.9 \
         {:.1} ms",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 0.999)
    );
    let persons = Arc::new(persons);
    let people = persons.clone();
    let (rate, lat) = closed_loop(&addr, 64, singles, move |c, i| {
        let body = json!({"event_key": format!("single-{c}-{i}"), "place_id": place,
                          "person_id": people[(c * singles + i) % people.len()],
                          "at": Utc::now().to_rfc3339(), "direction": "in"})
        .to_string();
        format!(
            "POST /api/v1/epidemic/passages HTTP/1.1\r\nhost: bench\r\ncookie: {cookie}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    })
    .await;
    println!(
        "  single passages, 64 clients: {rate:.0} req/s; p50 {:.1} ms, p99 {:.1} ms, p99.9 \
         {:.1} ms",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 0.999)
    );
    let (t, r) = trace(vec![persons[1]]).await;
    println!(
        "  trace after the singles (caught up to passage {}): {:.1} ms",
        r["as_of_passage_id"],
        t.as_secs_f64() * 1e3
    );
}

/// The session cookie (`name=value`) of checkpoint01, signed in by the API.
async fn session_cookie(app: &testkit::TestApp) -> String {
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "checkpoint01", "password": testkit::DEMO_PASSWORD}))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie");
    cookie.split(';').next().unwrap_or_default().to_string()
}

/// `clients` connections each sending `per_client` requests one after another (`request(client,
/// i)` gives the bytes), every answer a 2xx; answers the requests per second and each latency.
async fn closed_loop(
    addr: &str,
    clients: usize,
    per_client: usize,
    request: impl Fn(usize, usize) -> String + Send + Sync + 'static,
) -> (f64, Vec<Duration>) {
    // Each connection's first requests (its set-up, the caches filling) are not counted.
    const WARM_UP: usize = 10;
    let request = Arc::new(request);
    let mut tasks = Vec::new();
    let started = Instant::now();
    for c in 0..clients {
        let (addr, request) = (addr.to_string(), request.clone());
        tasks.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let mut lat = Vec::with_capacity(per_client);
            let mut buf = Vec::with_capacity(4096);
            for i in 0..WARM_UP + per_client {
                let bytes = request(c, i);
                let t = Instant::now();
                stream.write_all(bytes.as_bytes()).await.expect("send");
                let status = read_response(&mut stream, &mut buf).await;
                assert!((200..300).contains(&status), "status {status}");
                if i >= WARM_UP {
                    lat.push(t.elapsed());
                }
            }
            (lat, Instant::now())
        }));
    }
    let mut lat = Vec::new();
    let mut ended = started;
    for t in tasks {
        let (client_lat, client_end) = t.await.expect("client");
        lat.extend(client_lat);
        ended = ended.max(client_end);
    }
    // Requests answered per second over the whole run, warm-up included.
    let rate = ((WARM_UP * clients) + lat.len()) as f64 / (ended - started).as_secs_f64();
    lat.sort();
    (rate, lat)
}

/// Reads one HTTP/1.1 response with a `content-length` body; answers its status.
async fn read_response(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> u16 {
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).expect("an ASCII head");
            let status: u16 = head[9..12].parse().expect("a status");
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.expect("read");
                assert!(n > 0, "the server closed the connection");
                buf.extend_from_slice(&chunk[..n]);
            }
            return status;
        }
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)].as_secs_f64() * 1e3
}

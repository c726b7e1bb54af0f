//! Passage ingest through the HTTP batch API of a real server (SQLite, the embedded default):
//! concurrent devices sending batches of 5,000 — passages per second, each request answered only
//! once the group commit holding its items is done — then a trace to show the tracing index
//! catching up; then 64 clients sending single passages, with the latency percentiles.
//!
//! `cargo bench -p epidemic --bench passages_ingest` (`INGEST_BENCH_PASSAGES`, default 1,000,000;
//! `INGEST_BENCH_DEVICES`, default 4; `INGEST_BENCH_SINGLES` per client, default 50).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};
use testkit::{AppBuilder, Backend};

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
    let singles = env("INGEST_BENCH_SINGLES", 50);
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

    let single_url = app.url("/api/v1/epidemic/passages");
    let mut tasks = Vec::new();
    let started = Instant::now();
    for c in 0..64 {
        let (client, url, persons) = (client.clone(), single_url.clone(), persons.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(singles);
            for i in 0..singles {
                let body = json!({"event_key": format!("single-{c}-{i}"), "place_id": place,
                                  "person_id": persons[(c * singles + i) % persons.len()],
                                  "at": Utc::now().to_rfc3339(), "direction": "in"});
                let t = Instant::now();
                let r = client.post(&url).json(&body).send().await.expect("single");
                assert_eq!(r.status(), 201);
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("client"));
    }
    let took = started.elapsed();
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "  single passages, 64 clients: {:.0} req/s; p50 {:.1} ms, p99 {:.1} ms",
        lat.len() as f64 / took.as_secs_f64(),
        p(0.5),
        p(0.99)
    );
    let (t, r) = trace(vec![persons[1]]).await;
    println!(
        "  trace after the singles (caught up to passage {}): {:.1} ms",
        r["as_of_passage_id"],
        t.as_secs_f64() * 1e3
    );
}

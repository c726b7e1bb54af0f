//! The command screen's data endpoint under a command centre's load, at `district` demo scale
//! (12 townships, 250 villages, ~500,000 persons, ~3,000 enterprises, 30 days of screenings and
//! resumption reports): 200 concurrent clients ask `GET /api/v1/command/screen` for
//! `SCREEN_BENCH_SECONDS` (default 10) while a writer opens a ticket every 500 ms, so the
//! snapshot keeps being recomputed. Printed beside it, the baseline of the same run: one
//! computation of the snapshot from the database, which a dashboard recomputed per request would
//! pay every time. Then a bulletin for the whole district composed and rendered to DOCX.
//!
//! `cargo bench -p command --bench screen` (`SCREEN_BENCH_SCALE=tiny` for a quick run).
//! Targets: ≥ 5,000 requests/s and p99 ≤ 50 ms at 200 clients; a district bulletin in ≤ 1 s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::auth::CurrentUser;
use platform::demo::Scale;
use platform::i18n::Lang;
use testkit::{AppBuilder, Backend};

const CLIENTS: usize = 200;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let scale = std::env::var("SCREEN_BENCH_SCALE")
        .ok()
        .and_then(|s| Scale::parse(&s))
        .unwrap_or(Scale::District);
    let seconds: u64 = std::env::var("SCREEN_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let started = Instant::now();
    let app = AppBuilder::new(Backend::Sqlite)
        .module(Arc::new(epidemic::Epidemic))
        .module(Arc::new(economy::Economy))
        .module(Arc::new(command::Command))
        .scale(scale)
        .configure(|c| c.max_connections = 16)
        .spawn()
        .await;
    println!(
        "demo district ({scale:?}) built and served in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let commander = app.signed_in("commander").await;
    let area = app.area_of("commander").await;
    let today = platform::responsibility::today();
    let district = domain::DivisionCode::parse(&area).unwrap();

    // Baseline: the snapshot computed from the database, as a per-request dashboard would.
    let mut fresh = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        command::snapshot::compute(&app.state, &district, today)
            .await
            .unwrap();
        fresh.push(t.elapsed());
    }
    let fresh = median(fresh);
    println!(
        "baseline: one snapshot computed from the database: {:.1} ms median (a per-request dashboard: ≤ {:.0} requests/s per core)",
        ms(fresh),
        1.0 / fresh.as_secs_f64()
    );

    // Where a snapshot's time goes: each headline figure, slowest first.
    let mut costs = Vec::new();
    for section in command::layout::SECTIONS {
        for key in section.figures {
            if let Some(f) = app.state.figure(key).cloned() {
                let t = Instant::now();
                platform::figures::compute(&app.state, &f, &district, today)
                    .await
                    .unwrap();
                costs.push((t.elapsed(), *key));
            }
        }
    }
    costs.sort_by_key(|c| std::cmp::Reverse(c.0));
    let listed: Vec<String> = costs
        .iter()
        .take(8)
        .map(|(d, k)| format!("{k} {:.1} ms", ms(*d)))
        .collect();
    println!(
        "slowest headline figures (one computation each): {}",
        listed.join(", ")
    );
    let mut trend_costs = Vec::new();
    for key in command::layout::TRENDS {
        if let Some(f) = app.state.figure(key).cloned() {
            let t = Instant::now();
            for back in 0..command::layout::TREND_DAYS {
                let day = today - chrono::Days::new(back);
                platform::figures::compute(&app.state, &f, &district, day)
                    .await
                    .unwrap();
            }
            trend_costs.push(format!("{key} {:.1} ms", ms(t.elapsed())));
        }
    }
    println!(
        "trends ({} days each): {}",
        command::layout::TREND_DAYS,
        trend_costs.join(", ")
    );

    // The load: 200 clients, each its own connection, for `seconds`; a writer beside them.
    let url = app.url("/api/v1/command/screen");
    let warm = commander.get(&url).send().await.unwrap();
    assert!(warm.status().is_success());
    let cookie = app.session_cookie("commander").await;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let writer = {
        let client = commander.clone();
        let url = app.url("/api/v1/tickets");
        let area = area.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while Instant::now() < deadline {
                let r = client
                    .post(&url)
                    .json(
                        &serde_json::json!({"kind": "general", "title": format!("压测工单{n}"),
                        "area_code": area, "priority": "urgent"}),
                    )
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success());
                n += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            n
        })
    };
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let url = url.clone();
        let cookie = cookie.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = client
                    .get(&url)
                    .header("cookie", &cookie)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                r.bytes().await.unwrap();
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let load_started = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = load_started.elapsed();
    let writes = writer.await.unwrap();
    all.sort();
    let p = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    println!(
        "screen data, {CLIENTS} clients, {seconds} s, {writes} tickets written meanwhile: {} requests, {:.0} requests/s (target ≥ 5,000), p50 {:.1} ms, p99 {:.1} ms (target ≤ 50 ms)",
        all.len(),
        all.len() as f64 / elapsed.as_secs_f64(),
        ms(p(0.5)),
        ms(p(0.99)),
    );

    // A bulletin for the whole district, composed and rendered to Word.
    let tr = app.state.tr(Lang::ZhCn);
    let user = CurrentUser::system("bench", district.clone());
    let mut runs = Vec::new();
    let mut size = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let bulletin = command::bulletin::service::compose(
            &app.state,
            &user,
            &tr,
            "dual-campaign",
            &district,
            today,
        )
        .await
        .unwrap();
        size = command::bulletin::service::docx(&bulletin).unwrap().len();
        runs.push(t.elapsed());
    }
    println!(
        "district bulletin (dual-campaign) composed and rendered to DOCX: {:.0} ms median (target ≤ 1,000 ms), {size} bytes",
        ms(median(runs))
    );
}

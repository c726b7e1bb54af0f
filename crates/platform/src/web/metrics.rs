//! Prometheus metrics: requests by route and status, a latency histogram, pool use. Kept in a
//! mutex-guarded map: the cost is one short lock per request, far below a database round trip.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<MetricsInner>,
}

#[derive(Default)]
struct MetricsInner {
    /// (method, route, status) → count
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → (bucket counts, sum of seconds, count)
    latency: BTreeMap<String, ([u64; BUCKETS.len()], f64, u64)>,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner
            .requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let (buckets, sum, count) = inner.latency.entry(route.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                buckets[i] += 1;
            }
        }
        *sum += seconds;
        *count += 1;
    }

    fn render(&self, pool: (u32, usize)) -> String {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str(
            "# HELP tongxin_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE tongxin_http_requests_total counter\n");
        for ((method, route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "tongxin_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP tongxin_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE tongxin_http_request_duration_seconds histogram\n");
        for (route, (buckets, sum, count)) in &inner.latency {
            let route = escape(route);
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "tongxin_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                    buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "tongxin_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "tongxin_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "tongxin_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        let (size, idle) = pool;
        out.push_str("# HELP tongxin_db_pool_connections Database connections open.\n");
        out.push_str("# TYPE tongxin_db_pool_connections gauge\n");
        let _ = writeln!(out, "tongxin_db_pool_connections {size}");
        out.push_str("# HELP tongxin_db_pool_idle Database connections open and idle.\n");
        out.push_str("# TYPE tongxin_db_pool_idle gauge\n");
        let _ = writeln!(out, "tongxin_db_pool_idle {idle}");
        let _ = writeln!(
            out,
            "# HELP tongxin_db_pool_in_use Database connections in use."
        );
        let _ = writeln!(out, "# TYPE tongxin_db_pool_in_use gauge");
        let _ = writeln!(
            out,
            "tongxin_db_pool_in_use {}",
            (size as usize).saturating_sub(idle)
        );
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Middleware: times every request and counts it under its route pattern (never the raw path,
/// which would make one series per record).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let response = next.run(req).await;
    state.metrics().record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`
pub async fn endpoint(State(state): State<AppState>) -> Response {
    let body = state.metrics().render(state.db().pool_usage());
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

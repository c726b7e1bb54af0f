//! `/healthz` (the process answers) and `/readyz` (the database answers and its schema is the
//! one this binary expects), for load balancers and orchestration.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::db;
use crate::state::AppState;

pub async fn healthz() -> Response {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})).into_response()
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    if let Err(err) = state.db().ping().await {
        tracing::warn!(error = %err, "readiness: database unreachable");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "database_unreachable"})),
        )
            .into_response();
    }
    match db::migration_status(state.db()).await {
        Ok(status) if status.is_current() => Json(json!({
            "status": "ready",
            "backend": state.db().backend().as_str(),
            "migrations": status.applied.len(),
        }))
        .into_response(),
        Ok(status) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "migrations_pending", "known": status.known, "applied": status.applied})),
        )
            .into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: cannot read migrations");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "database_unreachable"}))).into_response()
        }
    }
}

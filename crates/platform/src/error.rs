//! One error type for every handler. It carries a status, a stable machine code, a catalog key
//! (so the message reaches the user in their language) and optionally the offending field.
//! `IntoResponse` only tags the response; `web::errors::render` turns the tag into JSON for the
//! API, a fragment for htmx, or a page for a browser — the handler never decides.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone)]
pub struct AppError {
    pub status: StatusCode,
    /// Stable, machine-readable: `not_found`, `validation`, `unauthenticated`, …
    pub code: &'static str,
    /// Catalog key of the user-facing message.
    pub key: String,
    /// Values for `{name}` placeholders in the message.
    pub args: Vec<(String, String)>,
    pub field: Option<String>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, key: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            key: key.into(),
            args: Vec::new(),
            field: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "error.not_found")
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "error.forbidden")
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "error.unauthenticated",
        )
    }

    /// Input the user can fix; `key` names what is wrong.
    pub fn invalid(key: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", key)
    }

    pub fn conflict(key: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", key)
    }

    pub fn bad_request(key: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", key)
    }

    /// A failure that is not the user's: logged in full here, shown as a generic message.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "error.internal",
        )
    }

    /// The message in the reader's language, its `{placeholders}` filled from `args`.
    pub fn message(&self, tr: &crate::i18n::Tr) -> String {
        let args: Vec<(&str, &str)> = self
            .args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        tr.f(&self.key, &args)
    }

    pub fn on_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_arg(mut self, name: &str, value: impl Into<String>) -> Self {
        self.args.push((name.to_string(), value.into()));
        self
    }

    /// The status code's generic error, for responses produced outside handlers (404 routes,
    /// 405 methods, body limits, time-outs).
    pub fn from_status(status: StatusCode) -> Self {
        let (code, key) = match status.as_u16() {
            400 => ("bad_request", "error.bad_request"),
            401 => ("unauthenticated", "error.unauthenticated"),
            403 => ("forbidden", "error.forbidden"),
            404 => ("not_found", "error.not_found"),
            405 => ("method_not_allowed", "error.method_not_allowed"),
            408 => ("timeout", "error.timeout"),
            413 => ("payload_too_large", "error.payload_too_large"),
            415 => ("unsupported_media_type", "error.unsupported_media_type"),
            422 => ("validation", "error.validation"),
            429 => ("too_many_requests", "error.too_many_requests"),
            503 => ("unavailable", "error.unavailable"),
            s if s >= 500 => ("internal", "error.internal"),
            _ => ("bad_request", "error.bad_request"),
        };
        Self::new(status, code, key)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.status, self.code, self.key)
    }
}

impl std::error::Error for AppError {}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(Arc::new(self));
        response
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::internal(err)
    }
}

impl From<crate::db::raw::RawError> for AppError {
    fn from(err: crate::db::raw::RawError) -> Self {
        AppError::internal(err)
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        match err.downcast::<AppError>() {
            Ok(app) => app,
            Err(err) => AppError::internal(format!("{err:#}")),
        }
    }
}

impl From<domain::Invalid> for AppError {
    fn from(err: domain::Invalid) -> Self {
        AppError::invalid(err.key())
    }
}

//! Conventions every JSON endpoint follows: the error body, the list envelope with keyset
//! cursors, and body/query extractors whose rejections become catalog errors in the user's
//! language instead of axum's English text.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;

/// `{"error": {...}}`
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

impl ErrorBody {
    /// The body of `error` in the reader's language: for answers that carry several outcomes
    /// (a device's batch, one result per item).
    pub fn of(error: &AppError, tr: &crate::i18n::Tr) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: error.code.to_string(),
                message: error.message(tr),
                field: error.field.clone(),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `not_found`, `validation`, `unauthenticated`, …
    pub code: String,
    /// Human-readable, in the request's language (Chinese by default).
    pub message: String,
    /// The input field at fault, when there is one.
    pub field: Option<String>,
}

/// A page of a list: `{"items": [...], "next_cursor": "…" | null}`.
#[derive(Serialize, ToSchema)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// `?limit=&cursor=` shared by every list.
#[derive(Deserialize, IntoParams, Default, Debug)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListParams {
    pub fn limit(&self) -> Result<u32, AppError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(AppError::invalid("api.limit_out_of_range").on_field("limit")),
        }
    }

    /// The decoded keyset position, if any.
    pub fn after(&self) -> Result<Option<String>, AppError> {
        self.cursor.as_deref().map(decode_cursor).transpose()
    }
}

/// Cursors are opaque to clients: the last key of the page, base64url-encoded.
pub fn encode_cursor(last_key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last_key.as_bytes())
}

pub fn decode_cursor(cursor: &str) -> Result<String, AppError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| AppError::invalid("api.bad_cursor").on_field("cursor"))
}

/// Builds a page from `limit + 1` fetched rows: the extra row only says another page exists.
pub fn page_of<T>(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> String) -> ListPage<T> {
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| encode_cursor(&key(r)))
    } else {
        None
    };
    ListPage {
        items: rows,
        next_cursor,
    }
}

/// The position after which an id-keyed list continues (0 for the first page).
pub fn id_cursor(cursor: Option<&str>) -> Result<i64, AppError> {
    match cursor {
        None | Some("") => Ok(0),
        Some(c) => decode_cursor(c)?
            .parse()
            .map_err(|_| AppError::invalid("api.bad_cursor").on_field("cursor")),
    }
}

/// JSON body; malformed JSON or a wrong shape answers 400/422 with a catalog message.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => {
                use axum::extract::rejection::JsonRejection::*;
                Err(match rejection {
                    JsonDataError(e) => {
                        AppError::invalid("api.bad_json_shape").with_arg("detail", e.body_text())
                    }
                    JsonSyntaxError(_) => AppError::bad_request("api.bad_json"),
                    MissingJsonContentType(_) => AppError::new(
                        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "unsupported_media_type",
                        "api.json_content_type",
                    ),
                    _ => AppError::bad_request("api.bad_json"),
                })
            }
        }
    }
}

/// Query string; a bad parameter answers 422 with a catalog message.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| AppError::invalid("api.bad_query").with_arg("detail", e.body_text()))
    }
}

/// An `Idempotency-Key` as clients send it: absent, or 1–200 printable ASCII characters; anything
/// else is refused with `error_key` (the caller's catalog message).
pub fn idempotency_key<'a>(
    key: Option<&'a str>,
    error_key: &str,
) -> Result<Option<&'a str>, AppError> {
    match key.map(str::trim) {
        None => Ok(None),
        Some(k) if !k.is_empty() && k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic()) => {
            Ok(Some(k))
        }
        Some(_) => Err(AppError::invalid(error_key)),
    }
}

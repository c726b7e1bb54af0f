//! The outermost middleware: sets the request's language, and renders every error — from a
//! handler's `AppError` or a bare status from routing, limits or time-outs — as JSON for the
//! API, an alert fragment for htmx, a redirect to the login page for a signed-out browser, or an
//! error page. The message always comes from the catalog in the request's language.

use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::body::HttpBody;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;

use crate::error::AppError;
use crate::i18n::detect_lang;
use crate::state::AppState;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Client {
    Api,
    Htmx,
    Browser,
}

fn client_of(req: &Request) -> Client {
    let path = req.uri().path();
    if path.starts_with("/api/") || path == "/healthz" || path == "/readyz" || path == "/metrics" {
        Client::Api
    } else if req.headers().contains_key("hx-request") {
        Client::Htmx
    } else {
        Client::Browser
    }
}

pub async fn render(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client = client_of(&req);
    let lang = detect_lang(req.headers(), client == Client::Api);
    req.extensions_mut().insert(lang);
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let mut response = next.run(req).await;
    let error = match response.extensions_mut().remove::<Arc<AppError>>() {
        Some(err) => (*err).clone(),
        None if response.status().is_client_error() || response.status().is_server_error() => {
            // Only bare statuses (routing, limits): a body someone wrote on purpose stays. The
            // body limit answers in English text, so it is rendered like the rest.
            if response.body().size_hint().exact() != Some(0)
                && response.status() != StatusCode::PAYLOAD_TOO_LARGE
            {
                return response;
            }
            AppError::from_status(response.status())
        }
        None => return response,
    };
    let tr = state.tr(lang);
    let message = error.message(&tr);
    let mut out = match client {
        Client::Api => (
            error.status,
            Json(json!({"error": {"code": error.code, "message": message, "field": error.field}})),
        )
            .into_response(),
        Client::Htmx => {
            let fragment = format!(
                "<div class=\"alert alert-error\" role=\"alert\">{}</div>",
                super::escape_html(&message)
            );
            (error.status, Html(fragment)).into_response()
        }
        Client::Browser if error.status == StatusCode::UNAUTHORIZED => {
            let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
            Redirect::to(&format!("/login?next={next}")).into_response()
        }
        Client::Browser => {
            let page = ErrorPage {
                lang: tr.lang.tag(),
                title: tr.t("error.title"),
                status: error.status.as_u16(),
                message: &message,
                home: tr.t("error.back_home"),
            };
            match page.render() {
                Ok(html) => (error.status, Html(html)).into_response(),
                Err(_) => (error.status, message).into_response(),
            }
        }
    };
    // Keep headers a layer set on purpose (Retry-After, WWW-Authenticate, Allow).
    for name in [header::RETRY_AFTER, header::WWW_AUTHENTICATE, header::ALLOW] {
        if let Some(value) = response.headers().get(&name) {
            out.headers_mut().insert(name, value.clone());
        }
    }
    out.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    out
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: &'a str,
    title: &'a str,
    status: u16,
    message: &'a str,
    home: &'a str,
}

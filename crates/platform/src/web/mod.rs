//! The HTTP side of the kernel: page context and rendering, error rendering, cookies, static
//! assets, health, metrics, and the layers every request passes through.

pub mod assets;
pub mod cookies;
pub mod download;
pub mod errors;
pub mod health;
pub mod kit;
pub mod metrics;
pub mod page;
pub mod ui;

pub use page::{NavLink, Page, render};

/// The client's address when the server was started with connection info (it always is, by
/// `app::serve`); `None` otherwise.
pub struct ClientAddr(pub Option<std::net::SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

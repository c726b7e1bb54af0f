//! Static files (CSS, JS, vendored htmx and ECharts), embedded in the binary so a closed intranet
//! needs nothing else. Served under `/assets/` with a long cache life: file names change with
//! versions, and `?v=` carries the build version for our own files.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../assets/"]
#[exclude = "vendor/node_modules/*"]
#[exclude = "vendor/package*.json"]
#[exclude = "vendor/axe.min.js"]
#[exclude = "vendor/SHA256SUMS"]
pub struct Assets;

/// `GET /assets/{*path}`
pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(file) = Assets::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let mut response = file.data.into_owned().into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

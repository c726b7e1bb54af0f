//! Files handed to the browser: exports, templates, error reports.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, AppResult};
use crate::tabular::{Cell, CsvExport, Problem, XlsxExport};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV: &str = "text/csv; charset=utf-8";

/// A download named `name` (any characters; sent as RFC 5987 UTF-8).
pub fn attachment(name: &str, content_type: &str, body: impl Into<Body>) -> Response {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{encoded}"),
            ),
        ],
        body.into(),
    )
        .into_response()
}

/// A list export being written: `.xlsx` (streamed through a temporary file, sheets split at
/// 1,048,576 rows, a title row and the filter used) or `.csv`. Handlers page through their list
/// with keyset pagination and `push` each row, so memory stays flat whatever the list's length.
pub enum ExportSink {
    Xlsx {
        file: tempfile::NamedTempFile,
        out: Box<XlsxExport>,
        title: String,
    },
    Csv {
        out: Box<CsvExport<Vec<u8>>>,
        title: String,
    },
}

impl ExportSink {
    /// `format` as the route names it: `xlsx` or `csv`; anything else is not found.
    pub fn new(format: &str, title: &str, filter: &str, headers: &[&str]) -> AppResult<Self> {
        let problem = |p: Problem| AppError::internal(p);
        match format {
            "xlsx" => {
                let file = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
                let out =
                    XlsxExport::create(file.path(), title, filter, headers).map_err(problem)?;
                Ok(ExportSink::Xlsx {
                    file,
                    out: Box::new(out),
                    title: title.to_string(),
                })
            }
            "csv" => Ok(ExportSink::Csv {
                out: Box::new(CsvExport::new(Vec::new(), headers).map_err(problem)?),
                title: title.to_string(),
            }),
            _ => Err(AppError::not_found()),
        }
    }

    pub fn push(&mut self, cells: &[Cell<'_>]) -> AppResult<()> {
        match self {
            ExportSink::Xlsx { out, .. } => out.push_row(cells),
            ExportSink::Csv { out, .. } => out.push_row(cells),
        }
        .map_err(AppError::internal)
    }

    /// The finished file as a download named after the title.
    pub async fn finish(self) -> AppResult<Response> {
        match self {
            ExportSink::Xlsx { file, out, title } => {
                out.finish().map_err(AppError::internal)?;
                let handle = tokio::fs::File::open(file.path())
                    .await
                    .map_err(AppError::internal)?;
                // The open handle keeps the data readable after the temporary file's name is
                // removed (on drop of `file`, right here).
                drop(file);
                let body = Body::from_stream(tokio_util::io::ReaderStream::new(handle));
                Ok(attachment(&format!("{title}.xlsx"), XLSX, body))
            }
            ExportSink::Csv { out, title } => {
                let bytes = out.finish().map_err(AppError::internal)?;
                Ok(attachment(&format!("{title}.csv"), CSV, bytes))
            }
        }
    }
}

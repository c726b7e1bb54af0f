//! Files handed to the browser: exports, templates, error reports.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes};
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

/// Bytes handed to a streamed response per chunk.
const STREAM_CHUNK: usize = 256 * 1024;

/// A download written while it is sent: the response goes out at once, and the [`BodyWriter`]
/// (used on a blocking thread) hands it the bytes in chunks of 256 KB, so a large export starts
/// at once and its memory stays flat. A writer dropped without [`BodyWriter::close`] (an error
/// half-way, a panic) aborts the response, so a cut-short file is never taken for a whole one.
pub fn streamed(name: &str, content_type: &str) -> (Response, BodyWriter) {
    let (chunks, received) = tokio::sync::mpsc::channel::<Bytes>(4);
    let complete = Arc::new(AtomicBool::new(false));
    let state = (received, complete.clone(), false);
    let body = futures::stream::unfold(state, |(mut received, complete, ended)| async move {
        if ended {
            return None;
        }
        match received.recv().await {
            Some(chunk) => Some((Ok(chunk), (received, complete, false))),
            None if complete.load(Ordering::Acquire) => None,
            None => Some((
                Err(std::io::Error::other("the download stopped before its end")),
                (received, complete, true),
            )),
        }
    });
    let writer = BodyWriter {
        chunks,
        buffer: Vec::with_capacity(STREAM_CHUNK),
        complete,
    };
    (
        attachment(name, content_type, Body::from_stream(body)),
        writer,
    )
}

/// The writing end of [`streamed`]. Its writes block while the client is slower than the
/// writer (two chunks in flight), so call it off the runtime, from a blocking thread.
pub struct BodyWriter {
    chunks: tokio::sync::mpsc::Sender<Bytes>,
    buffer: Vec<u8>,
    complete: Arc<AtomicBool>,
}

impl BodyWriter {
    /// Sends what is left and ends the response normally.
    pub fn close(mut self) -> std::io::Result<()> {
        if !self.buffer.is_empty() {
            self.send()?;
        }
        self.complete.store(true, Ordering::Release);
        Ok(())
    }

    fn send(&mut self) -> std::io::Result<()> {
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(STREAM_CHUNK));
        self.chunks
            .blocking_send(Bytes::from(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client left"))
    }
}

impl std::io::Write for BodyWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= STREAM_CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    /// Chunks go when full or on `close`; a flush sends nothing early.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    async fn body_of(response: Response) -> Result<Bytes, axum::Error> {
        axum::body::to_bytes(response.into_body(), usize::MAX).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_streamed_download_arrives_whole_when_closed() {
        let (response, mut writer) = streamed("名单.csv", CSV);
        let written = tokio::task::spawn_blocking(move || {
            let line = [b'x'; 1000];
            for _ in 0..1000 {
                writer.write_all(&line)?;
            }
            writer.close()
        });
        let body = body_of(response).await.unwrap();
        written.await.unwrap().unwrap();
        assert_eq!(body.len(), 1_000_000, "every byte, over several chunks");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_streamed_download_dropped_half_way_fails_instead_of_ending_short() {
        let (response, mut writer) = streamed("名单.csv", CSV);
        tokio::task::spawn_blocking(move || {
            writer.write_all(&[b'x'; 600_000]).unwrap();
            drop(writer);
        });
        assert!(body_of(response).await.is_err());
    }
}

//! Files attached to a ticket as evidence — photos of a hazard, a signed rectification report:
//! JPEG, PNG, HEIC, PDF, Word and Excel files up to 10 MB, recognised by their content, not
//! only their name. Stored in the database with the ticket, on its timeline and in the audit log.

use axum::extract::Multipart;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::repo::{self, Event};
use super::service::{RECORD_KIND, get_scoped};
use crate::audit::{self, Actor};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};

pub const MAX_BYTES: usize = 10 * 1024 * 1024;

#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct AttachmentView {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// The content type of an accepted file, from its first bytes; `None` for anything else.
pub fn sniff(bytes: &[u8], file_name: &str) -> Option<&'static str> {
    let lower = file_name.to_lowercase();
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() > 12
        && &bytes[4..8] == b"ftyp"
        && matches!(&bytes[8..12], b"heic" | b"heix" | b"mif1")
    {
        Some("image/heic")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"PK\x03\x04") && lower.ends_with(".docx") {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if bytes.starts_with(b"PK\x03\x04") && lower.ends_with(".xlsx") {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else {
        None
    }
}

/// Reads the multipart `file` field: its name and bytes.
pub async fn read_file(mut form: Multipart) -> AppResult<(String, Vec<u8>)> {
    let bad = |_| AppError::bad_request("error.bad_request");
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("file").to_string();
            let bytes = field.bytes().await.map_err(bad)?.to_vec();
            return Ok((name, bytes));
        }
    }
    Err(AppError::invalid("tickets.no_file").on_field("file"))
}

/// Attaches a file to ticket `id` seen by `user`: into the database, or, with
/// `attachments_dir` set, into `DIR/TICKET/ATTACHMENT` — written and synced to disk before the
/// row that names it commits, so an acknowledged file is never lost.
pub async fn attach(
    state: &crate::state::AppState,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    file_name: &str,
    bytes: &[u8],
) -> AppResult<AttachmentView> {
    let db = state.db();
    let row = get_scoped(db, user, id).await?;
    let name: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    if bytes.is_empty() || name.trim().is_empty() {
        return Err(AppError::invalid("tickets.no_file").on_field("file"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(AppError::invalid("tickets.file_too_large").on_field("file"));
    }
    let content_type = sniff(bytes, &name)
        .ok_or_else(|| AppError::invalid("tickets.file_type").on_field("file"))?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    const SQL: &str = "INSERT INTO ticket_attachments (ticket_id, file_name, content_type, size, bytes, \
         created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    let dir = state.config().attachments_dir.clone();
    let in_db = if dir.is_some() { None } else { Some(bytes) };
    let attachment_id: i64 = crate::with_conn!(&mut tx, conn => sqlx::query_scalar(SQL)
        .bind(id).bind(&name).bind(content_type).bind(bytes.len() as i64).bind(in_db)
        .bind(now).bind(&actor.name)
        .fetch_one(conn).await)?;
    if let Some(dir) = dir {
        let relative = format!("{id}/{attachment_id}");
        let path = dir.join(&relative);
        write_synced(&path, bytes).await?;
        const PATH: &str = "UPDATE ticket_attachments SET disk_path = $2 WHERE id = $1";
        crate::with_conn!(&mut tx, conn => sqlx::query(PATH).bind(attachment_id).bind(&relative)
            .execute(conn).await.map(|r| r.rows_affected()))?;
    }
    repo::append_event(
        &mut tx,
        id,
        &Event {
            action: "attach",
            from_state: None,
            to_state: None,
            reason: None,
            detail: Some(&name),
        },
        now,
        &actor.name,
    )
    .await?;
    let event = audit::Event::new("ticket.attach")
        .record(RECORD_KIND, id)
        .area(&row.area_code)
        .after(
            serde_json::json!({"file": name, "size": bytes.len(), "attachment_id": attachment_id}),
        );
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(AttachmentView {
        id: attachment_id,
        file_name: name,
        content_type: content_type.to_string(),
        size: bytes.len() as i64,
        created_at: now,
        created_by: actor.name.clone(),
    })
}

/// Writes `bytes` to `path` (creating its directory) and syncs file and directory.
async fn write_synced(path: &std::path::Path, bytes: &[u8]) -> AppResult<()> {
    let path = path.to_path_buf();
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        let parent = path.parent().expect("a ticket directory");
        std::fs::create_dir_all(parent)?;
        let mut file = std::fs::File::create(&path)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::File::open(parent)?.sync_all()
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

pub async fn list(db: &Db, ticket_id: i64) -> AppResult<Vec<AttachmentView>> {
    const SQL: &str = "SELECT id, file_name, content_type, size, created_at, created_by \
         FROM ticket_attachments WHERE ticket_id = $1 ORDER BY id";
    Ok(crate::with_db!(db, pool => sqlx::query_as(SQL).bind(ticket_id).fetch_all(pool).await)?)
}

/// A file of a ticket the user sees: name, content type, bytes.
pub async fn fetch(
    state: &crate::state::AppState,
    user: &CurrentUser,
    ticket_id: i64,
    attachment_id: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    let db = state.db();
    get_scoped(db, user, ticket_id).await?;
    const SQL: &str = "SELECT file_name, content_type, bytes, disk_path FROM ticket_attachments \
         WHERE id = $1 AND ticket_id = $2";
    type Found = (String, String, Option<Vec<u8>>, Option<String>);
    let found: Option<Found> = crate::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(attachment_id).bind(ticket_id).fetch_optional(pool).await)?;
    let (name, content_type, bytes, disk_path) = found.ok_or_else(AppError::not_found)?;
    let bytes = match (bytes, disk_path) {
        (Some(bytes), _) => bytes,
        (None, Some(relative)) => {
            let dir = state.config().attachments_dir.clone().ok_or_else(|| {
                AppError::internal("an attachment is on disk but attachments_dir is not set")
            })?;
            tokio::fs::read(dir.join(relative))
                .await
                .map_err(AppError::internal)?
        }
        (None, None) => return Err(AppError::internal("an attachment without content")),
    };
    Ok((name, content_type, bytes))
}

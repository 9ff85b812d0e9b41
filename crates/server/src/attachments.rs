//! Customers' files: uploads checked by their content, stored under a new id
//! (written to a temporary name, then renamed) with a checksum re-checked on
//! every download. Requests, proofs of payment and order outcomes use them.

use crate::accounts::bad;
use crate::audit::{self, Origin};
use crate::store::requests::AttachmentRow;
use crate::{secrets, AppState, ServerError};
use sportello_domain::api::requests::{AttachmentInfo, MAX_ATTACHMENT_BYTES};
use sportello_domain::{ApiError, ErrorCode};
use std::path::PathBuf;

pub fn attachment_info(a: &AttachmentRow) -> AttachmentInfo {
    AttachmentInfo {
        id: a.id.clone(),
        file_name: a.file_name.clone(),
        content_type: a.content_type.clone(),
        size_bytes: a.size_bytes,
    }
}

/// What the bytes are, by their first bytes; the file name does not count.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Keeps the last path part of a client's file name, without control characters.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    if clean.is_empty() {
        "allegato".into()
    } else {
        clean
    }
}

fn attachments_dir(state: &AppState) -> PathBuf {
    state.config.data_dir.join("attachments")
}

/// Stores an upload: checked by content, written to a temporary name then
/// renamed, so a failed write leaves no partial file under the final name.
pub async fn upload(
    state: &AppState,
    customer_id: i64,
    origin: &Origin,
    name: &str,
    bytes: &[u8],
) -> Result<AttachmentInfo, ServerError> {
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge, "an attachment has at most 10 MB").into());
    }
    if bytes.is_empty() {
        return Err(bad("file", "empty", "the file is empty"));
    }
    let content_type = sniff(bytes).ok_or_else(|| {
        ServerError::from(ApiError::new(
            ErrorCode::UnsupportedFileType,
            "only PDF, PNG and JPEG files can be attached",
        ))
    })?;
    let row = store_file(state, customer_id, name, content_type, bytes).await?;
    audit::record(
        state,
        origin,
        "upload_attachment",
        &format!("attachment:{}", row.id),
        content_type,
    )
    .await?;
    Ok(attachment_info(&row))
}

/// Writes a customer's file under a new id (a temporary name, then renamed) and records it.
pub async fn store_file(
    state: &AppState,
    customer_id: i64,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<AttachmentRow, ServerError> {
    let id = secrets::new_id();
    let dir = attachments_dir(state);
    tokio::fs::create_dir_all(&dir).await?;
    let part = dir.join(format!("{id}.part"));
    tokio::fs::write(&part, bytes).await?;
    tokio::fs::rename(&part, dir.join(&id)).await?;
    let row = AttachmentRow {
        id,
        customer_id,
        message_id: None,
        file_name: clean_file_name(name),
        content_type: content_type.into(),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: secrets::sha256_hex_bytes(bytes),
    };
    state.store.insert_attachment(&row, state.clock.now_ms()).await?;
    Ok(row)
}

/// Reads an attachment back, refusing it if its bytes no longer match the checksum.
pub async fn download(
    state: &AppState,
    id: &str,
    customer_id: Option<i64>,
) -> Result<(AttachmentRow, Vec<u8>), ServerError> {
    let row = state
        .store
        .attachment(id, customer_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such attachment"))?;
    let bytes = tokio::fs::read(attachments_dir(state).join(&row.id)).await?;
    if secrets::sha256_hex_bytes(&bytes) != row.sha256 {
        tracing::error!(attachment = %row.id, "attachment does not match its checksum");
        return Err(ApiError::new(ErrorCode::Internal, "the stored file is damaged").into());
    }
    Ok((row, bytes))
}

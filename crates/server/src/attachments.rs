//! Customers' files: uploads checked by their content, stored in the
//! database under a new id with their SHA-256, re-checked on every
//! download. Requests, proofs of payment and order outcomes use them.

use crate::accounts::bad;
use crate::audit::audit_row;
use crate::audit::Origin;
use crate::store::files::Refused;
use crate::store::requests::AttachmentRow;
use crate::store::unit::Effect;
use crate::{secrets, AppState, ServerError};
use sportello_domain::api::requests::{AttachmentInfo, MAX_ATTACHMENT_BYTES};
use sportello_domain::{ApiError, ErrorCode};

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

/// Stores an upload, checked by content: the file, its row and its audit
/// row commit together, within the customer's quota.
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
    let row = new_row(customer_id, name, content_type, bytes);
    let target = format!("attachment:{}", row.id);
    let audit = audit_row(origin, "upload_attachment", &target, content_type);
    crate::delivery::defer(state, vec![Effect::Audit(audit)]).await?;
    crate::store::unit::name_resource(&row.id);
    store(state, &row, bytes).await?;
    Ok(attachment_info(&row))
}

/// An uploaded file's answer again, for a replay of its Idempotency-Key.
pub async fn uploaded(state: &AppState, id: &str) -> Result<AttachmentInfo, ServerError> {
    let row = state.store.attachment(id, None).await?;
    Ok(attachment_info(&row.ok_or_else(|| {
        ServerError::internal("an idempotency key names a file that is gone")
    })?))
}

/// What an upload's Idempotency-Key is bound to: the name and the content's
/// hash (the bytes themselves are too big to serialize for a hash).
pub fn upload_fingerprint(name: &str, bytes: &[u8]) -> (String, String) {
    (name.to_owned(), secrets::sha256_hex_bytes(bytes))
}

pub(crate) fn new_row(customer_id: i64, name: &str, content_type: &str, bytes: &[u8]) -> AttachmentRow {
    AttachmentRow {
        id: secrets::new_id(),
        customer_id,
        message_id: None,
        file_name: clean_file_name(name),
        content_type: content_type.into(),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: secrets::sha256_hex_bytes(bytes),
    }
}

/// How many bytes of files one customer may keep (`upload_quota_mb`).
pub(crate) fn quota_bytes(state: &AppState) -> i64 {
    state.config.upload_quota_mb.saturating_mul(1024 * 1024)
}

/// The refusal of a file that would pass the customer's quota.
pub(crate) fn over_quota(state: &AppState, used: i64) -> ServerError {
    let message = format!(
        "the customer's files use {} of its {} MB: this one does not fit",
        used / (1024 * 1024),
        state.config.upload_quota_mb
    );
    ApiError::new(ErrorCode::QuotaExceeded, message).into()
}

async fn store(state: &AppState, row: &AttachmentRow, bytes: &[u8]) -> Result<(), ServerError> {
    match state
        .store
        .insert_file(row, bytes, quota_bytes(state), state.clock.now_ms())
        .await?
    {
        Ok(()) => Ok(()),
        Err(Refused::OverQuota { used }) => Err(over_quota(state, used)),
    }
}

/// A stored file as a stream of its chunks, with its row. The SHA-256 is
/// re-checked as the chunks pass: bytes that no longer match end the stream
/// with an error before its last chunk, so a client never gets a damaged
/// file whole (the length and checksum it was told do not match).
pub async fn download(
    state: &AppState,
    id: &str,
    customer_id: Option<i64>,
) -> Result<
    (
        AttachmentRow,
        impl futures_util::Stream<Item = std::io::Result<Vec<u8>>>,
    ),
    ServerError,
> {
    if !secrets::is_id(id) {
        return Err(ApiError::new(ErrorCode::NotFound, "no such attachment").into());
    }
    let row = state
        .store
        .attachment(id, customer_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such attachment"))?;
    let reading = Reading {
        store: state.store.clone(),
        id: row.id.clone(),
        expected: row.sha256.clone(),
        seq: 0,
        hasher: Some(sha2::Sha256::default()),
    };
    Ok((row, futures_util::stream::unfold(reading, Reading::next)))
}

struct Reading {
    store: crate::store::Store,
    id: String,
    expected: String,
    seq: i64,
    /// None once the stream has ended.
    hasher: Option<sha2::Sha256>,
}

impl Reading {
    async fn next(mut self) -> Option<(std::io::Result<Vec<u8>>, Reading)> {
        use sha2::Digest;
        let hasher = self.hasher.as_mut()?;
        let chunk = match self.store.file_chunk(&self.id, self.seq).await {
            Ok(chunk) => chunk,
            Err(e) => return self.fail(format!("reading the file: {e}")),
        };
        if let Some(bytes) = chunk {
            hasher.update(&bytes);
            self.seq += 1;
            return Some((Ok(bytes), self));
        }
        let actual = hex::encode(self.hasher.take()?.finalize());
        if actual != self.expected {
            tracing::error!(attachment = %self.id, "attachment does not match its checksum");
            return self.fail("the stored file is damaged".into());
        }
        None
    }

    fn fail(mut self, why: String) -> Option<(std::io::Result<Vec<u8>>, Reading)> {
        self.hasher = None;
        Some((Err(std::io::Error::other(why)), self))
    }
}

/// Moves the files an older version kept under `<data_dir>/attachments`
/// into the database, checking each against its SHA-256; a moved file is
/// removed from the disk. Returns how many moved.
pub async fn move_files_from_disk(state: &AppState) -> Result<usize, ServerError> {
    let dir = state.config.data_dir.join("attachments");
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut moved = 0;
    for id in state.store.files_without_chunks().await? {
        let path = dir.join(&id);
        let Ok(bytes) = tokio::fs::read(&path).await else {
            continue;
        };
        let Some(row) = state.store.attachment(&id, None).await? else {
            continue;
        };
        if secrets::sha256_hex_bytes(&bytes) != row.sha256 {
            tracing::error!(attachment = %id, "a file on disk does not match its checksum: left where it is");
            continue;
        }
        state.store.insert_chunks(&id, &bytes).await?;
        tokio::fs::remove_file(&path).await?;
        moved += 1;
    }
    Ok(moved)
}

/// How long an upload may wait to be attached before it is swept.
const ORPHAN_AFTER_MS: i64 = 24 * 3600 * 1000;

/// Every hour, until `stop`, removes uploads nothing refers to after a day
/// (a request the user never sent): they count against no quota for ever.
pub async fn sweep_orphans(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    // The first sweep waits its hour too: a start (of every instance, of
    // every test server) need not scan the attachments.
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
        }
        match state
            .store
            .sweep_orphan_files(state.clock.now_ms() - ORPHAN_AFTER_MS)
            .await
        {
            Ok(0) => {}
            Ok(swept) => tracing::info!(swept, "unattached uploads removed"),
            Err(e) => tracing::warn!(error = %e, "sweeping unattached uploads"),
        }
    }
}

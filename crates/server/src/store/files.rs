//! Customers' files in the database (both engines), so that every instance
//! behind a load balancer serves every file: the attachment row and its
//! bytes, in chunks, are written in one transaction (no row without its
//! bytes, no bytes without a row), within the customer's quota.

use super::requests::AttachmentRow;
use super::{Store, StoreResult};
use sqlx::AnyConnection;

/// The bytes of one stored chunk: small enough to stream a file without
/// holding it, large enough that a 10 MB file is 40 rows.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// Why a file was not stored.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The customer's files would pass the quota: what they use now.
    OverQuota { used: i64 },
}

impl Store {
    /// Stores a file and its row in one commit with the request's deferred
    /// effects (its audit row), within the customer's quota (`insert_file_in`).
    pub async fn insert_file(
        &self,
        row: &AttachmentRow,
        bytes: &[u8],
        quota_bytes: i64,
        now: i64,
    ) -> StoreResult<Result<(), Refused>> {
        let mut tx = self.begin_write().await?;
        if let Err(refused) = insert_file_in(&mut tx, row, bytes, quota_bytes, now).await? {
            tx.rollback().await?;
            return Ok(Err(refused));
        }
        self.commit(tx, &[], now).await?;
        Ok(Ok(()))
    }

    /// Chunk `seq` of a file (0 first); None past its end.
    pub async fn file_chunk(&self, attachment_id: &str, seq: i64) -> StoreResult<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("SELECT bytes FROM file_chunks WHERE attachment_id = $1 AND seq = $2")
                .bind(attachment_id)
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Removes files nothing refers to (an upload never attached to a
    /// message, a proof of payment, an order's form or outcome) made before
    /// `before`; returns how many went.
    pub async fn sweep_orphan_files(&self, before: i64) -> StoreResult<u64> {
        const ORPHANS: &str = "SELECT a.id FROM attachments a
             WHERE a.created_at < $1 AND a.message_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM payment_proofs p WHERE p.attachment_id = a.id)
               AND NOT EXISTS (SELECT 1 FROM contract_documents d WHERE d.attachment_id = a.id)
               AND NOT EXISTS (SELECT 1 FROM order_items i
                               WHERE i.attachment_id = a.id OR i.form LIKE '%' || a.id || '%')";
        let mut tx = self.begin_write().await?;
        sqlx::query(&format!("DELETE FROM file_chunks WHERE attachment_id IN ({ORPHANS})"))
            .bind(before)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query(&format!("DELETE FROM attachments WHERE id IN ({ORPHANS})"))
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(gone)
    }

    /// Attachments whose bytes are not in the database yet (kept on disk
    /// by an older version).
    pub async fn files_without_chunks(&self) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM attachments a WHERE NOT EXISTS (SELECT 1 FROM file_chunks c WHERE c.attachment_id = a.id)",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores the bytes of an existing row (a file moved in from disk).
    pub async fn insert_chunks(&self, attachment_id: &str, bytes: &[u8]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        insert_chunks(&mut tx, attachment_id, bytes).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Stores a file and its row inside the caller's transaction, unless the
/// customer's files would then pass `quota_bytes` (its row is locked first,
/// so two uploads of one customer on two instances cannot both slip under).
pub(crate) async fn insert_file_in(
    conn: &mut AnyConnection,
    row: &AttachmentRow,
    bytes: &[u8],
    quota_bytes: i64,
    now: i64,
) -> StoreResult<Result<(), Refused>> {
    sqlx::query("UPDATE customers SET id = id WHERE id = $1")
        .bind(row.customer_id)
        .execute(&mut *conn)
        .await?;
    let used: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM attachments WHERE customer_id = $1",
    )
    .bind(row.customer_id)
    .fetch_one(&mut *conn)
    .await?;
    if used + row.size_bytes > quota_bytes {
        return Ok(Err(Refused::OverQuota { used }));
    }
    insert_row(conn, row, now).await?;
    insert_chunks(conn, &row.id, bytes).await?;
    Ok(Ok(()))
}

async fn insert_row(conn: &mut AnyConnection, a: &AttachmentRow, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO attachments (id, customer_id, file_name, content_type, size_bytes, sha256, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&a.id)
    .bind(a.customer_id)
    .bind(&a.file_name)
    .bind(&a.content_type)
    .bind(a.size_bytes)
    .bind(&a.sha256)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_chunks(conn: &mut AnyConnection, attachment_id: &str, bytes: &[u8]) -> StoreResult<()> {
    for (seq, chunk) in (0_i64..).zip(bytes.chunks(CHUNK_BYTES)) {
        sqlx::query("INSERT INTO file_chunks (attachment_id, seq, bytes) VALUES ($1, $2, $3)")
            .bind(attachment_id)
            .bind(seq)
            .bind(chunk.to_vec())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

//! C3: contracts' documents. A document's row and its PDF are written in
//! one transaction with the contract's change-feed entry, so every desktop
//! fetches the contract again and lists the new document.

use super::feed::Change;
use super::files::insert_file_in;
use super::requests::AttachmentRow;
use super::{date, Store, StoreResult};
use sportello_domain::api::documents::{ContractDocument, ContractDocumentKind};
use sportello_domain::api::sync::Entity;

/// A document to publish; its file is `file`.
pub struct NewDocument<'a> {
    pub customer_id: i64,
    pub contract_id: i64,
    pub kind: ContractDocumentKind,
    pub title: &'a str,
    pub issued_on: chrono::NaiveDate,
    pub file: &'a AttachmentRow,
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: i64,
    kind: String,
    title: String,
    issued_on: String,
    attachment_id: String,
    file_name: String,
    content_type: String,
    size_bytes: i64,
}

const DOCUMENT_SELECT: &str =
    "SELECT d.id, d.kind, d.title, d.issued_on, d.attachment_id, a.file_name, a.content_type, a.size_bytes
     FROM contract_documents d JOIN attachments a ON a.id = d.attachment_id";

impl DocumentRow {
    fn document(self) -> StoreResult<ContractDocument> {
        Ok(ContractDocument {
            id: self.id,
            kind: ContractDocumentKind::parse(&self.kind).unwrap_or(ContractDocumentKind::Other),
            title: self.title,
            issued_on: date(&self.issued_on)?,
            file: sportello_domain::api::requests::AttachmentInfo {
                id: self.attachment_id,
                file_name: self.file_name,
                content_type: self.content_type,
                size_bytes: self.size_bytes,
            },
        })
    }
}

impl Store {
    /// The document, its PDF and the contract's announcement, at once. The
    /// company's documents do not count against the customer's upload quota.
    pub async fn insert_document(&self, d: &NewDocument<'_>, bytes: &[u8], now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        if insert_file_in(&mut tx, d.file, bytes, i64::MAX, now).await?.is_err() {
            unreachable!("no quota applies to the company's documents");
        }
        sqlx::query(
            "INSERT INTO contract_documents (customer_id, contract_id, kind, title, issued_on, attachment_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(d.customer_id)
        .bind(d.contract_id)
        .bind(d.kind.as_str())
        .bind(d.title)
        .bind(d.issued_on.to_string())
        .bind(&d.file.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let change = Change::upsert(Some(d.customer_id), Entity::Contract, d.contract_id);
        self.commit(tx, &[change], now).await
    }

    /// A contract's documents, newest first.
    pub async fn contract_documents(&self, contract_id: i64) -> StoreResult<Vec<ContractDocument>> {
        let sql = format!("{DOCUMENT_SELECT} WHERE d.contract_id = $1 ORDER BY d.issued_on DESC, d.id DESC");
        let rows: Vec<DocumentRow> = sqlx::query_as(&sql).bind(contract_id).fetch_all(&self.pool).await?;
        rows.into_iter().map(DocumentRow::document).collect()
    }

    /// The document whose PDF is the stored file `attachment_id`.
    pub async fn document_by_file(&self, attachment_id: &str) -> StoreResult<Option<ContractDocument>> {
        let sql = format!("{DOCUMENT_SELECT} WHERE d.attachment_id = $1");
        let row: Option<DocumentRow> = sqlx::query_as(&sql)
            .bind(attachment_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(DocumentRow::document).transpose()
    }

    /// A contract's id and customer by its number and module.
    pub async fn contract_by_number(&self, no: &str, module: &str) -> StoreResult<Option<(i64, i64)>> {
        let mut conn = self.pool.acquire().await?;
        super::import::contract_by_key(&mut conn, no, module).await
    }
}

//! C3: publishing a contract's document. The company's operators (billing)
//! and its leasing system (the feed's machine account) send the PDF with its
//! contract, kind, title and date; the customer's desktops list it on the
//! contract and open it like an invoice.

use crate::accounts::bad;
use crate::attachments::{new_row, sniff};
use crate::audit::{audit_row, Origin};
use crate::store::documents::NewDocument;
use crate::store::unit::{Effect, NewNotification};
use crate::{AppState, ServerError};
use sportello_domain::api::documents::{ContractDocument, PublishDocumentQuery};
use sportello_domain::api::notifications::NotificationKind;
use sportello_domain::api::requests::MAX_ATTACHMENT_BYTES;
use sportello_domain::{ApiError, ErrorCode};

const MAX_TITLE_CHARS: usize = 120;

/// Stores the document and announces its contract, in one transaction with
/// the audit row and the customer's notice; every check comes first, so a
/// refusal writes nothing.
pub async fn publish(
    state: &AppState,
    origin: &Origin,
    q: &PublishDocumentQuery,
    bytes: &[u8],
) -> Result<ContractDocument, ServerError> {
    let title = q.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(bad("title", "length", "a title has 1 to 120 characters"));
    }
    if q.issued_on > state.clock.today() {
        return Err(bad("issued_on", "future", "a document cannot be dated after today"));
    }
    let (no, module) = q.contract.split_once('/').ok_or_else(|| {
        bad(
            "contract",
            "format",
            "write the contract as contract/module, e.g. 84963/1",
        )
    })?;
    let (contract_id, customer_id) = state
        .store
        .contract_by_number(no.trim(), module.trim())
        .await?
        .ok_or_else(|| bad("contract", "unknown", format!("no contract {}", q.contract)))?;
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge, "a document has at most 10 MB").into());
    }
    if sniff(bytes) != Some("application/pdf") {
        return Err(ApiError::new(ErrorCode::UnsupportedFileType, "a contract document is a PDF").into());
    }
    let file = new_row(customer_id, &q.name, "application/pdf", bytes);
    let target = format!("contract:{}", q.contract);
    let details = format!("{} {}", q.kind.as_str(), q.issued_on);
    let audit = audit_row(origin, "publish_document", &target, &details);
    let notice = NewNotification {
        customer_id: Some(customer_id),
        kind: NotificationKind::Document.as_str().to_owned(),
        request_id: None,
        order_id: None,
        quote_id: None,
        contract_id: Some(contract_id),
        title: format!("Nuovo documento del contratto {}", q.contract),
        body: format!(
            "È disponibile «{title}» ({}) del {}: lo trovi tra i documenti del contratto {}.",
            q.kind.label_it(),
            q.issued_on.format("%d/%m/%Y"),
            q.contract
        ),
    };
    let effects = vec![Effect::Audit(audit), Effect::Notification(Box::new(notice))];
    crate::delivery::defer(state, effects).await?;
    crate::store::unit::name_resource(&file.id);
    let document = NewDocument {
        customer_id,
        contract_id,
        kind: q.kind,
        title,
        issued_on: q.issued_on,
        file: &file,
    };
    state
        .store
        .insert_document(&document, bytes, state.clock.now_ms())
        .await?;
    published(state, &file.id).await
}

/// A published document again, by its file: the answer a replay gets.
pub async fn published(state: &AppState, file_id: &str) -> Result<ContractDocument, ServerError> {
    state
        .store
        .document_by_file(file_id)
        .await?
        .ok_or_else(|| ServerError::internal("a published document is gone"))
}

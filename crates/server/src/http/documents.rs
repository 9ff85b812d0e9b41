//! C3: the operator API that publishes a contract's document.

use super::extract::{ApiQuery, Client, IdempotencyKey, OpsCaller};
use super::idempotency::{idempotent, KeyOwner};
use super::requests::Upload;
use super::ServerError;
use crate::audit::Origin;
use crate::ops::Duty;
use crate::{documents, AppState};
use axum::extract::State;
use axum::response::Response;
use sportello_domain::api::documents::{ContractDocument, PublishDocumentQuery};
use sportello_domain::api::operations as op;
use sportello_domain::ApiError;

#[utoipa::path(post, path = op::ops::PUBLISH_DOCUMENT.path, tag = "ops", operation_id = "ops_publish_document", security(("bearer" = [])),
    params(PublishDocumentQuery, ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer: a document is published once")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The document's PDF"),
    responses((status = 201, description = "Published; the customer's desktops list it on the contract", body = ContractDocument),
              (status = 400, body = ApiError), (status = 413, body = ApiError), (status = 415, description = "not a PDF", body = ApiError),
              (status = 409, description = "the key is in flight", body = ApiError),
              (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn publish_document(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiQuery(q): ApiQuery<PublishDocumentQuery>,
    IdempotencyKey(key): IdempotencyKey,
    Upload(bytes): Upload,
) -> Result<Response, ServerError> {
    op.require(Duty::Book)?;
    let origin = Origin::operator(&op.username, client.0);
    let fingerprint = (&q, crate::attachments::upload_fingerprint(&q.name, &bytes));
    let st = &state;
    idempotent(
        &state,
        KeyOwner::Operator(op.id),
        key,
        "ops_publish_document",
        &fingerprint,
        || documents::publish(&state, &origin, &q, &bytes),
        |id: String| async move { documents::published(st, &id).await },
    )
    .await
}

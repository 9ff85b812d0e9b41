//! Self-service requests, their threads and attachments.

use super::accounts::origin;
use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Client, IdempotencyKey};
use super::idempotency::{idempotent, resource_id, KeyOwner};
use super::paging::{newest_first, newest_page};
use super::ServerError;
use crate::attachments;
use crate::limits::Scope;
use crate::requests::{self, Writer};
use crate::store::requests::{AttachmentRow, Author};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sportello_domain::api::operations as op;
use sportello_domain::api::requests::{
    AttachmentInfo, NewMessage, NewRequest, PayoffQuote, RequestDetail, RequestMessage, RequestPage, RequestType,
    SelfServiceContext,
};
use sportello_domain::api::requests::{RequestsQuery, UploadQuery};
use sportello_domain::{ApiError, ErrorCode};

/// A page of requests newest first; every customer's when `customer_id` is None (operators).
pub(super) async fn request_page(
    state: &AppState,
    customer_id: Option<i64>,
    q: RequestsQuery,
) -> Result<RequestPage, ServerError> {
    let page = newest_first(q.limit, q.cursor.as_deref(), 100)?;
    let rows = requests::list(state, customer_id, q.status, page).await?;
    let (items, next_cursor) = newest_page(rows, page, |r| (r.last_action_at, r.id));
    Ok(RequestPage { items, next_cursor })
}

#[utoipa::path(get, path = op::requests::CONTEXT.path, tag = "requests", operation_id = "self_service_context", security(("bearer" = [])),
    responses((status = 200, description = "Current address, contracts with their IBAN, default request types", body = SelfServiceContext)))]
pub(super) async fn context(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<SelfServiceContext>, ServerError> {
    Ok(Json(requests::context(&state, &who).await?))
}

#[utoipa::path(get, path = op::requests::TYPES.path, tag = "requests", operation_id = "request_types", security(("bearer" = [])),
    responses((status = 200, body = Vec<RequestType>)))]
pub(super) async fn types(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<RequestType>>, ServerError> {
    let language = state.store.user(who.user_id).await?.map_or("it".into(), |u| u.language);
    Ok(Json(requests::request_types(&language)))
}

#[utoipa::path(get, path = op::requests::PAYOFF.path, tag = "requests", operation_id = "contract_payoff", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "S4: outstanding principal today and the installments not yet due", body = PayoffQuote),
              (status = 404, body = ApiError)))]
pub(super) async fn payoff(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PayoffQuote>, ServerError> {
    Ok(Json(requests::payoff(&state, &who, id).await?))
}

#[utoipa::path(post, path = op::requests::CREATE.path, tag = "requests", operation_id = "create_request", request_body = NewRequest, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 403, description = "forbidden: a sub-user without the right it needs (fields.right)", body = ApiError),
              (status = 201, body = RequestDetail),
              (status = 400, description = "fields name the wrong input (message too_long, effective_from in_the_past, new_iban foreign_not_flagged…)", body = ApiError),
              (status = 409, description = "the same key is in flight", body = ApiError),
              (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn create(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(mut req): ApiJson<NewRequest>,
) -> Result<Response, ServerError> {
    // Out before the key's fingerprint is taken: nothing stored holds it.
    let password = req.take_current_password();
    let origin = origin(&who, &client);
    let (st, me) = (&state, &who);
    let render = |id: String| async move { requests::detail(st, resource_id(&id)?, Some(me.customer_id)).await };
    idempotent(
        &state,
        KeyOwner::User(who.user_id),
        key,
        "create_request",
        &req,
        || requests::create(&state, &who, &origin, req.clone(), password.clone()),
        render,
    )
    .await
}

#[utoipa::path(get, path = op::requests::LIST.path, tag = "requests", operation_id = "list_requests", security(("bearer" = [])), params(RequestsQuery),
    responses((status = 200, description = "By last action, newest first", body = RequestPage), (status = 400, body = ApiError)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<RequestsQuery>,
) -> Result<Json<RequestPage>, ServerError> {
    Ok(Json(request_page(&state, Some(who.customer_id), q).await?))
}

#[utoipa::path(get, path = op::requests::DETAIL.path, tag = "requests", operation_id = "request_detail", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = RequestDetail), (status = 404, body = ApiError)))]
pub(super) async fn detail(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RequestDetail>, ServerError> {
    Ok(Json(requests::detail(&state, id, Some(who.customer_id)).await?))
}

#[utoipa::path(post, path = op::requests::ADD_MESSAGE.path, tag = "requests", operation_id = "add_request_message", request_body = NewMessage,
    security(("bearer" = [])), params(("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 403, description = "forbidden: a sub-user without the right it needs (fields.right)", body = ApiError),
              (status = 201, body = RequestMessage), (status = 400, body = ApiError), (status = 404, body = ApiError),
              (status = 409, description = "the request is closed, or the key is in flight", body = ApiError)))]
pub(super) async fn add_message(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(msg): ApiJson<NewMessage>,
) -> Result<Response, ServerError> {
    requests::require_right_for(&state, &who, id).await?;
    let origin = origin(&who, &client);
    let writer = Writer {
        author: Author::Customer(who.user_id),
        customer_scope: Some(who.customer_id),
        origin: &origin,
    };
    let (st, me) = (&state, &who);
    let render = |message: String| async move {
        requests::thread_message(st, id, resource_id(&message)?, Some(me.customer_id)).await
    };
    idempotent(
        &state,
        KeyOwner::User(who.user_id),
        key,
        "add_request_message",
        &(id, &msg),
        || async {
            Ok(requests::add_message(&state, &writer, id, msg.clone(), None, None)
                .await?
                .1)
        },
        render,
    )
    .await
}

/// The body as bytes; a body over the route's limit is a 413 in our shape.
pub struct Upload(pub Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Upload {
    type Rejection = ServerError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state).await.map(Upload).map_err(|rejection| {
            let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ErrorCode::PayloadTooLarge
            } else {
                ErrorCode::BadRequest
            };
            ApiError::new(code, "an attachment has at most 10 MB").into()
        })
    }
}

#[utoipa::path(post, path = op::requests::UPLOAD.path, tag = "requests", operation_id = "upload_attachment", security(("bearer" = [])), params(UploadQuery, ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 403, description = "forbidden: a sub-user without the right it needs (fields.right)", body = ApiError),
              (status = 201, description = "Stored; quote its id in a request or message", body = AttachmentInfo),
              (status = 413, description = "payload_too_large (over 10 MB), or quota_exceeded (the customer's files would pass upload_quota_mb)", body = ApiError),
              (status = 415, description = "unsupported_file_type (not PDF, PNG or JPEG by content)", body = ApiError),
              (status = 429, description = "rate_limited: 60 uploads in 10 minutes per user", body = ApiError)))]
pub(super) async fn upload(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    IdempotencyKey(key): IdempotencyKey,
    ApiQuery(q): ApiQuery<UploadQuery>,
    Upload(bytes): Upload,
) -> Result<Response, ServerError> {
    crate::accounts::require_any(&who)?;
    super::limit(&state, Scope::Upload, "file", &format!("user:{}", who.user_id)).await?;
    let origin = origin(&who, &client);
    let fingerprint = attachments::upload_fingerprint(&q.name, &bytes);
    let st = &state;
    let render = |id: String| async move { attachments::uploaded(st, &id).await };
    let store = || attachments::upload(&state, who.customer_id, &origin, &q.name, &bytes);
    let owner = KeyOwner::User(who.user_id);
    idempotent(&state, owner, key, "upload_attachment", &fingerprint, store, render).await
}

/// Streams an attachment with its stored type, as a download, never sniffed
/// by the client, with its length and SHA-256 (`X-Content-SHA256`, hex) for
/// the client to check what it received.
pub(super) fn attachment_response(
    row: &AttachmentRow,
    chunks: impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static,
) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        row.file_name.replace(|c: char| !c.is_ascii() || c == '"', "_")
    );
    (
        [
            (CONTENT_TYPE, row.content_type.clone()),
            (CONTENT_LENGTH, row.size_bytes.to_string()),
            (CONTENT_DISPOSITION, disposition),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                axum::http::HeaderName::from_static("x-content-sha256"),
                row.sha256.clone(),
            ),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response()
}

#[utoipa::path(get, path = op::requests::DOWNLOAD.path, tag = "requests", operation_id = "download_attachment", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<u8>, content_type = "*/*", description = "The file, with the type it was stored with, streamed and re-checked against its SHA-256 (X-Content-SHA256): \
                  bytes that no longer match end the transfer short of Content-Length"), (status = 404, body = ApiError)))]
pub(super) async fn download(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ServerError> {
    let (row, chunks) = attachments::download(&state, &id, Some(who.customer_id)).await?;
    Ok(attachment_response(&row, chunks))
}

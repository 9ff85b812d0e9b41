//! The operator API under `/api/v1/ops` (O1).

use super::extract::{ApiJson, ApiPath, ApiQuery, Client, IdempotencyKey, OpsCaller};
use super::idempotency::{idempotent, idempotent_as, resource_id, KeyOwner};
use super::paging::{oldest_first, page};
use super::requests::{attachment_response, request_page, Upload};
use super::{limit, ServerError};
use crate::audit::Origin;
use crate::limits::Scope;
use crate::ops::{self, Duty, Operator};
use crate::{accounts, attachments, notifications, requests, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::DateTime;
use sportello_domain::api::operations as op;
use sportello_domain::api::ops::{
    AuditEntry, Broadcast, Decision, DeskReply, Invitation, Invited, OperatorLogin, OperatorSession, PendingItem,
    PendingPage, PublishInvoice, Published, StatusChange,
};
use sportello_domain::api::ops::{AuditQuery, ImportQuery, OpsUploadQuery, PendingQuery};
use sportello_domain::api::requests::RequestsQuery;
use sportello_domain::api::requests::{AttachmentInfo, RequestDetail, RequestMessage, RequestPage};
use sportello_domain::{ApiError, ErrorCode};

fn origin(op: &Operator, client: &Client) -> Origin {
    Origin::operator(&op.username, client.0)
}

#[utoipa::path(post, path = op::ops::LOGIN.path, tag = "ops", operation_id = "ops_login", request_body = OperatorLogin,
    responses((status = 200, body = OperatorSession),
              (status = 401, description = "invalid_credentials: wrong username, password or authenticator code, alike", body = ApiError),
              (status = 403, description = "the operator has no authenticator yet (after the right password)", body = ApiError),
              (status = 429, body = ApiError)))]
pub(super) async fn login(
    State(state): State<AppState>,
    client: Client,
    ApiJson(req): ApiJson<OperatorLogin>,
) -> Result<Json<OperatorSession>, ServerError> {
    limit(&state, Scope::LoginAddress, "client", &client.limit_key()).await?;
    limit(
        &state,
        Scope::LoginAccount,
        "username",
        &format!("ops:{}", req.username.trim()),
    )
    .await?;
    Ok(Json(
        ops::login(
            &state,
            &Origin::anonymous(client.0),
            client.0,
            &req.username,
            &req.password,
            &req.code,
        )
        .await?,
    ))
}

#[utoipa::path(post, path = op::ops::LOGOUT.path, tag = "ops", operation_id = "ops_logout", security(("bearer" = [])),
    responses((status = 204, description = "The token no longer works"), (status = 401, body = ApiError)))]
pub(super) async fn logout(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    headers: axum::http::HeaderMap,
) -> Result<StatusCode, ServerError> {
    // OpsCaller has just authenticated this very token.
    let token = super::extract::bearer_of(&headers).unwrap_or_default();
    ops::logout(&state, &op, &origin(&op, &client), token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = op::ops::DISABLE_OPERATOR.path, tag = "ops", operation_id = "ops_disable_operator",
    security(("bearer" = [])), params(("username" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 204, description = "Disabled; its tokens ended"), (status = 401, body = ApiError),
              (status = 403, description = "admins only", body = ApiError), (status = 404, body = ApiError)))]
pub(super) async fn disable_operator(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(username): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
) -> Result<Response, ServerError> {
    op.require(Duty::Admin)?;
    let origin = origin(&op, &client);
    let disable = || ops::disable_operator(&state, &origin, &username);
    no_content(&state, &op, key, "ops_disable_operator", &username, disable).await
}

/// An operator's write that answers 204, at most once per Idempotency-Key.
pub(super) async fn no_content<B, F, Fut>(
    state: &AppState,
    op: &Operator,
    key: Option<String>,
    route: &str,
    body: &B,
    write: F,
) -> Result<Response, ServerError>
where
    B: serde::Serialize,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), ServerError>>,
{
    let owner = KeyOwner::Operator(op.id);
    let done = |_: String| async { Ok(()) };
    idempotent_as(state, owner, key, route, body, StatusCode::NO_CONTENT, write, done).await
}

#[utoipa::path(post, path = op::ops::INVITE.path, tag = "ops", operation_id = "ops_invite", request_body = Invitation, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 201, body = Invited), (status = 400, body = ApiError), (status = 409, body = ApiError)))]
pub(super) async fn invite(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(req): ApiJson<Invitation>,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let origin = origin(&op, &client);
    let (st, inv) = (&state, &req);
    let render = |_: String| async move { accounts::invited(st, inv).await };
    let owner = KeyOwner::Operator(op.id);
    let invite = || accounts::invite(&state, &origin, req.clone());
    idempotent(&state, owner, key, "ops_invite", &req, invite, render).await
}

fn pending_item(r: crate::store::accounts::PendingRow) -> PendingItem {
    PendingItem {
        id: r.id,
        customer_code: r.customer_code.unwrap_or_default(),
        customer_name: r.customer_name,
        category: r.category,
        agreement_code: r.agreement_code,
        created_at: DateTime::from_timestamp_millis(r.created_at).unwrap_or_default(),
    }
}

/// A page of waiting items, oldest first, from a fetch of one more than the page.
fn pending_page(rows: Vec<crate::store::accounts::PendingRow>, limit: u32) -> PendingPage {
    let (rows, next_cursor) = page(rows, limit, |r| r.id.to_string());
    PendingPage {
        items: rows.into_iter().map(pending_item).collect(),
        next_cursor,
    }
}

#[utoipa::path(get, path = op::ops::REGISTRATIONS.path, tag = "ops", operation_id = "ops_registrations", security(("bearer" = [])), params(PendingQuery),
    responses((status = 200, description = "Registrations by category waiting for approval (id = customer), oldest first", body = PendingPage),
              (status = 400, body = ApiError)))]
pub(super) async fn registrations(
    State(state): State<AppState>,
    OpsCaller(op): OpsCaller,
    ApiQuery(q): ApiQuery<PendingQuery>,
) -> Result<Json<PendingPage>, ServerError> {
    op.require(Duty::Desk)?;
    let (after, limit) = oldest_first(q.limit, q.cursor.as_deref(), 100)?;
    let rows = state.store.pending_registrations(after, i64::from(limit) + 1).await?;
    Ok(Json(pending_page(rows, limit)))
}

#[utoipa::path(post, path = op::ops::DECIDE_REGISTRATION.path, tag = "ops", operation_id = "ops_decide_registration", request_body = Decision,
    security(("bearer" = [])), params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 204, description = "Approved (credentials e-mailed) or rejected"), (status = 404, body = ApiError)))]
pub(super) async fn decide_registration(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(d): ApiJson<Decision>,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let origin = origin(&op, &client);
    let decide = || accounts::decide_registration(&state, &origin, id, d.approve);
    no_content(&state, &op, key, "ops_decide_registration", &(id, &d), decide).await
}

#[utoipa::path(get, path = op::ops::AGREEMENT_REQUESTS.path, tag = "ops", operation_id = "ops_agreement_requests", security(("bearer" = [])), params(PendingQuery),
    responses((status = 200, description = "Requests to join an agreement waiting for a decision, oldest first", body = PendingPage),
              (status = 400, body = ApiError)))]
pub(super) async fn agreement_requests(
    State(state): State<AppState>,
    OpsCaller(op): OpsCaller,
    ApiQuery(q): ApiQuery<PendingQuery>,
) -> Result<Json<PendingPage>, ServerError> {
    op.require(Duty::Desk)?;
    let (after, limit) = oldest_first(q.limit, q.cursor.as_deref(), 100)?;
    let rows = state
        .store
        .pending_agreement_requests(after, i64::from(limit) + 1)
        .await?;
    Ok(Json(pending_page(rows, limit)))
}

#[utoipa::path(post, path = op::ops::DECIDE_AGREEMENT.path, tag = "ops", operation_id = "ops_decide_agreement", request_body = Decision,
    security(("bearer" = [])), params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 204, description = "On approval the customer joins the agreement"), (status = 404, body = ApiError)))]
pub(super) async fn decide_agreement(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(d): ApiJson<Decision>,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let origin = origin(&op, &client);
    let decide = || accounts::decide_agreement(&state, &origin, id, d.approve);
    no_content(&state, &op, key, "ops_decide_agreement", &(id, &d), decide).await
}

#[utoipa::path(get, path = op::ops::LIST_REQUESTS.path, tag = "ops", operation_id = "ops_list_requests", security(("bearer" = [])), params(RequestsQuery),
    responses((status = 200, description = "Every customer's requests by last action, newest first", body = RequestPage),
              (status = 400, body = ApiError)))]
pub(super) async fn list_requests(
    State(state): State<AppState>,
    OpsCaller(op): OpsCaller,
    ApiQuery(q): ApiQuery<RequestsQuery>,
) -> Result<Json<RequestPage>, ServerError> {
    op.require(Duty::Desk)?;
    Ok(Json(request_page(&state, None, q).await?))
}

#[utoipa::path(get, path = op::ops::REQUEST_DETAIL.path, tag = "ops", operation_id = "ops_request_detail", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = RequestDetail), (status = 404, body = ApiError)))]
pub(super) async fn request_detail(
    State(state): State<AppState>,
    OpsCaller(op): OpsCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RequestDetail>, ServerError> {
    op.require(Duty::Desk)?;
    Ok(Json(requests::detail(&state, id, None).await?))
}

#[utoipa::path(post, path = op::ops::REPLY.path, tag = "ops", operation_id = "ops_reply", request_body = DeskReply,
    security(("bearer" = [])), params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 201, description = "Added; the customer is notified", body = RequestMessage),
              (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError),
              (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn reply(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(r): ApiJson<DeskReply>,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let origin = origin(&op, &client);
    let st = &state;
    let render = |message: String| async move { requests::thread_message(st, id, resource_id(&message)?, None).await };
    idempotent(
        &state,
        KeyOwner::Operator(op.id),
        key,
        "ops_reply",
        &(id, &r),
        || ops::reply(&state, &op, &origin, id, r.clone()),
        render,
    )
    .await
}

#[utoipa::path(post, path = op::ops::SET_STATUS.path, tag = "ops", operation_id = "ops_set_status", request_body = StatusChange,
    security(("bearer" = [])), params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 204, description = "Changed; the customer is notified"), (status = 404, body = ApiError)))]
pub(super) async fn set_status(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(s): ApiJson<StatusChange>,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let origin = origin(&op, &client);
    let change = || ops::set_status(&state, &origin, id, s.status);
    no_content(&state, &op, key, "ops_set_status", &(id, &s), change).await
}

#[utoipa::path(post, path = op::ops::UPLOAD.path, tag = "ops", operation_id = "ops_upload_attachment", security(("bearer" = [])), params(OpsUploadQuery, ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentInfo), (status = 404, description = "no such request", body = ApiError),
              (status = 413, body = ApiError), (status = 415, body = ApiError),
              (status = 429, description = "rate_limited: 60 uploads in 10 minutes per user", body = ApiError)))]
pub(super) async fn upload(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiQuery(q): ApiQuery<OpsUploadQuery>,
    IdempotencyKey(key): IdempotencyKey,
    Upload(bytes): Upload,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    limit(&state, Scope::Upload, "file", &format!("operator:{}", op.id)).await?;
    let request = state
        .store
        .request(q.request_id, None)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such request"))?;
    let origin = origin(&op, &client);
    let fingerprint = (q.request_id, attachments::upload_fingerprint(&q.name, &bytes));
    let st = &state;
    let render = |id: String| async move { attachments::uploaded(st, &id).await };
    let store = || attachments::upload(&state, request.customer_id, &origin, &q.name, &bytes);
    let owner = KeyOwner::Operator(op.id);
    idempotent(&state, owner, key, "ops_upload_attachment", &fingerprint, store, render).await
}

#[utoipa::path(get, path = op::ops::DOWNLOAD.path, tag = "ops", operation_id = "ops_download_attachment", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<u8>, content_type = "*/*", description = "The file, with the type it was stored with"),
              (status = 404, body = ApiError)))]
pub(super) async fn download(
    State(state): State<AppState>,
    OpsCaller(op): OpsCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let (row, chunks) = attachments::download(&state, &id, None).await?;
    Ok(attachment_response(&row, chunks))
}

#[utoipa::path(post, path = op::ops::BROADCAST.path, tag = "ops", operation_id = "ops_broadcast", request_body = Broadcast, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer: a message is broadcast once")),
    responses((status = 201, description = "The notification's id", body = i64, content_type = "application/json"), (status = 400, body = ApiError),
              (status = 409, description = "the key is in flight", body = ApiError),
              (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn broadcast(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(b): ApiJson<Broadcast>,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let origin = origin(&op, &client);
    idempotent(
        &state,
        KeyOwner::Operator(op.id),
        key,
        "ops_broadcast",
        &b,
        || notifications::broadcast(&state, &origin, &b.title, &b.body),
        |id: String| async move { resource_id(&id) },
    )
    .await
}

#[utoipa::path(post, path = op::ops::PUBLISH_INVOICE.path, tag = "ops", operation_id = "ops_publish_invoice", request_body = PublishInvoice, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer: a document is issued once")),
    responses((status = 201, description = "Issued; the customer is e-mailed", body = Published), (status = 400, body = ApiError),
              (status = 409, description = "the key is in flight", body = ApiError),
              (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn publish_invoice(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(p): ApiJson<PublishInvoice>,
) -> Result<Response, ServerError> {
    op.require(Duty::Billing)?;
    let origin = origin(&op, &client);
    let st = &state;
    idempotent(
        &state,
        KeyOwner::Operator(op.id),
        key,
        "ops_publish_invoice",
        &p,
        || ops::publish_invoice(&state, &origin, p.clone()),
        |id: String| async move { ops::published(st, resource_id(&id)?).await },
    )
    .await
}

#[utoipa::path(post, path = op::ops::IMPORT_BOOK.path, tag = "ops", operation_id = "ops_import_book", security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = String, content_type = "text/plain", description = "A JSON Lines or CSV feed file (see the README)"),
    responses((status = 200, description = "Applied whole (or checked, with dry_run)", body = sportello_domain::api::ops::ImportReport),
              (status = 400, description = "Refused whole: `fields` maps \"file:line:field\" to the reason; nothing was applied", body = ApiError),
              (status = 403, description = "roles billing, feed or admin only", body = ApiError)))]
pub(super) async fn import_book(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<sportello_domain::api::ops::ImportReport>, ServerError> {
    use crate::book::files::Format;
    op.require(Duty::Book)?;
    let bad = |field: &str, why: &str| -> ServerError {
        let mut e = ApiError::new(sportello_domain::ErrorCode::BadRequest, why.to_owned());
        e.fields = Some([(field.to_owned(), why.to_owned())].into());
        e.into()
    };
    let file = q.file.trim();
    if file.is_empty() || file.chars().count() > 200 {
        return Err(bad("file", "a file name of 1 to 200 characters"));
    }
    let format = match q.format.as_deref() {
        Some(f) => Format::parse(f).ok_or_else(|| bad("format", "jsonl or csv"))?,
        None => Format::of(file),
    };
    let text = std::str::from_utf8(&body).map_err(|_| bad("body", "the file is not UTF-8 text"))?;
    let report = crate::book::import(
        &state,
        &origin(&op, &client),
        file,
        text,
        format,
        q.dry_run.unwrap_or(false),
    )
    .await?;
    Ok(Json(report))
}

#[utoipa::path(get, path = op::ops::AUDIT.path, tag = "ops", operation_id = "ops_audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "Oldest first after after_id", body = Vec<AuditEntry>),
              (status = 403, description = "admins only", body = ApiError)))]
pub(super) async fn audit(
    State(state): State<AppState>,
    OpsCaller(op): OpsCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ServerError> {
    op.require(Duty::Admin)?;
    Ok(Json(
        ops::audit_log(&state, q.after_id.unwrap_or(0), q.limit.unwrap_or(200)).await?,
    ))
}

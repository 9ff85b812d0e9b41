//! Buying services (E1–E10): the customer's side under `/api/v1/shop`, the
//! operators' under `/api/v1/ops`.

use super::accounts::origin;
use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Client, IdempotencyKey, OpsCaller};
use super::idempotency::{idempotent, idempotent_as, resource_id, KeyOwner};
use super::paging::{newest_first, newest_page};
use super::requests::Upload;
use super::ServerError;
use crate::audit::Origin;
use crate::ops::{Duty, Operator};
use crate::{shop, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use sportello_domain::api::accounts::Right;
use sportello_domain::api::operations as op;
use sportello_domain::api::requests::UploadQuery;
use sportello_domain::api::shop::{
    AcceptQuote, Catalogue, JoinAgreement, NewOrder, NewPaymentProof, NewQuote, Order, OrderPage, PaymentProof,
    ProofPage, Quote, QuotePage, QuotePrice, Wallet,
};
use sportello_domain::api::shop::{OrdersQuery, ProofsQuery, QuotesQuery};
use sportello_domain::shop::layout::RecordLayout;
use sportello_domain::ApiError;
use std::collections::BTreeMap;

/// The rows of a page when the query names no limit.
const PAGE: u32 = 50;

fn ops_origin(op: &Operator, client: &Client) -> Origin {
    Origin::operator(&op.username, client.0)
}

#[utoipa::path(get, path = op::shop::CATALOGUE.path, tag = "shop", operation_id = "shop_catalogue", security(("bearer" = [])),
    responses((status = 200, description = "Categories and services at the prices of the customer's list (E1, E7)", body = Catalogue)))]
pub(super) async fn catalogue(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Catalogue>, ServerError> {
    Ok(Json(shop::catalogue(&state, &who).await?))
}

#[utoipa::path(post, path = op::shop::JOIN_AGREEMENT.path, tag = "shop", operation_id = "shop_join_agreement", request_body = JoinAgreement, security(("bearer" = [])),
    responses((status = 403, description = "forbidden: a sub-user without the right it needs (fields.right)", body = ApiError),
              (status = 204, description = "Asked; an operator decides"), (status = 400, body = ApiError),
              (status = 409, description = "already a member, or already asked", body = ApiError)))]
pub(super) async fn join_agreement(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiJson(req): ApiJson<JoinAgreement>,
) -> Result<StatusCode, ServerError> {
    crate::accounts::require(&who, Right::Shop)?;
    shop::join_agreement(&state, &who, &origin(&who, &client), &req.agreement_code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = op::shop::WALLET.path, tag = "shop", operation_id = "shop_wallet", security(("bearer" = [])),
    responses((status = 200, description = "Payment methods, prepaid credit, advance balance, proofs, billing data (E3, E8)", body = Wallet)))]
pub(super) async fn wallet(State(state): State<AppState>, Caller(who): Caller) -> Result<Json<Wallet>, ServerError> {
    Ok(Json(shop::wallet(&state, who.customer_id).await?))
}

#[utoipa::path(post, path = op::shop::SUBMIT_PROOF.path, tag = "shop", operation_id = "shop_submit_proof", request_body = NewPaymentProof, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 403, description = "forbidden: a sub-user without the right it needs (fields.right)", body = ApiError),
              (status = 201, body = PaymentProof), (status = 400, body = ApiError)))]
pub(super) async fn submit_proof(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(req): ApiJson<NewPaymentProof>,
) -> Result<Response, ServerError> {
    crate::accounts::require(&who, Right::Shop)?;
    let origin = origin(&who, &client);
    let (st, me) = (&state, &who);
    let render = |id: String| async move { shop::proof_of(st, resource_id(&id)?, me.customer_id).await };
    idempotent(
        &state,
        KeyOwner::User(who.user_id),
        key,
        "shop_submit_proof",
        &req,
        || shop::submit_proof(&state, &who, &origin, req.clone()),
        render,
    )
    .await
}

#[utoipa::path(post, path = op::shop::PLACE_ORDER.path, tag = "shop", operation_id = "shop_place_order", request_body = NewOrder, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer: an order is placed once")),
    responses((status = 403, description = "forbidden: a sub-user without the right it needs (fields.right)", body = ApiError),
              (status = 201, body = Order),
              (status = 400, description = "fields name the wrong input (items[0].form.<key>, billing.<field>, payment_method not_allowed…)", body = ApiError),
              (status = 402, description = "insufficient_credit or payment_not_proven", body = ApiError),
              (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn place_order(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(req): ApiJson<NewOrder>,
) -> Result<Response, ServerError> {
    crate::accounts::require(&who, Right::Shop)?;
    let origin = origin(&who, &client);
    let (st, me) = (&state, &who);
    let render = |id: String| async move { shop::order(st, resource_id(&id)?, Some(me.customer_id)).await };
    idempotent(
        &state,
        KeyOwner::User(who.user_id),
        key,
        "shop_place_order",
        &req,
        || shop::place_order(&state, &who, &origin, req.clone()),
        render,
    )
    .await
}

#[utoipa::path(get, path = op::shop::ORDERS.path, tag = "shop", operation_id = "shop_orders", security(("bearer" = [])), params(OrdersQuery),
    responses((status = 200, description = "My orders by last change, newest first, with each item's outcome (E5)", body = OrderPage),
              (status = 400, body = ApiError)))]
pub(super) async fn orders(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> Result<Json<OrderPage>, ServerError> {
    Ok(Json(order_page(&state, Some(who.customer_id), q).await?))
}

async fn order_page(state: &AppState, customer_id: Option<i64>, q: OrdersQuery) -> Result<OrderPage, ServerError> {
    let page = newest_first(q.limit, q.cursor.as_deref(), PAGE)?;
    let rows = shop::orders(state, customer_id, q.status, page).await?;
    let (items, next_cursor) = newest_page(rows, page, |o| (o.updated_at, o.id));
    Ok(OrderPage { items, next_cursor })
}

#[utoipa::path(get, path = op::shop::ORDER.path, tag = "shop", operation_id = "shop_order", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Order), (status = 404, body = ApiError)))]
pub(super) async fn order(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Order>, ServerError> {
    Ok(Json(shop::order(&state, id, Some(who.customer_id)).await?))
}

#[utoipa::path(post, path = op::shop::REQUEST_QUOTE.path, tag = "shop", operation_id = "shop_request_quote", request_body = NewQuote, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 403, description = "forbidden: a sub-user without the right it needs (fields.right)", body = ApiError),
              (status = 201, body = Quote), (status = 400, body = ApiError)))]
pub(super) async fn request_quote(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(req): ApiJson<NewQuote>,
) -> Result<Response, ServerError> {
    crate::accounts::require(&who, Right::Shop)?;
    let origin = origin(&who, &client);
    let (st, me) = (&state, &who);
    let render = |id: String| async move { shop::quote(st, resource_id(&id)?, Some(me.customer_id)).await };
    idempotent(
        &state,
        KeyOwner::User(who.user_id),
        key,
        "shop_request_quote",
        &req,
        || shop::request_quote(&state, &who, &origin, req.clone()),
        render,
    )
    .await
}

#[utoipa::path(get, path = op::shop::QUOTES.path, tag = "shop", operation_id = "shop_quotes", security(("bearer" = [])), params(QuotesQuery),
    responses((status = 200, description = "My quotes by last change, newest first (E4); a priced quote past its validity reads expired", body = QuotePage),
              (status = 400, body = ApiError)))]
pub(super) async fn quotes(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<QuotesQuery>,
) -> Result<Json<QuotePage>, ServerError> {
    Ok(Json(quote_page(&state, Some(who.customer_id), q).await?))
}

async fn quote_page(state: &AppState, customer_id: Option<i64>, q: QuotesQuery) -> Result<QuotePage, ServerError> {
    let page = newest_first(q.limit, q.cursor.as_deref(), PAGE)?;
    let rows = shop::quotes(state, customer_id, q.status, page).await?;
    let (items, next_cursor) = newest_page(rows, page, |q| (q.updated_at, q.id));
    Ok(QuotePage { items, next_cursor })
}

#[utoipa::path(get, path = op::shop::QUOTE.path, tag = "shop", operation_id = "shop_quote", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Quote), (status = 404, body = ApiError)))]
pub(super) async fn quote(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Quote>, ServerError> {
    Ok(Json(shop::quote(&state, id, Some(who.customer_id)).await?))
}

#[utoipa::path(post, path = op::shop::ACCEPT_QUOTE.path, tag = "shop", operation_id = "shop_accept_quote", request_body = AcceptQuote, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 404, description = "no such quote of the customer's", body = ApiError), (status = 403, description = "forbidden: a sub-user without the right it needs (fields.right)", body = ApiError),
              (status = 201, description = "The order the quote became", body = Order),
              (status = 402, body = ApiError), (status = 409, description = "not priced, or decided already", body = ApiError),
              (status = 410, description = "quote_expired", body = ApiError)))]
pub(super) async fn accept_quote(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    IdempotencyKey(key): IdempotencyKey,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AcceptQuote>,
) -> Result<Response, ServerError> {
    crate::accounts::require(&who, Right::Shop)?;
    let origin = origin(&who, &client);
    let (st, me) = (&state, &who);
    let render = |order: String| async move { shop::order(st, resource_id(&order)?, Some(me.customer_id)).await };
    idempotent(
        &state,
        KeyOwner::User(who.user_id),
        key,
        "shop_accept_quote",
        &(id, &req),
        || shop::accept_quote(&state, &who, &origin, id, req.clone()),
        render,
    )
    .await
}

#[utoipa::path(post, path = op::shop::DECLINE_QUOTE.path, tag = "shop", operation_id = "shop_decline_quote", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 404, description = "no such quote of the customer's", body = ApiError), (status = 403, description = "forbidden: a sub-user without the right it needs (fields.right)", body = ApiError),
              (status = 200, body = Quote), (status = 409, body = ApiError), (status = 410, body = ApiError)))]
pub(super) async fn decline_quote(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Quote>, ServerError> {
    crate::accounts::require(&who, Right::Shop)?;
    Ok(Json(
        shop::decline_quote(&state, &who, &origin(&who, &client), id).await?,
    ))
}

#[utoipa::path(get, path = op::shop::OPS_ORDERS.path, tag = "ops", operation_id = "ops_orders", security(("bearer" = [])), params(OrdersQuery),
    responses((status = 200, description = "Every customer's orders by last change, newest first", body = OrderPage),
              (status = 400, body = ApiError)))]
pub(super) async fn ops_orders(
    State(state): State<AppState>,
    OpsCaller(op): OpsCaller,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> Result<Json<OrderPage>, ServerError> {
    op.require(Duty::Desk)?;
    Ok(Json(order_page(&state, None, q).await?))
}

#[utoipa::path(post, path = op::shop::FULFIL_PDF.path, tag = "ops", operation_id = "ops_fulfil_pdf", security(("bearer" = [])),
    params(("id" = i64, Path), UploadQuery, ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")), request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, description = "Fulfilled: the order with the outcome; the invoice is issued unless paid by prepaid credit", body = Order),
              (status = 409, body = ApiError), (status = 415, body = ApiError)))]
pub(super) async fn fulfil_pdf(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    IdempotencyKey(key): IdempotencyKey,
    Upload(bytes): Upload,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let origin = ops_origin(&op, &client);
    let delivery = shop::Delivery::Pdf {
        name: &q.name,
        bytes: &bytes,
    };
    let body = (id, &q.name, crate::secrets::sha256_hex_bytes(&bytes));
    let fulfil = || shop::fulfil(&state, &origin, id, delivery);
    let st = &state;
    let render = |_: String| async move { shop::order_of_item(st, id).await };
    idempotent_as(
        &state,
        KeyOwner::Operator(op.id),
        key,
        "ops_fulfil_pdf",
        &body,
        StatusCode::OK,
        fulfil,
        render,
    )
    .await
}

#[utoipa::path(post, path = op::shop::FULFIL_RECORD.path, tag = "ops", operation_id = "ops_fulfil_record", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")), request_body = BTreeMap<String, String>,
    responses((status = 200, description = "Fulfilled with a file in the customer's record layout", body = Order),
              (status = 400, description = "no_layout, or a value that does not fit", body = ApiError), (status = 409, body = ApiError)))]
pub(super) async fn fulfil_record(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(values): ApiJson<BTreeMap<String, String>>,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let origin = ops_origin(&op, &client);
    let fulfil = || shop::fulfil(&state, &origin, id, shop::Delivery::Record(&values));
    let st = &state;
    let render = |_: String| async move { shop::order_of_item(st, id).await };
    let body = (id, &values);
    idempotent_as(
        &state,
        KeyOwner::Operator(op.id),
        key,
        "ops_fulfil_record",
        &body,
        StatusCode::OK,
        fulfil,
        render,
    )
    .await
}

#[utoipa::path(get, path = op::shop::OPS_QUOTES.path, tag = "ops", operation_id = "ops_quotes", security(("bearer" = [])), params(QuotesQuery),
    responses((status = 200, description = "Every customer's quotes by last change, newest first", body = QuotePage),
              (status = 400, body = ApiError)))]
pub(super) async fn ops_quotes(
    State(state): State<AppState>,
    OpsCaller(op): OpsCaller,
    ApiQuery(q): ApiQuery<QuotesQuery>,
) -> Result<Json<QuotePage>, ServerError> {
    op.require(Duty::Desk)?;
    Ok(Json(quote_page(&state, None, q).await?))
}

#[utoipa::path(post, path = op::shop::PRICE_QUOTE.path, tag = "ops", operation_id = "ops_price_quote", request_body = QuotePrice, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 200, description = "Priced; the customer is e-mailed and notified", body = Quote),
              (status = 400, body = ApiError), (status = 409, body = ApiError)))]
pub(super) async fn price_quote(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(req): ApiJson<QuotePrice>,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let origin = ops_origin(&op, &client);
    let price = || shop::price_quote(&state, &origin, id, req.clone());
    let st = &state;
    let render = |_: String| async move { shop::quote(st, id, None).await };
    let body = (id, &req);
    idempotent_as(
        &state,
        KeyOwner::Operator(op.id),
        key,
        "ops_price_quote",
        &body,
        StatusCode::OK,
        price,
        render,
    )
    .await
}

#[utoipa::path(get, path = op::shop::OPS_PROOFS.path, tag = "ops", operation_id = "ops_payment_proofs", security(("bearer" = [])), params(ProofsQuery),
    responses((status = 200, description = "Every customer's proofs, newest first", body = ProofPage),
              (status = 400, body = ApiError)))]
pub(super) async fn ops_proofs(
    State(state): State<AppState>,
    OpsCaller(op): OpsCaller,
    ApiQuery(q): ApiQuery<ProofsQuery>,
) -> Result<Json<ProofPage>, ServerError> {
    op.require(Duty::Billing)?;
    let page = newest_first(q.limit, q.cursor.as_deref(), PAGE)?;
    let rows = shop::proofs(&state, q.status, page).await?;
    let (items, next_cursor) = newest_page(rows, page, |p| (p.created_at, p.id));
    Ok(Json(ProofPage { items, next_cursor }))
}

#[utoipa::path(post, path = op::shop::DECIDE_PROOF.path, tag = "ops", operation_id = "ops_decide_proof", request_body = sportello_domain::api::ops::Decision, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 200, description = "Decided; a confirmed top-up adds the credit and issues its invoice", body = PaymentProof),
              (status = 409, body = ApiError)))]
pub(super) async fn decide_proof(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(req): ApiJson<sportello_domain::api::ops::Decision>,
) -> Result<Response, ServerError> {
    op.require(Duty::Billing)?;
    let origin = ops_origin(&op, &client);
    let decide = || shop::decide_proof(&state, &origin, id, req.approve);
    let st = &state;
    let render = |_: String| async move { shop::proof_by_id(st, id).await };
    let body = (id, &req);
    idempotent_as(
        &state,
        KeyOwner::Operator(op.id),
        key,
        "ops_decide_proof",
        &body,
        StatusCode::OK,
        decide,
        render,
    )
    .await
}

#[utoipa::path(put, path = op::shop::SET_LAYOUT.path, tag = "ops", operation_id = "ops_set_record_layout", request_body = RecordLayout, security(("bearer" = [])),
    params(("code" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 204), (status = 400, description = "fields overlap, overflow the record…", body = ApiError), (status = 404, body = ApiError)))]
pub(super) async fn set_layout(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(code): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(layout): ApiJson<RecordLayout>,
) -> Result<Response, ServerError> {
    op.require(Duty::Desk)?;
    let origin = ops_origin(&op, &client);
    let set = || shop::set_layout(&state, &origin, &code, &layout);
    super::ops::no_content(&state, &op, key, "ops_set_record_layout", &(&code, &layout), set).await
}

use super::extract::{AnyCaller, ApiJson, Caller, Client};
use super::{limit, ServerError};
use crate::limits::Scope;
use crate::{auth, AppState};
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use sportello_domain::api::auth::{LoginChallenge, LoginRequest, Me, RefreshRequest, TokenPair, VerifyCodeRequest};
use sportello_domain::api::home::Home;
use sportello_domain::situation::Situation;
use sportello_domain::{ApiError, ErrorCode};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

/// Uploads may be up to 10 MB; one byte more tells "too large" from "exactly the limit".
fn upload_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(sportello_domain::api::requests::MAX_ATTACHMENT_BYTES + 1)
}

fn ops_router() -> Router<AppState> {
    use super::ops;
    Router::new()
        .route("/login", post(ops::login))
        .route("/logout", post(ops::logout))
        .route("/operators/{username}/disable", post(ops::disable_operator))
        .route("/invitations", post(ops::invite))
        .route("/registrations", get(ops::registrations))
        .route("/registrations/{id}/decision", post(ops::decide_registration))
        .route("/agreement-requests", get(ops::agreement_requests))
        .route("/agreement-requests/{id}/decision", post(ops::decide_agreement))
        .route("/requests", get(ops::list_requests))
        .route("/requests/{id}", get(ops::request_detail))
        .route("/requests/{id}/replies", post(ops::reply))
        .route("/requests/{id}/status", post(ops::set_status))
        .route("/attachments", post(ops::upload).layer(upload_limit()))
        .route("/attachments/{id}", get(ops::download))
        .route("/broadcasts", post(ops::broadcast))
        .route("/invoices", post(ops::publish_invoice))
        .route(
            "/book/import",
            post(ops::import_book).layer(DefaultBodyLimit::max(crate::book::MAX_FILE_BYTES)),
        )
        .route("/audit", get(ops::audit))
        .route("/orders", get(super::shop::ops_orders))
        .route(
            "/order-items/{id}/pdf",
            post(super::shop::fulfil_pdf).layer(upload_limit()),
        )
        .route("/order-items/{id}/record", post(super::shop::fulfil_record))
        .route("/quotes", get(super::shop::ops_quotes))
        .route("/quotes/{id}/price", post(super::shop::price_quote))
        .route("/payment-proofs", get(super::shop::ops_proofs))
        .route("/payment-proofs/{id}/decision", post(super::shop::decide_proof))
        .route("/customers/{code}/record-layout", put(super::shop::set_layout))
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/auth/login", post(login))
        .route("/auth/verify", post(verify))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/auth/register", post(super::accounts::register))
        .route(
            "/auth/register-by-category",
            post(super::accounts::register_by_category),
        )
        .route("/auth/recover", post(super::accounts::recover))
        .route("/auth/password-reset", post(super::accounts::request_reset))
        .route("/auth/password-reset/complete", post(super::accounts::complete_reset))
        .route("/me", get(me))
        .route("/me/password", post(super::accounts::change_password))
        .route("/me/authenticator", get(super::authenticator::status))
        .route("/me/authenticator/setup", post(super::authenticator::setup))
        .route("/me/authenticator/enable", post(super::authenticator::enable))
        .route("/me/authenticator/disable", post(super::authenticator::disable))
        .route(
            "/me/authenticator/recovery-codes",
            post(super::authenticator::renew_codes),
        )
        .route("/me/sessions", get(super::accounts::list_sessions))
        .route("/me/sessions/end-all", post(super::accounts::end_all_sessions))
        .route("/me/sessions/{id}", delete(super::accounts::end_session))
        .route(
            "/profile",
            get(super::accounts::profile).patch(super::accounts::update_profile),
        )
        .route(
            "/profile/privacy",
            get(super::accounts::privacy).put(super::accounts::decide_consent),
        )
        .route("/profile/email", post(super::accounts::start_email_change))
        .route("/profile/email/confirm", post(super::accounts::confirm_email_change))
        .route(
            "/sub-users",
            get(super::accounts::list_sub_users).post(super::accounts::create_sub_user),
        )
        .route(
            "/sub-users/{username}",
            put(super::accounts::update_sub_user).delete(super::accounts::delete_sub_user),
        )
        .route("/self-service", get(super::requests::context))
        .route("/requests/types", get(super::requests::types))
        .route("/contracts/{id}/payoff", get(super::requests::payoff))
        .route("/requests", get(super::requests::list).post(super::requests::create))
        .route("/requests/{id}", get(super::requests::detail))
        .route("/requests/{id}/messages", post(super::requests::add_message))
        .route("/attachments", post(super::requests::upload).layer(upload_limit()))
        .route("/attachments/{id}", get(super::requests::download))
        .route("/notifications", get(super::notifications::list))
        .route("/notifications/read-all", post(super::notifications::mark_all_read))
        .route("/notifications/{id}/read", post(super::notifications::mark_read))
        .route("/changes", get(super::notifications::changes))
        .route("/sync/summary", get(super::notifications::summary))
        .route("/invoices/{id}", get(super::invoices::item))
        .route("/events", get(super::notifications::events))
        .nest("/ops", ops_router())
        .route("/shop/catalogue", get(super::shop::catalogue))
        .route("/shop/agreements", post(super::shop::join_agreement))
        .route("/shop/wallet", get(super::shop::wallet))
        .route("/shop/payment-proofs", post(super::shop::submit_proof))
        .route("/shop/orders", get(super::shop::orders).post(super::shop::place_order))
        .route("/shop/orders/{id}", get(super::shop::order))
        .route(
            "/shop/quotes",
            get(super::shop::quotes).post(super::shop::request_quote),
        )
        .route("/shop/quotes/{id}", get(super::shop::quote))
        .route("/shop/quotes/{id}/accept", post(super::shop::accept_quote))
        .route("/shop/quotes/{id}/decline", post(super::shop::decline_quote))
        .route("/home", get(home))
        .route("/contracts", get(super::contracts::list))
        .route("/contracts/{id}", get(super::contracts::detail))
        .route("/contracts/{id}/plan", get(super::contracts::plan))
        .route("/schedule", get(super::schedule::list))
        .route("/schedule/{id}", get(super::schedule::item))
        .route("/assets", get(super::assets::list))
        .route("/assets/{id}", get(super::assets::item))
        .route("/invoices", get(super::invoices::list))
        .route("/invoices/{id}/pdf", get(super::invoices::pdf))
        .route("/invoices/{id}/xml", get(super::invoices::xml))
        .route(
            "/openapi.json",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    super::openapi::document_json(),
                )
            }),
        );
    let router = Router::new()
        .nest("/api/v1", api)
        .fallback(|| async { ServerError::from(ApiError::new(ErrorCode::NotFound, "no such endpoint")) })
        .layer(axum::middleware::from_fn(in_unit));
    // Logs method, path and status only: bodies and headers carry secrets.
    harden(router, REQUEST_TIMEOUT)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Bounds every request: a deadline (`deadline`; event streams and book
/// imports aside), a body that stays silent too long is dropped, and a
/// handler that panics answers a logged 500 while the server goes on.
pub fn harden<S: Clone + Send + Sync + 'static>(router: Router<S>, deadline: std::time::Duration) -> Router<S> {
    router
        .layer(axum::middleware::from_fn_with_state(deadline, within_deadline))
        .layer(RequestBodyTimeoutLayer::new(BODY_IDLE_TIMEOUT))
        .layer(CatchPanicLayer::custom(panic_response))
}

/// How long a request may take, event streams and book imports aside.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// How long a request body may stay silent before the request is dropped.
const BODY_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Event streams last as long as the desktop is open; a book import of a
/// whole nightly file takes minutes. Every other request has a deadline.
fn has_deadline(path: &str) -> bool {
    !(path.ends_with("/events") || path.starts_with("/api/v1/ops/book/"))
}

async fn within_deadline(
    State(deadline): State<std::time::Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !has_deadline(request.uri().path()) {
        return next.run(request).await;
    }
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("a request ran past its deadline and was stopped");
            ServerError::from(ApiError::new(
                ErrorCode::ServerUnreachable,
                "the server took too long to answer: try again",
            ))
            .into_response()
        }
    }
}

/// A handler that panics answers a logged 500 in the one error shape; the
/// server and its other requests go on.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "a request handler panicked");
    let error = ApiError::new(ErrorCode::Internal, "internal error");
    (StatusCode::INTERNAL_SERVER_ERROR, Json(error)).into_response()
}

/// Every request is one unit (`store::unit`): the audit rows and e-mails it
/// defers commit with its change.
async fn in_unit(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let (response, unit) = crate::store::unit::scope(None, next.run(request)).await;
    if unit.left_over() > 0 && response.status().is_success() {
        tracing::error!("a request deferred effects that no commit wrote");
    }
    response
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "A 6-digit code was e-mailed", body = LoginChallenge),
              (status = 400, body = ApiError),
              (status = 401, description = "invalid_credentials, for an unknown username as for a wrong password", body = ApiError),
              (status = 429, description = "rate_limited, with Retry-After: too many requests, or too many wrong passwords \
                  for this username (known or not) or this address; the pause lifts by itself", body = ApiError)))]
pub(super) async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginChallenge>, ServerError> {
    limit(
        &state,
        Scope::LoginAddress,
        "client",
        &crate::netaddr::limit_key(client),
    )
    .await?;
    limit(&state, Scope::LoginAccount, "username", req.username.trim()).await?;
    Ok(Json(auth::login(&state, req, client).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/verify", tag = "auth", request_body = VerifyCodeRequest,
    responses((status = 200, description = "Logged in", body = TokenPair), (status = 400, body = ApiError),
              (status = 401, description = "invalid_code or code_expired", body = ApiError),
              (status = 403, description = "too_many_attempts", body = ApiError),
              (status = 429, description = "rate_limited, with Retry-After", body = ApiError)))]
pub(super) async fn verify(
    State(state): State<AppState>,
    Client(client): Client,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<VerifyCodeRequest>,
) -> Result<Json<TokenPair>, ServerError> {
    limit(
        &state,
        Scope::VerifyAddress,
        "client",
        &crate::netaddr::limit_key(client),
    )
    .await?;
    // The device's name may be any UTF-8 ("PC-Città"), which `to_str` refuses.
    let header = |name| headers.get(name).and_then(|v| std::str::from_utf8(v.as_bytes()).ok());
    let device = crate::sessions::device_name(
        header(sportello_domain::api::auth::DEVICE_HEADER),
        header(axum::http::header::USER_AGENT.as_str()),
    );
    Ok(Json(auth::verify_code(&state, req, client, &device).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, description = "A new token pair; the old refresh token is spent", body = TokenPair),
              (status = 401, description = "session_expired (reuse revokes the session)", body = ApiError)))]
pub(super) async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, ServerError> {
    Ok(Json(auth::refresh(&state, &req.refresh_token).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "The session is ended")))]
pub(super) async fn logout(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ServerError> {
    auth::logout(&state, &req.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "unauthorized", body = ApiError)))]
/// Answers on a temporary password too: the app learns from it that a new password is due.
pub(super) async fn me(State(state): State<AppState>, AnyCaller(caller): AnyCaller) -> Result<Json<Me>, ServerError> {
    Ok(Json(load_me(&state, caller.user_id).await?))
}

async fn load_me(state: &AppState, user_id: i64) -> Result<Me, ServerError> {
    state
        .store
        .me(user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "the user no longer exists").into())
}

#[utoipa::path(get, path = "/api/v1/home", tag = "home", security(("bearer" = [])),
    responses((status = 200, description = "H1 and H2", body = Home), (status = 401, description = "unauthorized", body = ApiError)))]
/// H1 and H2, computed from the customer's book as of today in Italy.
pub(super) async fn home(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Home>, ServerError> {
    let me = load_me(&state, caller.user_id).await?;
    let lines = state.store.active_schedule(caller.customer_id).await?;
    let contracts = state.store.contracts_panel(caller.customer_id).await?;
    let situation = Situation::compute(state.clock.today(), &lines);
    Ok(Json(Home {
        me,
        situation,
        contracts,
    }))
}

use super::extract::{AnyCaller, ApiJson, Caller, Client};
use super::{limit, ServerError};
use crate::limits::Scope;
use crate::{auth, AppState};
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sportello_domain::api::auth::{
    LoginChallenge, LoginRequest, Me, RefreshRequest, ResendCodeRequest, TokenPair, VerifyCodeRequest,
};
use sportello_domain::api::home::{Home, Payee};
use sportello_domain::api::operations as op;
use sportello_domain::{ApiError, ErrorCode};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// Uploads may be up to 10 MB; one byte more tells "too large" from "exactly the limit".
fn upload_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(sportello_domain::api::requests::MAX_ATTACHMENT_BYTES + 1)
}

/// Every operation of the API, each routed by the method and path of its
/// handler's `#[utoipa::path]` (which takes them from
/// `sportello_domain::api::operations`), so the router and the OpenAPI
/// document cannot differ; paths are relative to `/api/v1`.
pub(super) fn api() -> OpenApiRouter<AppState> {
    use super::{
        accounts, assets, authenticator, contracts, documents, invoices, notifications, ops, releases, requests,
        schedule, shop,
    };
    let bundle_limit = DefaultBodyLimit::max(crate::releases::MAX_BUNDLE_BYTES + 1);
    OpenApiRouter::new()
        .route("/health", get(|| async { "ok" }))
        .routes(routes!(login))
        .routes(routes!(verify))
        .routes(routes!(resend_code))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(home))
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::register_by_category))
        .routes(routes!(accounts::recover))
        .routes(routes!(accounts::request_reset))
        .routes(routes!(accounts::complete_reset))
        .routes(routes!(accounts::change_password))
        .routes(routes!(authenticator::status))
        .routes(routes!(authenticator::setup))
        .routes(routes!(authenticator::enable))
        .routes(routes!(authenticator::disable))
        .routes(routes!(authenticator::renew_codes))
        .routes(routes!(accounts::list_sessions))
        .routes(routes!(accounts::end_all_sessions))
        .routes(routes!(accounts::end_session))
        .routes(routes!(accounts::profile, accounts::update_profile))
        .routes(routes!(accounts::privacy, accounts::decide_consent))
        .routes(routes!(accounts::start_email_change))
        .routes(routes!(accounts::confirm_email_change))
        .routes(routes!(accounts::list_sub_users, accounts::create_sub_user))
        .routes(routes!(accounts::update_sub_user, accounts::delete_sub_user))
        .routes(routes!(requests::context))
        .routes(routes!(requests::types))
        .routes(routes!(requests::payoff))
        .routes(routes!(requests::list, requests::create))
        .routes(routes!(requests::detail))
        .routes(routes!(requests::add_message))
        .routes(routes!(requests::upload).layer(upload_limit()))
        .routes(routes!(requests::download))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::mark_all_read))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(notifications::changes))
        .routes(routes!(notifications::summary))
        .routes(routes!(notifications::events))
        .routes(routes!(shop::catalogue))
        .routes(routes!(shop::join_agreement))
        .routes(routes!(shop::wallet))
        .routes(routes!(shop::submit_proof))
        .routes(routes!(shop::orders, shop::place_order))
        .routes(routes!(shop::order))
        .routes(routes!(shop::quotes, shop::request_quote))
        .routes(routes!(shop::quote))
        .routes(routes!(shop::accept_quote))
        .routes(routes!(shop::decline_quote))
        .routes(routes!(contracts::list))
        .routes(routes!(contracts::detail))
        .routes(routes!(contracts::plan))
        .routes(routes!(schedule::list))
        .routes(routes!(schedule::item))
        .routes(routes!(schedule::report))
        .routes(routes!(assets::list))
        .routes(routes!(assets::item))
        .routes(routes!(invoices::list))
        .routes(routes!(invoices::item))
        .routes(routes!(invoices::pdf))
        .routes(routes!(invoices::xml))
        .routes(routes!(ops::login))
        .routes(routes!(ops::logout))
        .routes(routes!(ops::disable_operator))
        .routes(routes!(ops::invite))
        .routes(routes!(ops::registrations))
        .routes(routes!(ops::decide_registration))
        .routes(routes!(ops::agreement_requests))
        .routes(routes!(ops::decide_agreement))
        .routes(routes!(ops::list_requests))
        .routes(routes!(ops::request_detail))
        .routes(routes!(ops::reply))
        .routes(routes!(ops::set_status))
        .routes(routes!(ops::upload).layer(upload_limit()))
        .routes(routes!(ops::download))
        .routes(routes!(ops::broadcast))
        .routes(routes!(ops::publish_invoice))
        .routes(routes!(documents::publish_document).layer(upload_limit()))
        .routes(routes!(ops::import_book).layer(DefaultBodyLimit::max(crate::book::MAX_FILE_BYTES)))
        .routes(routes!(ops::audit))
        .routes(routes!(releases::list, releases::create))
        .routes(routes!(releases::add_bundle).layer(bundle_limit))
        .routes(routes!(releases::share))
        .routes(routes!(releases::withdraw))
        .routes(routes!(releases::check))
        .routes(routes!(releases::bundle))
        .routes(routes!(shop::ops_orders))
        .routes(routes!(shop::fulfil_pdf).layer(upload_limit()))
        .routes(routes!(shop::fulfil_record))
        .routes(routes!(shop::ops_quotes))
        .routes(routes!(shop::price_quote))
        .routes(routes!(shop::ops_proofs))
        .routes(routes!(shop::decide_proof))
        .routes(routes!(shop::set_layout))
        .route(
            "/openapi.json",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    super::openapi::document_json(),
                )
            }),
        )
}

pub fn router(state: AppState) -> Router {
    let (api, _) = api().split_for_parts();
    let router = Router::new()
        .nest(sportello_domain::api::operations::PREFIX, api)
        .fallback(|| async { ServerError::from(ApiError::new(ErrorCode::NotFound, "no such endpoint")) })
        .layer(axum::middleware::from_fn(in_unit));
    // Logs method, path and status only: bodies and headers carry secrets.
    harden(router, REQUEST_TIMEOUT)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            forget_principals_after_writes,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// After any request that may write (whatever it answered, a stopped or
/// failed one too), this instance forgets the principals it kept, before
/// the answer leaves: a logout, a new password or a deleted sub-user is
/// refused on the caller's very next request. Other instances hear of it
/// from the change's own notice (`store::principals`).
async fn forget_principals_after_writes(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    let reads = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(request).await;
    if !reads {
        state.store.principals.forget_all();
    }
    response
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
    use sportello_domain::api::operations::{notifications, ops, PREFIX};
    let path = path.strip_prefix(PREFIX).unwrap_or(path);
    !(path == notifications::EVENTS.path || path == ops::IMPORT_BOOK.path)
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

#[utoipa::path(post, path = op::session::LOGIN.path, tag = "auth", request_body = LoginRequest,
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

#[utoipa::path(post, path = op::session::VERIFY.path, tag = "auth", request_body = VerifyCodeRequest,
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

#[utoipa::path(post, path = op::session::RESEND.path, tag = "auth", request_body = ResendCodeRequest,
    responses((status = 200, description = "A new 6-digit code was e-mailed; the old one no longer works", body = LoginChallenge),
              (status = 400, description = "the login's code comes from an authenticator app", body = ApiError),
              (status = 401, description = "code_expired: the login ended, log in again", body = ApiError),
              (status = 429, description = "rate_limited, with Retry-After: too soon after the last code \
                  (30 seconds), or too many codes for this account or address", body = ApiError)))]
pub(super) async fn resend_code(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(req): ApiJson<ResendCodeRequest>,
) -> Result<Json<LoginChallenge>, ServerError> {
    limit(&state, Scope::CodeAddress, "client", &crate::netaddr::limit_key(client)).await?;
    Ok(Json(auth::resend_code(&state, req).await?))
}

#[utoipa::path(post, path = op::session::REFRESH.path, tag = "auth", request_body = RefreshRequest,
    responses((status = 200, description = "A new token pair; the old refresh token is spent", body = TokenPair),
              (status = 401, description = "session_expired (reuse revokes the session)", body = ApiError)))]
pub(super) async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, ServerError> {
    Ok(Json(auth::refresh(&state, &req.refresh_token).await?))
}

#[utoipa::path(post, path = op::session::LOGOUT.path, tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "The session is ended")))]
pub(super) async fn logout(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ServerError> {
    auth::logout(&state, &req.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = op::session::ME.path, tag = "account", security(("bearer" = [])),
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

#[utoipa::path(get, path = op::home::HOME.path, tag = "home", security(("bearer" = [])),
    responses((status = 200, description = "H1 and H2", body = Home), (status = 401, description = "unauthorized", body = ApiError)))]
/// H1 and H2, computed from the customer's book as of today in Italy.
pub(super) async fn home(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Home>, ServerError> {
    let me = load_me(&state, caller.user_id).await?;
    let today = state.clock.today();
    let situation = state.store.situation(caller.customer_id, today).await?;
    let contracts = state.store.contracts_panel(caller.customer_id).await?;
    let company = &state.config.company;
    Ok(Json(Home {
        me,
        situation,
        contracts,
        payee: Some(Payee {
            beneficiary: company.name.clone(),
            iban: company.iban.clone(),
        }),
    }))
}

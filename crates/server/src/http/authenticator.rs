//! The user's authenticator (second factor by TOTP), from the profile.

use super::accounts::origin;
use super::extract::{ApiJson, Caller, Client};
use super::ServerError;
use crate::{authenticator, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use sportello_domain::api::auth::{
    AuthenticatorSetup, AuthenticatorStatus, EnableAuthenticator, RecoveryCodes, StepUp,
};
use sportello_domain::api::operations as op;
use sportello_domain::ApiError;

#[utoipa::path(get, path = op::authenticator::STATUS.path, tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "Whether logins ask for the authenticator's code", body = AuthenticatorStatus),
              (status = 401, body = ApiError)))]
pub(super) async fn status(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<AuthenticatorStatus>, ServerError> {
    Ok(Json(authenticator::status(&state, &who).await?))
}

#[utoipa::path(post, path = op::authenticator::SETUP.path, tag = "accounts", request_body = StepUp,
    security(("bearer" = [])),
    responses((status = 200, description = "A new secret for the app, waiting for its first code", body = AuthenticatorSetup),
              (status = 400, description = "fields.current_password = required or wrong", body = ApiError),
              (status = 401, body = ApiError), (status = 409, description = "already on", body = ApiError)))]
pub(super) async fn setup(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(req): ApiJson<StepUp>,
) -> Result<Json<AuthenticatorSetup>, ServerError> {
    Ok(Json(authenticator::setup(&state, &who, &req.current_password).await?))
}

#[utoipa::path(post, path = op::authenticator::ENABLE.path, tag = "accounts", request_body = EnableAuthenticator,
    security(("bearer" = [])),
    responses((status = 200, description = "On: the recovery codes, shown this once", body = RecoveryCodes),
              (status = 400, description = "fields.code = wrong or no_setup", body = ApiError),
              (status = 401, body = ApiError), (status = 409, description = "already on", body = ApiError)))]
pub(super) async fn enable(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiJson(req): ApiJson<EnableAuthenticator>,
) -> Result<Json<RecoveryCodes>, ServerError> {
    Ok(Json(
        authenticator::enable(&state, &who, &origin(&who, &client), &req.code).await?,
    ))
}

#[utoipa::path(post, path = op::authenticator::DISABLE.path, tag = "accounts", request_body = StepUp,
    security(("bearer" = [])),
    responses((status = 204, description = "Off: logins ask for the e-mailed code again"),
              (status = 400, description = "fields.current_password = required or wrong", body = ApiError),
              (status = 401, body = ApiError), (status = 404, description = "none was on", body = ApiError)))]
pub(super) async fn disable(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiJson(req): ApiJson<StepUp>,
) -> Result<StatusCode, ServerError> {
    authenticator::disable(&state, &who, &origin(&who, &client), &req.current_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = op::authenticator::RENEW_CODES.path, tag = "accounts", request_body = StepUp,
    security(("bearer" = [])),
    responses((status = 200, description = "A new set; the earlier codes no longer work", body = RecoveryCodes),
              (status = 400, description = "fields.current_password = required or wrong", body = ApiError),
              (status = 401, body = ApiError), (status = 404, description = "no authenticator is on", body = ApiError)))]
pub(super) async fn renew_codes(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiJson(req): ApiJson<StepUp>,
) -> Result<Json<RecoveryCodes>, ServerError> {
    Ok(Json(
        authenticator::renew_codes(&state, &who, &origin(&who, &client), &req.current_password).await?,
    ))
}

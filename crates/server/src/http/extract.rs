//! Extractors that fail with the one error shape.

use super::ServerError;
use crate::store::auth::Principal;
use crate::{auth, AppState};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sportello_domain::{ApiError, ErrorCode};

/// `axum::Json`, but a malformed body is a `bad_request` in our shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ServerError))]
pub struct ApiJson<T>(pub T);

impl From<JsonRejection> for ServerError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::new(ErrorCode::BadRequest, rejection.body_text()).into()
    }
}

/// `axum::extract::Query`, failing in our shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ServerError))]
pub struct ApiQuery<T>(pub T);

impl From<axum::extract::rejection::QueryRejection> for ServerError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::new(ErrorCode::BadRequest, rejection.body_text()).into()
    }
}

/// The caller, from `Authorization: Bearer <access token>`.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "missing bearer token"))?;
        Ok(Caller(auth::authenticate(state, token.trim()).await?))
    }
}

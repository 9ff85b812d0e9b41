//! `Idempotency-Key` on creates: the same key with the same body returns the
//! first answer (with `Idempotent-Replayed: true`); with another body, 422;
//! while the first is still being processed, 409. A failed create frees the
//! key, so the client may retry it.

use super::ServerError;
use crate::store::requests::KeyState;
use crate::{secrets, AppState};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sportello_domain::{ApiError, ErrorCode};
use std::future::Future;

fn json_response(status: StatusCode, body: String, replayed: bool) -> Response {
    let mut response = (status, [(CONTENT_TYPE, "application/json")], body).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    response
}

fn to_json<T: Serialize>(value: &T) -> Result<String, ServerError> {
    serde_json::to_string(value).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()).into())
}

/// Runs `create` at most once per (user, key); answers 201 with its result.
pub async fn idempotent<B, T, F, Fut>(
    state: &AppState,
    user_id: i64,
    key: Option<String>,
    body: &B,
    create: F,
) -> Result<Response, ServerError>
where
    B: Serialize,
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ServerError>>,
{
    let Some(key) = key else {
        return Ok(json_response(StatusCode::CREATED, to_json(&create().await?)?, false));
    };
    let hash = secrets::sha256_hex(&to_json(body)?);
    match state
        .store
        .claim_idempotency_key(user_id, &key, &hash, state.clock.now_ms())
        .await?
    {
        KeyState::Claimed => match create().await {
            Ok(value) => {
                let json = to_json(&value)?;
                state
                    .store
                    .finish_idempotency_key(user_id, &key, StatusCode::CREATED.as_u16(), &json)
                    .await?;
                Ok(json_response(StatusCode::CREATED, json, false))
            }
            Err(error) => {
                state.store.release_idempotency_key(user_id, &key).await?;
                Err(error)
            }
        },
        KeyState::Mismatch => Err(ApiError::new(
            ErrorCode::IdempotencyMismatch,
            "this Idempotency-Key was used with a different request body",
        )
        .into()),
        KeyState::InFlight => Err(ApiError::new(
            ErrorCode::Conflict,
            "a request with this Idempotency-Key is still being processed: retry shortly",
        )
        .into()),
        KeyState::Done(status, body) => Ok(json_response(
            StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED),
            body,
            true,
        )),
    }
}

//! `Idempotency-Key` on writes, customers' and operators' alike: the same key
//! with the same body returns the first answer (with `Idempotent-Replayed:
//! true`); with another body or on another operation, 422; while the first
//! is still being processed, 409. A write that failed before changing
//! anything frees the key, so the client may retry it; so does one that
//! died, once its lease runs out.

use super::ServerError;
use crate::store::requests::KeyState;
use crate::store::unit;
use crate::{secrets, AppState};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sportello_domain::{ApiError, ErrorCode};
use std::future::Future;

/// Whose key it is: keys of different owners never meet.
#[derive(Clone, Copy, Debug)]
pub enum KeyOwner {
    User(i64),
    Operator(i64),
    /// The back-office command line.
    Cli,
}

impl KeyOwner {
    fn key(self) -> String {
        match self {
            KeyOwner::User(id) => format!("user:{id}"),
            KeyOwner::Operator(id) => format!("operator:{id}"),
            KeyOwner::Cli => "cli".to_owned(),
        }
    }
}

fn json_response(status: StatusCode, body: String, replayed: bool) -> Response {
    let mut response = if status == StatusCode::NO_CONTENT {
        status.into_response()
    } else {
        (status, [(CONTENT_TYPE, "application/json")], body).into_response()
    };
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    response
}

fn to_json<T: Serialize>(value: &T) -> Result<String, ServerError> {
    serde_json::to_string(value).map_err(|e| ServerError::internal(e.to_string()))
}

/// The id a spent key's resource names (what the change created).
pub fn resource_id(resource: &str) -> Result<i64, ServerError> {
    resource
        .parse()
        .map_err(|_| ServerError::internal(format!("an idempotency key names {resource:?}")))
}

/// The hash a key is bound to: the route and the body, so the same key sent
/// to another operation is refused like another body.
pub fn body_hash<B: Serialize>(route: &str, body: &B) -> Result<String, ServerError> {
    Ok(secrets::sha256_hex(&format!("{route}\n{}", to_json(body)?)))
}

/// What a keyed write run outside HTTP came to.
pub enum Keyed<T> {
    Ran(T),
    /// An earlier run with this key made the change: nothing more was done.
    Earlier,
}

/// What became of a claimed key's write.
enum Run<T> {
    /// This request ran the write: its result, or the error that came after
    /// its change committed (with the resource the key was spent on).
    Ran(Result<T, (ServerError, String)>),
    /// The key was not free: what it holds.
    Seen(KeyState),
}

/// Claims `key` and runs `write` as one unit holding the claim: the change
/// it makes, its deferred effects and the spending of the key commit
/// together. A write that failed before any change committed frees the key
/// and returns its error.
async fn run_once<B, T, F, Fut>(
    state: &AppState,
    owner: &str,
    key: &str,
    route: &str,
    body: &B,
    write: F,
) -> Result<Run<T>, ServerError>
where
    B: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ServerError>>,
{
    let hash = body_hash(route, body)?;
    let now = state.clock.now_ms();
    let lease = state.config.idempotency_lease_ms;
    let token = match state.store.claim_idempotency_key(owner, key, &hash, now, lease).await? {
        KeyState::Claimed(token) => token,
        other => return Ok(Run::Seen(other)),
    };
    let claim = unit::Claim {
        owner: owner.to_owned(),
        key: key.to_owned(),
        token: token.clone(),
    };
    let (out, unit) = unit::scope(Some(claim), write()).await;
    match (out, unit.spent_on()) {
        (Ok(value), _) => Ok(Run::Ran(Ok(value))),
        (Err(error), None) => {
            state.store.release_idempotency_key(owner, key, &token).await?;
            Err(error)
        }
        (Err(error), Some(resource)) => Ok(Run::Ran(Err((error, resource)))),
    }
}

/// Runs `write` at most once per (owner, key), outside HTTP (the command
/// line): the spending of the key commits with the write's change, so a run
/// cut off anywhere and run again with the same key makes the change once.
pub async fn once<B, T, F, Fut>(
    state: &AppState,
    owner: KeyOwner,
    key: &str,
    route: &str,
    body: &B,
    write: F,
) -> Result<Keyed<T>, ServerError>
where
    B: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ServerError>>,
{
    let owner = owner.key();
    match run_once(state, &owner, key, route, body, write).await? {
        Run::Ran(Ok(value)) => {
            state.store.finish_idempotency_key(&owner, key, 200, "null").await?;
            Ok(Keyed::Ran(value))
        }
        Run::Ran(Err((error, _))) => {
            tracing::warn!(error = %error, "a command failed after its change committed");
            Ok(Keyed::Earlier)
        }
        Run::Seen(KeyState::Mismatch) => Err(mismatch()),
        Run::Seen(KeyState::InFlight | KeyState::Claimed(_)) => Err(in_flight()),
        Run::Seen(KeyState::Committed(_) | KeyState::Done(..)) => Ok(Keyed::Earlier),
    }
}

fn mismatch() -> ServerError {
    ApiError::new(
        ErrorCode::IdempotencyMismatch,
        "this Idempotency-Key was used with a different request body or operation",
    )
    .into()
}

fn in_flight() -> ServerError {
    ApiError::new(
        ErrorCode::Conflict,
        "a request with this Idempotency-Key is still being processed: retry shortly",
    )
    .into()
}

/// Runs `create` at most once per (owner, key); answers 201 with its result.
pub async fn idempotent<B, T, F, Fut, R, RFut>(
    state: &AppState,
    owner: KeyOwner,
    key: Option<String>,
    route: &str,
    body: &B,
    create: F,
    render: R,
) -> Result<Response, ServerError>
where
    B: Serialize,
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ServerError>>,
    R: FnOnce(String) -> RFut,
    RFut: Future<Output = Result<T, ServerError>>,
{
    let created = StatusCode::CREATED;
    idempotent_as(state, owner, key, route, body, created, create, render).await
}

/// Runs `write` at most once per (owner, key); answers `status` with its
/// result (no body for 204).
///
/// `create` runs as one unit (`store::unit`): the change it makes, its
/// deferred audit rows and e-mails, and the spending of the key on that
/// change commit together. A key is freed only when the request failed
/// before any change committed. When the request dies after its change
/// committed but before its answer was stored, a retry gets the answer
/// `render` gives for the resource the change made.
#[allow(clippy::too_many_arguments)]
pub async fn idempotent_as<B, T, F, Fut, R, RFut>(
    state: &AppState,
    owner: KeyOwner,
    key: Option<String>,
    route: &str,
    body: &B,
    status: StatusCode,
    create: F,
    render: R,
) -> Result<Response, ServerError>
where
    B: Serialize,
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ServerError>>,
    R: FnOnce(String) -> RFut,
    RFut: Future<Output = Result<T, ServerError>>,
{
    let Some(key) = key else {
        let (out, _) = unit::scope(None, create()).await;
        return Ok(json_response(status, to_json(&out?)?, false));
    };
    let owner = owner.key();
    match run_once(state, &owner, &key, route, body, create).await? {
        Run::Ran(out) => {
            let value = match out {
                Ok(value) => value,
                // The change committed and then a later step failed: the key
                // stays spent, and the answer is the change as it stands.
                Err((error, resource)) => {
                    tracing::warn!(error = %error, "a request failed after its change committed");
                    render(resource).await?
                }
            };
            let json = to_json(&value)?;
            state
                .store
                .finish_idempotency_key(&owner, &key, status.as_u16(), &json)
                .await?;
            Ok(json_response(status, json, false))
        }
        Run::Seen(seen) => replay(state, &owner, &key, status, seen, render).await,
    }
}

/// The answer to a key that was not free.
async fn replay<T, R, RFut>(
    state: &AppState,
    owner: &str,
    key: &str,
    status: StatusCode,
    seen: KeyState,
    render: R,
) -> Result<Response, ServerError>
where
    T: Serialize,
    R: FnOnce(String) -> RFut,
    RFut: Future<Output = Result<T, ServerError>>,
{
    match seen {
        KeyState::Committed(resource) => {
            let json = to_json(&render(resource).await?)?;
            state
                .store
                .finish_idempotency_key(owner, key, status.as_u16(), &json)
                .await?;
            Ok(json_response(status, json, true))
        }
        KeyState::Mismatch => Err(mismatch()),
        KeyState::InFlight | KeyState::Claimed(_) => Err(in_flight()),
        KeyState::Done(done, body) => Ok(json_response(StatusCode::from_u16(done).unwrap_or(status), body, true)),
    }
}

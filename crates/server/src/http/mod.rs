//! The HTTP API under `/api/v1`.

mod accounts;
mod assets;
mod authenticator;
mod contracts;
mod documents;
mod error;
mod extract;
pub mod idempotency;
mod invoices;
mod notifications;
pub mod openapi;
mod ops;
mod paging;
mod releases;
mod requests;
mod routes;
mod schedule;
mod serve;
mod shop;

pub use routes::{harden, router, REQUEST_TIMEOUT};
pub use serve::serve;

use crate::limits::Scope;
use crate::{AppState, ServerError};
use sportello_domain::{ApiError, ErrorCode};

/// The longest key a limiter counts (a username, a contract, an e-mail
/// address of RFC 5321's 254 characters): a longer field is refused before
/// any limiter or lookup sees it.
pub const MAX_KEY_CHARS: usize = 254;

/// Counts one request against `scope`'s budget for `key`, the value of the
/// request's `field`; a key over [`MAX_KEY_CHARS`] is a `bad_request` on
/// that field, and a spent budget a `rate_limited` with its wait.
pub(crate) async fn limit(state: &AppState, scope: Scope, field: &str, key: &str) -> Result<(), ServerError> {
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(ApiError::new(ErrorCode::BadRequest, format!("{field} is too long"))
            .with_field(field, "too_long")
            .into());
    }
    state
        .limiter
        .check(&state.clock, scope, key)
        .await?
        .map_err(ServerError::RateLimited)
}

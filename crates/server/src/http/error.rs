use axum::http::header::RETRY_AFTER;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sportello_domain::{ApiError, ErrorCode};

/// Every failure of a request. Client errors go out as they are; internal
/// causes are logged and replaced by a bare `internal` on the wire.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Too many requests: try again after this many seconds.
    #[error("rate limited for {0} s")]
    RateLimited(i64),
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        if let ServerError::RateLimited(seconds) = self {
            let error = ApiError::new(
                ErrorCode::RateLimited,
                format!("too many requests: try again in {seconds} s"),
            )
            .with_field("retry_after", seconds.to_string());
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(RETRY_AFTER, seconds.to_string())],
                Json(error),
            )
                .into_response();
        }
        let error = match self {
            ServerError::Api(error) => error,
            ServerError::Store(crate::store::StoreError::ClaimLost) => ApiError::new(
                ErrorCode::Conflict,
                "a retry with this Idempotency-Key took over this request: its answer is the one that counts",
            ),
            internal => {
                tracing::error!(error = %internal, "request failed");
                ApiError::new(ErrorCode::Internal, "internal error")
            }
        };
        let status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(error)).into_response()
    }
}

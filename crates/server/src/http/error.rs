//! The one place a `ServerError` becomes an HTTP answer.

use crate::ServerError;
use axum::http::header::RETRY_AFTER;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sportello_domain::{ApiError, ErrorCode};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_internal_failure_is_answered_without_its_detail() {
        let response = ServerError::internal("stored order 42 does not parse").into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        let error: ApiError = serde_json::from_slice(&body).unwrap();
        assert_eq!(error.code, ErrorCode::Internal);
        assert_eq!(error.message, "internal error");
        assert!(!String::from_utf8_lossy(&body).contains("order 42"));
    }
}

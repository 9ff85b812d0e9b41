use sportello_domain::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The server answered with an error of the one shape.
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    #[error("the server answered something unexpected: {0}")]
    Protocol(String),
    #[error("the keyring: {0}")]
    Keyring(#[from] crate::secrets::SecretError),
    #[error(transparent)]
    Cache(#[from] crate::cache::CacheError),
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Api(error) => error.code,
            AppError::Unreachable(_) => ErrorCode::ServerUnreachable,
            AppError::Protocol(_) => ErrorCode::Internal,
            AppError::Keyring(_) => ErrorCode::KeyringUnavailable,
            AppError::Cache(_) => ErrorCode::Internal,
        }
    }

    /// Worth trying again later as it is: the network, the server's health or
    /// its load, not the request itself.
    pub fn is_transient(&self) -> bool {
        match self {
            AppError::Unreachable(_) | AppError::Protocol(_) => true,
            AppError::Api(e) => matches!(
                e.code,
                ErrorCode::Internal | ErrorCode::RateLimited | ErrorCode::Conflict
            ),
            AppError::Keyring(_) | AppError::Cache(_) => false,
        }
    }

    /// The server's `Retry-After`, when it gave one.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            AppError::Api(e) if e.code == ErrorCode::RateLimited => e
                .fields
                .as_ref()
                .and_then(|f| f.get("retry_after"))
                .and_then(|s| s.parse().ok())
                .map(std::time::Duration::from_secs),
            _ => None,
        }
    }

    /// The one error shape, for the IPC boundary.
    pub fn to_wire(&self) -> ApiError {
        match self {
            AppError::Api(error) => error.clone(),
            other => ApiError::new(other.code(), other.to_string()),
        }
    }
}

impl From<reqwest::Error> for AppError {
    fn from(error: reqwest::Error) -> Self {
        if error.is_connect() || error.is_timeout() || error.is_request() {
            AppError::Unreachable(error.to_string())
        } else {
            AppError::Protocol(error.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_says_when_to_come_back_and_is_worth_retrying() {
        let limited = AppError::Api(ApiError::new(ErrorCode::RateLimited, "slow down").with_field("retry_after", "42"));
        assert_eq!(limited.retry_after(), Some(std::time::Duration::from_secs(42)));
        assert!(limited.is_transient());
        let refused = AppError::Api(ApiError::new(ErrorCode::BadRequest, "no"));
        assert_eq!(refused.retry_after(), None);
        assert!(!refused.is_transient(), "a refusal is for the user to fix");
        assert!(AppError::Unreachable("down".into()).is_transient());
        assert!(
            AppError::Protocol("cut".into()).is_transient(),
            "a cut or garbled answer"
        );
    }
}

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
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Api(error) => error.code,
            AppError::Unreachable(_) => ErrorCode::ServerUnreachable,
            AppError::Protocol(_) => ErrorCode::Internal,
            AppError::Keyring(_) => ErrorCode::KeyringUnavailable,
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

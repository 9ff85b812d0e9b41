//! The one failure type of the server's services: what a request, a
//! command-line action or a background job can fail with. The HTTP layer
//! turns it into the wire's `{code, message}` once (`http/error.rs`).

use sportello_domain::ApiError;

/// Every failure of a service. Client errors go out as they are; internal
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
    /// Something that cannot happen did: logged with its detail, answered
    /// as a bare `internal` (the detail is not the caller's to read).
    #[error("internal: {0}")]
    Internal(String),
}

impl ServerError {
    pub fn internal(detail: impl Into<String>) -> ServerError {
        ServerError::Internal(detail.into())
    }
}

/// An error as the command line prints it: the message, with the fields it names.
pub fn shown(error: ServerError) -> String {
    match error {
        ServerError::Api(e) => match e.fields {
            Some(fields) => format!("{} ({:?})", e.message, fields),
            None => e.message,
        },
        other => other.to_string(),
    }
}

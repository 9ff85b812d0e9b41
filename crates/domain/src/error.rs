//! The one error shape of Sportello, over HTTP and over IPC: `{code, message, fields?}`.
//! Clients branch on `code` and show their own localized text.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// The request is malformed or a field is invalid; `fields` says which.
    BadRequest,
    /// Username or password is wrong; deliberately does not say which.
    InvalidCredentials,
    /// Too many wrong passwords: recovery is needed (A5).
    AccountLocked,
    /// The one-time code is wrong; more tries may remain.
    InvalidCode,
    /// The one-time code expired, was used already, or its challenge is unknown.
    CodeExpired,
    /// Too many wrong codes for one challenge: log in again.
    TooManyAttempts,
    /// The access token is missing, expired or revoked.
    Unauthorized,
    /// The session ended (refresh token expired, revoked or reused): log in again.
    SessionExpired,
    /// The temporary password's validity ran out: ask for a reset (A6).
    PasswordExpired,
    /// A temporary password was used: choose a definitive one before anything else (A1, A2).
    PasswordChangeRequired,
    /// Logged in, but this action belongs to someone else (e.g. a sub-user managing sub-users).
    Forbidden,
    /// Contract number, module number and tax code do not match a customer (A2, A5).
    DetailsMismatch,
    /// The contract was registered less than 60 minutes ago; `fields.retry_after` says when to retry (A2).
    RegistrationPending,
    /// The customer already has an account: log in, or recover it (A5).
    AlreadyRegistered,
    NotFound,
    Conflict,
    /// The same `Idempotency-Key` came with a different body.
    IdempotencyMismatch,
    /// An upload is over the size limit.
    PayloadTooLarge,
    /// The customer's stored files would pass its quota (`upload_quota_mb`).
    QuotaExceeded,
    /// An upload is not a PDF, PNG or JPEG by its content.
    UnsupportedFileType,
    RateLimited,
    /// E8: the prepaid credit is lower than the order.
    InsufficientCredit,
    /// E8: no payment was proven and confirmed for this method yet.
    PaymentNotProven,
    /// E8: the subscription's term ended; renew it to order by subscription.
    SubscriptionExpired,
    /// E4: the quote's validity ended; ask for a new one.
    QuoteExpired,
    Internal,
    /// Client side: the server could not be reached.
    ServerUnreachable,
    /// Client side: the operating system's keyring is missing or locked.
    KeyringUnavailable,
    /// Client side: the user stopped a long task (an export) before it finished.
    Cancelled,
    /// Client side: no program on this computer opened the file; `fields.document`
    /// names it, to show it in its folder or save a copy instead.
    NoViewer,
    /// Client side: a downloaded new version did not match the signature
    /// the company's key makes: it was not installed.
    UpdateUnverified,
    /// Client side: a new version could not be downloaded or installed;
    /// the running one goes on.
    UpdateFailed,
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::InvalidCredentials
            | ErrorCode::InvalidCode
            | ErrorCode::CodeExpired
            | ErrorCode::Unauthorized
            | ErrorCode::SessionExpired
            | ErrorCode::PasswordExpired => 401,
            ErrorCode::AccountLocked
            | ErrorCode::TooManyAttempts
            | ErrorCode::PasswordChangeRequired
            | ErrorCode::Forbidden => 403,
            ErrorCode::DetailsMismatch => 400,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict | ErrorCode::RegistrationPending | ErrorCode::AlreadyRegistered => 409,
            ErrorCode::PayloadTooLarge | ErrorCode::QuotaExceeded => 413,
            ErrorCode::UnsupportedFileType => 415,
            ErrorCode::IdempotencyMismatch => 422,
            ErrorCode::InsufficientCredit | ErrorCode::PaymentNotProven | ErrorCode::SubscriptionExpired => 402,
            ErrorCode::QuoteExpired => 410,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal | ErrorCode::KeyringUnavailable => 500,
            ErrorCode::ServerUnreachable => 503,
            // Never sent by the server: nginx's "client closed request".
            ErrorCode::Cancelled => 499,
            // Never sent by the server either.
            ErrorCode::NoViewer | ErrorCode::UpdateUnverified | ErrorCode::UpdateFailed => 500,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    /// English text for logs and developers; the UI shows its own translation of `code`.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub fields: Option<BTreeMap<String, String>>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            fields: None,
        }
    }

    pub fn with_field(mut self, field: &str, problem: impl Into<String>) -> Self {
        self.fields
            .get_or_insert_with(BTreeMap::new)
            .insert(field.to_owned(), problem.into());
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shape_is_code_message_and_optional_fields() {
        let plain = serde_json::to_value(ApiError::new(ErrorCode::AccountLocked, "locked")).unwrap();
        assert_eq!(
            plain,
            serde_json::json!({"code": "account_locked", "message": "locked"})
        );
        let with_field = ApiError::new(ErrorCode::BadRequest, "bad").with_field("code", "six digits");
        let json = serde_json::to_value(with_field).unwrap();
        assert_eq!(json["fields"]["code"], "six digits");
    }
}

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Step 1 of the login (A4).
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Answer to step 1: a code went to the user's e-mail; quote the challenge in step 2.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct LoginChallenge {
    pub challenge_id: String,
    pub expires_at: DateTime<Utc>,
    /// The address the code was sent to, masked ("m***@pec.example.it").
    pub sent_to: String,
}

/// Step 2 of the login: the 6-digit code from the e-mail.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct VerifyCodeRequest {
    pub challenge_id: String,
    pub code: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

/// Body of `refresh` and `logout`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Who is logged in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub customer_name: String,
    pub language: String,
    /// Logged in with a temporary password: the app asks for a definitive one first.
    #[serde(default)]
    pub must_change_password: bool,
}

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

/// The header a client names its device with at login ("Ufficio-PC"); the
/// server keeps at most `DEVICE_NAME_MAX` characters of it.
pub const DEVICE_HEADER: &str = "x-device-name";
pub const DEVICE_NAME_MAX: usize = 64;

/// One of the user's active sessions, as the profile lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SessionInfo {
    pub id: String,
    /// The name the device gave at login, or its program's name.
    pub device: String,
    /// The client address of the login.
    pub address: String,
    /// Where the address is, as far as the server can tell without a
    /// geolocation service: "local" for loopback and private networks, else None.
    pub place: Option<String>,
    pub started_at: DateTime<Utc>,
    /// The session's last token refresh (or its start).
    pub last_used_at: DateTime<Utc>,
    /// The session asking.
    pub current: bool,
}

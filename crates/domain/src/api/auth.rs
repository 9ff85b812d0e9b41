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

/// How the second step of a login is proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SecondFactor {
    /// A 6-digit code e-mailed for this login (A4).
    EmailCode,
    /// The code of the user's authenticator app (RFC 6238), or one of the
    /// user's recovery codes.
    Authenticator,
}

/// Answer to step 1: quote the challenge in step 2 with the code `factor` names.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct LoginChallenge {
    pub challenge_id: String,
    pub expires_at: DateTime<Utc>,
    pub factor: SecondFactor,
    /// The address an e-mailed code was sent to, masked ("m***@pec.example.it");
    /// None when the code comes from the authenticator.
    pub sent_to: Option<String>,
}

/// Step 2 of the login: the 6-digit code (e-mailed or from the authenticator)
/// or, for an authenticator login, a recovery code.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct VerifyCodeRequest {
    pub challenge_id: String,
    pub code: String,
}

/// A new e-mailed code in place of one that did not arrive: the login's
/// challenge is replaced by a new one, and the old code stops working.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ResendCodeRequest {
    pub challenge_id: String,
}

/// How long after a code is sent a new one may be asked for.
pub const RESEND_AFTER_SECS: i64 = 30;

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
    /// What this user may do besides looking: every right for a main
    /// user, those its main user gave for a sub-user (A9).
    #[serde(default)]
    pub rights: Vec<super::accounts::Right>,
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

/// The user's authenticator (second factor by TOTP) as the profile shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AuthenticatorStatus {
    pub enabled: bool,
    pub enabled_at: Option<DateTime<Utc>>,
    /// Recovery codes not used yet.
    pub recovery_codes_left: u32,
}

/// The password typed again before a sensitive change (step-up).
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct StepUp {
    pub current_password: String,
}

/// A new authenticator secret, waiting for its first code to be turned on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AuthenticatorSetup {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    /// The `otpauth://` URI the QR code carries.
    pub uri: String,
}

/// The first code the app shows, proving it holds the secret.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct EnableAuthenticator {
    pub code: String,
}

/// One-time codes that stand in for the authenticator when the phone is
/// lost; shown once, stored only as hashes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

//! The second factor by authenticator app (RFC 6238): a choice for
//! customers, turned on from the profile and then asked at every login in
//! place of the e-mailed code; required of operators, whose authenticator an
//! admin gives from the command line. Recovery codes stand in for a lost
//! phone, each once.

use crate::accounts::{bad, step_up};
use crate::audit::audit_row;
use crate::audit::Origin;
use crate::delivery::defer;
use crate::mails::{self, FactorChange};
use crate::store::auth::Principal;
use crate::store::unit::Effect;
use crate::store::users::UserRow;
use crate::{secrets, AppState, ServerError};
use sportello_domain::api::auth::{AuthenticatorSetup, AuthenticatorStatus, RecoveryCodes};
use sportello_domain::{totp, ApiError, ErrorCode};

/// How many recovery codes a set has.
pub const RECOVERY_CODES: usize = 10;

/// Whose authenticator: the key of its rows.
#[derive(Clone, Copy, Debug)]
pub enum Owner {
    User(i64),
    Operator(i64),
}

impl Owner {
    pub fn key(self) -> String {
        match self {
            Owner::User(id) => format!("user:{id}"),
            Owner::Operator(id) => format!("operator:{id}"),
        }
    }
}

/// How a login's second step was passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passed {
    Code,
    RecoveryCode { left: i64 },
}

fn now_secs(state: &AppState) -> i64 {
    state.clock.now_ms().div_euclid(1000)
}

/// Whether `owner` logs in with an authenticator.
pub async fn is_on(state: &AppState, owner: Owner) -> Result<bool, ServerError> {
    let row = state.store.authenticator(&owner.key()).await?;
    Ok(row.is_some_and(|r| r.enabled_at.is_some()))
}

/// Checks a login's second step against `owner`'s authenticator: a code of
/// the app (each step taken once) or an unused recovery code. None when the
/// code is wrong, already used, or there is no authenticator.
pub async fn check(state: &AppState, owner: Owner, typed: &str) -> Result<Option<Passed>, ServerError> {
    let key = owner.key();
    let Some(row) = state.store.authenticator(&key).await? else {
        return Ok(None);
    };
    if row.enabled_at.is_none() {
        return Ok(None);
    }
    let typed = typed.trim();
    if let Some(code) = secrets::normalize_recovery_code(typed) {
        let taken = state
            .store
            .take_recovery_code(&key, &secrets::recovery_code_hash(&code), state.clock.now_ms())
            .await?;
        if !taken {
            return Ok(None);
        }
        let left = state.store.recovery_codes_left(&key).await?;
        return Ok(Some(Passed::RecoveryCode { left }));
    }
    let secret = stored_secret(&row.secret)?;
    let Some(step) = totp::matching_step(&secret, typed, now_secs(state)) else {
        return Ok(None);
    };
    Ok(state
        .store
        .take_authenticator_step(&key, step)
        .await?
        .then_some(Passed::Code))
}

fn stored_secret(text: &str) -> Result<Vec<u8>, ServerError> {
    totp::decode_secret(text).ok_or_else(|| crate::store::corrupt("authenticator secret", "not base32").into())
}

/// A recovery code is typed like "k3m9p-x2q7r": the login's code field
/// takes it besides six digits.
pub fn looks_like_code(typed: &str) -> bool {
    let typed = typed.trim();
    secrets::normalize_recovery_code(typed).is_some()
        || (typed.len() == totp::DIGITS && typed.bytes().all(|b| b.is_ascii_digit()))
}

fn new_secret() -> String {
    let mut bytes = [0u8; totp::SECRET_BYTES];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    totp::encode_secret(&bytes)
}

/// A fresh set of recovery codes: shown once, stored as hashes.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| secrets::new_recovery_code()).collect();
    let hashes = codes
        .iter()
        .map(|c| secrets::recovery_code_hash(&secrets::normalize_recovery_code(c).expect("a code of ours")))
        .collect();
    (codes, hashes)
}

pub async fn status(state: &AppState, who: &Principal) -> Result<AuthenticatorStatus, ServerError> {
    let key = Owner::User(who.user_id).key();
    let enabled_at = state.store.authenticator(&key).await?.and_then(|r| r.enabled_at);
    let left = if enabled_at.is_some() {
        state.store.recovery_codes_left(&key).await?
    } else {
        0
    };
    Ok(AuthenticatorStatus {
        enabled: enabled_at.is_some(),
        enabled_at: enabled_at.and_then(chrono::DateTime::from_timestamp_millis),
        recovery_codes_left: u32::try_from(left).unwrap_or(0),
    })
}

fn already_on() -> ServerError {
    ApiError::new(
        ErrorCode::Conflict,
        "the authenticator is already on: turn it off first to use another one",
    )
    .into()
}

/// Step 1 of turning it on: after the password, a new secret for the app to
/// scan; nothing changes for the login until `enable`.
pub async fn setup(state: &AppState, who: &Principal, password: &str) -> Result<AuthenticatorSetup, ServerError> {
    step_up(state, who, password).await?;
    let secret = new_secret();
    let stored = state
        .store
        .put_pending_authenticator(&Owner::User(who.user_id).key(), &secret, state.clock.now_ms())
        .await?;
    if !stored {
        return Err(already_on());
    }
    Ok(AuthenticatorSetup {
        uri: totp::otpauth_uri(&state.config.company.name, &who.username, &secret),
        secret,
    })
}

/// Step 2: the app's first code turns the authenticator on and gives the
/// recovery codes; the notice and the audit row commit with it.
pub async fn enable(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    code: &str,
) -> Result<RecoveryCodes, ServerError> {
    let key = Owner::User(who.user_id).key();
    let row = match state.store.authenticator(&key).await? {
        Some(row) if row.enabled_at.is_none() => row,
        Some(_) => return Err(already_on()),
        None => {
            let message = "start again: no authenticator is waiting for a code";
            return Err(bad("code", "no_setup", message));
        }
    };
    let code = code.trim();
    let step = totp::matching_step(&stored_secret(&row.secret)?, code, now_secs(state))
        .ok_or_else(|| bad("code", "wrong", "wrong code: type the six digits the app shows now"))?;
    let (codes, hashes) = new_recovery_codes();
    notice(state, who, origin, FactorChange::Enabled).await?;
    let on = state
        .store
        .enable_authenticator(&key, &row.secret, step, &hashes, state.clock.now_ms())
        .await?;
    if !on {
        return Err(already_on());
    }
    tracing::info!(user_id = who.user_id, "authenticator turned on");
    Ok(RecoveryCodes { codes })
}

/// Turns the authenticator off, after the password; logins go back to the
/// e-mailed code.
pub async fn disable(state: &AppState, who: &Principal, origin: &Origin, password: &str) -> Result<(), ServerError> {
    step_up(state, who, password).await?;
    notice(state, who, origin, FactorChange::Disabled).await?;
    let key = Owner::User(who.user_id).key();
    if !state.store.remove_authenticator(&key, state.clock.now_ms()).await? {
        return Err(ApiError::new(ErrorCode::NotFound, "no authenticator is on").into());
    }
    tracing::info!(user_id = who.user_id, "authenticator turned off");
    Ok(())
}

/// A new set of recovery codes, after the password; the old ones stop.
pub async fn renew_codes(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    password: &str,
) -> Result<RecoveryCodes, ServerError> {
    step_up(state, who, password).await?;
    let (codes, hashes) = new_recovery_codes();
    notice(state, who, origin, FactorChange::CodesRenewed).await?;
    let key = Owner::User(who.user_id).key();
    if !state
        .store
        .renew_recovery_codes(&key, &hashes, state.clock.now_ms())
        .await?
    {
        return Err(ApiError::new(ErrorCode::NotFound, "no authenticator is on").into());
    }
    Ok(RecoveryCodes { codes })
}

fn notice_mail<'a>(state: &'a AppState, user: &'a UserRow, change: FactorChange) -> crate::mail::Mail<'a> {
    mails::second_factor_changed(&mails::Owner::of(user, &state.config.company.name), change)
}

/// Defers the audit row and the notice to the account's address for the
/// commit of the change.
async fn notice(state: &AppState, who: &Principal, origin: &Origin, change: FactorChange) -> Result<(), ServerError> {
    let user = state
        .store
        .user(who.user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "the user no longer exists"))?;
    let action = match change {
        FactorChange::Enabled => "authenticator_enabled",
        FactorChange::Disabled => "authenticator_disabled",
        _ => "recovery_codes_renewed",
    };
    let target = format!("customer:{}", user.username);
    let mail = notice_mail(state, &user, change);
    defer(
        state,
        vec![
            Effect::Audit(audit_row(origin, action, &target, "")),
            Effect::Mail(mail.into()),
        ],
    )
    .await
}

/// Tells the user a recovery code stood in for the authenticator at a login
/// (with how many are left): deferred, like the login's other notices, to
/// the commit of its session.
pub async fn tell_recovery_code_used(
    state: &AppState,
    user: &UserRow,
    origin: &Origin,
    left: i64,
) -> Result<(), ServerError> {
    let audit = audit_row(origin, "recovery_code_used", "", &format!("{left} left"));
    let mail = notice_mail(state, user, FactorChange::RecoveryCodeUsed { left });
    defer(state, vec![Effect::Audit(audit), Effect::Mail(mail.into())]).await
}

/// What an admin hands to an operator: the secret to put in its app (also
/// as a URI for a QR code) and its recovery codes.
pub struct OperatorEnrolment {
    pub secret: String,
    pub uri: String,
    pub recovery_codes: Vec<String>,
}

/// Gives operator `id` a new authenticator, on at once; any earlier one and
/// its recovery codes stop.
pub async fn enrol_operator(state: &AppState, id: i64, username: &str) -> Result<OperatorEnrolment, ServerError> {
    let secret = new_secret();
    let (codes, hashes) = new_recovery_codes();
    state
        .store
        .put_enabled_authenticator(&Owner::Operator(id).key(), &secret, &hashes, state.clock.now_ms())
        .await?;
    Ok(OperatorEnrolment {
        uri: totp::otpauth_uri(&format!("{} (operatori)", state.config.company.name), username, &secret),
        secret,
        recovery_codes: codes,
    })
}

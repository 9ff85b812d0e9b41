//! Login with password and e-mailed one-time code (A4), lockout (A5),
//! rotating refresh tokens whose reuse revokes the family, logout.

use crate::audit::Origin;
use crate::authenticator::{self, Owner, Passed};
use crate::limits::Scope;
use crate::mail::Mail;
use crate::secrets::{self, ACCESS_PREFIX, REFRESH_PREFIX};
use crate::store::auth::{NewChallenge, NewSession, NewTokens, Principal};
use crate::store::unit::Effect;
use crate::store::users::UserRow;
use crate::{passwords, AppState, ServerError};
use chrono::TimeDelta;
use sportello_domain::api::auth::{
    LoginChallenge, LoginRequest, ResendCodeRequest, SecondFactor, TokenPair, VerifyCodeRequest, RESEND_AFTER_SECS,
};
use sportello_domain::{ApiError, ErrorCode};
use std::net::IpAddr;

/// Longer inputs are refused before any hashing, so they cannot be used to burn CPU.
const MAX_PASSWORD_BYTES: usize = 1024;
/// Identifiers we hand out are 22 characters; anything much longer is not one.
const MAX_ID_BYTES: usize = 64;
/// The stored names of the two second factors.
const EMAIL_CODE: &str = "email_code";
const AUTHENTICATOR: &str = "authenticator";

fn invalid_credentials() -> ServerError {
    ApiError::new(ErrorCode::InvalidCredentials, "wrong username or password").into()
}

/// The owner of a username that was just locked gets the notice, with a
/// reset code and link; the login's own answer says nothing of it.
async fn tell_owner_of_lock(state: &AppState, user: &UserRow, client: IpAddr) -> Result<(), ServerError> {
    let minutes = (state.config.auth.login_lock_secs + 59) / 60;
    let audit = crate::audit::audit_row(&Origin::customer(&user.username, client), "login_paused", "", "");
    crate::delivery::defer(state, vec![crate::store::unit::Effect::Audit(audit)]).await?;
    crate::accounts::start_reset_with(state, user, |r| crate::mails::login_locked(r, minutes)).await?;
    Ok(())
}

fn code_expired() -> ServerError {
    ApiError::new(
        ErrorCode::CodeExpired,
        "the code expired or was already used: log in again",
    )
    .into()
}

fn session_expired() -> ServerError {
    ApiError::new(ErrorCode::SessionExpired, "the session ended: log in again").into()
}

pub async fn login(state: &AppState, req: LoginRequest, client: IpAddr) -> Result<LoginChallenge, ServerError> {
    let username = req.username.trim();
    if username.is_empty() || req.password.is_empty() {
        let mut error = ApiError::new(ErrorCode::BadRequest, "username and password are required");
        if username.is_empty() {
            error = error.with_field("username", "required");
        }
        if req.password.is_empty() {
            error = error.with_field("password", "required");
        }
        return Err(error.into());
    }
    if req.password.len() > MAX_PASSWORD_BYTES {
        return Err(invalid_credentials());
    }
    crate::throttle::check(state, username, client).await?;
    let Some(user) = state.store.user_by_username(username).await? else {
        let password = req.password;
        tokio::task::spawn_blocking(move || passwords::verify_dummy(&password)).await?;
        crate::throttle::failed(state, username, client).await?;
        return Err(invalid_credentials());
    };
    if !check_password(req.password, &user).await? {
        if crate::throttle::failed(state, username, client).await? {
            tracing::info!(user_id = user.id, "login paused after wrong passwords");
            tell_owner_of_lock(state, &user, client).await?;
        }
        return Err(invalid_credentials());
    }
    crate::throttle::lift(state, username).await?;
    if user.password_expires_at.is_some_and(|at| at <= state.clock.now_ms()) {
        return Err(ApiError::new(
            ErrorCode::PasswordExpired,
            "the temporary password expired: ask for a new one with \"forgot password\"",
        )
        .into());
    }
    send_code(state, &user, None).await
}

async fn check_password(password: String, user: &UserRow) -> Result<bool, ServerError> {
    let stored = user.password_hash.clone();
    Ok(tokio::task::spawn_blocking(move || passwords::verify(&password, &stored)).await?)
}

/// Opens a challenge for `user`'s second factor (e-mailing the code in the
/// same commit); `replacing` a challenge whose code is sent again.
async fn send_code(state: &AppState, user: &UserRow, replacing: Option<&str>) -> Result<LoginChallenge, ServerError> {
    let challenge_id = secrets::new_id();
    let now = state.clock.now();
    let ttl = state.config.auth.code_ttl_secs;
    let expires_at = now + TimeDelta::seconds(ttl);
    if authenticator::is_on(state, Owner::User(user.id)).await? {
        let challenge = NewChallenge {
            id: &challenge_id,
            user_id: user.id,
            code_hash: "",
            factor: AUTHENTICATOR,
        };
        let at = (expires_at.timestamp_millis(), now.timestamp_millis());
        if !state.store.insert_challenge(&challenge, replacing, at.0, at.1).await? {
            return Err(code_expired());
        }
        return Ok(LoginChallenge {
            challenge_id,
            expires_at,
            factor: SecondFactor::Authenticator,
            sent_to: None,
        });
    }
    let code = secrets::new_code();
    let mail = code_mail(user, &code, ttl / 60, &state.config.company.name);
    crate::delivery::defer(state, vec![Effect::Mail(mail.into())]).await?;
    let challenge = NewChallenge {
        id: &challenge_id,
        user_id: user.id,
        code_hash: &secrets::code_hash(&challenge_id, &code),
        factor: EMAIL_CODE,
    };
    let at = (expires_at.timestamp_millis(), now.timestamp_millis());
    if !state.store.insert_challenge(&challenge, replacing, at.0, at.1).await? {
        return Err(code_expired());
    }
    tracing::info!(user_id = user.id, "login code sent");
    Ok(LoginChallenge {
        challenge_id,
        expires_at,
        factor: SecondFactor::EmailCode,
        sent_to: Some(secrets::mask_email(&user.email)),
    })
}

fn code_mail<'a>(user: &'a UserRow, code: &str, minutes: i64, company: &str) -> Mail<'a> {
    let name = &user.display_name;
    let (subject, body) = if user.language == "en" {
        (
            "Your Sportello access code".to_owned(),
            format!(
                "Dear {name},\n\nyour Sportello access code is: {code}\n\nIt is valid for {minutes} minutes and can be used once. \
                 If you did not try to log in, ignore this message and change your password.\n\n{company}\n"
            ),
        )
    } else {
        (
            "Il tuo codice di accesso a Sportello".to_owned(),
            format!(
                "Gentile {name},\n\nil tuo codice di accesso a Sportello è: {code}\n\nVale {minutes} minuti e si può usare una sola volta. \
                 Se non hai chiesto tu di accedere, ignora questo messaggio e cambia la password.\n\n{company}\n"
            ),
        )
    };
    Mail {
        to: &user.email,
        subject,
        body,
    }
}

/// A new e-mailed code for a login whose code did not arrive (or came too
/// late): the challenge is replaced, so the old code stops working. Not
/// sooner than `RESEND_AFTER_SECS` after the last code, and a few times a
/// quarter of an hour per account; an authenticator's code is not e-mailed.
pub async fn resend_code(state: &AppState, req: ResendCodeRequest) -> Result<LoginChallenge, ServerError> {
    if req.challenge_id.len() > MAX_ID_BYTES {
        return Err(code_expired());
    }
    let Some(challenge) = state.store.challenge(&req.challenge_id).await? else {
        return Err(code_expired());
    };
    let now = state.clock.now_ms();
    if challenge.consumed_at.is_some() || challenge.expires_at <= now {
        return Err(code_expired());
    }
    if challenge.factor == AUTHENTICATOR {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "the code comes from the authenticator app and is not e-mailed",
        )
        .with_field("challenge_id", "authenticator")
        .into());
    }
    let wait_ms = challenge.created_at + RESEND_AFTER_SECS * 1000 - now;
    if wait_ms > 0 {
        return Err(ServerError::RateLimited((wait_ms + 999) / 1000));
    }
    crate::http::limit(
        state,
        Scope::ResendAccount,
        "challenge_id",
        &challenge.user_id.to_string(),
    )
    .await?;
    let Some(user) = state.store.user(challenge.user_id).await? else {
        return Err(code_expired());
    };
    // The old challenge ends in the commit that writes the new one and its e-mail.
    send_code(state, &user, Some(&req.challenge_id)).await
}

/// Step 2 of the login: the e-mailed code opens a session for `device` (the
/// name the client gave, already cut to size) from `client`.
pub async fn verify_code(
    state: &AppState,
    req: VerifyCodeRequest,
    client: IpAddr,
    device: &str,
) -> Result<TokenPair, ServerError> {
    let code = req.code.trim();
    if req.challenge_id.len() > MAX_ID_BYTES {
        return Err(code_expired());
    }
    let Some(challenge) = state.store.challenge(&req.challenge_id).await? else {
        return Err(code_expired());
    };
    let by_app = challenge.factor == AUTHENTICATOR;
    let well_formed = if by_app {
        authenticator::looks_like_code(code)
    } else {
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
    };
    if !well_formed {
        let (message, problem) = if by_app {
            (
                "the code is the six digits of the authenticator app, or a recovery code",
                "authenticator",
            )
        } else {
            ("the code is six digits", "six digits")
        };
        return Err(ApiError::new(ErrorCode::BadRequest, message)
            .with_field("code", problem)
            .into());
    }
    let now = state.clock.now_ms();
    if challenge.consumed_at.is_some() || challenge.expires_at <= now {
        return Err(code_expired());
    }
    crate::http::limit(
        state,
        Scope::VerifyAccount,
        "challenge_id",
        &challenge.user_id.to_string(),
    )
    .await?;
    let max = state.config.auth.code_max_attempts;
    let attempts = state.store.count_challenge_attempt(&req.challenge_id).await?;
    if attempts > max {
        return Err(ApiError::new(ErrorCode::TooManyAttempts, "too many wrong codes: log in again").into());
    }
    let passed = if by_app {
        authenticator::check(state, Owner::User(challenge.user_id), code).await?
    } else {
        secrets::constant_time_eq(&secrets::code_hash(&req.challenge_id, code), &challenge.code_hash)
            .then_some(Passed::Code)
    };
    let Some(passed) = passed else {
        let left = max - attempts;
        return Err(ApiError::new(ErrorCode::InvalidCode, "wrong code")
            .with_field("attempts_left", left.to_string())
            .into());
    };
    if !state.store.consume_challenge(&req.challenge_id, now).await? {
        return Err(code_expired());
    }
    let session_id = secrets::new_id();
    let new_device = state.store.is_new_device(challenge.user_id, device).await?;
    let address = client.to_string();
    // The login's audit row and notices commit with its session.
    if let Some(user) = state.store.user(challenge.user_id).await? {
        let origin = Origin::customer(&user.username, client);
        let audit = crate::audit::audit_row(&origin, "login", "", device);
        crate::delivery::defer(state, vec![Effect::Audit(audit)]).await?;
        if let Passed::RecoveryCode { left } = passed {
            authenticator::tell_recovery_code_used(state, &user, &origin, left).await?;
        }
        if new_device {
            let owner = crate::mails::Owner::of(&user, &state.config.company.name);
            let mail = crate::mails::new_device(&owner, device, &address);
            crate::delivery::defer(state, vec![Effect::Mail(mail.into())]).await?;
        }
    }
    let session = NewSession {
        id: &session_id,
        user_id: challenge.user_id,
        device,
        client: &address,
    };
    state.store.create_session(&session, now).await?;
    tracing::info!(user_id = challenge.user_id, "logged in");
    issue_tokens(state, &session_id).await
}

async fn issue_tokens(state: &AppState, session_id: &str) -> Result<TokenPair, ServerError> {
    let now = state.clock.now();
    let access_token = secrets::new_token(ACCESS_PREFIX);
    let refresh_token = secrets::new_token(REFRESH_PREFIX);
    let access_expires_at = now + TimeDelta::seconds(state.config.auth.access_ttl_secs);
    let refresh_expires_at = now + TimeDelta::days(state.config.auth.refresh_ttl_days);
    let tokens = NewTokens {
        session_id,
        access_hash: &secrets::sha256_hex(&access_token),
        access_expires_at: access_expires_at.timestamp_millis(),
        refresh_hash: &secrets::sha256_hex(&refresh_token),
        refresh_expires_at: refresh_expires_at.timestamp_millis(),
    };
    state.store.insert_tokens(&tokens, now.timestamp_millis()).await?;
    Ok(TokenPair {
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
    })
}

/// Rotates a refresh token. Presenting one that was already rotated means it
/// leaked (or a client misbehaved): the whole session is revoked.
pub async fn refresh(state: &AppState, refresh_token: &str) -> Result<TokenPair, ServerError> {
    let hash = secrets::sha256_hex(refresh_token);
    let Some(row) = state.store.refresh_token(&hash).await? else {
        return Err(session_expired());
    };
    let now = state.clock.now_ms();
    let lifetime_ms = state.config.auth.session_max_days * 24 * 60 * 60 * 1000;
    if row.session_revoked_at.is_some() || row.expires_at <= now || row.session_started_at + lifetime_ms <= now {
        return Err(session_expired());
    }
    if row.used_at.is_some() || !state.store.use_refresh_token(&hash, now).await? {
        tracing::warn!(user_id = row.user_id, "refresh token reused: session revoked");
        state
            .store
            .revoke_session(&row.session_id, "refresh_token_reuse", now)
            .await?;
        return Err(session_expired());
    }
    issue_tokens(state, &row.session_id).await
}

/// Ends the session the refresh token belongs to. Unknown tokens are ignored:
/// logging out twice is not an error.
pub async fn logout(state: &AppState, refresh_token: &str) -> Result<(), ServerError> {
    if let Some(row) = state.store.refresh_token(&secrets::sha256_hex(refresh_token)).await? {
        state
            .store
            .revoke_session(&row.session_id, "logout", state.clock.now_ms())
            .await?;
        tracing::info!(user_id = row.user_id, "logged out");
    }
    Ok(())
}

pub async fn authenticate(state: &AppState, access_token: &str) -> Result<Principal, ServerError> {
    state
        .store
        .principal(&secrets::sha256_hex(access_token), state.clock.now_ms())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "missing, expired or revoked access token").into())
}

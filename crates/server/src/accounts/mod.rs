//! Accounts: invitation and registration (A1, A2, A3: `registration`),
//! recovery, reset and password change (A5, A6: `reset`), profile and
//! e-mail (A8, B5: `profile`) and sub-users (A9: `sub_users`). Here: what
//! they share (checks, temporary passwords, the welcome) and the rights.

mod billing;
pub use billing::checked_billing;
mod profile;
mod registration;
mod reset;
mod sub_users;

pub use profile::*;
pub use registration::*;
pub use reset::*;
pub use sub_users::*;

use crate::audit::audit_row;
use crate::audit::{self, Origin};
use crate::delivery::defer;
use crate::mails::{self, TemporaryAccess, Welcome};
use crate::store::accounts::{
    AccountToken, Along, NewAccountToken, PendingCustomer, Settings, SubUserFields, SubUserRow, TemporaryPassword,
};
use crate::store::auth::Principal;
use crate::store::unit::{Effect, NewNotification};
use crate::store::users::{Holder, NewCustomer, NewUser};
use crate::{passwords, secrets, AppState, ServerError};
use chrono::TimeDelta;
use sportello_domain::api::accounts::{
    Category, ChangePassword, CompleteReset, EmailChange, EmailChangeConfirm, EmailChangeStarted, Language, Profile,
    ProfileUpdate, RecoverRequest, RegisterByCategory, RegisterByContract, Registered, ResetRequest, ResetStarted,
    Right, SubUser, SubUserForm,
};
use sportello_domain::api::ops::{Invitation, Invited};
use sportello_domain::ids::{Email, TaxCode};
use sportello_domain::{password, ApiError, ErrorCode};

const INVITE_PREFIX: &str = "spi_";
const RESET_PREFIX: &str = "spx_";
/// Longer inputs are refused before any hashing, so they cannot be used to burn CPU.
const MAX_PASSWORD_BYTES: usize = 1024;

pub(crate) fn bad(field: &str, problem: &str, message: impl Into<String>) -> ServerError {
    ApiError::new(ErrorCode::BadRequest, message)
        .with_field(field, problem)
        .into()
}

pub(crate) fn forbidden(message: &str) -> ServerError {
    ApiError::new(ErrorCode::Forbidden, message).into()
}

fn details_mismatch() -> ServerError {
    ApiError::new(
        ErrorCode::DetailsMismatch,
        "contract number, module number and tax code do not match any customer",
    )
    .into()
}

fn code_expired() -> ServerError {
    ApiError::new(
        ErrorCode::CodeExpired,
        "the code or link expired or was already used: ask for a new one",
    )
    .into()
}

/// Parses an e-mail address, naming the field when it is not one.
pub(crate) fn parse_email(field: &str, text: &str) -> Result<Email, ServerError> {
    text.parse::<Email>()
        .map_err(|e| bad(field, "invalid", format!("{field}: {e}")))
}

fn required<'a>(field: &str, text: &'a str, max_chars: usize) -> Result<&'a str, ServerError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(bad(field, "required", format!("{field} is required")));
    }
    if text.chars().count() > max_chars {
        return Err(bad(
            field,
            "too_long",
            format!("{field} has at most {max_chars} characters"),
        ));
    }
    Ok(text)
}

/// A new password that follows the rules, or the rule it breaks in `fields.password`.
fn check_new_password(field: &str, new: &str, username: &str) -> Result<(), ServerError> {
    password::check(new, username).map_err(|problem| bad(field, problem.code(), problem.to_string()))
}

async fn hash(password: String) -> Result<String, ServerError> {
    Ok(tokio::task::spawn_blocking(move || passwords::hash(&password)).await?)
}

async fn verify(password: String, stored: String) -> Result<bool, ServerError> {
    Ok(tokio::task::spawn_blocking(move || passwords::verify(&password, &stored)).await?)
}

/// A fresh temporary password: (plain text for the e-mail, stored form).
async fn temporary(state: &AppState) -> Result<(String, String, i64), ServerError> {
    let plain = secrets::new_temporary_password();
    let days = state.config.auth.temporary_password_days;
    let expires_at = (state.clock.now() + TimeDelta::days(days)).timestamp_millis();
    Ok((plain.clone(), hash(plain).await?, expires_at))
}

/// The one-time `sportello://invite` link that lets a new user choose a
/// password directly, and the token to store with the e-mail carrying it.
fn invite_link(state: &AppState, user_id: i64, username: &str) -> (String, NewAccountToken) {
    let token = secrets::new_token(INVITE_PREFIX);
    let days = state.config.auth.temporary_password_days;
    let stored = NewAccountToken {
        id: secrets::new_id(),
        user_id,
        purpose: "invite",
        link_hash: Some(secrets::sha256_hex(&token)),
        code_hash: None,
        new_email: None,
        expires_at: (state.clock.now() + TimeDelta::days(days)).timestamp_millis(),
    };
    (format!("sportello://invite?username={username}&token={token}"), stored)
}

struct Welcomed<'a> {
    username: &'a str,
    email: &'a str,
    language: &'a str,
    name: &'a str,
}

/// The welcome e-mail (temporary password and invitation link) and the
/// link's token, for the commit of the change that gives them.
fn welcome_effects(state: &AppState, kind: Welcome, user_id: i64, w: &Welcomed<'_>, plain: &str) -> Vec<Effect> {
    let (link, token) = invite_link(state, user_id, w.username);
    let access = TemporaryAccess {
        to: w.email,
        language: w.language,
        name: w.name,
        username: w.username,
        password: plain,
        days: state.config.auth.temporary_password_days,
        link: Some(&link),
        company: &state.config.company.name,
    };
    vec![
        Effect::Token(Box::new(token)),
        Effect::Mail(mails::temporary_access(kind, &access).into()),
    ]
}

/// Gives a user (`holder`: one that exists, or the main user created now) a
/// temporary password and an invitation link and e-mails both, in one
/// commit with what the request deferred before (its audit row, other
/// notices) and what `along` records. False when `along` no longer holds.
async fn welcome(
    state: &AppState,
    kind: Welcome,
    holder: Holder<'_>,
    w: &Welcomed<'_>,
    along: Along,
) -> Result<bool, ServerError> {
    let (plain, stored, expires_at) = temporary(state).await?;
    let st = state.clone();
    let (username, email, language, name) = (
        w.username.to_owned(),
        w.email.to_owned(),
        w.language.to_owned(),
        w.name.to_owned(),
    );
    crate::delivery::defer_created(move |created| {
        let w = Welcomed {
            username: &username,
            email: &email,
            language: &language,
            name: &name,
        };
        welcome_effects(&st, kind, created.id, &w, &plain)
    })?;
    let temp = TemporaryPassword {
        hash: &stored,
        expires_at,
    };
    let now = state.clock.now_ms();
    Ok(state
        .store
        .set_temporary_password(&holder, w.email, &temp, along, now)
        .await?)
}

/// The customer's main user, or the one a first welcome creates (no
/// password of its own until the temporary one).
fn holder_of<'a>(
    main: Option<&crate::store::accounts::MainUser>,
    customer_id: i64,
    code: &'a str,
    name: &'a str,
    email: &'a str,
    language: &'a str,
) -> Holder<'a> {
    match main {
        Some(user) => Holder::Existing(user.id),
        None => Holder::New(NewUser {
            customer_id,
            username: code,
            password_hash: "!",
            display_name: name,
            email,
            language,
        }),
    }
}

fn same_tax_code(stored: &str, given: &TaxCode) -> bool {
    stored.parse::<TaxCode>().is_ok_and(|t| t.as_str() == given.as_str())
}

fn parse_tax_code(text: &str) -> Result<TaxCode, ServerError> {
    text.parse::<TaxCode>()
        .map_err(|e| bad("tax_code", "invalid", format!("tax_code: {e}")))
}

/// Legal persons register with a PEC (A2).
fn require_pec(email: &Email, legal_person: bool) -> Result<(), ServerError> {
    if legal_person && !email.looks_certified() {
        return Err(bad(
            "email",
            "pec_required",
            "companies register with their certified e-mail (PEC), e.g. name@pec.example.it",
        ));
    }
    Ok(())
}

/// A9: refuses a sub-user what `right` covers unless its main user gave it;
/// `fields.right` names the right for the window to explain.
pub(crate) fn require(who: &Principal, right: Right) -> Result<(), ServerError> {
    if who.may(right) {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::Forbidden,
        format!(
            "your user may not do this ({}): the main user can give the right",
            right.as_str()
        ),
    )
    .with_field("right", right.as_str())
    .into())
}

/// A sub-user with no right besides looking cannot upload either.
pub(crate) fn require_any(who: &Principal) -> Result<(), ServerError> {
    if Right::ALL.iter().any(|r| who.may(*r)) {
        return Ok(());
    }
    require(who, Right::Requests)
}

fn main_user_only(who: &Principal) -> Result<(), ServerError> {
    if who.parent_id.is_some() {
        return Err(forbidden("only the main user manages sub-users"));
    }
    Ok(())
}

//! The back office (O1): operator accounts with roles, and the actions only
//! operators take — desk replies, broadcasts, publishing invoices (B4) — plus
//! the audit log. The command line (`sportello-server admin`) calls the same
//! functions as the operator API. Here: operators, their logins and the
//! audit log; `desk`: replies and status changes; `invoices`: publishing.

mod desk;
mod invoices;

pub use desk::*;
pub use invoices::*;

use crate::accounts::bad;
use crate::audit::audit_row;
use crate::audit::{self, Origin};
use crate::authenticator::{self, OperatorEnrolment};
use crate::einvoice::pdf::it_amount;
use crate::requests::Writer;
use crate::store::invoices::NewInvoice;
use crate::store::ops::OperatorRow;
use crate::store::requests::Author;
use crate::store::unit::{Effect, QueuedMail};
use crate::{mails, notifications, passwords, requests, secrets, AppState, ServerError};
use chrono::{DateTime, TimeDelta};
use rust_decimal::Decimal;
use sportello_domain::api::ops::{
    AuditEntry, DeskReply, OperatorRole, OperatorSession, PublishInvoice, PublishLine, Published,
};
use sportello_domain::api::requests::{NewMessage, RequestMessage, RequestStatus};
use sportello_domain::invoice::{DocumentKind, InvoiceLine, Totals, VatNature};
use sportello_domain::{password, ApiError, ErrorCode};

const OPERATOR_PREFIX: &str = "spo_";
/// An operator's working day.
const OPERATOR_TOKEN_HOURS: i64 = 8;
const VAT_RATES: [u32; 5] = [0, 4, 5, 10, 22];

/// A logged-in operator.
#[derive(Clone, Debug)]
pub struct Operator {
    pub id: i64,
    pub username: String,
    pub role: OperatorRole,
}

/// What an operator may do, by role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duty {
    /// Customers, registrations, agreements, requests, broadcasts.
    Desk,
    /// Invoices and credit notes.
    Billing,
    /// The book feed: billing and the feed's machine account.
    Book,
    /// The audit log and operator accounts.
    Admin,
}

impl Operator {
    pub fn require(&self, duty: Duty) -> Result<(), ServerError> {
        let allowed = match self.role {
            OperatorRole::Admin => true,
            OperatorRole::Desk => duty == Duty::Desk,
            OperatorRole::Billing => duty == Duty::Billing || duty == Duty::Book,
            OperatorRole::Feed => duty == Duty::Book,
        };
        if !allowed {
            return Err(ApiError::new(ErrorCode::Forbidden, "your role does not allow this action").into());
        }
        Ok(())
    }
}

fn operator(row: OperatorRow) -> Result<Operator, ServerError> {
    let role = OperatorRole::parse(&row.role).ok_or_else(|| crate::store::corrupt("operator role", &row.role))?;
    Ok(Operator {
        id: row.id,
        username: row.username,
        role,
    })
}

/// Creates an operator account (command line only) with its authenticator,
/// which operators must use; the password follows the customers' rules.
pub async fn create_operator(
    state: &AppState,
    origin: &Origin,
    username: &str,
    display_name: &str,
    role: OperatorRole,
    password_text: &str,
) -> Result<(i64, OperatorEnrolment), ServerError> {
    let username = username.trim();
    if username.is_empty() || username.len() > 64 {
        return Err(bad(
            "username",
            "invalid",
            "an operator username has 1 to 64 characters",
        ));
    }
    password::check(password_text, username).map_err(|p| bad("password", p.code(), p.to_string()))?;
    let text = password_text.to_owned();
    let hash = tokio::task::spawn_blocking(move || passwords::hash(&text)).await?;
    audit::owe(
        state,
        origin,
        "create_operator",
        &format!("operator:{username}"),
        role.as_str(),
    )
    .await?;
    let id = state
        .store
        .insert_operator(username, &hash, display_name, role.as_str(), state.clock.now_ms())
        .await?;
    Ok((id, give_authenticator(state, origin, id, username).await?))
}

/// Gives an operator a new authenticator (a new phone, a lost one): the
/// earlier one and its recovery codes stop.
pub async fn give_authenticator(
    state: &AppState,
    origin: &Origin,
    id: i64,
    username: &str,
) -> Result<OperatorEnrolment, ServerError> {
    let target = format!("operator:{username}");
    audit::owe(state, origin, "operator_authenticator_given", &target, "").await?;
    authenticator::enrol_operator(state, id, username).await
}

/// An admin gives the operator named `username` a new authenticator.
pub async fn renew_authenticator(
    state: &AppState,
    origin: &Origin,
    username: &str,
) -> Result<OperatorEnrolment, ServerError> {
    let row = state
        .store
        .operator_by_username(username.trim())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no operator named {username:?}")))?;
    give_authenticator(state, origin, row.id, &row.username).await
}

fn no_authenticator() -> ServerError {
    ApiError::new(
        ErrorCode::Forbidden,
        "operators log in with an authenticator and this one has none: \
         an admin gives one with `sportello-server admin operator-authenticator USERNAME`",
    )
    .into()
}

pub async fn login(
    state: &AppState,
    origin: &Origin,
    client: std::net::IpAddr,
    username: &str,
    password_text: &str,
    code: &str,
) -> Result<OperatorSession, ServerError> {
    let invalid = || {
        ServerError::from(ApiError::new(
            ErrorCode::InvalidCredentials,
            "wrong username, password or authenticator code",
        ))
    };
    if password_text.len() > 1024 {
        return Err(invalid());
    }
    // Operators are throttled like customers, under their own names.
    let key = format!("ops:{}", username.trim());
    crate::throttle::check(state, &key, client).await?;
    let text = password_text.to_owned();
    let Some(row) = state.store.operator_by_username(username.trim()).await? else {
        tokio::task::spawn_blocking(move || passwords::verify_dummy(&text)).await?;
        crate::throttle::failed(state, &key, client).await?;
        return Err(invalid());
    };
    let stored = row.password_hash.clone();
    if !tokio::task::spawn_blocking(move || passwords::verify(&text, &stored)).await? {
        crate::throttle::failed(state, &key, client).await?;
        audit::record(
            state,
            origin,
            "operator_login_failed",
            &format!("operator:{}", row.username),
            "",
        )
        .await?;
        return Err(invalid());
    }
    let owner = authenticator::Owner::Operator(row.id);
    if !authenticator::is_on(state, owner).await? {
        return Err(no_authenticator());
    }
    let Some(passed) = authenticator::check(state, owner, code).await? else {
        crate::throttle::failed(state, &key, client).await?;
        let target = format!("operator:{}", row.username);
        audit::record(state, origin, "operator_login_failed", &target, "authenticator code").await?;
        return Err(invalid());
    };
    crate::throttle::lift(state, &key).await?;
    let op = operator(row)?;
    if let authenticator::Passed::RecoveryCode { left } = passed {
        let origin = Origin::operator(&op.username, &origin.client);
        audit::owe(state, &origin, "recovery_code_used", "", &format!("{left} left")).await?;
    }
    audit::owe(
        state,
        &Origin::operator(&op.username, &origin.client),
        "operator_login",
        "",
        "",
    )
    .await?;
    let token = secrets::new_token(OPERATOR_PREFIX);
    let now = state.clock.now();
    let expires_at = now + TimeDelta::hours(OPERATOR_TOKEN_HOURS);
    state
        .store
        .insert_operator_token(
            &secrets::sha256_hex(&token),
            op.id,
            expires_at.timestamp_millis(),
            now.timestamp_millis(),
        )
        .await?;
    Ok(OperatorSession {
        access_token: token,
        expires_at,
        role: op.role,
    })
}

pub async fn authenticate(state: &AppState, token: &str) -> Result<Operator, ServerError> {
    let row = state
        .store
        .operator_by_token(&secrets::sha256_hex(token), state.clock.now_ms())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "missing, expired or unknown operator token"))?;
    operator(row)
}

/// Ends the operator's token: the logout of the back office.
pub async fn logout(state: &AppState, op: &Operator, origin: &Origin, token: &str) -> Result<(), ServerError> {
    audit::owe(
        state,
        origin,
        "operator_logout",
        &format!("operator:{}", op.username),
        "",
    )
    .await?;
    state
        .store
        .revoke_operator_token(&secrets::sha256_hex(token), state.clock.now_ms())
        .await?;
    Ok(())
}

/// An admin disables an operator: its tokens stop at once and its login
/// answers like an unknown name's.
pub async fn disable_operator(state: &AppState, origin: &Origin, username: &str) -> Result<(), ServerError> {
    audit::owe(
        state,
        origin,
        "disable_operator",
        &format!("operator:{}", username.trim()),
        "",
    )
    .await?;
    if !state
        .store
        .disable_operator(username.trim(), state.clock.now_ms())
        .await?
    {
        return Err(ApiError::new(ErrorCode::NotFound, "no enabled operator has this name").into());
    }
    Ok(())
}

pub async fn audit_log(state: &AppState, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>, ServerError> {
    let rows = state.store.audit_log(after_id, limit.clamp(1, 1000)).await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: DateTime::from_timestamp_millis(r.at).unwrap_or_default(),
            actor: r.actor,
            action: r.action,
            target: r.target,
            details: r.details,
            client: r.client,
        })
        .collect())
}

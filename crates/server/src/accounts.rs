//! Accounts: invitation (A1), registration (A2, A3), recovery and reset
//! (A5, A6), password change, profile (A8, B5) and sub-users (A9).

use crate::audit::{self, Origin};
use crate::delivery::{audit_row, defer};
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

/// A2: contract number + module number + tax code + e-mail.
pub async fn register_by_contract(
    state: &AppState,
    origin: &Origin,
    req: RegisterByContract,
) -> Result<Registered, ServerError> {
    let contract_no = required("contract_no", &req.contract_no, 20)?;
    let module_no = required("module_no", &req.module_no, 10)?;
    let tax_code = parse_tax_code(&req.tax_code)?;
    let email = parse_email("email", &req.email)?;
    let Some((customer, contract_id)) = state.store.customer_by_contract(contract_no, module_no).await? else {
        return Err(details_mismatch());
    };
    if !same_tax_code(&customer.tax_code, &tax_code) {
        return Err(details_mismatch());
    }
    require_pec(&email, customer.is_legal_person())?;
    let main = state.store.main_user(customer.id).await?;
    if main
        .as_ref()
        .is_some_and(|u| u.must_change_password == 0 && u.active == 1)
    {
        return Err(ApiError::new(
            ErrorCode::AlreadyRegistered,
            "this customer is already registered: log in, or recover the login",
        )
        .into());
    }
    let now = state.clock.now_ms();
    let wait_ms = state.config.auth.registration_retry_minutes * 60_000;
    let registered_at = state.store.latest_registration(customer.id).await?;
    if let Some(user) = &main {
        refuse_takeover(state, user, registered_at.is_some()).await?;
    }
    if let Some(at) = registered_at {
        if now - at < wait_ms {
            let minutes = (at + wait_ms - now + 59_999) / 60_000;
            return Err(ApiError::new(
                ErrorCode::RegistrationPending,
                format!("this contract was registered moments ago: check the e-mail, or repeat in {minutes} minutes"),
            )
            .with_field("retry_after_minutes", minutes.to_string())
            .into());
        }
    }
    let language = req.language.unwrap_or(Language::It).as_str();
    let code = customer.code.clone().unwrap_or_else(|| customer.id.to_string());
    let holder = holder_of(
        main.as_ref(),
        customer.id,
        &code,
        &customer.name,
        email.as_str(),
        language,
    );
    let name = main
        .as_ref()
        .map_or(customer.name.as_str(), |u| u.display_name.as_str());
    let w = Welcomed {
        username: main.as_ref().map_or(code.as_str(), |u| u.username.as_str()),
        email: email.as_str(),
        language,
        name,
    };
    if let Some(first) = main.as_ref().filter(|u| !u.email.eq_ignore_ascii_case(email.as_str())) {
        let notice =
            mails::registration_readdressed(first, &secrets::mask_email(email.as_str()), &state.config.company.name);
        defer(state, vec![Effect::Mail(notice.into())]).await?;
    }
    let audit = audit_row(
        origin,
        "register_by_contract",
        &format!("customer:{code}"),
        &format!("contract {contract_no}/{module_no}"),
    );
    defer(state, vec![Effect::Audit(audit)]).await?;
    let along = Along::ContractRegistration {
        customer_id: customer.id,
        contract_id: Some(contract_id),
    };
    welcome(state, Welcome::Registration, holder, &w, along).await?;
    Ok(Registered {
        sent_to: secrets::mask_email(email.as_str()),
        pending_approval: false,
    })
}

/// A2 as ruled: a registration repeated after the wait may send the
/// temporary password to a new address only for an account that this
/// self-registration created and nobody ever logged in to. An account the
/// company invited, or one ever used, is never re-addressed by contract data
/// alone: its owner logs in, or recovers the login at the registered address.
async fn refuse_takeover(
    state: &AppState,
    user: &crate::store::accounts::MainUser,
    self_registered: bool,
) -> Result<(), ServerError> {
    let activated = user.must_change_password == 0 && user.active == 1;
    if activated || !self_registered || state.store.ever_logged_in(user.id).await? {
        return Err(ApiError::new(
            ErrorCode::AlreadyRegistered,
            "this customer is already registered: log in, or recover the login",
        )
        .into());
    }
    Ok(())
}

/// A3: a new customer by category, waiting for an operator.
pub async fn register_by_category(
    state: &AppState,
    origin: &Origin,
    req: RegisterByCategory,
) -> Result<Registered, ServerError> {
    let name = required("name", &req.name, 200)?;
    let tax_code = parse_tax_code(&req.tax_code)?;
    match (req.category, &tax_code) {
        (Category::Private, TaxCode::Company(_)) => {
            return Err(bad(
                "tax_code",
                "person_expected",
                "a private customer registers with a personal tax code",
            ))
        }
        (Category::Company, TaxCode::Person(_)) => {
            return Err(bad(
                "tax_code",
                "company_expected",
                "a company registers with its 11-digit tax code or VAT number",
            ))
        }
        _ => {}
    }
    let email = parse_email("email", &req.email)?;
    require_pec(&email, req.category.is_legal_person())?;
    let agreement = match req.agreement_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) if !state.store.agreement_exists(code).await? => {
            return Err(bad("agreement_code", "unknown", "no agreement has this code"))
        }
        other => other,
    };
    if state.store.customer_by_tax_code(tax_code.as_str()).await?.is_some() {
        return Err(ApiError::new(
            ErrorCode::AlreadyRegistered,
            "a customer with this tax code is already registered: log in, or recover the login",
        )
        .into());
    }
    let billing = match &req.billing {
        Some(b) => Some(crate::shop::checked_billing(name, tax_code.as_str(), b)?),
        None => None,
    };
    let language = req.language.unwrap_or(Language::It).as_str();
    let kind = if req.category.is_legal_person() {
        "company"
    } else {
        "person"
    };
    let customer = NewCustomer {
        code: "",
        kind,
        name,
        tax_code: tax_code.as_str(),
        email: email.as_str(),
    };
    // The acknowledgement and the audit row (naming the new customer's
    // code) commit with the registration.
    let mail = mails::registration_received(email.as_str(), language, name, &state.config.company.name);
    defer(state, vec![Effect::Mail(mail.into())]).await?;
    let details = format!(
        "category {}, agreement {}",
        req.category.as_str(),
        agreement.unwrap_or("none")
    );
    let origin = origin.clone();
    crate::delivery::defer_created(move |created| {
        let target = format!("customer:{}", created.code);
        vec![Effect::Audit(audit_row(
            &origin,
            "register_by_category",
            &target,
            &details,
        ))]
    })?;
    let address = billing.as_ref().map(|b| b.address());
    let pending = PendingCustomer {
        customer: &customer,
        category: req.category.as_str(),
        display_name: name,
        language,
        billing: address.as_ref(),
        agreement,
    };
    state
        .store
        .insert_pending_customer(&pending, state.clock.now_ms())
        .await?;
    Ok(Registered {
        sent_to: secrets::mask_email(email.as_str()),
        pending_approval: true,
    })
}

/// O1: an operator approves or rejects a registration by category; the
/// decision reaches the customer by e-mail (with the credentials when
/// approved) and, once logged in, as a notification.
pub async fn decide_registration(
    state: &AppState,
    origin: &Origin,
    customer_id: i64,
    approve: bool,
) -> Result<(), ServerError> {
    let not_pending = || {
        ServerError::from(ApiError::new(
            ErrorCode::NotFound,
            "no pending registration with this id",
        ))
    };
    let user = state.store.main_user(customer_id).await?.ok_or_else(not_pending)?;
    let action = if approve {
        "approve_registration"
    } else {
        "reject_registration"
    };
    let audit = audit_row(origin, action, &format!("customer:{}", user.username), "");
    defer(state, vec![Effect::Audit(audit)]).await?;
    let decided = if approve {
        defer(state, vec![approval_notice(customer_id, &user.language)]).await?;
        let w = Welcomed {
            username: &user.username,
            email: &user.email,
            language: &user.language,
            name: &user.display_name,
        };
        let along = Along::Approval { customer_id };
        welcome(state, Welcome::Approval, Holder::Existing(user.id), &w, along).await?
    } else {
        let mail = mails::registration_rejected(
            &user.email,
            &user.language,
            &user.display_name,
            &state.config.company.name,
        );
        defer(state, vec![Effect::Mail(mail.into())]).await?;
        state
            .store
            .reject_registration(customer_id, state.clock.now_ms())
            .await?
    };
    if !decided {
        return Err(not_pending());
    }
    Ok(())
}

/// The bell's welcome for a customer whose registration was approved.
fn approval_notice(customer_id: i64, language: &str) -> Effect {
    let (title, body) = if language == "en" {
        ("Registration approved", "Welcome to Sportello: your registration was approved. Here you will find your contracts, invoices and requests.")
    } else {
        (
            "Registrazione approvata",
            "Benvenuto in Sportello: la registrazione è stata approvata. Qui trovi contratti, fatture e richieste.",
        )
    };
    Effect::Notification(Box::new(NewNotification {
        customer_id: Some(customer_id),
        kind: sportello_domain::api::notifications::NotificationKind::Broadcast
            .as_str()
            .to_owned(),
        request_id: None,
        order_id: None,
        quote_id: None,
        title: title.to_owned(),
        body: body.to_owned(),
    }))
}

/// O1: an operator decides an agreement request (A3); the customer is told by notification.
pub async fn decide_agreement(
    state: &AppState,
    origin: &Origin,
    request_id: i64,
    approve: bool,
) -> Result<(), ServerError> {
    let action = if approve {
        "approve_agreement"
    } else {
        "reject_agreement"
    };
    // The audit row commits with the decision.
    let audit = audit_row(origin, action, &format!("agreement_request:{request_id}"), "");
    defer(state, vec![Effect::Audit(audit)]).await?;
    let now = state.clock.now_ms();
    if state.store.decide_agreement(request_id, approve, now).await?.is_none() {
        return Err(ApiError::new(ErrorCode::NotFound, "no pending agreement request with this id").into());
    }
    Ok(())
}

/// A1: the company invites an existing customer; the main user is created if needed.
pub async fn invite(state: &AppState, origin: &Origin, inv: Invitation) -> Result<Invited, ServerError> {
    let customer = state
        .store
        .customer_by_code(inv.customer_code.trim())
        .await?
        .ok_or_else(|| bad("customer_code", "unknown", "no customer has this number"))?;
    let email = parse_email("email", &inv.email)?;
    require_pec(&email, customer.is_legal_person())?;
    let main = state.store.main_user(customer.id).await?;
    if main
        .as_ref()
        .is_some_and(|u| u.must_change_password == 0 && u.active == 1)
    {
        return Err(ApiError::new(ErrorCode::AlreadyRegistered, "this customer already uses Sportello").into());
    }
    let code = customer.code.clone().unwrap_or_else(|| customer.id.to_string());
    let name = inv.display_name.as_deref().unwrap_or(&customer.name).to_owned();
    let language = main.as_ref().map_or("it", |u| u.language.as_str());
    let holder = holder_of(main.as_ref(), customer.id, &code, &name, email.as_str(), language);
    let w = Welcomed {
        username: &code,
        email: email.as_str(),
        language,
        name: &name,
    };
    let audit = audit_row(origin, "invite_customer", &format!("customer:{code}"), "");
    defer(state, vec![Effect::Audit(audit)]).await?;
    welcome(state, Welcome::Invitation, holder, &w, Along::Nothing).await?;
    Ok(Invited {
        username: code,
        sent_to: secrets::mask_email(email.as_str()),
    })
}

/// The answer an invitation gave, for a replay of its Idempotency-Key.
pub async fn invited(state: &AppState, inv: &Invitation) -> Result<Invited, ServerError> {
    let customer = state
        .store
        .customer_by_code(inv.customer_code.trim())
        .await?
        .ok_or_else(|| bad("customer_code", "unknown", "no customer has this number"))?;
    Ok(Invited {
        username: customer.code.unwrap_or_else(|| customer.id.to_string()),
        sent_to: secrets::mask_email(parse_email("email", &inv.email)?.as_str()),
    })
}

/// Starts a reset for a user: a code and a link to the user's address.
async fn start_reset(state: &AppState, user: &crate::store::users::UserRow) -> Result<String, ServerError> {
    start_reset_with(state, user, mails::reset).await
}

/// A reset code and link for `user`, e-mailed in the words `mail` gives
/// them (a plain reset, or the notice of a login lock), stored and queued in
/// one commit with what the request deferred before; returns the reset id.
pub(crate) async fn start_reset_with(
    state: &AppState,
    user: &crate::store::users::UserRow,
    mail: impl for<'a> FnOnce(&mails::ResetMail<'a>) -> crate::mail::Mail<'a>,
) -> Result<String, ServerError> {
    let reset_id = secrets::new_id();
    let code = secrets::new_code();
    let token = secrets::new_token(RESET_PREFIX);
    let ttl = state.config.auth.reset_ttl_secs;
    let stored = NewAccountToken {
        id: reset_id.clone(),
        user_id: user.id,
        purpose: "reset",
        link_hash: Some(secrets::sha256_hex(&token)),
        code_hash: Some(secrets::code_hash(&reset_id, &code)),
        new_email: None,
        expires_at: (state.clock.now() + TimeDelta::seconds(ttl)).timestamp_millis(),
    };
    let link = format!("sportello://reset?token={token}");
    let mail = mail(&mails::ResetMail {
        to: &user.email,
        language: &user.language,
        name: &user.display_name,
        username: &user.username,
        code: &code,
        link: &link,
        minutes: ttl / 60,
        company: &state.config.company.name,
    });
    defer(state, vec![Effect::Token(Box::new(stored)), Effect::Mail(mail.into())]).await?;
    state.store.commit_deferred(state.clock.now_ms()).await?;
    Ok(reset_id)
}

/// A5: recovery of a locked or forgotten login with the contract data. The
/// reset (with the username) goes to the address the account is registered
/// with; the answer is the same for data that match no registered customer,
/// so it tells nobody which contracts or tax codes are customers'.
pub async fn recover(state: &AppState, origin: &Origin, req: RecoverRequest) -> Result<ResetStarted, ServerError> {
    let contract_no = required("contract_no", &req.contract_no, 20)?;
    let module_no = required("module_no", &req.module_no, 10)?;
    let tax_code = parse_tax_code(&req.tax_code)?;
    let user = match state.store.customer_by_contract(contract_no, module_no).await? {
        Some((customer, _)) if same_tax_code(&customer.tax_code, &tax_code) => {
            match state.store.main_user(customer.id).await? {
                Some(main) => state.store.user(main.id).await?,
                None => None,
            }
        }
        _ => None,
    };
    let Some(user) = user else {
        audit::record(
            state,
            origin,
            "recover_login_unmatched",
            &format!("contract:{contract_no}/{module_no}"),
            "",
        )
        .await?;
        return Ok(ResetStarted {
            reset_id: secrets::new_id(),
        });
    };
    let audit = audit_row(origin, "recover_login", &format!("customer:{}", user.username), "");
    defer(state, vec![Effect::Audit(audit)]).await?;
    let reset_id = start_reset(state, &user).await?;
    Ok(ResetStarted { reset_id })
}

/// A6: a reset e-mail for a username, or for the account(s) of an e-mail
/// address (the seeds' "indirizzo mail (PEC) collegato all'account"). The
/// answer is the same whether or not the name or address exists, so it
/// cannot be used to find either. An address shared by several logins gets
/// one message per login, each with its own link; the code goes with the
/// first one's `reset_id`.
pub async fn request_reset(state: &AppState, origin: &Origin, req: ResetRequest) -> Result<ResetStarted, ServerError> {
    let name = required("username", &req.username, 254)?;
    let users = if name.contains('@') {
        state.store.users_by_email(name).await?
    } else {
        state.store.user_by_username(name).await?.into_iter().collect()
    };
    let mut reset_id = None;
    for user in &users {
        let audit = audit_row(origin, "request_reset", &format!("customer:{}", user.username), "");
        defer(state, vec![Effect::Audit(audit)]).await?;
        let id = start_reset(state, user).await?;
        reset_id.get_or_insert(id);
    }
    Ok(ResetStarted {
        reset_id: reset_id.unwrap_or_else(secrets::new_id),
    })
}

/// Finds the token a reset presents: a code with its reset id, or a link token.
async fn presented_token(state: &AppState, req: &CompleteReset) -> Result<AccountToken, ServerError> {
    let now = state.clock.now_ms();
    let token = match (&req.reset_id, &req.code, &req.token) {
        (_, _, Some(link)) => {
            state
                .store
                .account_token_by_link(&secrets::sha256_hex(link.trim()))
                .await?
        }
        (Some(id), Some(_), None) => match state.store.account_token(id).await? {
            Some(token) => Some(token),
            None => return Err(unknown_reset(state, id).await),
        },
        _ => {
            return Err(bad(
                "code",
                "required",
                "give the e-mailed code with its reset_id, or the link's token",
            ))
        }
    };
    let token = token
        .filter(|t| t.purpose == "reset" || t.purpose == "invite")
        .ok_or_else(code_expired)?;
    if token.used_at.is_some() || token.expires_at <= now {
        return Err(code_expired());
    }
    if let (Some(code), Some(expected), None) = (&req.code, &token.code_hash, &req.token) {
        let attempts = state.store.count_token_attempt(&token.id).await?;
        if attempts > state.config.auth.code_max_attempts {
            return Err(ApiError::new(ErrorCode::TooManyAttempts, "too many wrong codes: ask for a new one").into());
        }
        if !secrets::constant_time_eq(&secrets::code_hash(&token.id, code.trim()), expected) {
            return Err(ApiError::new(ErrorCode::InvalidCode, "wrong code").into());
        }
    }
    Ok(token)
}

/// A code quoted with a reset id the server never gave (or one of an answer
/// for data that matched no account) is refused as a wrong code, and after
/// as many tries as a real one allows, as too many: the code step tells
/// nothing that the request step did not.
async fn unknown_reset(state: &AppState, reset_id: &str) -> ServerError {
    let allowed = state.config.auth.code_max_attempts;
    let window = state.config.auth.reset_ttl_secs;
    let key = format!("unknown-reset:{reset_id}");
    match state
        .limiter
        .count(&state.clock, "reset_code", &key, allowed, window)
        .await
    {
        Ok(Ok(())) => ApiError::new(ErrorCode::InvalidCode, "wrong code").into(),
        Ok(Err(_)) => ApiError::new(ErrorCode::TooManyAttempts, "too many wrong codes: ask for a new one").into(),
        Err(e) => e.into(),
    }
}

/// A6 (and the invitation link of A1): a new password from a code or a link.
/// The new password replaces the old one, lifts a lock and ends every session.
pub async fn complete_reset(state: &AppState, origin: &Origin, req: CompleteReset) -> Result<(), ServerError> {
    if req.new_password.len() > MAX_PASSWORD_BYTES {
        return Err(bad("new_password", "too_long", "a password has at most 128 characters"));
    }
    let token = presented_token(state, &req).await?;
    let user = state.store.user(token.user_id).await?.ok_or_else(code_expired)?;
    check_new_password("new_password", &req.new_password, &user.username)?;
    let hashed = hash(req.new_password).await?;
    if token.purpose == "reset" {
        tell_password_changed(state, &user, true).await?;
    }
    let action = if token.purpose == "invite" {
        "accept_invitation"
    } else {
        "reset_password"
    };
    let audit = audit_row(origin, action, &format!("customer:{}", user.username), "");
    defer(state, vec![Effect::Audit(audit)]).await?;
    let now = state.clock.now_ms();
    let done = state
        .store
        .replace_password(user.id, &hashed, Some(&token.id), None, "password_reset", now)
        .await?;
    if !done {
        return Err(code_expired());
    }
    crate::throttle::lift(state, &user.username).await
}

/// A logged-in user changes password; required after a temporary one.
pub async fn change_password(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    req: ChangePassword,
) -> Result<(), ServerError> {
    if req.new_password.len() > MAX_PASSWORD_BYTES || req.current_password.len() > MAX_PASSWORD_BYTES {
        return Err(bad("new_password", "too_long", "a password has at most 128 characters"));
    }
    let user = state
        .store
        .user(who.user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "the user no longer exists"))?;
    if !verify(req.current_password.clone(), user.password_hash.clone()).await? {
        return Err(bad("current_password", "wrong", "the current password is wrong"));
    }
    check_new_password("new_password", &req.new_password, &user.username)?;
    if req.new_password == req.current_password {
        return Err(bad(
            "new_password",
            "same_as_current",
            "choose a password different from the current one",
        ));
    }
    let hashed = hash(req.new_password).await?;
    tell_password_changed(state, &user, false).await?;
    let audit = audit_row(origin, "change_password", &format!("customer:{}", user.username), "");
    defer(state, vec![Effect::Audit(audit)]).await?;
    let now = state.clock.now_ms();
    let keep = Some(who.session_id.as_str());
    state
        .store
        .replace_password(user.id, &hashed, None, keep, "password_changed", now)
        .await?;
    Ok(())
}

pub async fn profile(state: &AppState, user_id: i64) -> Result<Profile, ServerError> {
    let p = state
        .store
        .profile(user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "the user no longer exists"))?;
    Ok(Profile {
        username: p.username,
        display_name: p.display_name,
        customer_name: p.customer_name,
        language: Language::parse(&p.language).unwrap_or(Language::It),
        email: p.email,
        secondary_email: p.secondary_email,
        paper_invoices: p.paper_invoices != 0,
        rights: Right::of_user(p.parent_username.is_some(), &p.rights),
        parent_username: p.parent_username,
        must_change_password: p.must_change_password != 0,
    })
}

/// A8, B5: settings of the profile page. Paper invoices are the customer's,
/// so only the main user changes them.
pub async fn update_profile(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    req: ProfileUpdate,
) -> Result<Profile, ServerError> {
    let current = profile(state, who.user_id).await?;
    let display_name = match &req.display_name {
        Some(name) => required("display_name", name, 100)?.to_owned(),
        None => current.display_name.clone(),
    };
    let secondary = match req.secondary_email.as_deref().map(str::trim) {
        Some("") => None,
        Some(text) => Some(parse_email("secondary_email", text)?.as_str().to_owned()),
        None => current.secondary_email.clone(),
    };
    if req.paper_invoices.is_some() && who.parent_id.is_some() {
        return Err(forbidden("only the main user changes how invoices are delivered"));
    }
    let language = req.language.unwrap_or(current.language);
    let settings = Settings {
        display_name: &display_name,
        language: language.as_str(),
        secondary_email: secondary.as_deref(),
        paper_invoices: req.paper_invoices,
    };
    let details = format!(
        "language {}, paper invoices {}",
        language.as_str(),
        req.paper_invoices.map_or("unchanged".into(), |p| p.to_string())
    );
    audit::owe(
        state,
        origin,
        "update_profile",
        &format!("customer:{}", who.username),
        &details,
    )
    .await?;
    state
        .store
        .update_settings(who.user_id, who.customer_id, &settings, state.clock.now_ms())
        .await?;
    profile(state, who.user_id).await
}

/// A8: a new primary address is used once confirmed with a code sent to it.
pub async fn start_email_change(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    req: EmailChange,
) -> Result<EmailChangeStarted, ServerError> {
    let email = parse_email("email", &req.email)?;
    step_up(state, who, &req.current_password).await?;
    if who.parent_id.is_none() {
        let legal = state
            .store
            .customer(who.customer_id)
            .await?
            .is_some_and(|c| c.is_legal_person());
        require_pec(&email, legal)?;
    }
    let me = profile(state, who.user_id).await?;
    let change_id = secrets::new_id();
    let code = secrets::new_code();
    let ttl = state.config.auth.reset_ttl_secs;
    let stored = NewAccountToken {
        id: change_id.clone(),
        user_id: who.user_id,
        purpose: "email_change",
        link_hash: None,
        code_hash: Some(secrets::code_hash(&change_id, &code)),
        new_email: Some(email.as_str().to_owned()),
        expires_at: (state.clock.now() + TimeDelta::seconds(ttl)).timestamp_millis(),
    };
    let company = &state.config.company.name;
    let mail = mails::email_change_code(
        email.as_str(),
        me.language.as_str(),
        &me.display_name,
        &code,
        ttl / 60,
        company,
    );
    let audit = audit_row(origin, "start_email_change", &format!("customer:{}", who.username), "");
    let effects = vec![
        Effect::Token(Box::new(stored)),
        Effect::Mail(mail.into()),
        Effect::Audit(audit),
    ];
    defer(state, effects).await?;
    state.store.commit_deferred(state.clock.now_ms()).await?;
    Ok(EmailChangeStarted {
        change_id,
        sent_to: secrets::mask_email(email.as_str()),
    })
}

pub async fn confirm_email_change(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    req: EmailChangeConfirm,
) -> Result<Profile, ServerError> {
    let now = state.clock.now_ms();
    let token = state
        .store
        .account_token(&req.change_id)
        .await?
        .filter(|t| {
            t.purpose == "email_change" && t.user_id == who.user_id && t.used_at.is_none() && t.expires_at > now
        })
        .ok_or_else(code_expired)?;
    let attempts = state.store.count_token_attempt(&token.id).await?;
    if attempts > state.config.auth.code_max_attempts {
        return Err(ApiError::new(ErrorCode::TooManyAttempts, "too many wrong codes: ask for a new one").into());
    }
    let expected = token.code_hash.as_deref().unwrap_or_default();
    if !secrets::constant_time_eq(&secrets::code_hash(&token.id, req.code.trim()), expected) {
        return Err(ApiError::new(ErrorCode::InvalidCode, "wrong code").into());
    }
    let new_email = token.new_email.clone().unwrap_or_default();
    let before = profile(state, who.user_id).await?;
    let company = &state.config.company.name;
    let mail = mails::email_changed(
        &before.email,
        before.language.as_str(),
        &before.display_name,
        &new_email,
        company,
    );
    let audit = audit_row(origin, "change_email", &format!("customer:{}", who.username), "");
    defer(state, vec![Effect::Mail(mail.into()), Effect::Audit(audit)]).await?;
    let changed = state
        .store
        .set_user_email(
            (who.user_id, who.customer_id),
            &token.id,
            &new_email,
            &who.session_id,
            now,
        )
        .await?;
    if !changed {
        return Err(code_expired());
    }
    profile(state, who.user_id).await
}

/// Step-up: a sensitive change asks for the password again, checked like a
/// login's (the same work whether right or wrong).
pub(crate) async fn step_up(state: &AppState, who: &Principal, password: &str) -> Result<(), ServerError> {
    if password.is_empty() {
        return Err(bad("current_password", "required", "give your password to change this"));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(bad("current_password", "wrong", "the password is wrong"));
    }
    let user = state
        .store
        .user(who.user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "the user no longer exists"))?;
    if !verify(password.to_owned(), user.password_hash).await? {
        return Err(bad("current_password", "wrong", "the password is wrong"));
    }
    Ok(())
}

/// The notice to the account's address that its password changed (by the
/// user, or through a reset), so that a change by someone else is seen;
/// deferred to the commit of the change.
async fn tell_password_changed(
    state: &AppState,
    user: &crate::store::users::UserRow,
    reset: bool,
) -> Result<(), ServerError> {
    let mail = mails::password_changed(&mails::Owner::of(user, &state.config.company.name), reset);
    defer(state, vec![Effect::Mail(mail.into())]).await
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

fn sub_user(row: SubUserRow, parent: &str) -> SubUser {
    SubUser {
        username: row.username,
        first_name: row.first_name,
        last_name: row.last_name,
        email: row.email,
        secondary_email: row.secondary_email,
        language: Language::parse(&row.language).unwrap_or(Language::It),
        parent_username: parent.to_owned(),
        rights: Right::split(&row.rights),
    }
}

/// Validated fields of the sub-user form.
struct CheckedForm {
    first_name: String,
    last_name: String,
    email: Email,
    secondary_email: Option<Email>,
    language: Language,
    rights: String,
}

impl CheckedForm {
    fn parse(form: &SubUserForm) -> Result<CheckedForm, ServerError> {
        let secondary_email = match form.secondary_email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(parse_email("secondary_email", text)?),
        };
        Ok(CheckedForm {
            first_name: required("first_name", &form.first_name, 100)?.to_owned(),
            last_name: required("last_name", &form.last_name, 100)?.to_owned(),
            email: parse_email("email", &form.email)?,
            secondary_email,
            language: form.language,
            rights: Right::join(form.rights.as_deref().unwrap_or_default()),
        })
    }

    fn fields(&self) -> SubUserFields<'_> {
        SubUserFields {
            first_name: &self.first_name,
            last_name: &self.last_name,
            email: self.email.as_str(),
            secondary_email: self.secondary_email.as_ref().map(Email::as_str),
            language: self.language.as_str(),
            rights: &self.rights,
        }
    }
}

/// The caller's sub-users by id, oldest first, after the one with id
/// `after_id`: at most `limit`, each with its id for the next page's cursor.
pub async fn list_sub_users(
    state: &AppState,
    who: &Principal,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, SubUser)>, ServerError> {
    main_user_only(who)?;
    let rows = state.store.sub_users(who.user_id, after_id, limit).await?;
    Ok(rows.into_iter().map(|r| (r.id, sub_user(r, &who.username))).collect())
}

/// A9: `<parent>.<n>` with its own invitation e-mail.
pub async fn create_sub_user(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    form: SubUserForm,
) -> Result<SubUser, ServerError> {
    main_user_only(who)?;
    let checked = CheckedForm::parse(&form)?;
    let (plain, stored, expires_at) = temporary(state).await?;
    let temp = TemporaryPassword {
        hash: &stored,
        expires_at,
    };
    // The welcome (token and e-mail) and the audit row name the new
    // sub-user, so they are written by the commit that creates it.
    let (st, origin) = (state.clone(), origin.clone());
    let (email, language) = (checked.email.as_str().to_owned(), checked.language.as_str());
    let (name, rights) = (
        format!("{} {}", checked.first_name, checked.last_name),
        checked.rights.clone(),
    );
    crate::delivery::defer_created(move |created| {
        let w = Welcomed {
            username: &created.code,
            email: &email,
            language,
            name: &name,
        };
        let mut effects = welcome_effects(&st, Welcome::SubUser, created.id, &w, &plain);
        let target = format!("customer:{}", created.code);
        effects.push(Effect::Audit(audit_row(&origin, "create_sub_user", &target, &rights)));
        effects
    })?;
    let now = state.clock.now_ms();
    let (_, username) = state
        .store
        .insert_sub_user(who.user_id, &checked.fields(), &temp, now)
        .await?;
    let row = state
        .store
        .sub_user(who.user_id, &username)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the new sub-user vanished"))?;
    Ok(sub_user(row, &who.username))
}

/// A sub-user of the caller's, by id.
pub async fn sub_user_by_id(state: &AppState, who: &Principal, id: i64) -> Result<SubUser, ServerError> {
    let row = state.store.sub_user_by_id(who.user_id, id).await?;
    Ok(sub_user(
        row.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such sub-user"))?,
        &who.username,
    ))
}

async fn own_sub_user(state: &AppState, who: &Principal, username: &str) -> Result<SubUserRow, ServerError> {
    main_user_only(who)?;
    state
        .store
        .sub_user(who.user_id, username)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no sub-user of yours has this username").into())
}

pub async fn update_sub_user(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    username: &str,
    form: SubUserForm,
) -> Result<SubUser, ServerError> {
    let row = own_sub_user(state, who, username).await?;
    let checked = CheckedForm::parse(&form)?;
    let audit = audit_row(
        origin,
        "update_sub_user",
        &format!("customer:{username}"),
        &checked.rights,
    );
    defer(state, vec![Effect::Audit(audit)]).await?;
    state
        .store
        .update_sub_user(&row, who.customer_id, &checked.fields(), state.clock.now_ms())
        .await?;
    let row = own_sub_user(state, who, username).await?;
    Ok(sub_user(row, &who.username))
}

pub async fn delete_sub_user(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    username: &str,
) -> Result<(), ServerError> {
    let row = own_sub_user(state, who, username).await?;
    let audit = audit_row(origin, "delete_sub_user", &format!("customer:{username}"), "");
    defer(state, vec![Effect::Audit(audit)]).await?;
    state
        .store
        .delete_sub_user(&row, who.customer_id, state.clock.now_ms())
        .await?;
    Ok(())
}

//! Recovery (A5), reset by code or link (A6) and password change.

use super::*;

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

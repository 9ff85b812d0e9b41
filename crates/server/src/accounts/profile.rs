//! Profile, language, paper invoices (A8, B5) and a new primary e-mail
//! confirmed on it; the step-up a sensitive change asks for.

use super::*;

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
        desk_emails: p.desk_emails != 0,
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
        desk_emails: req.desk_emails.unwrap_or(current.desk_emails),
    };
    let details = format!(
        "language {}, paper invoices {}, desk e-mails {}",
        language.as_str(),
        req.paper_invoices.map_or("unchanged".into(), |p| p.to_string()),
        req.desk_emails.map_or("unchanged".into(), |d| d.to_string())
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

//! Invitation (A1), registration by contract (A2) and by category (A3),
//! and the operators' decisions on registrations and agreement requests.

use super::*;

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
        Some(b) => Some(super::checked_billing(name, tax_code.as_str(), b)?),
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
        contract_id: None,
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

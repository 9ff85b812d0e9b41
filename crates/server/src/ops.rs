//! The back office (O1): operator accounts with roles, and the actions only
//! operators take — desk replies, broadcasts, publishing invoices (B4) — plus
//! the audit log. The command line (`sportello-server admin`) calls the same
//! functions as the operator API.

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

/// A desk reply: a message on the thread, maybe a new status, and a notification to the customer.
pub async fn reply(
    state: &AppState,
    op: &Operator,
    origin: &Origin,
    request_id: i64,
    r: DeskReply,
) -> Result<RequestMessage, ServerError> {
    let writer = Writer {
        author: Author::Operator(op.id),
        customer_scope: None,
        origin,
    };
    // The customer's notice commits with the reply itself.
    let row = state
        .store
        .request(request_id, None)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such request"))?;
    notifications::defer_desk_message(state, row.customer_id, row.id, &row.title, r.body.trim()).await?;
    let msg = NewMessage {
        body: r.body,
        attachment_ids: r.attachment_ids,
    };
    Ok(requests::add_message(state, &writer, request_id, msg, r.status)
        .await?
        .1)
}

/// Moves a request to a new status and tells the customer.
pub async fn set_status(
    state: &AppState,
    origin: &Origin,
    request_id: i64,
    status: RequestStatus,
) -> Result<(), ServerError> {
    let row = state
        .store
        .request(request_id, None)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such request"))?;
    let text = match status {
        RequestStatus::Submitted => "Richiesta ricevuta / Request received",
        RequestStatus::InProgress => "Richiesta in lavorazione / Request in progress",
        RequestStatus::WaitingCustomer => "Servono tue informazioni / We need information from you",
        RequestStatus::Completed => "Richiesta completata / Request completed",
        RequestStatus::Rejected => "Richiesta respinta / Request rejected",
    };
    // The notice and the audit row commit with the status.
    notifications::defer_desk_message(state, row.customer_id, row.id, &row.title, text).await?;
    let target = format!("request:{}", row.code);
    let audit = audit_row(origin, "set_request_status", &target, status.as_str());
    crate::delivery::defer(state, vec![Effect::Audit(audit)]).await?;
    state
        .store
        .set_request_status(request_id, row.customer_id, status.as_str(), state.clock.now_ms())
        .await?;
    Ok(())
}

fn invoice_line(i: usize, l: &PublishLine) -> Result<InvoiceLine, ServerError> {
    let field = |name: &str| format!("lines[{i}].{name}");
    let description = l.description.trim();
    if description.is_empty() || description.chars().count() > 1000 {
        return Err(bad(
            &field("description"),
            "invalid",
            "a line has a description of 1 to 1000 characters",
        ));
    }
    if l.quantity <= Decimal::ZERO {
        return Err(bad(
            &field("quantity"),
            "not_positive",
            "the quantity must be above zero",
        ));
    }
    if l.unit_price.cents() <= 0 {
        return Err(bad(
            &field("unit_price"),
            "not_positive",
            "the unit price must be above zero",
        ));
    }
    if let Some((name, why)) = sportello_domain::invoice::line_amount_problem(l.quantity, l.unit_price) {
        return Err(bad(&field(name), "too_large", why));
    }
    if !VAT_RATES.iter().any(|r| Decimal::from(*r) == l.vat_rate) {
        return Err(bad(&field("vat_rate"), "invalid", "VAT rate is one of 0, 4, 5, 10, 22"));
    }
    let nature = match (l.vat_rate.is_zero(), l.nature.as_deref()) {
        (true, Some(code)) => {
            Some(VatNature::parse(code).ok_or_else(|| bad(&field("nature"), "invalid", "nature is N1 or N4"))?)
        }
        (true, None) => {
            return Err(bad(
                &field("nature"),
                "required",
                "a line at 0 % VAT needs its nature (N1 or N4)",
            ))
        }
        (false, Some(_)) => {
            return Err(bad(
                &field("nature"),
                "not_allowed",
                "only lines at 0 % VAT have a nature",
            ))
        }
        (false, None) => None,
    };
    Ok(InvoiceLine {
        description: description.to_owned(),
        quantity: l.quantity,
        unit_price: l.unit_price,
        vat_rate: l.vat_rate,
        nature,
        period: None,
    })
}

/// "1.234,56 €" for Italian readers, "€1,234.56" for English ones.
pub(crate) fn mail_amount(language: &str, money: sportello_domain::Money) -> String {
    let it = it_amount(money);
    if language == "en" {
        let en: String = it
            .chars()
            .map(|c| match c {
                '.' => ',',
                ',' => '.',
                other => other,
            })
            .collect();
        format!("€{en}")
    } else {
        format!("{it} €")
    }
}

/// B4: issues an invoice or credit note and e-mails the customer that it is available.
pub async fn publish_invoice(state: &AppState, origin: &Origin, p: PublishInvoice) -> Result<Published, ServerError> {
    let customer = state
        .store
        .customer_by_code(p.customer_code.trim())
        .await?
        .ok_or_else(|| bad("customer_code", "unknown", "no customer has this number"))?;
    let contract_id = match p.contract_no.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(label) => Some(
            state
                .store
                .contract_id_by_label(customer.id, label)
                .await?
                .ok_or_else(|| {
                    bad(
                        "contract_no",
                        "unknown",
                        "the customer has no contract with this number",
                    )
                })?,
        ),
        None => None,
    };
    if p.lines.is_empty() {
        return Err(bad("lines", "required", "a document has at least one line"));
    }
    if p.lines.len() > sportello_domain::invoice::MAX_LINES {
        return Err(bad("lines", "too_many", "a document has at most 1000 lines"));
    }
    let lines = p
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| invoice_line(i, l))
        .collect::<Result<Vec<_>, _>>()?;
    if p.due_on < p.issued_on {
        return Err(bad(
            "due_on",
            "before_issue",
            "the due date cannot precede the issue date",
        ));
    }
    let corrects_id = match (p.kind, p.corrects_number.as_deref()) {
        (DocumentKind::CreditNote, Some(number)) => Some(
            state
                .store
                .invoice_id_by_number(customer.id, number.trim())
                .await?
                .ok_or_else(|| {
                    bad(
                        "corrects_number",
                        "unknown",
                        "the customer has no invoice with this number",
                    )
                })?,
        ),
        (DocumentKind::CreditNote, None) => {
            return Err(bad(
                "corrects_number",
                "required",
                "a credit note names the invoice it corrects",
            ))
        }
        (DocumentKind::Invoice, Some(_)) => {
            return Err(bad(
                "corrects_number",
                "not_allowed",
                "only credit notes correct an invoice",
            ))
        }
        (DocumentKind::Invoice, None) => None,
    };
    let invoice = NewInvoice {
        customer_id: customer.id,
        contract_id,
        kind: p.kind,
        number: None,
        issued_on: p.issued_on,
        due_on: p.due_on,
        payment_method: p.payment_method,
        reason: p.reason.as_deref(),
        corrects_id,
        lines: &lines,
    };
    let audit = (origin.clone(), format!("customer {}", p.customer_code));
    crate::delivery::defer_created(move |created| {
        let (origin, details) = audit;
        let target = format!("invoice:{}", created.code);
        vec![Effect::Audit(audit_row(&origin, "publish_invoice", &target, &details))]
    })?;
    let (id, number, total) = issue(state, &customer.name, &invoice).await?;
    Ok(Published { id, number, total })
}

/// The answer of a publication, read back (a replay of its key).
pub async fn published(state: &AppState, id: i64) -> Result<Published, ServerError> {
    let (number, total) = state
        .store
        .invoice_number_and_total(id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such document"))?;
    Ok(Published {
        id,
        number,
        total: sportello_domain::Money::from_cents(total),
    })
}

/// Stores a document as published under the next number of its series,
/// announces it on the change feed and e-mails the customer, all in one
/// commit with what the request deferred. Returns its id, number and total.
pub(crate) async fn issue(
    state: &AppState,
    customer_name: &str,
    invoice: &NewInvoice<'_>,
) -> Result<(i64, String, sportello_domain::Money), ServerError> {
    let total = defer_invoice_notice(state, customer_name, invoice).await?;
    let (id, number) = state.store.publish_invoice(invoice, state.clock.now_ms()).await?;
    Ok((id, number, total))
}

/// Defers the customer's e-mail about a document to the commit that stores
/// it (which knows its number); returns the document's total.
pub(crate) async fn defer_invoice_notice(
    state: &AppState,
    customer_name: &str,
    invoice: &NewInvoice<'_>,
) -> Result<sportello_domain::Money, ServerError> {
    let total = Totals::of(invoice.lines).total;
    let notice = invoice_notice(
        state,
        invoice.customer_id,
        customer_name,
        invoice.kind,
        total,
        invoice.due_on,
    )
    .await?;
    if let Some(notice) = notice {
        crate::delivery::defer_created(move |created| vec![Effect::Mail(notice.mail(&created.code))])?;
    }
    Ok(total)
}

/// B4: the e-mail that tells the customer's main user a document is
/// available, all but its number (known once the document is stored).
pub(crate) struct InvoiceNoticeTo {
    to: String,
    language: String,
    name: String,
    credit_note: bool,
    total: String,
    due_on: String,
    company: String,
}

impl InvoiceNoticeTo {
    pub(crate) fn mail(&self, number: &str) -> QueuedMail {
        mails::invoice_published(&mails::InvoiceNotice {
            to: &self.to,
            language: &self.language,
            name: &self.name,
            credit_note: self.credit_note,
            number,
            total: &self.total,
            due_on: &self.due_on,
            company: &self.company,
        })
        .into()
    }
}

/// The invoice e-mail for a customer, or None when it has no active
/// Sportello user yet (the document still reaches it through SDI).
pub(crate) async fn invoice_notice(
    state: &AppState,
    customer_id: i64,
    customer_name: &str,
    kind: DocumentKind,
    total: sportello_domain::Money,
    due_on: chrono::NaiveDate,
) -> Result<Option<InvoiceNoticeTo>, ServerError> {
    let Some(user) = state.store.main_user(customer_id).await?.filter(|u| u.active == 1) else {
        return Ok(None);
    };
    let due_on = if user.language == "en" {
        due_on.format("%Y-%m-%d").to_string()
    } else {
        due_on.format("%d/%m/%Y").to_string()
    };
    let name = if user.display_name.is_empty() {
        customer_name.to_owned()
    } else {
        user.display_name.clone()
    };
    Ok(Some(InvoiceNoticeTo {
        total: mail_amount(&user.language, total),
        to: user.email,
        language: user.language,
        name,
        credit_note: kind == DocumentKind::CreditNote,
        due_on,
        company: state.config.company.name.clone(),
    }))
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

//! Self-service requests (S1–S5): validation of each form, the code and the
//! message thread, attachments checked by content and stored with a checksum.
//! Each form's checks are in `forms`.

mod forms;

use forms::{check_attachments, prepare};

use crate::accounts::bad;
use crate::attachments::attachment_info;
use crate::audit::audit_row;
use crate::audit::Origin;
use crate::store::auth::Principal;
use crate::store::requests::{ActiveContract, Author, NewMessageRow, NewRequestRow, RequestRow};
use crate::store::unit::Effect;
use crate::store::{date, to_u32, Keyset, Scope};
use crate::{AppState, ServerError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sportello_domain::api::accounts::Right;
use sportello_domain::api::requests::{
    ContractIban, MessageAuthor, NewMessage, NewRequest, PayoffFigure, PayoffInstallment, PayoffQuote, RequestDetail,
    RequestDetails, RequestKind, RequestMessage, RequestStatus, RequestSummary, RequestType, SelfServiceContext,
    MAX_MESSAGE_CHARS,
};
use sportello_domain::{ApiError, ErrorCode, Money};

/// Attachments a single message may carry.
const MAX_ATTACHMENTS: usize = 5;

/// The default requests of the free-request form (S3): (code, Italian, English).
const REQUEST_TYPES: &[(&str, &str, &str)] = &[
    (
        "documents_copy",
        "Copia documenti contrattuali",
        "Copy of contract documents",
    ),
    ("account_statement", "Estratto conto", "Account statement"),
    (
        "invoice_question",
        "Chiarimenti su una fattura",
        "Question about an invoice",
    ),
    ("insurance", "Informazioni assicurative", "Insurance information"),
    (
        "asset_report",
        "Segnalazione sul bene in leasing",
        "Report about a leased asset",
    ),
    ("other", "Altra richiesta", "Other request"),
];

pub fn request_types(language: &str) -> Vec<RequestType> {
    REQUEST_TYPES
        .iter()
        .map(|(code, it, en)| RequestType {
            code: (*code).into(),
            title: (if language == "en" { *en } else { *it }).into(),
        })
        .collect()
}

fn not_found() -> ServerError {
    ApiError::new(ErrorCode::NotFound, "no such request").into()
}

fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

async fn language(state: &AppState, who: &Principal) -> Result<String, ServerError> {
    Ok(state.store.user(who.user_id).await?.map_or("it".into(), |u| u.language))
}

fn label(c: &ActiveContract) -> String {
    format!("{}/{}", c.contract_no, c.module_no)
}

/// S1–S3: what the forms show before the customer types.
pub async fn context(state: &AppState, who: &Principal) -> Result<SelfServiceContext, ServerError> {
    let profile = state
        .store
        .profile(who.user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "the user no longer exists"))?;
    let province = profile.province.map(|p| format!(" ({p})")).unwrap_or_default();
    let current_address = format!(
        "{}, {} {}{province}, {}",
        profile.street, profile.postcode, profile.city, profile.country
    );
    let contracts = state.store.active_contracts_for_requests(who.customer_id).await?;
    Ok(SelfServiceContext {
        current_address,
        contracts: contracts
            .iter()
            .map(|c| ContractIban {
                id: c.id,
                contract_no: label(c),
                product: c.product.clone(),
                current_iban: c.iban.clone(),
            })
            .collect(),
        request_types: request_types(&profile.language),
    })
}

async fn own_active_contract(state: &AppState, who: &Principal, id: i64) -> Result<ActiveContract, ServerError> {
    state
        .store
        .active_contract(who.customer_id, id)
        .await?
        .ok_or_else(|| bad("contract_id", "unknown", "no active contract of yours has this id"))
}

/// S4: outstanding principal today and the installments that may be the last one paid.
pub async fn payoff(state: &AppState, who: &Principal, contract_id: i64) -> Result<PayoffQuote, ServerError> {
    let contract = state
        .store
        .active_contract(who.customer_id, contract_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no active contract of yours has this id"))?;
    let today = state.clock.today();
    let outstanding = state
        .store
        .outstanding_on(contract.id, today, Money::from_cents(contract.amount_cents))
        .await?;
    let mut installments = Vec::new();
    for (number, due_on, cents) in state.store.future_installments(contract.id, today).await? {
        installments.push(PayoffInstallment {
            number: to_u32(number),
            due_on: date(&due_on)?,
            amount: Money::from_cents(cents),
        });
    }
    Ok(PayoffQuote {
        contract_id: contract.id,
        as_of: today,
        outstanding_principal: outstanding,
        installments,
    })
}

/// S1–S4: validates and files a request; its code is `RIC-<year>-<n>`.
pub async fn create(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    req: NewRequest,
    password: Option<String>,
) -> Result<RequestDetail, ServerError> {
    crate::accounts::require(who, Right::for_request(req.kind()))?;
    // S1 asks for the password again (taken out of the request by the
    // caller, so that nothing kept holds it): bank details move money.
    if req.kind() == RequestKind::IbanChange {
        crate::accounts::step_up(state, who, password.as_deref().unwrap_or_default()).await?;
    }
    let en = language(state, who).await? == "en";
    let p = prepare(state, who, req, en).await?;
    if let RequestDetails::IbanChange {
        contract_no, new_iban, ..
    } = &p.details
    {
        tell_bank_change(state, who, contract_no, new_iban).await?;
    }
    let details = serde_json::to_string(&p.details).map_err(|e| ServerError::internal(e.to_string()))?;
    let row = NewRequestRow {
        customer_id: who.customer_id,
        user_id: who.user_id,
        kind: p.kind.as_str(),
        title: &p.title,
        contract_id: p.contract_id,
        details: &details,
        year: state.clock.today().year(),
    };
    let first = match (&p.message, p.attachments.is_empty()) {
        (None, true) => None,
        (text, _) => Some((text.as_deref().unwrap_or(""), p.attachments.as_slice())),
    };
    let (origin, kind) = (origin.clone(), p.kind.as_str());
    crate::delivery::defer_created(move |request| {
        let target = format!("request:{}", request.code);
        vec![Effect::Audit(audit_row(&origin, "create_request", &target, kind))]
    })?;
    let (id, _code) = state.store.insert_request(&row, first, state.clock.now_ms()).await?;
    detail(state, id, Some(who.customer_id)).await
}

fn summary(r: &RequestRow) -> Result<RequestSummary, ServerError> {
    let corrupt = |what: &str, v: &str| crate::store::corrupt(what, v);
    Ok(RequestSummary {
        id: r.id,
        code: r.code.clone(),
        kind: RequestKind::parse(&r.kind).ok_or_else(|| corrupt("request kind", &r.kind))?,
        title: r.title.clone(),
        status: RequestStatus::parse(&r.status).ok_or_else(|| corrupt("request status", &r.status))?,
        last_action_at: instant(r.updated_at),
    })
}

/// S5 and H3: a page of requests by last action, newest first, with one more
/// to tell whether another page follows; `customer_id` None lists all (operators).
pub async fn list(
    state: &AppState,
    customer_id: Option<i64>,
    status: Option<RequestStatus>,
    page: Keyset,
) -> Result<Vec<RequestSummary>, ServerError> {
    let scope = Scope {
        customer_id,
        status: status.map(RequestStatus::as_str),
    };
    let rows = state.store.list_requests(scope, page).await?;
    rows.iter().map(summary).collect()
}

/// A request with its thread; `customer_id` None for operators.
pub async fn detail(state: &AppState, id: i64, customer_id: Option<i64>) -> Result<RequestDetail, ServerError> {
    let row = state.store.request(id, customer_id).await?.ok_or_else(not_found)?;
    let details: RequestDetails =
        serde_json::from_str(&row.details).map_err(|_| crate::store::corrupt("request details", &row.code))?;
    let mut messages = Vec::new();
    for (m, attachments) in state.store.request_messages(id).await? {
        messages.push(RequestMessage {
            id: m.id,
            author: MessageAuthor::parse(&m.author).unwrap_or(MessageAuthor::Operator),
            author_name: m.author_name.unwrap_or_default(),
            body: m.body,
            created_at: instant(m.created_at),
            attachments: attachments.iter().map(attachment_info).collect(),
            payoff: m.payoff.as_deref().and_then(|p| serde_json::from_str(p).ok()),
        });
    }
    Ok(RequestDetail {
        summary: summary(&row)?,
        created_at: instant(row.created_at),
        details,
        messages,
    })
}

/// Who writes on a thread, and the request as they may see it.
pub struct Writer<'a> {
    pub author: Author,
    pub customer_scope: Option<i64>,
    pub origin: &'a Origin,
}

/// The notice to the account's address that new bank details were asked
/// for, so that a change by someone else is seen; it commits with the request.
async fn tell_bank_change(state: &AppState, who: &Principal, contract_no: &str, iban: &str) -> Result<(), ServerError> {
    let user = state
        .store
        .user(who.user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "the user no longer exists"))?;
    let ending = &iban[iban.len().saturating_sub(4)..];
    let owner = crate::mails::Owner::of(&user, &state.config.company.name);
    let mail = crate::mails::bank_details_requested(&owner, contract_no, ending);
    crate::delivery::defer(state, vec![Effect::Mail(mail.into())]).await
}

/// A9: a sub-user writes in a request's thread only with the right the
/// request's kind needs (an unknown request is left to the caller's 404).
pub async fn require_right_for(state: &AppState, who: &Principal, request_id: i64) -> Result<(), ServerError> {
    if who.parent_id.is_none() {
        return Ok(());
    }
    let Some(row) = state.store.request(request_id, Some(who.customer_id)).await? else {
        return Ok(());
    };
    let kind = RequestKind::parse(&row.kind).ok_or_else(|| crate::store::corrupt("request kind", &row.kind))?;
    crate::accounts::require(who, Right::for_request(kind))
}

/// Adds a message to a request's thread. A customer's message on a request
/// waiting for the customer moves it back to "in progress"; an operator may
/// set any status. Closed requests take no more messages.
pub async fn add_message(
    state: &AppState,
    writer: &Writer<'_>,
    request_id: i64,
    msg: NewMessage,
    status: Option<RequestStatus>,
    payoff: Option<&PayoffFigure>,
) -> Result<(RequestRow, RequestMessage), ServerError> {
    let row = state
        .store
        .request(request_id, writer.customer_scope)
        .await?
        .ok_or_else(not_found)?;
    let current = RequestStatus::parse(&row.status).unwrap_or(RequestStatus::Submitted);
    if current.is_closed() && status.is_none_or(RequestStatus::is_closed) {
        return Err(ApiError::new(ErrorCode::Conflict, "the request is closed: open a new one").into());
    }
    let body = msg.body.trim();
    if body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(bad("body", "too_long", "a message has at most 500 characters"));
    }
    if body.is_empty() && msg.attachment_ids.is_empty() {
        return Err(bad("body", "required", "write a message or attach a file"));
    }
    check_attachments(state, row.customer_id, &msg.attachment_ids).await?;
    let payoff = match payoff {
        Some(figure) => Some(check_payoff(state, &row, figure, &msg.attachment_ids).await?),
        None => None,
    };
    let next = match (writer.author, status) {
        (Author::Operator(_), Some(s)) => Some(s),
        (Author::Customer(_), _) if current == RequestStatus::WaitingCustomer => Some(RequestStatus::InProgress),
        _ => None,
    };
    let m = NewMessageRow {
        request_id,
        author: writer.author,
        body,
        attachment_ids: &msg.attachment_ids,
        status: next.map(RequestStatus::as_str),
        payoff: payoff.as_deref(),
    };
    let details = next.map_or(String::new(), |s| format!("status {}", s.as_str()));
    let added = audit_row(writer.origin, "add_message", &format!("request:{}", row.code), &details);
    crate::delivery::defer(state, vec![Effect::Audit(added)]).await?;
    let message_id = state
        .store
        .insert_message(row.customer_id, &m, state.clock.now_ms())
        .await?;
    let message = thread_message(state, request_id, message_id, None).await?;
    Ok((row, message))
}

/// S4: a payoff figure holds only on an early termination, for a positive
/// amount, until a day not yet past, with its statement PDF attached.
/// Answers the figure as it is stored.
async fn check_payoff(
    state: &AppState,
    row: &RequestRow,
    figure: &PayoffFigure,
    attachment_ids: &[String],
) -> Result<String, ServerError> {
    if row.kind != RequestKind::EarlyTermination.as_str() {
        return Err(bad(
            "payoff",
            "not_early_termination",
            "a payoff figure answers an early-termination request only",
        ));
    }
    if figure.amount <= Money::ZERO {
        return Err(bad(
            "payoff.amount",
            "not_positive",
            "the payoff amount must be above zero",
        ));
    }
    if figure.valid_until < state.clock.today() {
        return Err(bad(
            "payoff.valid_until",
            "past",
            "the payoff figure must hold until today or later",
        ));
    }
    if figure.installment_no == 0 {
        return Err(bad(
            "payoff.installment_no",
            "not_positive",
            "installments are numbered from 1",
        ));
    }
    let files = state.store.attachments_by_id(attachment_ids).await?;
    if !files.iter().any(|f| f.content_type == "application/pdf") {
        return Err(bad(
            "attachment_ids",
            "statement_required",
            "attach the payoff statement as a PDF",
        ));
    }
    serde_json::to_string(figure).map_err(|e| ServerError::internal(format!("payoff figure: {e}")))
}

/// One message of a request, as its thread shows it.
pub async fn thread_message(
    state: &AppState,
    request_id: i64,
    message_id: i64,
    customer_id: Option<i64>,
) -> Result<RequestMessage, ServerError> {
    detail(state, request_id, customer_id)
        .await?
        .messages
        .into_iter()
        .find(|m| m.id == message_id)
        .ok_or_else(|| ServerError::internal("the new message vanished"))
}

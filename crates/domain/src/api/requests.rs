//! Self-service requests (S1–S5) and their message threads.

use crate::coded_enum;
use crate::money::Money;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The longest message a customer may write on a request (S1–S4).
pub const MAX_MESSAGE_CHARS: usize = 500;
/// The largest attachment, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

coded_enum! {
    pub enum RequestKind {
        IbanChange = "iban_change",
        AddressChange = "address_change",
        Free = "free",
        EarlyTermination = "early_termination",
    }
}

coded_enum! {
    pub enum RequestStatus {
        Submitted = "submitted",
        InProgress = "in_progress",
        WaitingCustomer = "waiting_customer",
        Completed = "completed",
        Rejected = "rejected",
    }
}

impl RequestStatus {
    /// Closed requests take no more messages.
    pub fn is_closed(self) -> bool {
        matches!(self, RequestStatus::Completed | RequestStatus::Rejected)
    }
}

coded_enum! {
    pub enum MessageAuthor {
        Customer = "customer",
        Operator = "operator",
    }
}

/// What a customer submits; `kind` selects the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum NewRequest {
    /// S1.
    IbanChange {
        #[ts(type = "number")]
        contract_id: i64,
        new_iban: String,
        #[serde(default)]
        foreign: bool,
        effective_from: NaiveDate,
        #[serde(default)]
        #[ts(optional)]
        message: Option<String>,
        /// The user's password, typed again (step-up): bank details move
        /// money. Sent online only, never kept in the desktop's outbox.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        current_password: Option<String>,
    },
    /// S2.
    AddressChange {
        new_address: String,
        effective_from: NaiveDate,
        #[serde(default)]
        #[ts(optional)]
        message: Option<String>,
    },
    /// S3: a type from `GET /requests/types`, a message and attachments uploaded first.
    Free {
        type_code: String,
        #[serde(default)]
        #[ts(optional)]
        message: Option<String>,
        #[serde(default)]
        attachment_ids: Vec<String>,
    },
    /// S4.
    EarlyTermination {
        #[ts(type = "number")]
        contract_id: i64,
        /// The plan's installment number of the last installment to pay.
        last_installment_no: u32,
        #[serde(default)]
        #[ts(optional)]
        message: Option<String>,
    },
}

impl NewRequest {
    /// Takes the step-up password out of the request, so that what is kept
    /// (an idempotency fingerprint, an outbox row) never holds it.
    pub fn take_current_password(&mut self) -> Option<String> {
        match self {
            NewRequest::IbanChange { current_password, .. } => current_password.take(),
            _ => None,
        }
    }

    pub fn kind(&self) -> RequestKind {
        match self {
            NewRequest::IbanChange { .. } => RequestKind::IbanChange,
            NewRequest::AddressChange { .. } => RequestKind::AddressChange,
            NewRequest::Free { .. } => RequestKind::Free,
            NewRequest::EarlyTermination { .. } => RequestKind::EarlyTermination,
        }
    }
}

/// The facts a request records when it is submitted, by kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum RequestDetails {
    IbanChange {
        contract_no: String,
        current_iban: Option<String>,
        new_iban: String,
        foreign: bool,
        effective_from: NaiveDate,
    },
    AddressChange {
        current_address: String,
        new_address: String,
        effective_from: NaiveDate,
    },
    Free {
        type_code: String,
        type_title: String,
    },
    EarlyTermination {
        contract_no: String,
        /// Outstanding principal on the day of the request; the definitive payoff comes from the desk.
        outstanding_principal: Money,
        as_of: NaiveDate,
        last_installment_no: u32,
        last_installment_due: NaiveDate,
    },
}

/// A row of the requests panel (H3) and list (S5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RequestSummary {
    #[ts(type = "number")]
    pub id: i64,
    /// "RIC-2026-000123".
    pub code: String,
    pub kind: RequestKind,
    pub title: String,
    pub status: RequestStatus,
    pub last_action_at: DateTime<Utc>,
}

/// A page of requests, by last action, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RequestPage {
    pub items: Vec<RequestSummary>,
    /// Asks for the next page; None on the last.
    pub next_cursor: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AttachmentInfo {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    #[ts(type = "number")]
    pub size_bytes: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RequestMessage {
    #[ts(type = "number")]
    pub id: i64,
    pub author: MessageAuthor,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub attachments: Vec<AttachmentInfo>,
    /// S4: the desk's payoff figure for an early termination, when this
    /// reply gives one; its statement PDF is among the attachments.
    #[serde(default)]
    pub payoff: Option<PayoffFigure>,
}

/// S4: what the customer pays to end the lease early, as the desk answers
/// it: the amount, the last day it holds, and the installment it assumes
/// paid before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct PayoffFigure {
    pub amount: Money,
    pub valid_until: NaiveDate,
    pub installment_no: u32,
    pub installment_due: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RequestDetail {
    #[serde(flatten)]
    pub summary: RequestSummary,
    pub created_at: DateTime<Utc>,
    pub details: RequestDetails,
    /// Oldest first.
    pub messages: Vec<RequestMessage>,
}

/// A message on an existing request, by the customer or an operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct NewMessage {
    pub body: String,
    #[serde(default)]
    pub attachment_ids: Vec<String>,
}

/// A default request type of the free request (S3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RequestType {
    pub code: String,
    pub title: String,
}

/// What the self-service forms show before the customer types (S1, S2, S3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SelfServiceContext {
    /// The registered address, one line.
    pub current_address: String,
    pub contracts: Vec<ContractIban>,
    pub request_types: Vec<RequestType>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ContractIban {
    #[ts(type = "number")]
    pub id: i64,
    pub contract_no: String,
    pub product: String,
    pub current_iban: Option<String>,
}

/// S4: what the early-termination form shows as soon as a contract is chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct PayoffQuote {
    #[ts(type = "number")]
    pub contract_id: i64,
    pub as_of: NaiveDate,
    pub outstanding_principal: Money,
    /// The installments not yet due, any of which may be the last one paid.
    pub installments: Vec<PayoffInstallment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct PayoffInstallment {
    pub number: u32,
    pub due_on: NaiveDate,
    pub amount: Money,
}

/// The query of `GET /requests` and `GET /ops/requests`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// Only requests in this status.
    pub status: Option<RequestStatus>,
    /// 1 to 500, default 100; the home panel asks for 5.
    pub limit: Option<u32>,
    /// The previous page's next_cursor.
    pub cursor: Option<String>,
}

/// The query of `POST /attachments`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name as the user sees it; its type is read from the content.
    pub name: String,
}

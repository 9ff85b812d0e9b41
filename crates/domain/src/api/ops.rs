//! The back office's API (O1) under `/api/v1/ops`, for operator accounts.

use super::requests::RequestStatus;
use crate::coded_enum;
use crate::invoice::{DocumentKind, PaymentMethod};
use crate::money::Money;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

coded_enum! {
    pub enum OperatorRole {
        /// Everything, plus the audit log and operator accounts.
        Admin = "admin",
        /// The service desk: customers, registrations, requests, broadcasts.
        Desk = "desk",
        /// Accounts: invoices and credit notes, and the book feed.
        Billing = "billing",
        /// The company's leasing system as a machine account: the book feed only.
        Feed = "feed",
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OperatorLogin {
    pub username: String,
    pub password: String,
    /// The operator's authenticator code (or one of its recovery codes):
    /// operators always log in with a second factor.
    pub code: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OperatorSession {
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub role: OperatorRole,
}

/// A1: invite an existing customer to the desktop app.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Invitation {
    /// The customer number, which becomes the username.
    pub customer_code: String,
    /// The customer's PEC.
    pub email: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Invited {
    pub username: String,
    pub sent_to: String,
}

/// A registration by category (A3) or an agreement request waiting for a decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PendingItem {
    pub id: i64,
    pub customer_code: String,
    pub customer_name: String,
    pub category: String,
    pub agreement_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A page of items waiting, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PendingPage {
    pub items: Vec<PendingItem>,
    /// Asks for the next page; None on the last.
    pub next_cursor: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub approve: bool,
}

/// A reply of the service desk, optionally moving the request's status.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeskReply {
    pub body: String,
    #[serde(default)]
    pub attachment_ids: Vec<String>,
    #[serde(default)]
    pub status: Option<RequestStatus>,
    /// S4: on an early termination, the payoff figure this reply gives;
    /// the statement PDF must be among its attachments.
    #[serde(default)]
    pub payoff: Option<super::requests::PayoffFigure>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    pub status: RequestStatus,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Broadcast {
    pub title: String,
    pub body: String,
}

/// B4: an invoice or credit note to issue and announce to the customer.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublishInvoice {
    pub customer_code: String,
    #[serde(default)]
    pub contract_no: Option<String>,
    pub kind: DocumentKind,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub payment_method: PaymentMethod,
    #[serde(default)]
    pub reason: Option<String>,
    /// For a credit note: the number of the invoice it corrects.
    #[serde(default)]
    pub corrects_number: Option<String>,
    pub lines: Vec<PublishLine>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublishLine {
    pub description: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub unit_price: Money,
    #[schema(value_type = String)]
    pub vat_rate: Decimal,
    /// "N1" or "N4" when the rate is 0.
    #[serde(default)]
    pub nature: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Published {
    pub id: i64,
    pub number: String,
    pub total: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// "customer:10093", "operator:anna", "cli:root", "anonymous".
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
    /// The client's address, or "cli".
    pub client: String,
}

/// What a book import did (O2), per record type and in all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub file: String,
    /// Checked and counted, then rolled back: nothing was kept.
    pub dry_run: bool,
    pub records: u32,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Collections reversed (`deleted`).
    pub deleted: u32,
    /// Plans built from contract terms or rebuilt after a rate fix.
    pub plans_built: u32,
    /// Entries written to the change feed for the desktops.
    pub changes: u32,
    /// Notifications sent to customers (collections, new invoices).
    pub notifications: u32,
    pub by_type: std::collections::BTreeMap<String, ImportCounts>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportCounts {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub deleted: u32,
}

impl ImportReport {
    /// Counts one record's outcome under its type.
    pub fn count(&mut self, kind: &str, outcome: ImportOutcome) {
        let counts = self.by_type.entry(kind.to_owned()).or_default();
        self.records += 1;
        match outcome {
            ImportOutcome::Created => (self.created += 1, counts.created += 1),
            ImportOutcome::Updated => (self.updated += 1, counts.updated += 1),
            ImportOutcome::Unchanged => (self.unchanged += 1, counts.unchanged += 1),
            ImportOutcome::Deleted => (self.deleted += 1, counts.deleted += 1),
        };
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    Created,
    Updated,
    Unchanged,
    Deleted,
}

/// The query of the operators' lists of waiting registrations and agreement requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PendingQuery {
    /// 1 to 500, default 100.
    pub limit: Option<u32>,
    /// The previous page's next_cursor.
    pub cursor: Option<String>,
}

/// The query of `POST /ops/attachments`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OpsUploadQuery {
    pub name: String,
    /// The request the file will answer; the file belongs to its customer.
    pub request_id: i64,
}

/// The query of `POST /ops/book/import`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name, for the report and the audit log (e.g. "book-2026-12-03.jsonl").
    pub file: String,
    /// jsonl or csv; by default from the file name's extension.
    pub format: Option<String>,
    /// Check and count, keeping nothing.
    pub dry_run: Option<bool>,
}

/// The query of `GET /ops/audit`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub after_id: Option<i64>,
    pub limit: Option<i64>,
}

//! Notifications (H4) and the event stream that announces changes.

use crate::coded_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

coded_enum! {
    pub enum NotificationKind {
        /// From the company to every customer: subject "<Company> – <title>".
        Broadcast = "broadcast",
        /// From the service desk about a request: subject "<request code> – <request title>".
        Desk = "desk",
        /// About an order or a quote (E4, E9): the subject names its code.
        Shop = "shop",
        /// Money collected on the schedule, from the company's books (B1).
        Payment = "payment",
        /// A new invoice or credit note (B4).
        Invoice = "invoice",
        /// A new document of a contract (C3): the subject names it.
        Document = "document",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Notification {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: NotificationKind,
    pub subject: String,
    pub body: String,
    #[ts(type = "number | null")]
    pub request_id: Option<i64>,
    /// The order a shop notification is about.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub order_id: Option<i64>,
    /// The quote a shop notification is about.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub quote_id: Option<i64>,
    /// The invoice an invoice notification is about.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub invoice_id: Option<i64>,
    /// The contract a document notification is about.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub contract_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// Newest first, with the unread count for the bell's badge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub unread: u32,
    /// Quote as `before` for the next (older) page; absent on the last page.
    #[ts(type = "number | null")]
    pub next_before: Option<i64>,
}

/// One event of `GET /events` (`text/event-stream`): something the caller can
/// see changed; `cursor` is the position in the change feed to sync from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ChangeEvent {
    #[ts(type = "number")]
    pub cursor: i64,
    pub entity: crate::api::sync::Entity,
    pub entity_id: String,
    pub op: crate::api::sync::ChangeOp,
}

/// The query of `GET /notifications`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationsQuery {
    /// Only notifications older than this id (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<i64>,
}

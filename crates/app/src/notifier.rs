//! Native desktop notifications (X1): what to show for new messages, grouped
//! so a burst (or a first sync) never floods the desktop. The operating
//! system's side lives in the desktop shell (`src-tauri/src/platform`).

use serde::Serialize;
use sportello_domain::api::notifications::{Notification, NotificationKind};
use ts_rs::TS;

/// More new messages than this at once become one summary notice.
pub const GROUP_ABOVE: usize = 3;

/// What clicking a notice opens in the app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum OpenTarget {
    /// A service-desk message: its request.
    Request {
        #[ts(type = "number")]
        id: i64,
    },
    /// An order's outcome: the order.
    Order {
        #[ts(type = "number")]
        id: i64,
    },
    /// A priced quote: the quote.
    Quote {
        #[ts(type = "number")]
        id: i64,
    },
    /// A company broadcast.
    Notification {
        #[ts(type = "number")]
        id: i64,
    },
    /// A group of messages: the notifications list.
    Notifications,
    /// Money collected: the payment schedule.
    Payments,
    /// A new document of a contract: the contract.
    Contract {
        #[ts(type = "number")]
        id: i64,
    },
    /// A new invoice or credit note: the invoices.
    Invoices,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    pub open: OpenTarget,
}

/// Shows notices on the desktop. Implementations must not block the caller.
pub trait Notifier: Send + Sync {
    fn show(&self, notice: Notice);
}

/// Notices for messages that just arrived, newest first: one each, or one
/// summary above `GROUP_ABOVE`.
pub fn notices(new: &[Notification], language: &str) -> Vec<Notice> {
    if new.len() > GROUP_ABOVE {
        let n = new.len();
        let (title, body) = if language == "en" {
            (format!("{n} new messages"), "Open Sportello to read them.".to_owned())
        } else {
            (format!("{n} nuovi messaggi"), "Apri Sportello per leggerli.".to_owned())
        };
        return vec![Notice {
            title,
            body,
            open: OpenTarget::Notifications,
        }];
    }
    new.iter()
        .map(|n| Notice {
            title: n.subject.clone(),
            body: n.body.chars().take(200).collect(),
            open: target(n),
        })
        .collect()
}

/// What clicking the notice of `n` opens.
fn target(n: &Notification) -> OpenTarget {
    match (n.kind, n.request_id, n.order_id, n.quote_id) {
        (NotificationKind::Payment, ..) => OpenTarget::Payments,
        (NotificationKind::Invoice, ..) => OpenTarget::Invoices,
        (NotificationKind::Document, ..) if n.contract_id.is_some() => OpenTarget::Contract {
            id: n.contract_id.unwrap_or_default(),
        },
        (_, Some(id), _, _) => OpenTarget::Request { id },
        (_, None, Some(id), _) => OpenTarget::Order { id },
        (_, None, None, Some(id)) => OpenTarget::Quote { id },
        (_, None, None, None) => OpenTarget::Notification { id: n.id },
    }
}

/// After a first sync: at most one notice, for the unread messages.
pub fn unread_summary(unread: usize, language: &str) -> Option<Notice> {
    if unread == 0 {
        return None;
    }
    let title = match (language, unread) {
        ("en", 1) => "1 unread message".to_owned(),
        ("en", n) => format!("{n} unread messages"),
        (_, 1) => "1 messaggio da leggere".to_owned(),
        (_, n) => format!("{n} messaggi da leggere"),
    };
    Some(Notice {
        title,
        body: String::new(),
        open: OpenTarget::Notifications,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: i64, request: Option<i64>) -> Notification {
        Notification {
            id,
            kind: if request.is_some() {
                NotificationKind::Desk
            } else {
                NotificationKind::Broadcast
            },
            subject: format!("Oggetto {id}"),
            body: "x".repeat(300),
            request_id: request,
            order_id: None,
            quote_id: None,
            invoice_id: None,
            contract_id: None,
            created_at: chrono::DateTime::default(),
            read: false,
        }
    }

    #[test]
    fn a_new_contract_document_opens_its_contract() {
        let document = Notification {
            kind: NotificationKind::Document,
            contract_id: Some(4),
            ..message(9, None)
        };
        assert_eq!(notices(&[document], "it")[0].open, OpenTarget::Contract { id: 4 });
    }

    #[test]
    fn a_few_messages_show_one_by_one_and_open_their_item() {
        let shown = notices(&[message(2, Some(7)), message(1, None)], "it");
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[0].title, "Oggetto 2");
        assert_eq!(shown[0].open, OpenTarget::Request { id: 7 });
        assert_eq!(shown[1].open, OpenTarget::Notification { id: 1 });
        assert_eq!(shown[0].body.chars().count(), 200, "long bodies are cut");
    }

    #[test]
    fn a_burst_becomes_one_summary_in_the_users_language() {
        let burst: Vec<_> = (1..=5).map(|i| message(i, None)).collect();
        assert_eq!(notices(&burst, "en")[0].title, "5 new messages");
        assert_eq!(notices(&burst, "it")[0].title, "5 nuovi messaggi");
        assert_eq!(notices(&burst, "it")[0].open, OpenTarget::Notifications);
        assert_eq!(unread_summary(0, "it"), None);
        assert_eq!(unread_summary(1, "en").unwrap().title, "1 unread message");
    }
}

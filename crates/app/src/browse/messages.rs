//! H4: the messages page: every notification of the copy, newest first,
//! filtered by kind or unread, a page at a time.

use super::{count, Conditions, ListQuery, Window};
use crate::cache::{Cache, CacheResult};
use serde::{Deserialize, Serialize};
use sportello_domain::api::notifications::{Notification, NotificationKind};
use ts_rs::TS;

/// H4: the messages page's kinds: the notifications' kinds, with the shop's
/// told apart by what they are about (an order or a quote).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MessageKind {
    Broadcast,
    Desk,
    Order,
    Quote,
    Invoice,
    Payment,
    Document,
}

impl MessageKind {
    /// What a notification is, as the messages page names it.
    pub fn of(n: &Notification) -> MessageKind {
        match n.kind {
            NotificationKind::Broadcast => MessageKind::Broadcast,
            NotificationKind::Desk => MessageKind::Desk,
            NotificationKind::Shop if n.quote_id.is_some() => MessageKind::Quote,
            NotificationKind::Shop => MessageKind::Order,
            NotificationKind::Invoice => MessageKind::Invoice,
            NotificationKind::Payment => MessageKind::Payment,
            NotificationKind::Document => MessageKind::Document,
        }
    }

    /// The SQL that picks this kind out of the cached notifications.
    fn clause(self) -> &'static str {
        match self {
            MessageKind::Broadcast => "json_extract(body, '$.kind') = 'broadcast'",
            MessageKind::Desk => "json_extract(body, '$.kind') = 'desk'",
            MessageKind::Order => "json_extract(body, '$.kind') = 'shop' AND json_extract(body, '$.quote_id') IS NULL",
            MessageKind::Quote => {
                "json_extract(body, '$.kind') = 'shop' AND json_extract(body, '$.quote_id') IS NOT NULL"
            }
            MessageKind::Invoice => "json_extract(body, '$.kind') = 'invoice'",
            MessageKind::Payment => "json_extract(body, '$.kind') = 'payment'",
            MessageKind::Document => "json_extract(body, '$.kind') = 'document'",
        }
    }
}

/// H4: the messages page's filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct MessageFilter {
    #[serde(default)]
    pub unread_only: bool,
    pub kind: Option<MessageKind>,
}

/// H4: a page of messages, newest first, with their full text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct MessagesView {
    /// Messages matching the filter, all pages together.
    pub total: u32,
    /// Unread messages of every kind, for the page's heading.
    pub unread: u32,
    pub rows: Vec<Notification>,
}

impl ListQuery {
    pub(super) fn messages(filter: &MessageFilter) -> ListQuery {
        let mut conditions = Conditions::default();
        if filter.unread_only {
            conditions.always("read = 0");
        }
        if let Some(kind) = filter.kind {
            conditions.always(kind.clause());
        }
        ListQuery {
            table: "notifications",
            conditions,
            order: "id DESC".to_owned(),
        }
    }
}

impl Cache {
    /// H4: the messages page, read from the copy so it works offline.
    pub async fn messages_page(&self, filter: &MessageFilter, window: Window) -> CacheResult<MessagesView> {
        let (total, rows) = self.page_of(&ListQuery::messages(filter), window).await?;
        let unread: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE read = 0")
            .fetch_one(self.pool())
            .await?;
        Ok(MessagesView {
            total,
            unread: count(unread),
            rows,
        })
    }

    pub async fn message(&self, id: i64) -> CacheResult<Option<Notification>> {
        self.by_id("notifications", id).await
    }
}

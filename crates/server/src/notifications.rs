//! Notifications (H4): company broadcasts and service-desk messages, read
//! state per user, and the announcement of each new one on the event stream.

use crate::audit::audit_row;
use crate::audit::{self, Origin};
use crate::store::auth::Principal;
use crate::store::notifications::NotificationRow;
use crate::store::unit::Effect;
use crate::{AppState, ServerError};
use chrono::DateTime;
use sportello_domain::api::notifications::{Notification, NotificationKind, NotificationList};
use sportello_domain::{ApiError, ErrorCode};

const MAX_TITLE_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 4000;

/// The subject as H4 spells it: "<Company> – <title>" or "<request code> – <title>".
fn subject(row: &NotificationRow, company: &str) -> String {
    match (&row.request_code, row.kind.as_str()) {
        (Some(code), _) => format!("{code} – {}", row.title),
        (None, "shop") => row.title.clone(),
        (None, _) => format!("{company} – {}", row.title),
    }
}

fn notification(row: NotificationRow, company: &str) -> Notification {
    Notification {
        id: row.id,
        kind: NotificationKind::parse(&row.kind).unwrap_or(NotificationKind::Broadcast),
        subject: subject(&row, company),
        request_id: row.request_id,
        order_id: row.order_id,
        quote_id: row.quote_id,
        invoice_id: row.invoice_id,
        contract_id: row.contract_id,
        created_at: DateTime::from_timestamp_millis(row.created_at).unwrap_or_default(),
        read: row.read != 0,
        body: row.body,
    }
}

pub async fn list(state: &AppState, who: &Principal, before: i64, limit: i64) -> Result<NotificationList, ServerError> {
    let limit = limit.clamp(1, 100);
    let (rows, unread) = state
        .store
        .notifications(who.customer_id, who.user_id, before, limit + 1)
        .await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    let items: Vec<Notification> = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|r| notification(r, &state.config.company.name))
        .collect();
    Ok(NotificationList {
        next_before: if more { items.last().map(|n| n.id) } else { None },
        items,
        unread: crate::store::to_u32(unread),
    })
}

pub async fn mark_read(state: &AppState, who: &Principal, origin: &Origin, id: i64) -> Result<(), ServerError> {
    let now = state.clock.now_ms();
    audit::owe(state, origin, "read_notification", &format!("notification:{id}"), "").await?;
    if !state.store.mark_read(who.customer_id, who.user_id, id, now).await? {
        return Err(ApiError::new(ErrorCode::NotFound, "no such notification").into());
    }
    Ok(())
}

pub async fn mark_all_read(state: &AppState, who: &Principal, origin: &Origin) -> Result<(), ServerError> {
    let unread = state.store.unread_count(who.customer_id, who.user_id).await?;
    let details = format!("{unread} unread");
    audit::owe(state, origin, "read_all_notifications", "notifications", &details).await?;
    state
        .store
        .mark_all_read(who.customer_id, who.user_id, state.clock.now_ms())
        .await?;
    Ok(())
}

fn checked<'a>(field: &str, text: &'a str, max: usize) -> Result<&'a str, ServerError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(crate::accounts::bad(field, "required", format!("{field} is required")));
    }
    if text.chars().count() > max {
        return Err(crate::accounts::bad(
            field,
            "too_long",
            format!("{field} has at most {max} characters"),
        ));
    }
    Ok(text)
}

/// O1: a company message to every customer.
pub async fn broadcast(state: &AppState, origin: &Origin, title: &str, body: &str) -> Result<i64, ServerError> {
    let title = checked("title", title, MAX_TITLE_CHARS)?;
    let body = checked("body", body, MAX_BODY_CHARS)?;
    let (origin, details) = (origin.clone(), title.to_owned());
    crate::delivery::defer_created(move |created| {
        let target = format!("notification:{}", created.id);
        vec![Effect::Audit(audit_row(&origin, "broadcast", &target, &details))]
    })?;
    let id = state
        .store
        .insert_notification(
            None,
            NotificationKind::Broadcast.as_str(),
            None,
            title,
            body,
            state.clock.now_ms(),
        )
        .await?;
    Ok(id)
}

/// A service-desk message about a request, to its customer: deferred to the
/// commit of the change it tells about, so the two go together.
pub async fn defer_desk_message(
    state: &AppState,
    customer_id: i64,
    request_id: i64,
    request_title: &str,
    body: &str,
) -> Result<(), ServerError> {
    let notification = crate::store::unit::NewNotification {
        customer_id: Some(customer_id),
        kind: NotificationKind::Desk.as_str().to_owned(),
        request_id: Some(request_id),
        order_id: None,
        quote_id: None,
        contract_id: None,
        title: request_title.to_owned(),
        body: body.chars().take(MAX_BODY_CHARS).collect(),
    };
    crate::delivery::defer(state, vec![Effect::Notification(Box::new(notification))]).await
}

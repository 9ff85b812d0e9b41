//! Notifications (H4), the change feed and the server-sent event stream.

use super::accounts::origin;
use super::extract::{ApiPath, ApiQuery, Caller, Client};
use super::paging::with_etag;
use super::ServerError;
use crate::{notifications, AppState};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::Response;
use axum::Json;
use futures_util::stream::{self, Stream, StreamExt};
use sportello_domain::api::notifications::NotificationsQuery;
use sportello_domain::api::notifications::{ChangeEvent, NotificationList};
use sportello_domain::api::operations as op;
use sportello_domain::api::sync::ChangesQuery;
use sportello_domain::api::sync::{ChangeOp, ChangePage, Entity, SyncSummary};
use sportello_domain::ApiError;
use std::convert::Infallible;
use std::time::Duration;

#[utoipa::path(get, path = op::notifications::LIST.path, tag = "notifications", operation_id = "list_notifications", security(("bearer" = [])),
    params(NotificationsQuery),
    responses((status = 200, description = "Newest first, with the unread count", body = NotificationList)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<NotificationsQuery>,
) -> Result<Json<NotificationList>, ServerError> {
    Ok(Json(
        notifications::list(&state, &who, q.before.unwrap_or(0), q.limit.unwrap_or(20)).await?,
    ))
}

#[utoipa::path(post, path = op::notifications::MARK_READ.path, tag = "notifications", operation_id = "mark_notification_read", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ApiError)))]
pub(super) async fn mark_read(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ServerError> {
    notifications::mark_read(&state, &who, &origin(&who, &client), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = op::notifications::MARK_ALL_READ.path, tag = "notifications", operation_id = "mark_all_notifications_read", security(("bearer" = [])),
    responses((status = 204)))]
pub(super) async fn mark_all_read(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
) -> Result<StatusCode, ServerError> {
    notifications::mark_all_read(&state, &who, &origin(&who, &client)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = op::notifications::CHANGES.path, tag = "sync", operation_id = "list_changes", security(("bearer" = [])), params(ChangesQuery),
    responses((status = 200, description = "What changed after the cursor, oldest first; ETag", body = ChangePage),
              (status = 304, description = "Nothing new since the ETag")))]
pub(super) async fn changes(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Response, ServerError> {
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(500).clamp(1, 1000);
    let rows = state.store.changes_after(who.customer_id, after, limit).await?;
    let cursor = rows.last().map_or(after, |r| r.seq);
    let page = ChangePage {
        items: rows.into_iter().map(change_event).collect(),
        cursor,
    };
    Ok(with_etag(&headers, &page))
}

#[utoipa::path(get, path = op::notifications::SUMMARY.path, tag = "sync", operation_id = "sync_summary", security(("bearer" = [])),
    responses((status = 200, description = "Row counts for a first sync's progress, and the cursor to sync deltas from", body = SyncSummary)))]
/// The cursor is read before the counts, so a change made meanwhile is synced again rather than missed.
pub(super) async fn summary(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<SyncSummary>, ServerError> {
    let cursor = state.store.latest_change(who.customer_id).await?;
    let [contracts, plan_rows, schedule, invoices, assets, requests, notifications] =
        state.store.sync_counts(who.customer_id).await?;
    Ok(Json(SyncSummary {
        cursor,
        contracts,
        plan_rows,
        schedule,
        invoices,
        assets,
        requests,
        notifications,
        fingerprints: Some(state.store.book_fingerprints(who.customer_id).await?),
    }))
}

fn change_event(r: crate::store::ops::ChangeRow) -> ChangeEvent {
    ChangeEvent {
        cursor: r.seq,
        entity: Entity::parse(&r.entity),
        entity_id: r.entity_id,
        op: ChangeOp::parse(&r.op),
    }
}

fn sse(event: &ChangeEvent) -> Event {
    Event::default()
        .event("change")
        .id(event.cursor.to_string())
        .json_data(event)
        .unwrap_or_else(|_| Event::default().comment("unserializable"))
}

/// One event of `GET /events`, as OpenAPI tools read a `text/event-stream`
/// (the stream is written by axum's `Sse`, not from this type).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct StreamEvent {
    /// `change`, or `resync` when events were missed.
    event: String,
    /// The change's cursor.
    id: Option<String>,
    /// The `ChangeEvent` as JSON.
    data: String,
}

#[utoipa::path(get, path = op::notifications::EVENTS.path, tag = "notifications", operation_id = "event_stream", security(("bearer" = [])), params(ChangesQuery),
    responses((status = 200, body = StreamEvent, content_type = "text/event-stream", description = "`change` events (data: ChangeEvent, id: cursor); \
        with `after`, the changes after that cursor come first; a `resync` event means events were missed: read /changes")))]
/// Wakes when the feed's head moves and reads what is new for the caller
/// from the database, so a change written by any instance (or the command
/// line) reaches the stream; the head is marked seen before each read, so a
/// change committed during the read wakes the stream again.
pub(super) async fn events(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ServerError> {
    let head = state.events.subscribe();
    let last = match q.after {
        Some(after) => after,
        None => state.store.latest_change(who.customer_id).await?,
    };
    let follow = Follow {
        store: state.store.clone(),
        customer: who.customer_id,
        session_id: who.session_id.clone(),
        clock: state.clock.clone(),
        last,
        head,
        pending: std::collections::VecDeque::new(),
    };
    let stream = stream::unfold(follow, Follow::next).take_until(state.events.closed());
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One event stream's place in the feed.
struct Follow {
    store: crate::store::Store,
    customer: i64,
    session_id: String,
    clock: crate::clock::Clock,
    last: i64,
    head: tokio::sync::watch::Receiver<i64>,
    pending: std::collections::VecDeque<ChangeEvent>,
}

impl Follow {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Follow)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((Ok(sse(&event)), self));
            }
            self.head.borrow_and_update();
            match self.store.changes_after(self.customer, self.last, 500).await {
                Ok(rows) if !rows.is_empty() => {
                    self.last = rows.last().map_or(self.last, |r| r.seq);
                    self.pending.extend(rows.into_iter().map(change_event));
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    // The client reconnects (with backoff) and reads /changes.
                    tracing::warn!(error = %e, "event stream cannot read the feed");
                    return None;
                }
            }
            // Between changes, the session is looked at now and then: a stream
            // ends with its session (logout, "log out this device", expiry).
            match tokio::time::timeout(SESSION_CHECK, self.head.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return None,
                Err(_) => {
                    let now = self.clock.now_ms();
                    if !self.store.session_alive(&self.session_id, now).await.unwrap_or(false) {
                        return None;
                    }
                }
            }
        }
    }
}

/// How often an idle event stream checks that its session still stands.
const SESSION_CHECK: Duration = Duration::from_secs(5);

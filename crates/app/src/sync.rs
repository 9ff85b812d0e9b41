//! The sync engine: a first full sync that resumes where it stopped, then
//! deltas from the server's change feed (304 when idle), the outbox after
//! each round, desktop notices for new messages, and a loop that wakes on
//! the server's event stream and falls back to polling with backoff.

mod deltas;
mod first;

pub use first::ROWS_PER_COMMIT;

use crate::api::{with_query, Fetched};
use crate::cache::{Cache, Collection};
use crate::notifier::{self, Notifier};
use crate::outbox::{self, Delivered, Flushed};
use crate::session::Desk;
use crate::AppError;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sportello_domain::api::accounts::{Profile, SubUserPage, SubUsersQuery};
use sportello_domain::api::contracts::{ContractDetail, PlanEntry};
use sportello_domain::api::notifications::{Notification, NotificationList, NotificationsQuery};
use sportello_domain::api::operations::{self as op, Call, Nothing};
use sportello_domain::api::requests::RequestDetail;
use sportello_domain::api::sync::{ChangePage, Entity};
use sportello_domain::ErrorCode;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use ts_rs::TS;

/// How far a first sync is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Progress {
    #[ts(type = "number")]
    pub rows: i64,
    #[ts(type = "number")]
    pub total: i64,
    pub percent: u8,
}

/// What the UI shows about the sync: the offline indicator, the first
/// sync's progress, and whether the user must log in again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SyncStatus {
    pub online: bool,
    /// Set while the server cannot be reached: "offline since hh:mm".
    pub offline_since: Option<DateTime<Utc>>,
    pub last_sync: Option<DateTime<Utc>>,
    /// Present during a first sync.
    pub progress: Option<Progress>,
    /// The refresh token was refused: log in again (cache and outbox are kept).
    pub needs_login: bool,
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Round {
    pub first_sync: bool,
    /// Changes applied from the feed.
    pub changes: usize,
    /// The feed answered 304: nothing new.
    pub not_modified: bool,
    pub outbox: Flushed,
    /// Collections fetched again because the copy differed from the server.
    pub healed: Vec<Collection>,
}

const PAGE: u32 = 500;
/// Above this many changed schedule lines in a page of the feed, the whole
/// schedule is fetched again instead of line by line.
const ONE_BY_ONE: usize = 200;
/// How often the copy of the book is compared with the server's checksums.
const RECONCILE_EVERY: Duration = Duration::from_secs(10 * 60);
/// Between polls when the event stream is unavailable, before backoff.
const POLL: Duration = Duration::from_secs(30);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// At least this often a round runs, so a new day's reminders show without waiting for the server.
const REMIND_EVERY: Duration = Duration::from_secs(3600);

pub struct SyncEngine {
    desk: Arc<Desk>,
    cache: Cache,
    notifier: Arc<dyn Notifier>,
    status: watch::Sender<SyncStatus>,
    wake: Notify,
}

async fn get<Q, R: DeserializeOwned>(desk: &Desk, call: &Call<Q, Nothing, R>) -> Result<R, AppError> {
    match fetch(desk, call, None).await? {
        Fetched::Fresh(value, _) => Ok(value),
        Fetched::NotModified => Err(AppError::Protocol(format!("{call:?}: 304 without a condition"))),
    }
}

async fn fetch<Q, R: DeserializeOwned>(
    desk: &Desk,
    call: &Call<Q, Nothing, R>,
    etag: Option<&str>,
) -> Result<Fetched<R>, AppError> {
    desk.authorized(|token| async move { desk.api().fetch(call, &token, etag).await })
        .await
}

/// A 404 (deleted, or no longer ours) as None.
async fn get_if_any<Q, R: DeserializeOwned>(desk: &Desk, call: &Call<Q, Nothing, R>) -> Result<Option<R>, AppError> {
    match get(desk, call).await {
        Ok(value) => Ok(Some(value)),
        Err(AppError::Api(e)) if e.code == ErrorCode::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// A page's bookmark as a query's cursor: none for the first page.
fn bookmark(cursor: &str) -> Option<String> {
    (!cursor.is_empty()).then(|| cursor.to_owned())
}

/// The main user's sub-users, in pages of the most the server gives.
pub(crate) fn all_sub_users() -> Result<Call<SubUsersQuery, Nothing, SubUserPage>, AppError> {
    let query = SubUsersQuery {
        limit: Some(500),
        cursor: None,
    };
    with_query(op::accounts::LIST_SUB_USERS.call(&[]), &query)
}

/// The newest notifications (100), or those before the id `before`.
fn notifications_before(before: Option<i64>) -> Result<Call<NotificationsQuery, Nothing, NotificationList>, AppError> {
    let query = NotificationsQuery {
        before,
        limit: Some(100),
    };
    with_query(op::notifications::LIST.call(&[]), &query)
}

/// Re-reads one request into the cache (after a message was sent, or a change announced).
pub(crate) async fn refresh_request(desk: &Desk, cache: &Cache, id: i64) -> Result<(), AppError> {
    let detail: Option<RequestDetail> = get_if_any(desk, &op::requests::DETAIL.call(&[&id])).await?;
    let mut ingest = cache.begin().await?;
    match detail {
        Some(d) => ingest.request(&d).await?,
        None => ingest.delete(Collection::Requests, id).await?,
    }
    ingest.commit().await?;
    Ok(())
}

impl SyncEngine {
    pub fn new(desk: Arc<Desk>, cache: Cache, notifier: Arc<dyn Notifier>) -> SyncEngine {
        SyncEngine {
            desk,
            cache,
            notifier,
            status: watch::channel(SyncStatus::default()).0,
            wake: Notify::new(),
        }
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    /// Ends the current wait: something was written to the outbox, or the user logged in again.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// One round: the first sync or the deltas, then the outbox.
    pub async fn sync_once(&self) -> Result<Round, AppError> {
        let outcome = self.round().await;
        let now = Utc::now();
        self.status.send_modify(|s| match &outcome {
            Ok(_) => {
                s.online = true;
                s.offline_since = None;
                s.last_sync = Some(now);
                s.needs_login = false;
                s.progress = None;
            }
            Err(e) if e.code() == ErrorCode::SessionExpired => s.needs_login = true,
            Err(e) if e.is_transient() => {
                s.online = false;
                s.offline_since.get_or_insert(now);
            }
            Err(_) => {}
        });
        outcome
    }

    /// Puts what the server answered for an outbox item into the cache, so
    /// it shows at once.
    async fn take_in(&self, delivered: &Delivered) -> Result<(), AppError> {
        let (desk, cache) = (&self.desk, &self.cache);
        match delivered {
            Delivered::Shop => crate::shop::refresh(desk, cache).await,
            Delivered::Request(detail) => {
                let mut ingest = cache.begin().await?;
                ingest.request(detail).await?;
                ingest.commit().await?;
                Ok(())
            }
            Delivered::Message { request_id } => refresh_request(desk, cache, *request_id).await,
        }
    }

    /// The outbox goes first, so what the user wrote reaches the desk as soon
    /// as possible; the deltas then bring back its result with everything else.
    /// After a first sync the deltas catch what changed while it ran.
    async fn round(&self) -> Result<Round, AppError> {
        let mut round = Round {
            outbox: outbox::flush(&self.desk, &self.cache).await?,
            ..Round::default()
        };
        for delivered in &round.outbox.delivered {
            self.take_in(delivered).await?;
        }
        if self.cache.meta("first_sync.complete").await?.as_deref() != Some("1") {
            self.first_sync().await?;
            round.first_sync = true;
        } else if !self.cache.has_document(crate::shop::CATALOGUE).await? {
            // A copy made before the shop existed.
            crate::shop::refresh(&self.desk, &self.cache).await?;
        }
        let (changes, not_modified) = self.deltas().await?;
        round.changes = changes;
        round.not_modified = not_modified;
        if self.reconcile_due().await? {
            round.healed = self.reconcile().await?;
        }
        Ok(round)
    }

    async fn meta_i64(&self, key: &str) -> Result<i64, AppError> {
        Ok(self.cache.meta(key).await?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Home, profile, the self-service context and the sub-users (the main user's only).
    async fn refresh_documents(&self) -> Result<(), AppError> {
        let desk = &self.desk;
        let home = get(desk, &op::home::HOME.call(&[])).await?;
        let profile = get(desk, &op::accounts::PROFILE.call(&[])).await?;
        let context = get(desk, &op::requests::CONTEXT.call(&[])).await?;
        let sub_users = match desk.every_page(&all_sub_users()?).await {
            Ok(list) => Some(list),
            Err(AppError::Api(e)) if e.code == ErrorCode::Forbidden => None,
            Err(error) => return Err(error),
        };
        let mut ingest = self.cache.begin().await?;
        ingest.document("home", &home).await?;
        ingest.document("profile", &profile).await?;
        ingest.document("self_service", &context).await?;
        if let Some(list) = sub_users {
            ingest.document("sub_users", &list).await?;
        }
        ingest.commit().await?;
        Ok(())
    }

    async fn language(&self) -> Result<String, AppError> {
        let profile: Option<Profile> = self.cache.document("profile").await?;
        Ok(profile.map_or("it".into(), |p| p.language.as_str().to_owned()))
    }

    /// Compares the copy of the book with the server's counts and checksums
    /// and fetches again, whole, every collection that differs: a change the
    /// copy missed (a lost delta, a bug, a hand edit) heals by itself.
    /// Returns the collections fetched again.
    pub async fn reconcile(&self) -> Result<Vec<Collection>, AppError> {
        let summary = get(&self.desk, &op::notifications::SUMMARY.call(&[])).await?;
        let Some(server) = summary.fingerprints else {
            return Ok(Vec::new());
        };
        let copy = self.cache.fingerprints().await?;
        let pairs = [
            (Collection::Contracts, &server.contracts, &copy.contracts),
            (Collection::Schedule, &server.schedule, &copy.schedule),
            (Collection::Invoices, &server.invoices, &copy.invoices),
            (Collection::Assets, &server.assets, &copy.assets),
        ];
        let mut healed = Vec::new();
        for (collection, theirs, ours) in pairs {
            if theirs != ours {
                tracing::info!(
                    collection = collection.name(),
                    server = theirs.count,
                    copy = ours.count,
                    "the local copy differs from the server: fetching it again"
                );
                self.refetch(collection).await?;
                healed.push(collection);
            }
        }
        if !healed.is_empty() {
            self.refresh_documents().await?;
        }
        let mut ingest = self.cache.begin().await?;
        ingest
            .set_meta("reconciled_at", &Utc::now().timestamp().to_string())
            .await?;
        ingest.commit().await?;
        Ok(healed)
    }

    /// Whether the copy was last compared with the server long enough ago.
    async fn reconcile_due(&self) -> Result<bool, AppError> {
        let last = self.meta_i64("reconciled_at").await?;
        Ok(Utc::now().timestamp() - last >= RECONCILE_EVERY.as_secs() as i64)
    }

    /// Syncs until stopped: after each round it waits for the server's next
    /// event (or a poll timer when the stream is down), backing off with
    /// jitter while the server is unreachable and honouring `Retry-After`.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut failures: u32 = 0;
        loop {
            let outcome = self.sync_once().await;
            self.remind().await;
            let wait = match outcome {
                Ok(_) => {
                    failures = 0;
                    None
                }
                Err(e) if e.code() == ErrorCode::SessionExpired => Some(Duration::from_secs(24 * 3600)),
                Err(e) => {
                    failures += 1;
                    tracing::info!(code = ?e.code(), failures, "sync round failed");
                    Some(e.retry_after().unwrap_or_else(|| backoff(failures)))
                }
            };
            let pause = async {
                match wait {
                    Some(duration) => tokio::time::sleep(duration).await,
                    None => self.next_event().await,
                }
            };
            tokio::select! {
                _ = pause => {}
                _ = self.wake.notified() => {}
                // A quiet day still turns: the reminders of the new day show.
                _ = tokio::time::sleep(REMIND_EVERY) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    /// The due-date reminders of today, from the local copy: online or not.
    async fn remind(&self) {
        let lang = match self.language().await {
            Ok(code) => crate::export::Lang::of(&code),
            Err(_) => crate::export::Lang::It,
        };
        let today = crate::clock::today_in_rome();
        if let Err(e) = crate::calendar::remind(&self.cache, self.notifier.as_ref(), today, lang).await {
            tracing::warn!("due-date reminders: {e}");
        }
    }

    /// Returns when the server announces a change, or after a poll interval
    /// if the event stream cannot be opened or breaks.
    async fn next_event(&self) {
        let Ok(cursor) = self.meta_i64("cursor").await else {
            return tokio::time::sleep(POLL).await;
        };
        let desk = &self.desk;
        let opened = desk
            .authorized(|token| async move { desk.api().events(&token, cursor).await })
            .await;
        let Ok(response) = opened else {
            return tokio::time::sleep(jitter(POLL)).await;
        };
        let mut stream = response.bytes_stream();
        let mut buffer = String::new();
        while let Some(Ok(chunk)) = stream.next().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                if block.lines().any(|l| l == "event: change" || l == "event: resync") {
                    return;
                }
            }
        }
        tokio::time::sleep(jitter(Duration::from_secs(2))).await;
    }
}

/// 2, 4, 8 … up to 60 seconds, with ±20 % jitter so clients do not return in step.
pub fn backoff(failures: u32) -> Duration {
    let base = Duration::from_secs(2).saturating_mul(1 << failures.min(6).saturating_sub(1));
    jitter(base.min(BACKOFF_MAX))
}

fn jitter(base: Duration) -> Duration {
    base.mul_f64(rand::thread_rng().gen_range(0.8..1.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute_with_jitter() {
        for (failures, base) in [(1, 2.0), (2, 4.0), (3, 8.0), (5, 32.0), (9, 60.0)] {
            let d = backoff(failures).as_secs_f64();
            assert!(d >= base * 0.8 && d <= base * 1.2, "{failures}: {d}");
        }
    }
}

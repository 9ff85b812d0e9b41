//! The desktop's state behind the window: the session, and once someone is
//! logged in, the cache of that account and its sync engine running in the
//! background. The Tauri commands are one call each into this.

mod account;
pub mod authenticator;
mod exports;
pub mod paying;
mod reminders;
mod screens;
mod shop;
mod shop_slips;
pub use shop_slips::ShopSlipRequest;

pub use crate::export::InvoiceFormat;

use crate::cache::Cache;
use crate::notifier::{Notifier, OpenTarget};
use crate::outbox::OutboxEntry;
use crate::session::{Desk, SessionStatus};
use crate::sync::{SyncEngine, SyncStatus};
use crate::AppError;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sportello_domain::api::accounts::{CompleteReset, Profile};
use sportello_domain::api::auth::{LoginChallenge, Me};
use sportello_domain::api::home::Home;
use sportello_domain::api::operations as op;
use sportello_domain::api::requests::{NewRequest, RequestDetail, RequestSummary};
use sportello_domain::ErrorCode;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Mutex, Notify};
use ts_rs::TS;

/// What the window polls: the sync's state, a counter that moves when the
/// cache changed, and an item a clicked desktop notice asks to open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SyncView {
    pub status: SyncStatus,
    #[ts(type = "number")]
    pub version: u64,
    pub open: Option<OpenTarget>,
}

/// The home page's requests panel (H3): the latest requests from the cache,
/// and what the user wrote that the server does not have yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RequestsPanel {
    pub latest: Vec<RequestSummary>,
    pub waiting: Vec<OutboxEntry>,
}

/// Which account the cache on disk belongs to, for starting offline.
#[derive(Serialize, Deserialize)]
struct LastAccount {
    server: String,
    username: String,
}

struct Running {
    engine: Arc<SyncEngine>,
    stop: watch::Sender<bool>,
    username: String,
}

pub struct DeskApp {
    desk: Arc<Desk>,
    data_dir: PathBuf,
    notifier: Arc<dyn Notifier>,
    running: Mutex<Option<Running>>,
    version: Arc<AtomicU64>,
    open: std::sync::Mutex<Option<OpenTarget>>,
    /// Told when the window has painted its first screen from the local copy.
    first_screen: Arc<Notify>,
}

/// How long a start from the local copy keeps the network refresh back while the
/// window paints its first screen: the refresh would compete with it for the CPU
/// and the cache, and nothing it brings is needed to show what is already stored.
const FIRST_SCREEN_GRACE: Duration = Duration::from_secs(1);

/// One name per server and account, for its cache file and its documents.
fn account_key(server: &str, username: &str) -> String {
    let server = hex::encode(&Sha256::digest(server.as_bytes())[..6]);
    let safe: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    format!("{server}-{safe}")
}

fn cache_file(data_dir: &Path, server: &str, username: &str) -> PathBuf {
    data_dir
        .join("cache")
        .join(format!("{}.db", account_key(server, username)))
}

fn me_from(profile: Profile) -> Me {
    Me {
        username: profile.username,
        display_name: profile.display_name,
        customer_name: profile.customer_name,
        language: profile.language.as_str().to_owned(),
        must_change_password: profile.must_change_password,
        rights: profile.rights,
    }
}

impl DeskApp {
    pub fn new(desk: Desk, data_dir: PathBuf, notifier: Arc<dyn Notifier>) -> DeskApp {
        DeskApp {
            desk: Arc::new(desk),
            data_dir,
            notifier,
            running: Mutex::new(None),
            version: Arc::new(AtomicU64::new(0)),
            open: std::sync::Mutex::new(None),
            first_screen: Arc::new(Notify::new()),
        }
    }

    fn last_account_file(&self) -> PathBuf {
        self.data_dir.join("last-account.json")
    }

    /// At start-up: the stored session, or — with the server unreachable —
    /// the last account's cached data, while the sync keeps trying.
    /// Who is logged in, answered from the local copy when there is one: the
    /// home page paints before any network call, and the sync that starts here
    /// refreshes the session (a session the server ended sends the user to the
    /// login page). Without a local copy the server decides.
    pub async fn session_status(&self) -> Result<SessionStatus, AppError> {
        if let Some((me, cache)) = self.cached_account().await? {
            self.start_sync_with(&me, cache, Some(FIRST_SCREEN_GRACE)).await?;
            return Ok(SessionStatus::LoggedIn { me });
        }
        match self.desk.status().await? {
            SessionStatus::LoggedIn { me } => {
                // On a temporary password the window asks for the definitive one first.
                if !me.must_change_password {
                    self.start_sync(&me).await?;
                }
                Ok(SessionStatus::LoggedIn { me })
            }
            SessionStatus::LoggedOut => Ok(SessionStatus::LoggedOut),
        }
    }

    /// The window has painted its first screen: the deferred network refresh may start.
    pub fn first_screen_shown(&self) {
        self.first_screen.notify_one();
    }

    /// The last account of this computer with its opened local copy, when the
    /// keyring still holds its session.
    async fn cached_account(&self) -> Result<Option<(Me, Cache)>, AppError> {
        if !self.desk.has_stored_session().await? {
            return Ok(None);
        }
        let Ok(text) = std::fs::read_to_string(self.last_account_file()) else {
            return Ok(None);
        };
        let Ok(last) = serde_json::from_str::<LastAccount>(&text) else {
            return Ok(None);
        };
        if last.server != self.desk.api().base() {
            return Ok(None);
        }
        let file = cache_file(&self.data_dir, &last.server, &last.username);
        if !file.exists() {
            return Ok(None);
        }
        let cache = Cache::open(&file).await?;
        let Some(profile) = cache.document::<Profile>("profile").await? else {
            cache.close().await;
            return Ok(None);
        };
        Ok(Some((me_from(profile), cache)))
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<LoginChallenge, AppError> {
        self.desk.login(username, password).await
    }

    /// A1, A6: sets the password a link's token allows; the server ends every
    /// session of that user, so the next step is a fresh login.
    pub async fn complete_reset(&self, reset: &CompleteReset) -> Result<(), AppError> {
        self.desk.api().complete_reset(reset).await
    }

    /// The login's code again, by e-mail; the one sent before stops working.
    pub async fn resend_code(&self, challenge_id: &str) -> Result<LoginChallenge, AppError> {
        self.desk.resend_code(challenge_id).await
    }

    pub async fn verify_code(&self, challenge_id: &str, code: &str) -> Result<Me, AppError> {
        let me = self.desk.verify_code(challenge_id, code).await?;
        if !me.must_change_password {
            self.start_sync(&me).await?;
        }
        Ok(me)
    }

    /// Opens the account's cache and runs its sync in the background.
    async fn start_sync(&self, me: &Me) -> Result<(), AppError> {
        let server = self.desk.api().base().to_owned();
        let cache = Cache::open(&cache_file(&self.data_dir, &server, &me.username)).await?;
        self.start_sync_with(me, cache, None).await
    }

    /// Runs the sync of `me` on `cache`; with a grace, its first round waits until the
    /// window has shown its first screen, or the grace has passed.
    async fn start_sync_with(&self, me: &Me, cache: Cache, grace: Option<Duration>) -> Result<(), AppError> {
        let mut running = self.running.lock().await;
        if running.as_ref().is_some_and(|r| r.username == me.username) {
            if let Some(r) = running.as_ref() {
                r.engine.wake();
            }
            cache.close().await;
            return Ok(());
        }
        if let Some(old) = running.take() {
            let _ = old.stop.send(true);
        }
        let server = self.desk.api().base().to_owned();
        let last = LastAccount {
            server,
            username: me.username.clone(),
        };
        std::fs::create_dir_all(&self.data_dir).map_err(|e| AppError::Protocol(e.to_string()))?;
        std::fs::write(
            self.last_account_file(),
            serde_json::to_string(&last).unwrap_or_default(),
        )
        .map_err(|e| AppError::Protocol(e.to_string()))?;
        let engine = Arc::new(SyncEngine::new(self.desk.clone(), cache, self.notifier.clone()));
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(watch_rounds(engine.status(), self.version.clone()));
        let (rounds, first_screen) = (engine.clone(), self.first_screen.clone());
        tokio::spawn(async move {
            if let Some(grace) = grace {
                let _ = tokio::time::timeout(grace, first_screen.notified()).await;
            }
            rounds.run(stopped).await;
        });
        *running = Some(Running {
            engine,
            stop,
            username: me.username.clone(),
        });
        Ok(())
    }

    /// Where the logged-in account's downloaded invoices are kept.
    async fn documents_dir(&self) -> Result<PathBuf, AppError> {
        let running = self.running.lock().await;
        let username = &running.as_ref().ok_or_else(not_logged_in)?.username;
        Ok(self
            .data_dir
            .join("documents")
            .join(account_key(self.desk.api().base(), username)))
    }

    async fn engine(&self) -> Option<Arc<SyncEngine>> {
        self.running.lock().await.as_ref().map(|r| r.engine.clone())
    }

    /// The home page from the cache when there is one, else from the server.
    pub async fn home(&self) -> Result<Home, AppError> {
        if let Some(engine) = self.engine().await {
            if let Some(mut home) = engine.cache().document::<Home>("home").await? {
                // The figures as they stand today, from the copy: a line that fell due
                // since the last sync counts as overdue, online or not.
                home.situation = engine.cache().situation(crate::clock::today_in_rome()).await?;
                return Ok(home);
            }
        }
        self.desk.home().await
    }

    pub async fn sync_view(&self) -> SyncView {
        let status = match self.engine().await {
            Some(engine) => engine.status().borrow().clone(),
            None => SyncStatus::default(),
        };
        SyncView {
            status,
            version: self.version.load(Ordering::Relaxed),
            open: self.open.lock().expect("not poisoned").take(),
        }
    }

    /// The window reloads what it shows when this moves.
    fn touched(&self) {
        self.version.fetch_add(1, Ordering::Relaxed);
    }

    /// A clicked desktop notice: the window will open this item.
    pub fn open(&self, target: OpenTarget) {
        *self.open.lock().expect("not poisoned") = Some(target);
    }

    /// Keeps a request in the outbox (sent at once when online) and wakes the sync.
    pub async fn file_request(&self, request: &NewRequest) -> Result<OutboxEntry, AppError> {
        let engine = self.engine().await.ok_or_else(not_logged_in)?;
        // A password never goes to disk: bank details take `change_iban`.
        let mut request = request.clone();
        request.take_current_password();
        let entry = engine.cache().enqueue_request(&request, Utc::now()).await?;
        self.touched();
        engine.wake();
        Ok(entry)
    }

    /// S1: new bank details go to the server at once, with the password
    /// typed again (step-up); the outbox, kept on disk, never holds a
    /// password, so offline this answers `server_unreachable` for the window
    /// to say the change needs the connection.
    pub async fn change_iban(&self, request: &NewRequest, current_password: &str) -> Result<RequestDetail, AppError> {
        let engine = self.engine().await.ok_or_else(not_logged_in)?;
        if !matches!(request, NewRequest::IbanChange { .. }) {
            return Err(sportello_domain::ApiError::new(ErrorCode::BadRequest, "not a change of bank details").into());
        }
        let mut body = request.clone();
        if let NewRequest::IbanChange {
            current_password: password,
            ..
        } = &mut body
        {
            *password = Some(current_password.to_owned());
        }
        let (body, key, call) = (&body, &crate::outbox::new_key(), &op::requests::CREATE.call(&[]));
        let created = self
            .desk
            .authorized(|token| async move { self.desk.api().create(call, &token, key, body).await })
            .await?;
        engine.wake();
        Ok(created.body)
    }

    pub async fn requests_panel(&self, latest: usize) -> Result<RequestsPanel, AppError> {
        let engine = self.engine().await.ok_or_else(not_logged_in)?;
        let cache = engine.cache();
        let requests = cache.requests().await?;
        Ok(RequestsPanel {
            latest: requests.into_iter().take(latest).map(|r| r.summary).collect(),
            waiting: cache.outbox().await?,
        })
    }

    /// Sends what waits in the outbox now (before an update restarts the
    /// app); what cannot go stays in the local copy for after the restart.
    pub async fn flush_outbox(&self) -> Result<(), AppError> {
        let Some(engine) = self.engine().await else {
            return Ok(());
        };
        crate::outbox::flush(&self.desk, engine.cache()).await.map(|_| ())
    }

    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, AppError> {
        let engine = self.engine().await.ok_or_else(not_logged_in)?;
        engine.cache().outbox().await
    }

    /// Ends the session; the account's cache stays on disk for its next login.
    /// Ends the session; unless the user keeps a copy on this computer, the
    /// account's local copy and its documents go too.
    pub async fn logout(&self, keep_copy: bool) -> Result<(), AppError> {
        let account = self.running.lock().await.take().map(|old| {
            let _ = old.stop.send(true);
            old.username
        });
        let _ = std::fs::remove_file(self.last_account_file());
        let server = self.desk.api().base().to_owned();
        let ended = self.desk.logout().await;
        if let (false, Some(username)) = (keep_copy, account) {
            self.forget_local_copy(&server, &username);
        }
        ended
    }

    /// Removes an account's cache (with SQLite's journal files) and its documents.
    fn forget_local_copy(&self, server: &str, username: &str) {
        let cache = cache_file(&self.data_dir, server, username);
        for suffix in ["", "-wal", "-shm"] {
            let mut name = cache.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
        let documents = self.data_dir.join("documents").join(account_key(server, username));
        if let Err(e) = std::fs::remove_dir_all(&documents) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(error = %e, "an account's documents could not be removed at logout");
            }
        }
    }
}

fn not_logged_in() -> AppError {
    sportello_domain::ApiError::new(ErrorCode::SessionExpired, "log in again").into()
}

/// Moves the version whenever a round finished, so the window reloads what
/// it shows; ends with the engine.
async fn watch_rounds(mut status: watch::Receiver<SyncStatus>, version: Arc<AtomicU64>) {
    let mut last = None;
    while status.changed().await.is_ok() {
        let current = status.borrow().clone();
        if current.last_sync != last || current.progress.is_some() {
            last = current.last_sync;
            version.fetch_add(1, Ordering::Relaxed);
        }
    }
}

//! Sportello's back end: the HTTP API the desktop syncs with, auth, mail and
//! storage on SQLite (the embedded default) or PostgreSQL.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod authenticator;
#[cfg(feature = "testkit")]
pub mod bench;
pub mod book;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod demo;
pub mod documents;
pub mod einvoice;
pub mod error;
pub mod events;
pub mod fleet;
pub mod http;
pub mod limits;
pub mod mail;
pub mod mails;
pub mod netaddr;
pub mod notifications;
pub mod ops;
pub mod passwords;
pub mod payments;
pub mod privacy;
pub mod releases;
pub mod requests;
pub mod secrets;
pub mod sessions;
pub mod shop;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod throttle;

pub use clock::Clock;
pub use config::Config;
pub use error::ServerError;

use lettre::message::Mailbox;
use std::net::SocketAddr;
use std::sync::Arc;
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub mailer: mail::Mailer,
    pub mail_from: Mailbox,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub limiter: limits::Limiter,
    pub events: events::Events,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<Vec<netaddr::Cidr>>,
    /// The company as the seller on its invoices, and its account.
    pub seller: Arc<(sportello_domain::invoice::Party, sportello_domain::ids::Iban)>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data folder {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("mail: {0}")]
    Mail(#[from] mail::MailError),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("configuration: {0}")]
    Config(String),
}

impl AppState {
    pub async fn open(config: Config, clock: Clock) -> Result<AppState, StartError> {
        let seller = Arc::new(config.company.seller().map_err(StartError::Config)?);
        let trusted_proxies = Arc::new(config.trusted_proxies().map_err(StartError::Config)?);
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StartError::DataDir(config.data_dir.display().to_string(), e))?;
        let store = Store::open(&config.database_url()).await?;
        let (mailer, mail_from) = mail::Mailer::from_config(&config)?;
        let events = events::Events::new(&store);
        let limiter = limits::Limiter::new(store.clone());
        Ok(AppState {
            store,
            mailer,
            mail_from,
            config: Arc::new(config),
            clock,
            limiter,
            trusted_proxies,
            events,
            seller,
        })
    }
}

/// A server listening in the background; dropping the handle does not stop it,
/// `shutdown` does (gracefully, finishing requests in flight).
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    stop_mail: tokio::sync::watch::Sender<bool>,
    mail_worker: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn shutdown(mut self) {
        self.state.events.close();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
        let _ = self.stop_mail.send(true);
        let _ = self.mail_worker.await;
        self.state.store.close().await;
    }
}

pub async fn start(state: AppState) -> Result<RunningServer, StartError> {
    let bind = state.config.bind;
    let listener = TcpListener::bind(bind).await.map_err(|e| StartError::Bind(bind, e))?;
    let addr = listener.local_addr().map_err(|e| StartError::Bind(bind, e))?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = http::router(state.clone());
    state.events.watch(
        state.store.clone(),
        state.config.database_url(),
        std::time::Duration::from_millis(state.config.feed_poll_ms.max(10)),
    );
    match attachments::move_files_from_disk(&state).await {
        Ok(0) => {}
        Ok(moved) => tracing::info!(moved, "files moved from the data folder into the database"),
        Err(e) => tracing::error!(error = %e, "files on disk not moved into the database yet"),
    }
    let (stop_mail, mail_stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(attachments::sweep_orphans(state.clone(), mail_stopped.clone()));
    let mail_worker = tokio::spawn(delivery::run_worker(
        state.clone(),
        std::time::Duration::from_millis(state.config.mail_poll_ms.max(10)),
        mail_stopped,
    ));
    let header_timeout = std::time::Duration::from_millis(state.config.header_timeout_ms.max(1));
    let task = tokio::spawn(http::serve(listener, app, header_timeout, async {
        let _ = stopped.await;
    }));
    Ok(RunningServer {
        addr,
        state,
        stop: Some(stop),
        task,
        stop_mail,
        mail_worker,
    })
}

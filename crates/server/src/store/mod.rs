//! Storage on SQLite or PostgreSQL behind one interface.
//!
//! One code path serves both engines: sqlx's `Any` driver with a portable SQL
//! dialect (`$n` placeholders, `RETURNING`, `ON CONFLICT`), money in whole
//! cents, dates as ISO text and instants as epoch milliseconds. Only the
//! migrations differ per engine (how ids are generated, the byte type), and
//! `tests/migrations.rs` fails when they differ in anything else. See
//! docs/architecture.md for why this beat a trait with a crate per engine.

pub mod accounts;
pub mod assets;
pub mod auth;
pub mod authenticators;
pub mod book;
pub mod bulk;
pub mod contracts;
pub mod documents;
pub mod feed;
pub mod files;
mod filters;
pub mod import;
pub mod invoices;
pub mod mailq;
pub mod notifications;
pub mod ops;
mod pages;
pub mod principals;
pub mod privacy;
pub mod registrations;
pub mod releases;
pub mod requests;
pub mod schedule;
pub mod shop;
pub mod sub_users;
pub mod throttle;
pub mod unit;
pub mod users;

pub use pages::{Keyset, Scope};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The request's idempotency key passed to a retry while it ran (its
    /// lease ran out); its change was rolled back.
    #[error("the Idempotency-Key was taken over by a retry")]
    ClaimLost,
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub engine: Engine,
    /// The highest change-feed cursor this process saw commit; every commit
    /// that announces a change moves it, and the event streams follow it.
    pub(crate) head: std::sync::Arc<tokio::sync::watch::Sender<i64>>,
    /// Wakes this process's mail worker when a commit queued mail.
    pub(crate) mail_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Who recent access tokens belong to (PostgreSQL only; see `principals`).
    pub principals: std::sync::Arc<principals::Principals>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects and brings the schema up to date.
    pub async fn open(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else {
            Engine::Postgres
        };
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 4 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    match engine {
                        Engine::Sqlite => {
                            conn.execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;").await?;
                        }
                        // Every statement is planned once per connection: its
                        // generic plan is kept (see `filters.rs`). Left to
                        // choose, PostgreSQL planned the home's sums anew on
                        // every call (0.6 ms of planning for 0.4 ms of reading),
                        // judging by costs that depend on how the customers'
                        // books happen to be spread.
                        Engine::Postgres => {
                            conn.execute("SET plan_cache_mode = force_generic_plan").await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        match engine {
            Engine::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Engine::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Store {
            pool,
            engine,
            head: std::sync::Arc::new(tokio::sync::watch::channel(0).0),
            mail_wake: std::sync::Arc::default(),
            principals: std::sync::Arc::new(principals::Principals::new(match engine {
                Engine::Postgres => 1_000,
                Engine::Sqlite => 0,
            })),
        })
    }

    /// A transaction that writes. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads before its
    /// first write fails with SQLITE_BUSY_SNAPSHOT ("database is locked",
    /// at once, whatever the busy timeout) when another connection commits
    /// in between, as the mail worker often does; this one waits its turn.
    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => self.pool.begin().await?,
        })
    }

    pub fn mail_wake(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.mail_wake.clone()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Stored data that does not parse: a bug or a hand edit, never user input.
pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

/// Parses a stored ISO date.
pub(crate) fn date(text: &str) -> StoreResult<chrono::NaiveDate> {
    text.parse().map_err(|_| corrupt("date", text))
}

/// A stored count or number as u32 (they are all far below its limit).
pub(crate) fn to_u32(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// "$1, $2, …, $n", for an `IN (…)` of `n` values.
pub(crate) fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

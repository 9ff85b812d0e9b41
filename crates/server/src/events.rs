//! The change feed as the event streams see it. The feed lives in the
//! database; this module only tells the streams of this process when its head
//! moved, so they read what is new for their customer from the database.
//! Several instances behind one PostgreSQL wake each other through
//! `LISTEN/NOTIFY`; every instance also looks at the feed's head once a
//! second, which catches writers that cannot notify (the command line on
//! SQLite) and any notification lost with a dropped connection.

use crate::store::feed::FEED_CHANNEL;
use crate::store::principals::PRINCIPALS_CHANNEL;
use crate::store::{Engine, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Clone)]
pub struct Events {
    store: Store,
    /// Set when the server shuts down: open streams end, so the graceful
    /// shutdown does not wait for them forever.
    closing: Arc<watch::Sender<bool>>,
}

impl Events {
    /// The events of the feed in `store`: its commits move the head at once.
    pub fn new(store: &Store) -> Events {
        Events {
            store: store.clone(),
            closing: Arc::new(watch::channel(false).0),
        }
    }

    /// Wakes when the feed's head moves.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.store.follow_head()
    }

    /// Tells the streams that the feed reached `cursor` (committed).
    pub fn bump(&self, cursor: i64) {
        self.store.saw_head(cursor);
    }

    /// Resolves when the server starts shutting down.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closed| *closed).await;
        }
    }

    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Follows the feed's head until the server shuts down: PostgreSQL
    /// notifications when the database is PostgreSQL, and a poll either way.
    /// The same listener hears the notices that end the principals this
    /// instance keeps; it keeps them only while the listener is connected.
    pub fn watch(&self, store: Store, database_url: String, poll: Duration) -> tokio::task::JoinHandle<()> {
        let events = self.clone();
        tokio::spawn(async move {
            let mut listener = match store.engine {
                Engine::Postgres => listen(&database_url, &store).await,
                Engine::Sqlite => None,
            };
            let closed = events.closed();
            tokio::pin!(closed);
            let mut read_head = true;
            loop {
                if read_head {
                    if let Ok(head) = store.feed_head().await {
                        events.bump(head);
                    }
                }
                let notified = async {
                    match listener.as_mut() {
                        Some(l) => l.try_recv().await.ok().flatten(),
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = &mut closed => {
                        store.principals.set_live(false);
                        return;
                    }
                    _ = tokio::time::sleep(poll) => read_head = true,
                    notice = notified => match notice {
                        Some(notice) => read_head = events.heard(&store, &notice),
                        None => {
                            tracing::warn!("feed listener lost its connection; polling until it is back");
                            store.principals.set_live(false);
                            listener = listen(&database_url, &store).await;
                            read_head = true;
                        }
                    }
                }
            }
        })
    }
}

impl Events {
    /// Acts on a notice; true when the feed's head must be read again.
    fn heard(&self, store: &Store, notice: &sqlx::postgres::PgNotification) -> bool {
        if notice.channel() == PRINCIPALS_CHANNEL {
            store.principals.forget_all();
            return false;
        }
        // The feed's writers take its lock until they commit, so the cursor
        // a notice names is committed with all before it.
        match notice.payload().parse::<i64>() {
            Ok(head) => {
                self.bump(head);
                false
            }
            Err(_) => true,
        }
    }
}

async fn listen(url: &str, store: &Store) -> Option<sqlx::postgres::PgListener> {
    let mut listener = match sqlx::postgres::PgListener::connect(url).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for feed notifications; polling instead");
            return None;
        }
    };
    match listener.listen_all([FEED_CHANNEL, PRINCIPALS_CHANNEL]).await {
        Ok(()) => {
            store.principals.set_live(true);
            Some(listener)
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for feed notifications; polling instead");
            None
        }
    }
}

//! The change feed: each change a customer can see gets a cursor in the
//! database and is announced at once to the event streams of that customer
//! (or of everyone, for broadcasts).

use crate::{AppState, ServerError};
use sportello_domain::api::notifications::ChangeEvent;
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// A change and who may see it (None: every customer).
#[derive(Clone, Debug)]
pub struct Scoped {
    pub customer_id: Option<i64>,
    pub event: ChangeEvent,
}

#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Scoped>,
    /// Set when the server shuts down: open streams end, so the graceful
    /// shutdown does not wait for them forever.
    closing: Arc<watch::Sender<bool>>,
}

impl Default for Events {
    fn default() -> Self {
        // A stream that falls this far behind is told to resync from its cursor.
        let (sender, _) = broadcast::channel(1024);
        Events {
            sender,
            closing: Arc::new(watch::channel(false).0),
        }
    }
}

impl Events {
    pub fn subscribe(&self) -> broadcast::Receiver<Scoped> {
        self.sender.subscribe()
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
}

/// Records a change in the feed and announces it.
pub async fn changed(
    state: &AppState,
    customer_id: Option<i64>,
    entity: &str,
    entity_id: impl ToString,
    op: &str,
) -> Result<i64, ServerError> {
    let entity_id = entity_id.to_string();
    let cursor = state
        .store
        .record_change(customer_id, entity, &entity_id, op, state.clock.now_ms())
        .await?;
    let event = ChangeEvent {
        cursor,
        entity: entity.to_owned(),
        entity_id,
        op: op.to_owned(),
    };
    // No stream listening is not an error: the cursor is in the database.
    let _ = state.events.sender.send(Scoped { customer_id, event });
    Ok(cursor)
}

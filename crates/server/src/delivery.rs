//! What a request owes besides its change: e-mails through the mail queue,
//! audit rows, both committed with the change (`store::unit`). The worker
//! here sends the queue; requests never talk to a mail server.

use crate::mail::Mail;
use crate::store::mailq::MailRow;
use crate::store::unit::{self, Created, Effect, QueuedMail};
use crate::{AppState, ServerError};
use std::time::Duration;

impl From<Mail<'_>> for QueuedMail {
    fn from(m: Mail<'_>) -> QueuedMail {
        QueuedMail {
            to: m.to.to_owned(),
            subject: m.subject,
            body: m.body,
        }
    }
}

/// Effects for the next commit of this request. Outside a request (the
/// command line, a worker) there is no unit: they are written at once.
pub async fn defer(state: &AppState, effects: Vec<Effect>) -> Result<(), ServerError> {
    for effect in effects {
        if let Err(effect) = unit::defer(effect) {
            write_now(state, effect).await?;
        }
    }
    Ok(())
}

/// Effects that name what the request's next creating commit creates.
pub fn defer_created(f: impl FnOnce(&Created) -> Vec<Effect> + Send + 'static) -> Result<(), ServerError> {
    if unit::defer_created(f) {
        Ok(())
    } else {
        Err(ServerError::internal("a creating change ran outside a request unit"))
    }
}

/// Queues a message in a transaction of its own, after a change that has
/// committed already (account e-mails): still sent by the worker.
pub async fn queue(state: &AppState, mail: Mail<'_>) -> Result<(), ServerError> {
    state.store.queue_mail(&mail.into(), state.clock.now_ms()).await?;
    Ok(())
}

async fn write_now(state: &AppState, effect: Effect) -> Result<(), ServerError> {
    let now = state.clock.now_ms();
    match effect {
        Effect::Audit(a) => {
            let entry = crate::store::ops::NewAudit {
                actor: &a.actor,
                action: &a.action,
                target: &a.target,
                details: &a.details,
                client: &a.client,
            };
            state.store.insert_audit(&entry, now).await?;
        }
        Effect::Mail(m) => state.store.queue_mail(&m, now).await?,
        Effect::Token(t) => state.store.insert_account_token(&t, now).await?,
        Effect::Notification(n) => state.store.insert_notification_row(&n, now).await?,
    }
    Ok(())
}

/// How many messages one pass of the worker takes.
const BATCH: i64 = 20;

/// Sends the mail queue until `stop` fires: woken by this instance's
/// commits, and every `poll` for retries and other instances' messages.
pub async fn run_worker(state: AppState, poll: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
    let wake = state.store.mail_wake();
    loop {
        let taken = match send_due(&state).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "the mail queue cannot be read");
                0
            }
        };
        if taken as i64 == BATCH {
            continue;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = stop.changed() => return,
        }
    }
}

/// One pass: up to `BATCH` due messages, each taken on a lease of its own
/// just before it is sent, so a slow mail server cannot make a lease run
/// out on messages still waiting their turn (another instance would then
/// send them too). Returns how many were tried.
pub async fn send_due(state: &AppState) -> Result<usize, ServerError> {
    let lease = state.config.mail_lease_ms;
    let mut tried = 0;
    while tried < BATCH as usize {
        let Some(row) = state.store.take_due_mail(state.clock.now_ms(), lease, 1).await?.pop() else {
            break;
        };
        send_one(state, &row).await?;
        tried += 1;
    }
    Ok(tried)
}

async fn send_one(state: &AppState, row: &MailRow) -> Result<(), ServerError> {
    let mail = Mail {
        to: &row.recipient,
        subject: row.subject.clone(),
        body: row.body.clone(),
    };
    let id = format!("sportello-mail-{}-{}", row.id, row.created_at);
    match state.mailer.deliver(&state.mail_from, &id, mail).await {
        Ok(()) => state.store.mail_sent(row.id, state.clock.now_ms()).await?,
        Err(e) => {
            tracing::warn!(mail = row.id, attempt = row.attempts, error = %e, "an e-mail could not be sent; it will be tried again");
            state
                .store
                .mail_failed(row, &e.to_string(), state.clock.now_ms())
                .await?;
        }
    }
    Ok(())
}

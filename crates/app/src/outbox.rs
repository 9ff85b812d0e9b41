//! What the user writes — requests and messages — is stored in the cache
//! first, with an `Idempotency-Key` chosen at once, and sent in order when
//! the server can be reached. The key travels on every try, so a reply lost
//! on the way back can be asked for again without filing twice.

use crate::cache::Cache;
use crate::session::Desk;
use crate::AppError;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sportello_domain::api::operations::{self as op, Call};
use sportello_domain::api::requests::{NewMessage, NewRequest, RequestDetail};
use sportello_domain::api::shop::{AcceptQuote, NewOrder, NewQuote};
use sportello_domain::{ApiError, ErrorCode};
use ts_rs::TS;

/// What an outbox item writes on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OutboxKind {
    /// A new request (POST /requests).
    Request,
    /// A message on a request's thread.
    Message,
    /// An order from the order cart.
    Order,
    /// A quote request from the quote cart.
    Quote,
    /// A priced quote accepted.
    Accept,
}

impl OutboxKind {
    const ALL: [OutboxKind; 5] = [
        OutboxKind::Request,
        OutboxKind::Message,
        OutboxKind::Order,
        OutboxKind::Quote,
        OutboxKind::Accept,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Request => "request",
            OutboxKind::Message => "message",
            OutboxKind::Order => "order",
            OutboxKind::Quote => "quote",
            OutboxKind::Accept => "accept",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<OutboxKind, AppError> {
        OutboxKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| AppError::Protocol(format!("an outbox item of unknown kind {text:?}")))
    }
}

/// A user-written item the server does not have yet (or refused).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct OutboxEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: OutboxKind,
    /// "queued" (waiting to be sent) or "rejected" (the server refused it: fix or discard).
    pub state: String,
    /// The last error, in the one error shape.
    pub error: Option<ApiError>,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    /// What was written, as JSON.
    #[ts(type = "unknown")]
    pub body: serde_json::Value,
}

/// What one flush did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flushed {
    pub sent: u32,
    pub rejected: u32,
    /// Left in the queue because the server could not take them now.
    pub waiting: u32,
    /// What the server took, with its answers, in the order sent: for the
    /// sync engine to bring into the cache.
    pub delivered: Vec<Delivered>,
}

/// An item the server took, with what the sync engine needs of its answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivered {
    /// The request as filed.
    Request(Box<RequestDetail>),
    /// A message on this request's thread.
    Message { request_id: i64 },
    /// An order, a quote request or an accepted quote.
    Shop,
}

/// What the user wrote, each with the operation that sends it: the outbox
/// stores its kind, its path and its body from here, so they always agree.
pub enum Outgoing<'a> {
    Request(&'a NewRequest),
    Message { request_id: i64, message: &'a NewMessage },
    Order(&'a NewOrder),
    Quote(&'a NewQuote),
    Accept { quote_id: i64, accept: &'a AcceptQuote },
}

impl Outgoing<'_> {
    fn kind(&self) -> OutboxKind {
        match self {
            Outgoing::Request(_) => OutboxKind::Request,
            Outgoing::Message { .. } => OutboxKind::Message,
            Outgoing::Order(_) => OutboxKind::Order,
            Outgoing::Quote(_) => OutboxKind::Quote,
            Outgoing::Accept { .. } => OutboxKind::Accept,
        }
    }

    /// The path it goes to and its body as JSON.
    fn stored(&self) -> Result<(String, String), AppError> {
        fn kept<Q, B: Serialize, R>(call: Call<Q, B, R>, body: &B) -> Result<(String, String), AppError> {
            let body = serde_json::to_string(body).map_err(|e| AppError::Protocol(e.to_string()))?;
            Ok((call.path, body))
        }
        match self {
            Outgoing::Request(body) => kept(op::requests::CREATE.call(&[]), *body),
            Outgoing::Message { request_id, message } => kept(op::requests::ADD_MESSAGE.call(&[request_id]), *message),
            Outgoing::Order(body) => kept(op::shop::PLACE_ORDER.call(&[]), *body),
            Outgoing::Quote(body) => kept(op::shop::REQUEST_QUOTE.call(&[]), *body),
            Outgoing::Accept { quote_id, accept } => kept(op::shop::ACCEPT_QUOTE.call(&[quote_id]), *accept),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    idem_key: String,
    kind: String,
    path: String,
    body: String,
    state: String,
    error: Option<String>,
    attempts: i64,
    created_at: i64,
}

pub(crate) fn new_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("desk-{}", hex::encode(bytes))
}

/// A refusal that sending again would not change.
fn permanent(error: &AppError, attempts: i64) -> bool {
    match error {
        AppError::Api(e) if e.code == ErrorCode::Conflict => attempts >= 5,
        AppError::Api(e) => !matches!(
            e.code,
            ErrorCode::Internal | ErrorCode::RateLimited | ErrorCode::Unauthorized | ErrorCode::SessionExpired
        ),
        _ => false,
    }
}

impl Cache {
    /// Queues an item; with `cart`, empties that cart in the same transaction
    /// (a checkout moves the cart into the outbox, never both or neither).
    pub(crate) async fn enqueue(
        &self,
        item: Outgoing<'_>,
        now: DateTime<Utc>,
        cart: Option<&str>,
    ) -> Result<OutboxEntry, AppError> {
        let (path, body) = item.stored()?;
        let mut tx = self.pool().begin().await.map_err(crate::cache::CacheError::from)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (idem_key, kind, path, body, state, created_at) VALUES (?, ?, ?, ?, 'queued', ?)
             RETURNING id",
        )
        .bind(new_key())
        .bind(item.kind().as_str())
        .bind(path)
        .bind(body)
        .bind(now.timestamp_millis())
        .fetch_one(&mut *tx)
        .await
        .map_err(crate::cache::CacheError::from)?;
        if let Some(cart) = cart {
            sqlx::query("DELETE FROM cart WHERE kind = ?")
                .bind(cart)
                .execute(&mut *tx)
                .await
                .map_err(crate::cache::CacheError::from)?;
        }
        tx.commit().await.map_err(crate::cache::CacheError::from)?;
        Ok(self.outbox_entry(id).await?.expect("just inserted"))
    }

    /// Files a request: kept here at once, sent by the next flush.
    pub async fn enqueue_request(&self, request: &NewRequest, now: DateTime<Utc>) -> Result<OutboxEntry, AppError> {
        self.enqueue(Outgoing::Request(request), now, None).await
    }

    pub async fn enqueue_message(
        &self,
        request_id: i64,
        message: &NewMessage,
        now: DateTime<Utc>,
    ) -> Result<OutboxEntry, AppError> {
        self.enqueue(Outgoing::Message { request_id, message }, now, None).await
    }

    async fn outbox_rows(&self, condition: &str) -> Result<Vec<Row>, AppError> {
        let sql = format!(
            "SELECT id, idem_key, kind, path, body, state, error, attempts, created_at FROM outbox WHERE {condition} ORDER BY id"
        );
        Ok(sqlx::query_as(&sql)
            .fetch_all(self.pool())
            .await
            .map_err(crate::cache::CacheError::from)?)
    }

    pub(crate) async fn outbox_entry(&self, id: i64) -> Result<Option<OutboxEntry>, AppError> {
        self.outbox_rows(&format!("id = {id}"))
            .await?
            .into_iter()
            .next()
            .map(entry)
            .transpose()
    }

    /// Everything not yet accepted by the server, oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, AppError> {
        self.outbox_rows("state <> 'sent'")
            .await?
            .into_iter()
            .map(entry)
            .collect()
    }

    /// The user gives up on a refused item.
    pub async fn discard(&self, id: i64) -> Result<bool, AppError> {
        let done = sqlx::query("DELETE FROM outbox WHERE id = ? AND state = 'rejected'")
            .bind(id)
            .execute(self.pool())
            .await
            .map_err(crate::cache::CacheError::from)?;
        Ok(done.rows_affected() == 1)
    }

    async fn mark(
        &self,
        id: i64,
        state: &str,
        error: Option<&ApiError>,
        response: Option<&str>,
        now: i64,
    ) -> Result<(), AppError> {
        let error = error.map(|e| serde_json::to_string(e).unwrap_or_default());
        sqlx::query(
            "UPDATE outbox SET state = ?, error = ?, attempts = attempts + 1, response = COALESCE(?, response),
                 sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
        )
        .bind(state)
        .bind(error)
        .bind(response)
        .bind(state)
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await
        .map_err(crate::cache::CacheError::from)?;
        Ok(())
    }
}

fn entry(r: Row) -> Result<OutboxEntry, AppError> {
    Ok(OutboxEntry {
        id: r.id,
        kind: OutboxKind::parse(&r.kind)?,
        state: r.state,
        error: r.error.and_then(|e| serde_json::from_str(&e).ok()),
        attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
        created_at: DateTime::from_timestamp_millis(r.created_at).unwrap_or_default(),
        body: serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null),
    })
}

/// Sends the queue in order. A refusal is kept for the user to see; a
/// transient failure stops the flush, so later items never overtake it.
pub async fn flush(desk: &Desk, cache: &Cache) -> Result<Flushed, AppError> {
    let mut done = Flushed::default();
    let queued = cache.outbox_rows("state = 'queued'").await?;
    let total = u32::try_from(queued.len()).unwrap_or(u32::MAX);
    for row in queued {
        let sent = deliver(desk, &row).await;
        let now = Utc::now().timestamp_millis();
        match sent {
            Ok((delivered, answer)) => {
                cache.mark(row.id, "sent", None, Some(&answer), now).await?;
                done.delivered.push(delivered);
                done.sent += 1;
            }
            Err(error) if permanent(&error, row.attempts + 1) => {
                cache
                    .mark(row.id, "rejected", Some(&error.to_wire()), None, now)
                    .await?;
                done.rejected += 1;
            }
            Err(error) => {
                cache.mark(row.id, "queued", Some(&error.to_wire()), None, now).await?;
                done.waiting = total - done.sent - done.rejected;
                if error.code() == ErrorCode::SessionExpired {
                    return Err(error);
                }
                return Ok(done);
            }
        }
    }
    Ok(done)
}

/// Sends a stored row by the operation its kind declares; what was
/// delivered, and the answer as JSON (kept with the row).
async fn deliver(desk: &Desk, row: &Row) -> Result<(Delivered, String), AppError> {
    // The id in a stored path, read back through the operation's declaration.
    let id = |endpoint: op::Operation| {
        endpoint
            .parse(&row.path)
            .and_then(|args| args.first()?.parse::<i64>().ok())
            .ok_or_else(|| AppError::Protocol(format!("an outbox item of kind {} went to {}", row.kind, row.path)))
    };
    Ok(match OutboxKind::parse(&row.kind)? {
        OutboxKind::Request => {
            let (detail, answer) = create(desk, row, op::requests::CREATE.call(&[])).await?;
            (Delivered::Request(Box::new(detail)), answer)
        }
        OutboxKind::Message => {
            let request_id = id(op::requests::ADD_MESSAGE.op)?;
            let (_, answer) = create(desk, row, op::requests::ADD_MESSAGE.call(&[&request_id])).await?;
            (Delivered::Message { request_id }, answer)
        }
        OutboxKind::Order => (
            Delivered::Shop,
            create(desk, row, op::shop::PLACE_ORDER.call(&[])).await?.1,
        ),
        OutboxKind::Quote => (
            Delivered::Shop,
            create(desk, row, op::shop::REQUEST_QUOTE.call(&[])).await?.1,
        ),
        OutboxKind::Accept => {
            let quote_id = id(op::shop::ACCEPT_QUOTE.op)?;
            let (_, answer) = create(desk, row, op::shop::ACCEPT_QUOTE.call(&[&quote_id])).await?;
            (Delivered::Shop, answer)
        }
    })
}

/// The stored body read back as the operation's body type, sent with the
/// row's key; the answer as its reply type and as JSON.
async fn create<Q, B, R>(desk: &Desk, row: &Row, call: Call<Q, B, R>) -> Result<(R, String), AppError>
where
    B: Serialize + DeserializeOwned,
    R: Serialize + DeserializeOwned,
{
    let body: B = serde_json::from_str(&row.body).map_err(|e| AppError::Protocol(e.to_string()))?;
    let (call, body, key) = (&call, &body, &row.idem_key);
    let created = desk
        .authorized(|token| async move { desk.api().create(call, &token, key, body).await })
        .await?;
    let answer = serde_json::to_string(&created.body).map_err(|e| AppError::Protocol(e.to_string()))?;
    Ok((created.body, answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_permanent_but_outages_and_overload_are_not() {
        let api = |code| AppError::Api(ApiError::new(code, "x"));
        assert!(permanent(&api(ErrorCode::BadRequest), 1));
        assert!(permanent(&api(ErrorCode::IdempotencyMismatch), 1));
        assert!(!permanent(&api(ErrorCode::Internal), 9));
        assert!(!permanent(&api(ErrorCode::RateLimited), 9));
        assert!(!permanent(&AppError::Unreachable("down".into()), 9));
        assert!(
            !permanent(&api(ErrorCode::Conflict), 1),
            "a key in flight clears in a moment"
        );
        assert!(permanent(&api(ErrorCode::Conflict), 5), "a closed request stays closed");
    }

    #[test]
    fn keys_are_random_and_long() {
        let (a, b) = (new_key(), new_key());
        assert_ne!(a, b);
        assert_eq!(a.len(), "desk-".len() + 32);
    }
}

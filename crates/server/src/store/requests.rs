//! Self-service requests, their messages and attachments, and idempotency keys.

use super::feed::Change;
use super::ops::next_in_year;
use super::{corrupt, Keyset, Scope, Store, StoreResult};
use sportello_domain::api::sync::Entity;
use sqlx::AnyConnection;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub code: String,
    pub customer_id: i64,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub details: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// How long an idempotency key answers for its first request.
const KEY_KEPT_MS: i64 = 24 * 3600 * 1000;
/// One claim in this many prunes its owner's expired keys.
const PRUNE_EVERY: u64 = 64;

const REQUEST_COLUMNS: &str = "id, code, customer_id, kind, title, status, details, created_at, updated_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub author: String,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: i64,
    /// The payoff figure the message gives (JSON), on an early termination.
    pub payoff: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: String,
    pub customer_id: i64,
    pub message_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

const ATTACHMENT_COLUMNS: &str = "id, customer_id, message_id, file_name, content_type, size_bytes, sha256";

pub struct NewRequestRow<'a> {
    pub customer_id: i64,
    pub user_id: i64,
    pub kind: &'a str,
    pub title: &'a str,
    pub contract_id: Option<i64>,
    pub details: &'a str,
    pub year: i32,
}

/// Who writes a message.
#[derive(Clone, Copy, Debug)]
pub enum Author {
    Customer(i64),
    Operator(i64),
}

pub struct NewMessageRow<'a> {
    pub request_id: i64,
    pub author: Author,
    pub body: &'a str,
    pub attachment_ids: &'a [String],
    /// The request's status after the message, if it changes.
    pub status: Option<&'a str>,
    /// The payoff figure it gives (JSON), on an early termination.
    pub payoff: Option<&'a str>,
}

/// The state of an idempotency key already seen.
pub enum KeyState {
    /// First time (or the first request died): the caller does the work,
    /// holding the claim by this token, and then calls `finish_idempotency_key`.
    Claimed(String),
    /// Seen with another body.
    Mismatch,
    /// The first request is still being processed.
    InFlight,
    /// The change was made (this resource) but its answer was not stored:
    /// the request died between its commit and its reply.
    Committed(String),
    /// Done: the stored status and JSON body.
    Done(u16, String),
}

impl Store {
    /// Inserts a request with its code (`RIC-<year>-<6 digits>`) and first message, in one transaction.
    pub async fn insert_request(
        &self,
        r: &NewRequestRow<'_>,
        message: Option<(&str, &[String])>,
        now: i64,
    ) -> StoreResult<(i64, String)> {
        let mut tx = self.begin_write().await?;
        let n = next_in_year(&mut tx, "request", r.year, 1).await?;
        let code = format!("RIC-{}-{n:06}", r.year);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO requests (code, customer_id, user_id, kind, title, status, contract_id, details, created_at,
                 updated_at) VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $8) RETURNING id",
        )
        .bind(&code)
        .bind(r.customer_id)
        .bind(r.user_id)
        .bind(r.kind)
        .bind(r.title)
        .bind(r.contract_id)
        .bind(r.details)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        if let Some((body, attachments)) = message {
            let m = NewMessageRow {
                request_id: id,
                author: Author::Customer(r.user_id),
                body,
                attachment_ids: attachments,
                status: None,
                payoff: None,
            };
            // The request was written at `now` with its status: nothing to move.
            insert_message_row(&mut tx, &m, now).await?;
        }
        let change = Change::upsert(Some(r.customer_id), Entity::Request, id);
        let created = crate::store::unit::Created { id, code };
        self.commit_created(tx, &[change], &created, now).await?;
        Ok((id, created.code))
    }

    /// Adds a message (and moves the status) to a request of `customer_id`, in one transaction.
    pub async fn insert_message(&self, customer_id: i64, m: &NewMessageRow<'_>, now: i64) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id = insert_message(&mut tx, m, now).await?;
        let change = Change::upsert(Some(customer_id), Entity::Request, m.request_id);
        let created = crate::store::unit::Created {
            id,
            code: String::new(),
        };
        self.commit_created(tx, &[change], &created, now).await?;
        Ok(id)
    }

    pub async fn set_request_status(&self, id: i64, customer_id: i64, status: &str, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE requests SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(status)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let change = Change::upsert(Some(customer_id), Entity::Request, id);
        self.commit(tx, &[change], now).await
    }

    /// A request, scoped to a customer unless `customer_id` is None (operators).
    pub async fn request(&self, id: i64, customer_id: Option<i64>) -> StoreResult<Option<RequestRow>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id = $1 AND ($2 = 0 OR customer_id = $2)");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .bind(customer_id.unwrap_or(0))
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Requests by last action, newest first; `customer_id` 0 means all (operators).
    /// A page of requests by last action, newest first (one more row than the page).
    pub async fn list_requests(&self, scope: Scope<'_>, page: Keyset) -> StoreResult<Vec<RequestRow>> {
        self.newest_first("requests", REQUEST_COLUMNS, "updated_at", scope, page)
            .await
    }

    pub async fn request_messages(&self, request_id: i64) -> StoreResult<Vec<(MessageRow, Vec<AttachmentRow>)>> {
        let messages: Vec<MessageRow> = sqlx::query_as(
            "SELECT m.id, m.author, COALESCE(u.display_name, o.display_name) AS author_name, m.body, m.created_at, m.payoff
             FROM request_messages m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN operators o ON o.id = m.operator_id
             WHERE m.request_id = $1 ORDER BY m.id",
        )
        .bind(request_id)
        .fetch_all(&self.pool)
        .await?;
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE message_id IN
             (SELECT id FROM request_messages WHERE request_id = $1) ORDER BY created_at, id"
        );
        let attachments: Vec<AttachmentRow> = sqlx::query_as(&sql).bind(request_id).fetch_all(&self.pool).await?;
        Ok(messages
            .into_iter()
            .map(|m| {
                let mine = attachments
                    .iter()
                    .filter(|a| a.message_id == Some(m.id))
                    .cloned()
                    .collect();
                (m, mine)
            })
            .collect())
    }

    /// The attachments named, whoever's they are: one query for a page.
    pub async fn attachments_by_id(&self, ids: &[String]) -> StoreResult<Vec<AttachmentRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id IN ({})",
            super::placeholders(ids.len())
        );
        let mut query = sqlx::query_as(&sql);
        for id in ids {
            query = query.bind(id);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// An attachment, scoped to a customer unless `customer_id` is None (operators).
    pub async fn attachment(&self, id: &str, customer_id: Option<i64>) -> StoreResult<Option<AttachmentRow>> {
        let sql =
            format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1 AND ($2 = 0 OR customer_id = $2)");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .bind(customer_id.unwrap_or(0))
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Claims an idempotency key for a user for `lease_ms`, or says what
    /// became of it. A claim whose request died (its lease ran out before
    /// it changed anything) passes to this one. Keys are kept for a day,
    /// long enough for any client retry: an older one is claimed anew.
    pub async fn claim_idempotency_key(
        &self,
        owner: &str,
        key: &str,
        body_hash: &str,
        now: i64,
        lease_ms: i64,
    ) -> StoreResult<KeyState> {
        let token = crate::secrets::new_id();
        let insert = || {
            sqlx::query(
                "INSERT INTO idempotency (owner, idem_key, body_hash, created_at, claim_token, lease_until)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (owner, idem_key) DO NOTHING",
            )
            .bind(owner)
            .bind(key)
            .bind(body_hash)
            .bind(now)
            .bind(&token)
            .bind(now + lease_ms)
        };
        if insert().execute(&self.pool).await?.rows_affected() == 1 {
            self.prune_keys_now_and_then(owner, now).await?;
            return Ok(KeyState::Claimed(token));
        }
        // A key older than a day is gone for the client: it is removed,
        // and the claim taken again.
        let expired = sqlx::query("DELETE FROM idempotency WHERE owner = $1 AND idem_key = $2 AND created_at < $3")
            .bind(owner)
            .bind(key)
            .bind(now - KEY_KEPT_MS)
            .execute(&self.pool)
            .await?;
        if expired.rows_affected() == 1 && insert().execute(&self.pool).await?.rows_affected() == 1 {
            return Ok(KeyState::Claimed(token));
        }
        type Seen = (String, Option<i64>, Option<String>, Option<String>, Option<i64>);
        let row: Option<Seen> = sqlx::query_as(
            "SELECT body_hash, status_code, response, resource, lease_until FROM idempotency
             WHERE owner = $1 AND idem_key = $2",
        )
        .bind(owner)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => KeyState::InFlight,
            Some((hash, ..)) if hash != body_hash => KeyState::Mismatch,
            Some((_, Some(status), Some(body), ..)) => KeyState::Done(
                u16::try_from(status).map_err(|_| corrupt("status", &status.to_string()))?,
                body,
            ),
            Some((_, _, _, Some(resource), _)) => KeyState::Committed(resource),
            Some((.., lease)) if lease.unwrap_or(0) < now => {
                let taken = sqlx::query(
                    "UPDATE idempotency SET claim_token = $3, lease_until = $4
                     WHERE owner = $1 AND idem_key = $2 AND resource IS NULL AND response IS NULL
                       AND COALESCE(lease_until, 0) < $5",
                )
                .bind(owner)
                .bind(key)
                .bind(&token)
                .bind(now + lease_ms)
                .bind(now)
                .execute(&self.pool)
                .await?;
                if taken.rows_affected() == 1 {
                    KeyState::Claimed(token)
                } else {
                    KeyState::InFlight
                }
            }
            Some(_) => KeyState::InFlight,
        })
    }

    /// Removes the owner's keys older than a day on one claim in
    /// `PRUNE_EVERY` of this instance, not on each: a claim is then one
    /// statement, and the owner's table stays a day's keys or so.
    async fn prune_keys_now_and_then(&self, owner: &str, now: i64) -> StoreResult<()> {
        static CLAIMS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        if !CLAIMS
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY)
        {
            return Ok(());
        }
        sqlx::query("DELETE FROM idempotency WHERE owner = $1 AND created_at < $2")
            .bind(owner)
            .bind(now - KEY_KEPT_MS)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores the answer of the request that spent a key.
    pub async fn finish_idempotency_key(&self, owner: &str, key: &str, status: u16, body: &str) -> StoreResult<()> {
        sqlx::query("UPDATE idempotency SET status_code = $3, response = $4 WHERE owner = $1 AND idem_key = $2")
            .bind(owner)
            .bind(key)
            .bind(i64::from(status))
            .bind(body)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Frees a key whose request failed before it changed anything, so the
    /// client may retry it; a key spent on a change stays spent.
    pub async fn release_idempotency_key(&self, owner: &str, key: &str, token: &str) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM idempotency
             WHERE owner = $1 AND idem_key = $2 AND claim_token = $3 AND resource IS NULL AND status_code IS NULL",
        )
        .bind(owner)
        .bind(key)
        .bind(token)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A message on a request, which moves the request's last action (and
/// status, if the message sets one).
async fn insert_message(conn: &mut AnyConnection, m: &NewMessageRow<'_>, now: i64) -> StoreResult<i64> {
    let id = insert_message_row(conn, m, now).await?;
    sqlx::query("UPDATE requests SET updated_at = $2, status = COALESCE($3, status) WHERE id = $1")
        .bind(m.request_id)
        .bind(now)
        .bind(m.status)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// The message and its attachments alone.
async fn insert_message_row(conn: &mut AnyConnection, m: &NewMessageRow<'_>, now: i64) -> StoreResult<i64> {
    let (author, user_id, operator_id) = match m.author {
        Author::Customer(id) => ("customer", Some(id), None),
        Author::Operator(id) => ("operator", None, Some(id)),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO request_messages (request_id, author, user_id, operator_id, body, created_at, payoff)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(m.request_id)
    .bind(author)
    .bind(user_id)
    .bind(operator_id)
    .bind(m.body)
    .bind(now)
    .bind(m.payoff)
    .fetch_one(&mut *conn)
    .await?;
    for attachment in m.attachment_ids {
        let done = sqlx::query("UPDATE attachments SET message_id = $2 WHERE id = $1 AND message_id IS NULL")
            .bind(attachment)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() != 1 {
            return Err(corrupt("attachment already used", attachment));
        }
    }
    Ok(id)
}

/// An active contract of a customer, as the self-service forms need it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActiveContract {
    pub id: i64,
    pub contract_no: String,
    pub module_no: String,
    pub product: String,
    pub iban: Option<String>,
    pub amount_cents: i64,
}

impl Store {
    pub async fn active_contracts_for_requests(&self, customer_id: i64) -> StoreResult<Vec<ActiveContract>> {
        Ok(sqlx::query_as(
            "SELECT id, contract_no, module_no, product, iban, amount_cents FROM contracts
             WHERE customer_id = $1 AND status = 'active' ORDER BY contract_no, module_no",
        )
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn active_contract(&self, customer_id: i64, id: i64) -> StoreResult<Option<ActiveContract>> {
        Ok(sqlx::query_as(
            "SELECT id, contract_no, module_no, product, iban, amount_cents FROM contracts
             WHERE customer_id = $1 AND id = $2 AND status = 'active'",
        )
        .bind(customer_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The installments of a contract falling due after `day`: (number, due date, cents).
    pub async fn future_installments(
        &self,
        contract_id: i64,
        day: chrono::NaiveDate,
    ) -> StoreResult<Vec<(i64, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT number, due_on, amount_cents FROM plan_rows
             WHERE contract_id = $1 AND kind = 'installment' AND due_on > $2 ORDER BY seq",
        )
        .bind(contract_id)
        .bind(day.to_string())
        .fetch_all(&self.pool)
        .await?)
    }
}

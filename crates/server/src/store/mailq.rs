//! The mail queue: e-mails written in the transaction of the change they
//! tell about, sent later by a worker of any instance.
//!
//! A worker takes due messages on a lease, so two instances never send the
//! same one at once and a worker that dies mid-send leaves it to another
//! once the lease runs out. A failed send is tried again with a doubling
//! delay; after `MAX_ATTEMPTS` the message is set aside as failed, for an
//! operator to see.

use super::unit::QueuedMail;
use super::{Store, StoreResult};
use sqlx::AnyConnection;

/// Attempts before a message is set aside as failed (about six hours of retries).
pub const MAX_ATTEMPTS: i64 = 16;
/// The first retry's delay; each further one doubles, up to `MAX_DELAY_MS`.
const FIRST_DELAY_MS: i64 = 2_000;
const MAX_DELAY_MS: i64 = 3_600_000;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MailRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_at: i64,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

const COLUMNS: &str = "id, recipient, subject, body, created_at, attempts, next_at, sent_at, failed_at, last_error";

/// The delay before attempt `attempts + 1`.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
    FIRST_DELAY_MS.saturating_mul(1 << doublings).min(MAX_DELAY_MS)
}

/// Queues a message inside the caller's transaction.
pub(crate) async fn insert(conn: &mut AnyConnection, m: &QueuedMail, now: i64) -> StoreResult<()> {
    sqlx::query("INSERT INTO mail_queue (recipient, subject, body, created_at, next_at) VALUES ($1, $2, $3, $4, $4)")
        .bind(&m.to)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Which messages an operator lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailState {
    Pending,
    Sent,
    Failed,
}

impl MailState {
    fn condition(self) -> &'static str {
        match self {
            MailState::Pending => "sent_at IS NULL AND failed_at IS NULL",
            MailState::Sent => "sent_at IS NOT NULL",
            MailState::Failed => "failed_at IS NOT NULL",
        }
    }
}

impl Store {
    /// Queues a message in a transaction of its own: for changes that have
    /// already committed (the message is still sent by the worker, never by
    /// the request).
    pub async fn queue_mail(&self, m: &QueuedMail, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        insert(&mut tx, m, now).await?;
        tx.commit().await?;
        self.mail_wake.notify_one();
        Ok(())
    }

    /// Takes up to `limit` due messages on a lease, oldest first. The
    /// conditions are repeated on the updated rows so that, on PostgreSQL,
    /// a second worker racing for the same row finds it leased and skips it.
    pub async fn take_due_mail(&self, now: i64, lease_ms: i64, limit: i64) -> StoreResult<Vec<MailRow>> {
        let due = "sent_at IS NULL AND failed_at IS NULL AND next_at <= $1 AND COALESCE(lease_until, 0) < $1";
        let sql = format!(
            "UPDATE mail_queue SET lease_until = $2, attempts = attempts + 1
             WHERE id IN (SELECT id FROM mail_queue WHERE {due} ORDER BY id LIMIT $3) AND {due}
             RETURNING {COLUMNS}"
        );
        let mut rows: Vec<MailRow> = sqlx::query_as(&sql)
            .bind(now)
            .bind(now + lease_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    /// Marks a message delivered and drops its text: temporary passwords,
    /// codes and one-time links must not stay readable in the database once
    /// the message has left (the recipient and subject stay, for the log).
    pub async fn mail_sent(&self, id: i64, now: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE mail_queue SET sent_at = $2, lease_until = NULL, last_error = NULL, body = '' WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: retried later, or set aside after the last.
    pub async fn mail_failed(&self, row: &MailRow, error: &str, now: i64) -> StoreResult<()> {
        let gave_up = row.attempts >= MAX_ATTEMPTS;
        sqlx::query(
            "UPDATE mail_queue SET lease_until = NULL, last_error = $2, next_at = $3, failed_at = $4 WHERE id = $1",
        )
        .bind(row.id)
        .bind(error)
        .bind(now + retry_delay_ms(row.attempts))
        .bind(gave_up.then_some(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sends a set-aside message again from its first attempt (an operator
    /// fixed the address or the mail server).
    pub async fn retry_mail(&self, id: i64, now: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE mail_queue SET failed_at = NULL, attempts = 0, next_at = $2 WHERE id = $1 AND failed_at IS NOT NULL",
        )
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Messages in one state, newest first, a page after `before_id`.
    pub async fn mail_queue(&self, state: MailState, before_id: Option<i64>, limit: i64) -> StoreResult<Vec<MailRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM mail_queue WHERE {} AND ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT $2",
            state.condition()
        );
        Ok(sqlx::query_as(&sql)
            .bind(before_id.unwrap_or(0))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Messages not yet sent nor set aside.
    pub async fn pending_mail(&self) -> StoreResult<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM mail_queue WHERE {}",
            MailState::Pending.condition()
        );
        Ok(sqlx::query_scalar(&sql).fetch_one(&self.pool).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_two_seconds_up_to_an_hour() {
        assert_eq!(retry_delay_ms(1), 2_000);
        assert_eq!(retry_delay_ms(2), 4_000);
        assert_eq!(retry_delay_ms(5), 32_000);
        assert_eq!(retry_delay_ms(12), 3_600_000);
        assert_eq!(retry_delay_ms(MAX_ATTEMPTS), 3_600_000);
        assert_eq!(retry_delay_ms(i64::MAX), 3_600_000);
    }
}

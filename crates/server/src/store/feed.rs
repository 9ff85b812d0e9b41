//! The change feed's storage. A change is written in the transaction of the
//! change it announces, as that transaction's last statement, so the two
//! commit together or not at all.
//!
//! Cursors must never skip a row that commits late. SQLite has one writer at
//! a time, so sequence order is commit order. On PostgreSQL two transactions
//! can take sequence numbers 7 and 8 and commit 8 first; a reader at that
//! moment would move its cursor to 8 and never see 7. Feed writers therefore
//! take one transaction-scoped advisory lock before they take a number: the
//! next writer waits until the previous one has committed, so numbers become
//! visible in order. The lock is held only from the feed insert to the commit.

use super::{Engine, StoreResult};
use sportello_domain::api::sync::{BookFingerprints, ChangeOp, Entity, Fingerprint, FINGERPRINT_MODULUS};
use sqlx::{Any, AnyConnection, Transaction};

/// The advisory lock that serializes feed writers on PostgreSQL.
const FEED_LOCK: i64 = 0x5350_4f46; // "SPOF"
/// The PostgreSQL channel that wakes every server instance's event streams.
pub const FEED_CHANNEL: &str = "sportello_changes";

/// One change to announce: who may see it (None: every customer) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub customer_id: Option<i64>,
    pub entity: Entity,
    pub entity_id: String,
    pub op: ChangeOp,
}

impl Change {
    pub fn upsert(customer_id: Option<i64>, entity: Entity, id: impl ToString) -> Change {
        Change {
            customer_id,
            entity,
            entity_id: id.to_string(),
            op: ChangeOp::Upsert,
        }
    }

    pub fn delete(customer_id: Option<i64>, entity: Entity, id: impl ToString) -> Change {
        Change {
            op: ChangeOp::Delete,
            ..Change::upsert(customer_id, entity, id)
        }
    }
}

/// Appends changes inside the caller's transaction; returns the last cursor
/// (None when there was nothing to write).
pub async fn record(
    conn: &mut AnyConnection,
    engine: Engine,
    changes: &[Change],
    now: i64,
) -> StoreResult<Option<i64>> {
    if changes.is_empty() {
        return Ok(None);
    }
    if engine == Engine::Postgres {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($1)) AS feed_lock")
            .bind(FEED_LOCK)
            .fetch_one(&mut *conn)
            .await?;
    }
    const INSERT: &str =
        "INSERT INTO changes (customer_id, entity, entity_id, op, at) VALUES ($1, $2, $3, $4, $5) RETURNING seq";
    // On PostgreSQL the last insert also wakes every instance's listeners
    // (delivered at commit), in the same statement.
    let wake = format!(
        "WITH c AS ({INSERT}) SELECT c.seq FROM c CROSS JOIN LATERAL (SELECT pg_notify($6, CAST(c.seq AS TEXT))) AS wake"
    );
    let mut last = 0;
    for (n, c) in changes.iter().enumerate() {
        let waking = engine == Engine::Postgres && n + 1 == changes.len();
        let insert = sqlx::query_scalar(if waking { &wake } else { INSERT })
            .bind(c.customer_id)
            .bind(c.entity.as_str())
            .bind(&c.entity_id)
            .bind(c.op.as_str())
            .bind(now);
        let insert = if waking { insert.bind(FEED_CHANNEL) } else { insert };
        last = insert.fetch_one(&mut *conn).await?;
    }
    Ok(Some(last))
}

use sportello_domain::api::sync::fingerprint_sql as term;

impl super::Store {
    /// Counts and checksums of a customer's book, for the desktop to compare with its copy.
    pub async fn book_fingerprints(&self, customer_id: i64) -> StoreResult<BookFingerprints> {
        let status = "CASE c.status WHEN 'active' THEN 1 WHEN 'extinct' THEN 2 ELSE 3 END";
        let queries = [
            format!(
                "SELECT COUNT(*), CAST(COALESCE(SUM({}), 0) AS BIGINT) FROM contracts c WHERE c.customer_id = $1",
                term("c.id", status, "c.amount_cents")
            ),
            format!(
                "SELECT COUNT(*), CAST(COALESCE(SUM({}), 0) AS BIGINT) FROM schedule_entries e
                 JOIN contracts c ON c.id = e.contract_id WHERE c.customer_id = $1",
                term("e.id", "e.amount_cents", "e.paid_cents")
            ),
            format!(
                "SELECT COUNT(*), CAST(COALESCE(SUM({}), 0) AS BIGINT) FROM invoices i WHERE i.customer_id = $1",
                term("i.id", "i.total_cents", "0")
            ),
            format!(
                "SELECT COUNT(*), CAST(COALESCE(SUM({}), 0) AS BIGINT) FROM assets a
                 JOIN contracts c ON c.id = a.contract_id WHERE c.customer_id = $1",
                term("a.id", "a.financial_value_cents", "a.future_value_cents")
            ),
        ];
        let mut out = Vec::with_capacity(4);
        for sql in queries {
            let (count, sum): (i64, i64) = sqlx::query_as(&sql).bind(customer_id).fetch_one(&self.pool).await?;
            out.push(Fingerprint {
                count,
                checksum: sum.rem_euclid(FINGERPRINT_MODULUS),
            });
        }
        let [contracts, schedule, invoices, assets]: [Fingerprint; 4] = out.try_into().expect("four collections");
        Ok(BookFingerprints {
            contracts,
            schedule,
            invoices,
            assets,
        })
    }

    /// The newest cursor of the whole feed (0 when empty).
    pub async fn feed_head(&self) -> StoreResult<i64> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM changes")
            .fetch_one(&self.pool)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    /// Commits a transaction together with the changes it announces, then
    /// wakes this process's event streams. Every writer of something the
    /// desktop caches ends its transaction here, so a change and its
    /// announcement are one commit.
    /// The request's deferred audit rows and e-mails (`unit`) are written in
    /// the same transaction.
    pub(crate) async fn commit(&self, tx: Transaction<'_, Any>, changes: &[Change], now: i64) -> StoreResult<()> {
        self.commit_unit(tx, changes, None, now).await
    }

    /// Writes the request's deferred effects in one transaction of their own,
    /// for a request whose change is nothing but them (a reset code, its
    /// token and its e-mail).
    pub(crate) async fn commit_deferred(&self, now: i64) -> StoreResult<()> {
        let tx = self.begin_write().await?;
        self.commit(tx, &[], now).await
    }

    /// `commit` for a change that creates something: the effects the
    /// request deferred as functions of it are written too.
    pub(crate) async fn commit_created(
        &self,
        tx: Transaction<'_, Any>,
        changes: &[Change],
        created: &super::unit::Created,
        now: i64,
    ) -> StoreResult<()> {
        self.commit_unit(tx, changes, Some(created), now).await
    }

    async fn commit_unit(
        &self,
        mut tx: Transaction<'_, Any>,
        changes: &[Change],
        created: Option<&super::unit::Created>,
        now: i64,
    ) -> StoreResult<()> {
        let mut flushed = super::unit::flush(&mut tx, changes, created, now).await?;
        let mut announced = changes.to_vec();
        announced.append(&mut flushed.changes);
        let last = record(&mut tx, self.engine, &announced, now).await?;
        tx.commit().await?;
        if flushed.mailed {
            self.mail_wake.notify_one();
        }
        flushed.committed();
        if let Some(cursor) = last {
            self.saw_head(cursor);
        }
        Ok(())
    }

    /// Moves the head this process knows (a commit of its own, another
    /// instance's notification, or a poll of the feed).
    pub fn saw_head(&self, cursor: i64) {
        self.head.send_if_modified(|head| {
            let moved = cursor > *head;
            if moved {
                *head = cursor;
            }
            moved
        });
    }

    /// Wakes when the feed's head moves.
    pub fn follow_head(&self) -> tokio::sync::watch::Receiver<i64> {
        self.head.subscribe()
    }

    /// Writes changes in a transaction of their own: only for tests and
    /// tools that announce without changing anything.
    pub async fn record_changes(&self, changes: &[Change], now: i64) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let last = record(&mut tx, self.engine, changes, now).await?;
        tx.commit().await?;
        if let Some(cursor) = last {
            self.saw_head(cursor);
        }
        Ok(last)
    }

    /// Test support: writes changes and keeps the transaction open for
    /// `hold` before committing, as a slow writer would.
    #[cfg(feature = "testkit")]
    pub async fn record_changes_holding(
        &self,
        changes: &[Change],
        now: i64,
        hold: std::time::Duration,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let last = record(&mut tx, self.engine, changes, now).await?;
        tokio::time::sleep(hold).await;
        tx.commit().await?;
        Ok(last)
    }

    /// Test support: runs statements as written (triggers that inject faults).
    #[cfg(feature = "testkit")]
    pub async fn execute_script(&self, sql: &str) -> StoreResult<()> {
        sqlx::raw_sql(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// Test support: one number a query counts (rows a test expects once).
    #[cfg(feature = "testkit")]
    pub async fn scalar_for_tests(&self, sql: &str) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(sql).fetch_one(&self.pool).await?)
    }
}

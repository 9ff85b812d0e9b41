//! Operators, the audit log, the change feed and yearly counters.

use super::{Store, StoreResult};
use sqlx::AnyConnection;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OperatorRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
    pub client: String,
}

pub struct NewAudit<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub details: &'a str,
    pub client: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChangeRow {
    pub seq: i64,
    pub entity: String,
    pub entity_id: String,
    pub op: String,
}

impl Store {
    pub async fn insert_operator(
        &self,
        username: &str,
        hash: &str,
        name: &str,
        role: &str,
        now: i64,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id = sqlx::query_scalar(
            "INSERT INTO operators (username, password_hash, display_name, role, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username)
        .bind(hash)
        .bind(name)
        .bind(role)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        self.commit(tx, &[], now).await?;
        Ok(id)
    }

    pub async fn operator_by_username(&self, username: &str) -> StoreResult<Option<OperatorRow>> {
        Ok(sqlx::query_as(
            "SELECT id, username, password_hash, display_name, role FROM operators
                 WHERE username = $1 AND disabled_at IS NULL",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn insert_operator_token(
        &self,
        hash: &str,
        operator_id: i64,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO operator_tokens (token_hash, operator_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash)
        .bind(operator_id)
        .bind(expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], now).await
    }

    pub async fn operator_by_token(&self, hash: &str, now: i64) -> StoreResult<Option<OperatorRow>> {
        Ok(sqlx::query_as(
            "SELECT o.id, o.username, o.password_hash, o.display_name, o.role
             FROM operator_tokens t JOIN operators o ON o.id = t.operator_id
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND o.disabled_at IS NULL",
        )
        .bind(hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Ends one operator token (a logout).
    pub async fn revoke_operator_token(&self, hash: &str, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM operator_tokens WHERE token_hash = $1")
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[], now).await
    }

    /// Disables an operator and ends its tokens, in one transaction; false
    /// when no enabled operator has this name.
    pub async fn disable_operator(&self, username: &str, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE operators SET disabled_at = $2 WHERE username = $1 AND disabled_at IS NULL RETURNING id",
        )
        .bind(username)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM operator_tokens WHERE operator_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[], now).await?;
        Ok(true)
    }

    pub async fn insert_audit(&self, a: &NewAudit<'_>, now: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, details, client) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(now)
        .bind(a.actor)
        .bind(a.action)
        .bind(a.target)
        .bind(a.details)
        .bind(a.client)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The audit log after `after_id`, oldest first.
    pub async fn audit_log(&self, after_id: i64, limit: i64) -> StoreResult<Vec<AuditRow>> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, action, target, details, client FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// What a customer can see that changed after `after`, oldest first.
    pub async fn changes_after(&self, customer_id: i64, after: i64, limit: i64) -> StoreResult<Vec<ChangeRow>> {
        Ok(sqlx::query_as(
            "SELECT seq, entity, entity_id, op FROM changes
             WHERE seq > $2 AND (customer_id = $1 OR customer_id IS NULL) ORDER BY seq LIMIT $3",
        )
        .bind(customer_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Store {
    /// The feed's newest cursor a customer can see (0 when empty).
    pub async fn latest_change(&self, customer_id: i64) -> StoreResult<i64> {
        let seq: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM changes WHERE customer_id = $1 OR customer_id IS NULL")
                .bind(customer_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(seq.unwrap_or(0))
    }

    /// Rows per collection of a customer, for a first sync's progress.
    pub async fn sync_counts(&self, customer_id: i64) -> StoreResult<[i64; 7]> {
        let row: (i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT
                (SELECT COUNT(*) FROM contracts WHERE customer_id = $1),
                (SELECT COUNT(*) FROM plan_rows p JOIN contracts c ON c.id = p.contract_id WHERE c.customer_id = $1),
                (SELECT COUNT(*) FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id WHERE c.customer_id = $1),
                (SELECT COUNT(*) FROM invoices WHERE customer_id = $1),
                (SELECT COUNT(*) FROM assets a JOIN contracts c ON c.id = a.contract_id WHERE c.customer_id = $1),
                (SELECT COUNT(*) FROM requests WHERE customer_id = $1),
                (SELECT COUNT(*) FROM notifications WHERE customer_id = $1 OR customer_id IS NULL)",
        )
        .bind(customer_id)
        .fetch_one(&self.pool)
        .await?;
        Ok([row.0, row.1, row.2, row.3, row.4, row.5, row.6])
    }
}

/// The next number of a yearly series, atomically; a new year starts at
/// `first` (for series that continue numbers issued before the counter existed).
pub(crate) async fn next_in_year(conn: &mut AnyConnection, name: &str, year: i32, first: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO counters (name, year, last) VALUES ($1, $2, $3)
         ON CONFLICT (name, year) DO UPDATE SET last = counters.last + 1 RETURNING last",
    )
    .bind(name)
    .bind(i64::from(year))
    .bind(first)
    .fetch_one(conn)
    .await?)
}

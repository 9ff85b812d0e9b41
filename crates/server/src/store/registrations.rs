//! Registrations by category (A3) and agreement requests waiting for an
//! operator's decision.

use super::accounts::activate_pending;
use super::feed::Change;
use super::{Store, StoreResult};
use sportello_domain::api::sync::Entity;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PendingRow {
    pub id: i64,
    pub customer_id: i64,
    pub customer_code: Option<String>,
    pub customer_name: String,
    pub category: String,
    pub agreement_code: Option<String>,
    pub created_at: i64,
}

/// A registration by category (A3), as `insert_pending_customer` stores it.
pub struct PendingCustomer<'a> {
    pub customer: &'a super::users::NewCustomer<'a>,
    pub category: &'a str,
    pub display_name: &'a str,
    pub language: &'a str,
    pub billing: Option<&'a super::users::Billing<'a>>,
    pub agreement: Option<&'a str>,
}

impl Store {
    /// A3: a customer registered by category, its main user inactive until
    /// approved, with its billing data and its request to join an agreement
    /// when given: one commit with the request's deferred effects (which may
    /// name the new customer's code: `Created.code`).
    pub async fn insert_pending_customer(&self, c: &PendingCustomer<'_>, now: i64) -> StoreResult<(i64, i64, String)> {
        let (category, display_name, language) = (c.category, c.display_name, c.language);
        let c_billing = c.billing;
        let agreement = c.agreement;
        let c = c.customer;
        let mut tx = self.begin_write().await?;
        let customer_id: i64 = sqlx::query_scalar(
            "INSERT INTO customers (kind, name, tax_code, email, created_at, category, status)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending') RETURNING id",
        )
        .bind(c.kind)
        .bind(c.name)
        .bind(c.tax_code)
        .bind(c.email)
        .bind(now)
        .bind(category)
        .fetch_one(&mut *tx)
        .await?;
        // Customers registered online are numbered from 600000, apart from the leasing book's numbers.
        let code = (600_000 + customer_id).to_string();
        sqlx::query("UPDATE customers SET code = $2 WHERE id = $1")
            .bind(customer_id)
            .bind(&code)
            .execute(&mut *tx)
            .await?;
        let user_id: i64 = sqlx::query_scalar(
            "INSERT INTO users (customer_id, username, password_hash, display_name, email, language, created_at, active)
             VALUES ($1, $2, '!', $3, $4, $5, $6, 0) RETURNING id",
        )
        .bind(customer_id)
        .bind(&code)
        .bind(display_name)
        .bind(c.email)
        .bind(language)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO registrations (customer_id, email, created_at) VALUES ($1, $2, $3)")
            .bind(customer_id)
            .bind(c.email)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if let Some(b) = c_billing {
            super::users::set_billing_in(&mut tx, customer_id, b).await?;
        }
        if let Some(agreement) = agreement {
            sqlx::query(
                "INSERT INTO agreement_requests (customer_id, agreement_code, status, created_at)
                 VALUES ($1, $2, 'pending', $3)",
            )
            .bind(customer_id)
            .bind(agreement)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let created = super::unit::Created {
            id: customer_id,
            code: code.clone(),
        };
        self.commit_created(tx, &[], &created, now).await?;
        Ok((customer_id, user_id, code))
    }

    /// The agreement (convenzione) a customer belongs to, if any.
    pub async fn customer_agreement(&self, customer_id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT agreement_code FROM customers WHERE id = $1")
            .bind(customer_id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn agreement_exists(&self, code: &str) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agreements WHERE code = $1")
            .bind(code)
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 1)
    }

    pub async fn insert_agreement_request(&self, customer_id: i64, agreement: &str, now: i64) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agreement_requests (customer_id, agreement_code, status, created_at)
             VALUES ($1, $2, 'pending', $3) RETURNING id",
        )
        .bind(customer_id)
        .bind(agreement)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let created = super::unit::Created {
            id,
            code: agreement.to_owned(),
        };
        self.commit_created(tx, &[], &created, now).await?;
        Ok(id)
    }

    /// Up to `limit` registrations waiting, oldest first, after the id `after`.
    pub async fn pending_registrations(&self, after: i64, limit: i64) -> StoreResult<Vec<PendingRow>> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.id AS customer_id, c.code AS customer_code, c.name AS customer_name, c.category,
                    (SELECT MIN(a.agreement_code) FROM agreement_requests a
                      WHERE a.customer_id = c.id AND a.status = 'pending') AS agreement_code, c.created_at
             FROM customers c WHERE c.status = 'pending' AND c.id > $1 ORDER BY c.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Up to `limit` agreement requests waiting, oldest first, after the id `after`.
    pub async fn pending_agreement_requests(&self, after: i64, limit: i64) -> StoreResult<Vec<PendingRow>> {
        Ok(sqlx::query_as(
            "SELECT a.id, c.id AS customer_id, c.code AS customer_code, c.name AS customer_name, c.category,
                    a.agreement_code, a.created_at
             FROM agreement_requests a JOIN customers c ON c.id = a.customer_id
             WHERE a.status = 'pending' AND a.id > $1 ORDER BY a.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Moves a pending customer to `active` or `rejected`; false if it was not pending.
    /// Rejects a pending registration, with the request's deferred effects;
    /// false when it was not pending. (An approval comes with the user's
    /// temporary password: `Along::Approval`.)
    pub async fn reject_registration(&self, customer_id: i64, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        if !activate_pending(&mut tx, customer_id, "rejected").await? {
            return Ok(false);
        }
        self.commit(tx, &[], now).await?;
        Ok(true)
    }

    /// Decides an agreement request; on approval the customer joins the
    /// agreement. Returns the customer, or None if it was not pending.
    pub async fn decide_agreement(&self, request_id: i64, approve: bool, now: i64) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let status = if approve { "approved" } else { "rejected" };
        let row: Option<(i64, String)> = sqlx::query_as(
            "UPDATE agreement_requests SET status = $2, decided_at = $3 WHERE id = $1 AND status = 'pending'
             RETURNING customer_id, agreement_code",
        )
        .bind(request_id)
        .bind(status)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((customer_id, agreement)) = row else {
            return Ok(None);
        };
        if approve {
            sqlx::query("UPDATE customers SET agreement_code = $2 WHERE id = $1")
                .bind(customer_id)
                .bind(agreement)
                .execute(&mut *tx)
                .await?;
        }
        let change = Change::upsert(Some(customer_id), Entity::Profile, customer_id);
        self.commit(tx, &[change], now).await?;
        Ok(Some(customer_id))
    }
}

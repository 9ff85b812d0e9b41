//! E8: proofs of payment and prepaid credit.

use crate::store::feed::Change;
use crate::store::invoices::{publish_in, NewInvoice};
use crate::store::{Keyset, Scope, Store, StoreResult};
use sportello_domain::api::sync::Entity;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProofRow {
    pub id: i64,
    pub customer_id: i64,
    pub method: String,
    pub amount_cents: i64,
    pub reference: String,
    pub status: String,
    pub invoice_id: Option<i64>,
    pub order_id: Option<i64>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

const PROOF_COLUMNS: &str =
    "id, customer_id, method, amount_cents, reference, status, invoice_id, order_id, created_at, decided_at";

pub struct NewProofRow<'a> {
    pub customer_id: i64,
    pub user_id: i64,
    pub method: &'a str,
    pub amount_cents: i64,
    pub attachment_id: &'a str,
    pub reference: &'a str,
    pub order_id: Option<i64>,
}

impl Store {
    pub async fn credit_cents(&self, customer_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT credit_cents FROM customers WHERE id = $1")
            .bind(customer_id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn insert_proof(&self, p: &NewProofRow<'_>, now: i64) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id = sqlx::query_scalar(
            "INSERT INTO payment_proofs (customer_id, user_id, method, amount_cents, attachment_id, reference, status,
                 created_at, order_id) VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7, $8) RETURNING id",
        )
        .bind(p.customer_id)
        .bind(p.user_id)
        .bind(p.method)
        .bind(p.amount_cents)
        .bind(p.attachment_id)
        .bind(p.reference)
        .bind(now)
        .bind(p.order_id)
        .fetch_one(&mut *tx)
        .await?;
        let change = Change::upsert(Some(p.customer_id), Entity::Wallet, p.customer_id);
        let created = crate::store::unit::Created {
            id,
            code: String::new(),
        };
        self.commit_created(tx, &[change], &created, now).await?;
        Ok(id)
    }

    /// A customer's proofs, newest first, optionally in one status.
    pub async fn proofs(&self, customer_id: i64, status: Option<&str>) -> StoreResult<Vec<ProofRow>> {
        let sql = format!(
            "SELECT {PROOF_COLUMNS} FROM payment_proofs WHERE customer_id = $1 AND ($2 = '' OR status = $2)
             ORDER BY id DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(status.unwrap_or(""))
            .fetch_all(&self.pool)
            .await?)
    }

    /// A page of proofs, newest first (one more row than the page).
    pub async fn proof_page(&self, scope: Scope<'_>, page: Keyset) -> StoreResult<Vec<ProofRow>> {
        self.newest_first("payment_proofs", PROOF_COLUMNS, "created_at", scope, page)
            .await
    }

    pub async fn proof(&self, id: i64) -> StoreResult<Option<ProofRow>> {
        let sql = format!("SELECT {PROOF_COLUMNS} FROM payment_proofs WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    /// Decides a submitted proof; a confirmed top-up adds the credit (when
    /// `adds_credit`), a confirmed top-up or subscription issues its
    /// `invoice`, a confirmed advance payment releases its order, all in one
    /// commit. False when it was decided already.
    pub async fn decide_proof(
        &self,
        id: i64,
        approve: bool,
        invoice: Option<&NewInvoice<'_>>,
        adds_credit: bool,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let status = if approve { "confirmed" } else { "refused" };
        let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
            "UPDATE payment_proofs SET status = $2, decided_at = $3 WHERE id = $1 AND status = 'submitted'
             RETURNING customer_id, amount_cents, order_id",
        )
        .bind(id)
        .bind(status)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((customer_id, cents, order_id)) = row else {
            return Ok(false);
        };
        let mut changes = vec![Change::upsert(Some(customer_id), Entity::Wallet, customer_id)];
        if let Some(order_id) = order_id.filter(|_| approve) {
            sqlx::query(
                "UPDATE orders SET status = 'in_progress', updated_at = $2 WHERE id = $1 AND status = 'awaiting_payment'",
            )
            .bind(order_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            changes.push(Change::upsert(Some(customer_id), Entity::Order, order_id));
        }
        let Some(invoice) = invoice.filter(|_| approve) else {
            self.commit(tx, &changes, now).await?;
            return Ok(true);
        };
        if adds_credit {
            sqlx::query("UPDATE customers SET credit_cents = credit_cents + $2 WHERE id = $1")
                .bind(customer_id)
                .bind(cents)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO credit_movements (customer_id, cents, proof_id, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(customer_id)
            .bind(cents)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let (created, published) = publish_in(&mut tx, invoice, now).await?;
        sqlx::query("UPDATE payment_proofs SET invoice_id = $2 WHERE id = $1")
            .bind(id)
            .bind(created.id)
            .execute(&mut *tx)
            .await?;
        changes.push(published);
        self.commit_created(tx, &changes, &created, now).await?;
        Ok(true)
    }

    /// The customer's fulfilled items paid by advance on consumption: (net cents, VAT rate).
    pub async fn consumed_items(&self, customer_id: i64) -> StoreResult<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT i.net_cents, i.vat_rate FROM order_items i JOIN orders o ON o.id = i.order_id
             WHERE o.customer_id = $1 AND o.payment_method = 'advance_on_consumption' AND i.status = 'fulfilled'",
        )
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

//! E3, E5, E9: orders, their items and fulfilment, and the customers' record layouts.

use super::NewItem;
use crate::store::feed::Change;
use crate::store::files::{insert_file_in, Refused};
use crate::store::invoices::{publish_in, NewInvoice};
use crate::store::ops::next_in_year;
use crate::store::requests::AttachmentRow;
use crate::store::{Keyset, Scope, Store, StoreResult};
use sportello_domain::api::sync::Entity;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub code: String,
    pub customer_id: i64,
    pub status: String,
    pub payment_method: String,
    pub billing: String,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub total_cents: i64,
    pub quote_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const ORDER_COLUMNS: &str = "id, code, customer_id, status, payment_method, billing, net_cents, vat_cents, total_cents,
    quote_id, created_at, updated_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderItemRow {
    pub id: i64,
    pub order_id: i64,
    pub service_code: String,
    pub name_it: String,
    pub name_en: String,
    pub form: String,
    pub net_cents: i64,
    pub vat_rate: String,
    pub status: String,
    pub outcome_kind: Option<String>,
    pub attachment_id: Option<String>,
    pub invoice_id: Option<i64>,
    pub fulfilled_at: Option<i64>,
}

const ITEM_COLUMNS: &str = "id, order_id, service_code, name_it, name_en, form, net_cents, vat_rate, status,
    outcome_kind, attachment_id, invoice_id, fulfilled_at";

pub struct NewOrderRow<'a> {
    pub customer_id: i64,
    pub user_id: i64,
    pub payment_method: &'a str,
    pub billing: &'a str,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub total_cents: i64,
    /// Prepaid credit to draw, in the same transaction.
    pub draw_cents: Option<i64>,
    pub quote_id: Option<i64>,
    pub year: i32,
    /// `in_progress`, or `awaiting_payment` for an advance payment.
    pub status: &'a str,
}

/// Why an order was not stored.
#[derive(Debug, PartialEq, Eq)]
pub enum OrderRefused {
    InsufficientCredit,
    /// The quote it accepts was accepted, declined or priced again meanwhile.
    QuoteChanged,
}

/// What an operator's fulfilment of an item writes (see `fulfil_item`).
pub struct Fulfilment<'a> {
    pub item_id: i64,
    /// "pdf" or "record".
    pub kind: &'a str,
    pub file: &'a AttachmentRow,
    pub bytes: &'a [u8],
    pub quota_bytes: i64,
    pub invoice: Option<&'a NewInvoice<'a>>,
    /// The customer's notification: title and text.
    pub notice: (&'a str, &'a str),
    pub changes: &'a [Change],
}

impl Store {
    /// Stores an order and its items; with prepaid credit, draws it in the
    /// same transaction, refusing when the credit does not cover it (two
    /// orders at once cannot both spend the same euro).
    pub async fn insert_order(
        &self,
        o: &NewOrderRow<'_>,
        items: &[NewItem<'_>],
        now: i64,
    ) -> StoreResult<Result<(i64, String), OrderRefused>> {
        let mut tx = self.begin_write().await?;
        if let Some(quote_id) = o.quote_id {
            let taken = sqlx::query(
                "UPDATE quotes SET status = 'accepted', updated_at = $2 WHERE id = $1 AND status = 'priced'",
            )
            .bind(quote_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if taken.rows_affected() != 1 {
                return Ok(Err(OrderRefused::QuoteChanged));
            }
        }
        if let Some(cents) = o.draw_cents {
            let drawn = sqlx::query(
                "UPDATE customers SET credit_cents = credit_cents - $2 WHERE id = $1 AND credit_cents >= $2",
            )
            .bind(o.customer_id)
            .bind(cents)
            .execute(&mut *tx)
            .await?;
            if drawn.rows_affected() != 1 {
                return Ok(Err(OrderRefused::InsufficientCredit));
            }
        }
        let n = next_in_year(&mut tx, "order", o.year, 1).await?;
        let code = format!("ORD-{}-{n:06}", o.year);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO orders (code, customer_id, user_id, status, payment_method, billing, net_cents, vat_cents,
                 total_cents, quote_id, created_at, updated_at)
             VALUES ($1, $2, $3, $11, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(&code)
        .bind(o.customer_id)
        .bind(o.user_id)
        .bind(o.payment_method)
        .bind(o.billing)
        .bind(o.net_cents)
        .bind(o.vat_cents)
        .bind(o.total_cents)
        .bind(o.quote_id)
        .bind(now)
        .bind(o.status)
        .fetch_one(&mut *tx)
        .await?;
        for (seq, item) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO order_items (order_id, seq, service_code, name_it, name_en, form, net_cents, vat_rate,
                     status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')",
            )
            .bind(id)
            .bind(seq as i64)
            .bind(item.service_code)
            .bind(item.name_it)
            .bind(item.name_en)
            .bind(&item.form)
            .bind(item.net_cents.unwrap_or(0))
            .bind(item.vat_rate)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(cents) = o.draw_cents {
            sqlx::query(
                "INSERT INTO credit_movements (customer_id, cents, order_id, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(o.customer_id)
            .bind(-cents)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(quote_id) = o.quote_id {
            sqlx::query("UPDATE quotes SET order_id = $2 WHERE id = $1")
                .bind(quote_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let mut changes = vec![Change::upsert(Some(o.customer_id), Entity::Order, id)];
        changes.extend(
            o.quote_id
                .map(|q| Change::upsert(Some(o.customer_id), Entity::Quote, q)),
        );
        if o.draw_cents.is_some() {
            changes.push(Change::upsert(Some(o.customer_id), Entity::Wallet, o.customer_id));
        }
        let created = crate::store::unit::Created { id, code };
        self.commit_created(tx, &changes, &created, now).await?;
        Ok(Ok((id, created.code)))
    }

    /// An order, scoped to a customer unless `customer_id` is None (operators).
    pub async fn order(&self, id: i64, customer_id: Option<i64>) -> StoreResult<Option<OrderRow>> {
        self.scoped("orders", ORDER_COLUMNS, id, customer_id).await
    }

    /// A page of orders by last change, newest first (one more row than the page).
    pub async fn orders(&self, scope: Scope<'_>, page: Keyset) -> StoreResult<Vec<OrderRow>> {
        self.newest_first("orders", ORDER_COLUMNS, "updated_at", scope, page)
            .await
    }

    /// The items of every order named, in their order: one query for a page.
    pub async fn order_items(&self, order_ids: &[i64]) -> StoreResult<Vec<OrderItemRow>> {
        if order_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM order_items WHERE order_id IN ({}) ORDER BY order_id, seq",
            crate::store::placeholders(order_ids.len())
        );
        let mut query = sqlx::query_as(&sql);
        for id in order_ids {
            query = query.bind(*id);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    pub async fn order_item(&self, id: i64) -> StoreResult<Option<OrderItemRow>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM order_items WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    /// Marks a pending item fulfilled and completes its order when it was the
    /// last; false when the item was fulfilled already.
    /// Fulfils a pending item in one commit: its outcome file (within the
    /// customer's quota), its invoice when it has one, the item and its
    /// order, the customer's notification, and the request's deferred
    /// effects (audit row, e-mails: the invoice's may name its number).
    /// `Ok(false)` when the item was fulfilled already; nothing is kept then.
    pub async fn fulfil_item(&self, f: &Fulfilment<'_>, now: i64) -> StoreResult<Result<bool, Refused>> {
        let mut tx = self.begin_write().await?;
        if let Err(refused) = insert_file_in(&mut tx, f.file, f.bytes, f.quota_bytes, now).await? {
            tx.rollback().await?;
            return Ok(Err(refused));
        }
        let mut changes = f.changes.to_vec();
        let invoice = match f.invoice {
            Some(invoice) => {
                let (created, change) = publish_in(&mut tx, invoice, now).await?;
                changes.push(change);
                Some(created)
            }
            None => None,
        };
        let order_id: Option<i64> = sqlx::query_scalar(
            "UPDATE order_items SET status = 'fulfilled', outcome_kind = $2, attachment_id = $3, invoice_id = $4,
                 fulfilled_at = $5 WHERE id = $1 AND status = 'pending' RETURNING order_id",
        )
        .bind(f.item_id)
        .bind(f.kind)
        .bind(&f.file.id)
        .bind(invoice.as_ref().map(|c| c.id))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(order_id) = order_id else {
            tx.rollback().await?;
            return Ok(Ok(false));
        };
        sqlx::query(
            "UPDATE orders SET updated_at = $2, status = CASE WHEN EXISTS
                 (SELECT 1 FROM order_items WHERE order_id = $1 AND status = 'pending') THEN status ELSE 'completed' END
             WHERE id = $1",
        )
        .bind(order_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let (title, body) = f.notice;
        let notice = crate::store::unit::NewNotification {
            customer_id: Some(f.file.customer_id),
            kind: "shop".into(),
            request_id: None,
            order_id: Some(order_id),
            quote_id: None,
            contract_id: None,
            title: title.to_owned(),
            body: body.to_owned(),
        };
        changes.push(crate::store::notifications::insert_in(&mut tx, &notice, now).await?);
        match invoice {
            Some(created) => self.commit_created(tx, &changes, &created, now).await?,
            None => self.commit(tx, &changes, now).await?,
        }
        Ok(Ok(true))
    }

    /// Who placed an order.
    pub async fn order_user(&self, order_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT user_id FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn record_layout(&self, customer_id: i64) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT definition FROM record_layouts WHERE customer_id = $1")
                .bind(customer_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_record_layout(&self, customer_id: i64, definition: &str, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO record_layouts (customer_id, definition, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (customer_id) DO UPDATE SET definition = $2, updated_at = $3",
        )
        .bind(customer_id)
        .bind(definition)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], now).await
    }
}

//! Buying services: price lists, the catalogue, payment proofs and prepaid
//! credit, orders, quotes and record layouts.

use super::ops::next_in_year;
use super::{Store, StoreResult};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PriceListRow {
    pub code: String,
    pub name: String,
    pub methods: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CategoryRow {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ServiceRow {
    pub code: String,
    pub category_code: String,
    pub name_it: String,
    pub name_en: String,
    pub description_it: String,
    pub description_en: String,
    pub pricing: String,
    pub vat_rate: String,
    pub subscription: i64,
    pub form: String,
    /// The price in the customer's list, else the standard one; None for quotes.
    pub net_cents: Option<i64>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BillingRow {
    pub name: String,
    pub tax_code: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub province: Option<String>,
    pub sdi_code: String,
    pub pec: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProofRow {
    pub id: i64,
    pub customer_id: i64,
    pub method: String,
    pub amount_cents: i64,
    pub reference: String,
    pub status: String,
    pub invoice_id: Option<i64>,
    pub created_at: i64,
}

const PROOF_COLUMNS: &str = "id, customer_id, method, amount_cents, reference, status, invoice_id, created_at";

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

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QuoteRow {
    pub id: i64,
    pub code: String,
    pub customer_id: i64,
    pub status: String,
    pub message: String,
    pub desk_note: String,
    pub valid_until: Option<String>,
    pub order_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const QUOTE_COLUMNS: &str =
    "id, code, customer_id, status, message, desk_note, valid_until, order_id, created_at, updated_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QuoteItemRow {
    pub id: i64,
    pub service_code: String,
    pub name_it: String,
    pub name_en: String,
    pub form: String,
    pub net_cents: Option<i64>,
    pub vat_rate: String,
}

pub struct NewProofRow<'a> {
    pub customer_id: i64,
    pub user_id: i64,
    pub method: &'a str,
    pub amount_cents: i64,
    pub attachment_id: &'a str,
    pub reference: &'a str,
}

/// One line of an order or quote as it is stored.
pub struct NewItem<'a> {
    pub service_code: &'a str,
    pub name_it: &'a str,
    pub name_en: &'a str,
    pub form: String,
    pub net_cents: Option<i64>,
    pub vat_rate: &'a str,
}

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
}

/// Why an order was not stored.
#[derive(Debug, PartialEq, Eq)]
pub enum OrderRefused {
    InsufficientCredit,
    /// The quote it accepts was accepted, declined or priced again meanwhile.
    QuoteChanged,
}

impl Store {
    /// A row of `table` by id, scoped to a customer unless `customer_id` is None.
    async fn scoped<T>(&self, table: &str, columns: &str, id: i64, customer_id: Option<i64>) -> StoreResult<Option<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let sql = format!("SELECT {columns} FROM {table} WHERE id = $1 AND ($2 = 0 OR customer_id = $2)");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .bind(customer_id.unwrap_or(0))
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Rows of `table` by last change, newest first, optionally in one status; `customer_id` 0: all.
    async fn listed<T>(&self, table: &str, columns: &str, customer_id: i64, status: Option<&str>) -> StoreResult<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let sql = format!(
            "SELECT {columns} FROM {table} WHERE ($1 = 0 OR customer_id = $1) AND ($2 = '' OR status = $2)
             ORDER BY updated_at DESC, id DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(status.unwrap_or(""))
            .fetch_all(&self.pool)
            .await?)
    }

    /// E7: the customer's own list, else the approved agreement's, else the category's, else the standard.
    pub async fn price_list_for(&self, customer_id: i64) -> StoreResult<PriceListRow> {
        Ok(sqlx::query_as(
            "SELECT code, name, methods FROM price_lists WHERE code = COALESCE(
                 (SELECT price_list_code FROM customers WHERE id = $1),
                 (SELECT a.price_list_code FROM customers c JOIN agreements a ON a.code = c.agreement_code
                  WHERE c.id = $1),
                 (SELECT p.code FROM price_lists p JOIN customers c ON c.category = p.category WHERE c.id = $1),
                 'STD')",
        )
        .bind(customer_id)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn service_categories(&self) -> StoreResult<Vec<CategoryRow>> {
        Ok(
            sqlx::query_as("SELECT code, name_it, name_en FROM service_categories ORDER BY position")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The active services with their price in `list` (the standard price where the list has none).
    pub async fn services(&self, list: &str) -> StoreResult<Vec<ServiceRow>> {
        Ok(sqlx::query_as(
            "SELECT s.code, s.category_code, s.name_it, s.name_en, s.description_it, s.description_en, s.pricing,
                    s.vat_rate, s.subscription, s.form,
                    CASE WHEN s.pricing = 'fixed' THEN COALESCE(l.net_cents, d.net_cents) END AS net_cents
             FROM services s
             LEFT JOIN prices l ON l.service_code = s.code AND l.price_list_code = $1
             LEFT JOIN prices d ON d.service_code = s.code AND d.price_list_code = 'STD'
             WHERE s.active = 1 ORDER BY s.position",
        )
        .bind(list)
        .fetch_all(&self.pool)
        .await?)
    }

    /// (code, name, status) of the agreements the customer belongs to or asked to join.
    pub async fn customer_agreements(&self, customer_id: i64) -> StoreResult<Vec<(String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT a.code, a.name, 'approved' FROM customers c JOIN agreements a ON a.code = c.agreement_code
             WHERE c.id = $1
             UNION ALL
             SELECT a.code, a.name, 'pending' FROM agreement_requests r JOIN agreements a ON a.code = r.agreement_code
             WHERE r.customer_id = $1 AND r.status = 'pending'",
        )
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn agreements(&self) -> StoreResult<Vec<(String, String)>> {
        Ok(sqlx::query_as("SELECT code, name FROM agreements ORDER BY name")
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn billing(&self, customer_id: i64) -> StoreResult<Option<BillingRow>> {
        Ok(sqlx::query_as(
            "SELECT name, tax_code, street, postcode, city, province, sdi_code, pec FROM customers WHERE id = $1",
        )
        .bind(customer_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn credit_cents(&self, customer_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT credit_cents FROM customers WHERE id = $1")
            .bind(customer_id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn insert_proof(&self, p: &NewProofRow<'_>, now: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO payment_proofs (customer_id, user_id, method, amount_cents, attachment_id, reference, status,
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7) RETURNING id",
        )
        .bind(p.customer_id)
        .bind(p.user_id)
        .bind(p.method)
        .bind(p.amount_cents)
        .bind(p.attachment_id)
        .bind(p.reference)
        .bind(now)
        .fetch_one(&self.pool)
        .await?)
    }

    /// A customer's proofs, newest first; `customer_id` 0 and a status: every customer's (operators).
    pub async fn proofs(&self, customer_id: i64, status: Option<&str>) -> StoreResult<Vec<ProofRow>> {
        let sql = format!(
            "SELECT {PROOF_COLUMNS} FROM payment_proofs WHERE ($1 = 0 OR customer_id = $1) AND ($2 = '' OR status = $2)
             ORDER BY id DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(status.unwrap_or(""))
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn proof(&self, id: i64) -> StoreResult<Option<ProofRow>> {
        let sql = format!("SELECT {PROOF_COLUMNS} FROM payment_proofs WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    /// Decides a submitted proof; a confirmed top-up adds its credit in the
    /// same transaction. False when the proof was decided already.
    pub async fn decide_proof(&self, id: i64, approve: bool, top_up: bool, now: i64) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let status = if approve { "confirmed" } else { "refused" };
        let row: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE payment_proofs SET status = $2, decided_at = $3 WHERE id = $1 AND status = 'submitted'
             RETURNING customer_id, amount_cents",
        )
        .bind(id)
        .bind(status)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((customer_id, cents)) = row else {
            return Ok(false);
        };
        if approve && top_up {
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
        tx.commit().await?;
        Ok(true)
    }

    pub async fn set_proof_invoice(&self, id: i64, invoice_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE payment_proofs SET invoice_id = $2 WHERE id = $1")
            .bind(id)
            .bind(invoice_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores an order and its items; with prepaid credit, draws it in the
    /// same transaction, refusing when the credit does not cover it (two
    /// orders at once cannot both spend the same euro).
    pub async fn insert_order(
        &self,
        o: &NewOrderRow<'_>,
        items: &[NewItem<'_>],
        now: i64,
    ) -> StoreResult<Result<(i64, String), OrderRefused>> {
        let mut tx = self.pool.begin().await?;
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
             VALUES ($1, $2, $3, 'in_progress', $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
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
        tx.commit().await?;
        Ok(Ok((id, code)))
    }

    /// An order, scoped to a customer unless `customer_id` is None (operators).
    pub async fn order(&self, id: i64, customer_id: Option<i64>) -> StoreResult<Option<OrderRow>> {
        self.scoped("orders", ORDER_COLUMNS, id, customer_id).await
    }

    /// Orders by last change, newest first; `customer_id` 0: everyone's (operators).
    pub async fn orders(&self, customer_id: i64, status: Option<&str>) -> StoreResult<Vec<OrderRow>> {
        self.listed("orders", ORDER_COLUMNS, customer_id, status).await
    }

    pub async fn order_items(&self, order_id: i64) -> StoreResult<Vec<OrderItemRow>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM order_items WHERE order_id = $1 ORDER BY seq");
        Ok(sqlx::query_as(&sql).bind(order_id).fetch_all(&self.pool).await?)
    }

    pub async fn order_item(&self, id: i64) -> StoreResult<Option<OrderItemRow>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM order_items WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    /// Marks a pending item fulfilled and completes its order when it was the
    /// last; false when the item was fulfilled already.
    pub async fn fulfil_item(
        &self,
        item_id: i64,
        kind: &str,
        attachment_id: &str,
        invoice_id: Option<i64>,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let order_id: Option<i64> = sqlx::query_scalar(
            "UPDATE order_items SET status = 'fulfilled', outcome_kind = $2, attachment_id = $3, invoice_id = $4,
                 fulfilled_at = $5 WHERE id = $1 AND status = 'pending' RETURNING order_id",
        )
        .bind(item_id)
        .bind(kind)
        .bind(attachment_id)
        .bind(invoice_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(order_id) = order_id else {
            return Ok(false);
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
        tx.commit().await?;
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

    pub async fn insert_quote(
        &self,
        customer_id: i64,
        user_id: i64,
        message: &str,
        items: &[NewItem<'_>],
        year: i32,
        now: i64,
    ) -> StoreResult<(i64, String)> {
        let mut tx = self.pool.begin().await?;
        let n = next_in_year(&mut tx, "quote", year, 1).await?;
        let code = format!("PRV-{year}-{n:06}");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO quotes (code, customer_id, user_id, status, message, created_at, updated_at)
             VALUES ($1, $2, $3, 'requested', $4, $5, $5) RETURNING id",
        )
        .bind(&code)
        .bind(customer_id)
        .bind(user_id)
        .bind(message)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (seq, item) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO quote_items (quote_id, seq, service_code, name_it, name_en, form, vat_rate)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(seq as i64)
            .bind(item.service_code)
            .bind(item.name_it)
            .bind(item.name_en)
            .bind(&item.form)
            .bind(item.vat_rate)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok((id, code))
    }

    pub async fn quote(&self, id: i64, customer_id: Option<i64>) -> StoreResult<Option<QuoteRow>> {
        self.scoped("quotes", QUOTE_COLUMNS, id, customer_id).await
    }

    /// Quotes by last change, newest first; `customer_id` 0: everyone's (operators).
    pub async fn quotes(&self, customer_id: i64, status: Option<&str>) -> StoreResult<Vec<QuoteRow>> {
        self.listed("quotes", QUOTE_COLUMNS, customer_id, status).await
    }

    pub async fn quote_items(&self, quote_id: i64) -> StoreResult<Vec<QuoteItemRow>> {
        Ok(sqlx::query_as(
            "SELECT id, service_code, name_it, name_en, form, net_cents, vat_rate FROM quote_items
             WHERE quote_id = $1 ORDER BY seq",
        )
        .bind(quote_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Prices every item of a requested quote; false when it is no longer requested.
    pub async fn price_quote(
        &self,
        id: i64,
        prices: &[(i64, i64)],
        valid_until: &str,
        note: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE quotes SET status = 'priced', valid_until = $2, desk_note = $3, updated_at = $4
             WHERE id = $1 AND status = 'requested'",
        )
        .bind(id)
        .bind(valid_until)
        .bind(note)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Ok(false);
        }
        for (item, cents) in prices {
            sqlx::query("UPDATE quote_items SET net_cents = $3 WHERE id = $1 AND quote_id = $2")
                .bind(item)
                .bind(id)
                .bind(cents)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Moves a quote from one status to another; false when it was not in `from`.
    pub async fn move_quote(&self, id: i64, from: &str, to: &str, now: i64) -> StoreResult<bool> {
        let moved = sqlx::query("UPDATE quotes SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2")
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(moved.rows_affected() == 1)
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
        sqlx::query(
            "INSERT INTO record_layouts (customer_id, definition, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (customer_id) DO UPDATE SET definition = $2, updated_at = $3",
        )
        .bind(customer_id)
        .bind(definition)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A notification about an order or a quote.
    pub async fn insert_shop_notification(
        &self,
        customer_id: i64,
        order_id: Option<i64>,
        quote_id: Option<i64>,
        title: &str,
        body: &str,
        now: i64,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO notifications (customer_id, kind, order_id, quote_id, title, body, created_at)
             VALUES ($1, 'shop', $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(customer_id)
        .bind(order_id)
        .bind(quote_id)
        .bind(title)
        .bind(body)
        .bind(now)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Who placed an order.
    pub async fn order_user(&self, order_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT user_id FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Who asked for a quote.
    pub async fn quote_user(&self, quote_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT user_id FROM quotes WHERE id = $1")
            .bind(quote_id)
            .fetch_one(&self.pool)
            .await?)
    }
}

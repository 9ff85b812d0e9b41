//! E4: quotes and their items.

use super::NewItem;
use crate::store::feed::Change;
use crate::store::ops::next_in_year;
use crate::store::{Keyset, Scope, Store, StoreResult};
use sportello_domain::api::sync::Entity;

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
    pub quote_id: i64,
    pub service_code: String,
    pub name_it: String,
    pub name_en: String,
    pub form: String,
    pub net_cents: Option<i64>,
    pub vat_rate: String,
}

impl Store {
    pub async fn insert_quote(
        &self,
        customer_id: i64,
        user_id: i64,
        message: &str,
        items: &[NewItem<'_>],
        year: i32,
        now: i64,
    ) -> StoreResult<(i64, String)> {
        let mut tx = self.begin_write().await?;
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
        let created = crate::store::unit::Created { id, code };
        let change = Change::upsert(Some(customer_id), Entity::Quote, id);
        self.commit_created(tx, &[change], &created, now).await?;
        Ok((id, created.code))
    }

    pub async fn quote(&self, id: i64, customer_id: Option<i64>) -> StoreResult<Option<QuoteRow>> {
        self.scoped("quotes", QUOTE_COLUMNS, id, customer_id).await
    }

    /// A page of quotes by last change, newest first (one more row than the page).
    pub async fn quotes(&self, scope: Scope<'_>, page: Keyset) -> StoreResult<Vec<QuoteRow>> {
        self.newest_first("quotes", QUOTE_COLUMNS, "updated_at", scope, page)
            .await
    }

    /// The items of every quote named, in their order: one query for a page.
    pub async fn quote_items(&self, quote_ids: &[i64]) -> StoreResult<Vec<QuoteItemRow>> {
        if quote_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, quote_id, service_code, name_it, name_en, form, net_cents, vat_rate FROM quote_items
             WHERE quote_id IN ({}) ORDER BY quote_id, seq",
            crate::store::placeholders(quote_ids.len())
        );
        let mut query = sqlx::query_as(&sql);
        for id in quote_ids {
            query = query.bind(*id);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// Prices every item of a requested quote; false when it is no longer requested.
    pub async fn price_quote(
        &self,
        id: i64,
        customer_id: i64,
        prices: &[(i64, i64)],
        valid_until: &str,
        note: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
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
        self.commit(tx, &[Change::upsert(Some(customer_id), Entity::Quote, id)], now)
            .await?;
        Ok(true)
    }

    /// Moves a quote of `customer_id` from one status to another; false when it was not in `from`.
    pub async fn move_quote(&self, id: i64, customer_id: i64, from: &str, to: &str, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query("UPDATE quotes SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2")
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() != 1 {
            return Ok(false);
        }
        self.commit(tx, &[Change::upsert(Some(customer_id), Entity::Quote, id)], now)
            .await?;
        Ok(true)
    }

    /// Who asked for a quote.
    pub async fn quote_user(&self, quote_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT user_id FROM quotes WHERE id = $1")
            .bind(quote_id)
            .fetch_one(&self.pool)
            .await?)
    }
}

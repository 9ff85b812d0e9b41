//! Buying services: price lists, the catalogue, payment proofs and prepaid
//! credit, orders, quotes and record layouts.

use super::{Store, StoreResult};

mod orders;
mod payments;
mod quotes;

pub use orders::{Fulfilment, NewOrderRow, OrderItemRow, OrderRefused, OrderRow};
pub use payments::{NewProofRow, ProofRow};
pub use quotes::{QuoteItemRow, QuoteRow};

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

impl BillingRow {
    /// The address and e-invoicing part, as `set_billing` stores it (Italy).
    pub fn address(&self) -> crate::store::users::Billing<'_> {
        crate::store::users::Billing {
            street: &self.street,
            postcode: &self.postcode,
            city: &self.city,
            province: self.province.as_deref(),
            country: "IT",
            sdi_code: &self.sdi_code,
            pec: self.pec.as_deref(),
        }
    }
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
}

//! Buying services on the desktop (E1–E10). The catalogue, the wallet, the
//! orders and the quotes are kept in the cache like every other screen's
//! data; the two carts live in the cache too, so they survive a restart and
//! fill up offline; a checkout moves a cart into the outbox in one step, so
//! an order placed offline is sent once, when the server can be reached.

use crate::api::with_query;
use crate::cache::{Cache, CacheError};
use crate::outbox::{OutboxEntry, OutboxKind, Outgoing};
use crate::session::Desk;
use crate::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sportello_domain::api::operations as op;
use sportello_domain::api::shop::{
    AcceptQuote, BillingData, CartItem, Catalogue, NewOrder, NewQuote, Pricing, ShopPaymentMethod,
};
use sportello_domain::api::shop::{OrdersQuery, QuotesQuery};
use sportello_domain::shop::form::{self, FormValues};
use sportello_domain::shop::{self as rules};
use sportello_domain::{ApiError, ErrorCode, Money};
use ts_rs::TS;

pub const CATALOGUE: &str = "shop.catalogue";
pub const WALLET: &str = "shop.wallet";
pub const ORDERS: &str = "shop.orders";
pub const QUOTES: &str = "shop.quotes";

/// The cart of services bought at a price, or the quote cart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CartKind {
    Order,
    Quote,
}

impl CartKind {
    fn as_str(self) -> &'static str {
        match self {
            CartKind::Order => "order",
            CartKind::Quote => "quote",
        }
    }

    fn pricing(self) -> Pricing {
        match self {
            CartKind::Order => Pricing::Fixed,
            CartKind::Quote => Pricing::Quote,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CartLine {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: CartKind,
    pub service_code: String,
    pub form: FormValues,
    pub added_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    kind: String,
    service_code: String,
    form: String,
    added_at: i64,
}

fn line(r: LineRow) -> Result<CartLine, AppError> {
    Ok(CartLine {
        id: r.id,
        kind: if r.kind == "quote" {
            CartKind::Quote
        } else {
            CartKind::Order
        },
        service_code: r.service_code,
        form: serde_json::from_str(&r.form).map_err(CacheError::from)?,
        added_at: DateTime::from_timestamp_millis(r.added_at).unwrap_or_default(),
    })
}

/// A cart line as the cart screen shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CartViewLine {
    pub line: CartLine,
    pub name_it: String,
    pub name_en: String,
    /// None for quote services, or a service no longer offered.
    #[ts(type = "string | null")]
    pub price: Option<Money>,
}

/// Both carts, with the order cart's totals computed by the invoices' rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CartView {
    pub lines: Vec<CartViewLine>,
    pub net: Money,
    pub vat: Money,
    pub total: Money,
}

pub fn cart_view(catalogue: &Catalogue, lines: Vec<CartLine>) -> CartView {
    let mut priced = Vec::new();
    let lines: Vec<CartViewLine> = lines
        .into_iter()
        .map(|line| {
            let service = catalogue.services.iter().find(|s| s.code == line.service_code);
            let price = service.and_then(|s| s.price);
            if let (CartKind::Order, Some(s), Some(net)) = (line.kind, service, price) {
                priced.push(rules::line(&s.name_it, net, s.vat_rate));
            }
            CartViewLine {
                name_it: service.map_or_else(|| line.service_code.clone(), |s| s.name_it.clone()),
                name_en: service.map_or_else(|| line.service_code.clone(), |s| s.name_en.clone()),
                price,
                line,
            }
        })
        .collect();
    let totals = rules::totals(&priced);
    CartView {
        lines,
        net: totals.taxable,
        vat: totals.tax,
        total: totals.total,
    }
}

/// Re-reads the catalogue, wallet, orders and quotes into the cache in one transaction.
pub async fn refresh(desk: &Desk, cache: &Cache) -> Result<(), AppError> {
    let catalogue = desk.get(&op::shop::CATALOGUE.call(&[])).await?;
    let wallet = desk.get(&op::shop::WALLET.call(&[])).await?;
    let orders = OrdersQuery {
        limit: Some(500),
        ..OrdersQuery::default()
    };
    let orders = desk
        .every_page(&with_query(op::shop::ORDERS.call(&[]), &orders)?)
        .await?;
    let quotes = QuotesQuery {
        limit: Some(500),
        ..QuotesQuery::default()
    };
    let quotes = desk
        .every_page(&with_query(op::shop::QUOTES.call(&[]), &quotes)?)
        .await?;
    let mut ingest = cache.begin().await?;
    ingest.document(CATALOGUE, &catalogue).await?;
    ingest.document(WALLET, &wallet).await?;
    ingest.document(ORDERS, &orders).await?;
    ingest.document(QUOTES, &quotes).await?;
    ingest.commit().await?;
    Ok(())
}

/// A form checked by the same rules as the server's, with the problems on
/// `form.<key>` like the server names them.
fn checked(catalogue: &Catalogue, kind: CartKind, item: &CartItem) -> Result<FormValues, AppError> {
    let service = catalogue
        .services
        .iter()
        .find(|s| s.code == item.service_code)
        .ok_or_else(|| AppError::Api(ApiError::new(ErrorCode::NotFound, "no such service")))?;
    if service.pricing != kind.pricing() {
        let problem = if kind == CartKind::Order {
            "needs_quote"
        } else {
            "has_price"
        };
        let error =
            ApiError::new(ErrorCode::BadRequest, "wrong cart for this service").with_field("service_code", problem);
        return Err(error.into());
    }
    form::check(&service.form, &item.form).map_err(|problems| {
        let mut error = ApiError::new(ErrorCode::BadRequest, "the service's form has errors");
        for p in problems {
            error = error.with_field(&format!("form.{}", p.key), p.problem);
        }
        AppError::Api(error)
    })
}

impl Cache {
    async fn catalogue(&self) -> Result<Catalogue, AppError> {
        self.document(CATALOGUE)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::ServerUnreachable, "the catalogue is not synchronised yet").into())
    }

    pub async fn cart(&self) -> Result<Vec<CartLine>, AppError> {
        let rows: Vec<LineRow> = sqlx::query_as("SELECT id, kind, service_code, form, added_at FROM cart ORDER BY id")
            .fetch_all(self.pool())
            .await
            .map_err(CacheError::from)?;
        rows.into_iter().map(line).collect()
    }

    /// E1: "add to cart" / "request quote" after the form passed its checks.
    pub async fn add_to_cart(&self, kind: CartKind, item: &CartItem, now: DateTime<Utc>) -> Result<i64, AppError> {
        let clean = checked(&self.catalogue().await?, kind, item)?;
        let id = sqlx::query_scalar(
            "INSERT INTO cart (kind, service_code, form, added_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(kind.as_str())
        .bind(&item.service_code)
        .bind(serde_json::to_string(&clean).map_err(CacheError::from)?)
        .bind(now.timestamp_millis())
        .fetch_one(self.pool())
        .await
        .map_err(CacheError::from)?;
        Ok(id)
    }

    /// E3: "correct by going back to the service page": a line's form changes in place.
    pub async fn update_cart_line(&self, id: i64, form: &FormValues) -> Result<(), AppError> {
        let line = self
            .cart()
            .await?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or_else(|| AppError::Api(ApiError::new(ErrorCode::NotFound, "no such cart line")))?;
        let item = CartItem {
            service_code: line.service_code,
            form: form.clone(),
        };
        let clean = checked(&self.catalogue().await?, line.kind, &item)?;
        sqlx::query("UPDATE cart SET form = ? WHERE id = ?")
            .bind(serde_json::to_string(&clean).map_err(CacheError::from)?)
            .bind(id)
            .execute(self.pool())
            .await
            .map_err(CacheError::from)?;
        Ok(())
    }

    pub async fn remove_cart_line(&self, id: i64) -> Result<bool, AppError> {
        let done = sqlx::query("DELETE FROM cart WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await
            .map_err(CacheError::from)?;
        Ok(done.rows_affected() == 1)
    }

    async fn items(&self, kind: CartKind) -> Result<Vec<CartItem>, AppError> {
        let items: Vec<CartItem> = self
            .cart()
            .await?
            .into_iter()
            .filter(|l| l.kind == kind)
            .map(|l| CartItem {
                service_code: l.service_code,
                form: l.form,
            })
            .collect();
        if items.is_empty() {
            return Err(ApiError::new(ErrorCode::BadRequest, "the cart is empty")
                .with_field("items", "required")
                .into());
        }
        Ok(items)
    }

    /// E3: "complete purchase": the cart becomes an order in the outbox.
    pub async fn place_order(
        &self,
        method: ShopPaymentMethod,
        billing: &BillingData,
        now: DateTime<Utc>,
    ) -> Result<OutboxEntry, AppError> {
        let order = NewOrder {
            items: self.items(CartKind::Order).await?,
            payment_method: method,
            billing: billing.clone(),
        };
        self.enqueue(Outgoing::Order(&order), now, Some("order")).await
    }

    /// E4: "request quote" for the quote cart, with its optional message.
    pub async fn request_quote(&self, message: Option<String>, now: DateTime<Utc>) -> Result<OutboxEntry, AppError> {
        let quote = NewQuote {
            items: self.items(CartKind::Quote).await?,
            message,
        };
        self.enqueue(Outgoing::Quote(&quote), now, Some("quote")).await
    }

    /// E4: "accept and buy" a priced quote.
    pub async fn accept_quote(
        &self,
        id: i64,
        accept: &AcceptQuote,
        now: DateTime<Utc>,
    ) -> Result<OutboxEntry, AppError> {
        self.enqueue(Outgoing::Accept { quote_id: id, accept }, now, None).await
    }

    /// A refused order or quote request goes back to its cart (and leaves the outbox), to be corrected.
    pub async fn restore_cart(&self, outbox_id: i64, now: DateTime<Utc>) -> Result<bool, AppError> {
        let Some(entry) = self.outbox_entry(outbox_id).await? else {
            return Ok(false);
        };
        let kind = match entry.kind {
            OutboxKind::Order => CartKind::Order,
            OutboxKind::Quote => CartKind::Quote,
            _ => return Ok(false),
        };
        if entry.state != "rejected" {
            return Ok(false);
        }
        let items: Vec<CartItem> = serde_json::from_value(entry.body["items"].clone()).map_err(CacheError::from)?;
        let mut tx = self.pool().begin().await.map_err(CacheError::from)?;
        for item in &items {
            sqlx::query("INSERT INTO cart (kind, service_code, form, added_at) VALUES (?, ?, ?, ?)")
                .bind(kind.as_str())
                .bind(&item.service_code)
                .bind(serde_json::to_string(&item.form).map_err(CacheError::from)?)
                .bind(now.timestamp_millis())
                .execute(&mut *tx)
                .await
                .map_err(CacheError::from)?;
        }
        sqlx::query("DELETE FROM outbox WHERE id = ?")
            .bind(outbox_id)
            .execute(&mut *tx)
            .await
            .map_err(CacheError::from)?;
        tx.commit().await.map_err(CacheError::from)?;
        Ok(true)
    }
}

//! The shop's screens: reads from the cache, carts and checkouts through the
//! outbox, and the few steps that need the server at once (joining an
//! agreement, sending a proof of payment, declining a quote).

use super::{not_logged_in, DeskApp};
use crate::export::{not_found, safe_name};
use crate::outbox::OutboxEntry;
use crate::shop::{self, CartKind, CartLine, CartView};
use crate::AppError;
use chrono::Utc;
use sportello_domain::api::operations as op;
use sportello_domain::api::shop::{
    AcceptQuote, BillingData, CartItem, Catalogue, JoinAgreement, NewPaymentProof, Order, PaymentProof, Quote,
    ShopPaymentMethod, Wallet,
};
use sportello_domain::shop::form::FormValues;
use std::path::PathBuf;

impl DeskApp {
    pub async fn catalogue(&self) -> Result<Catalogue, AppError> {
        self.cached(shop::CATALOGUE).await
    }

    pub async fn wallet(&self) -> Result<Wallet, AppError> {
        self.cached(shop::WALLET).await
    }

    pub async fn orders(&self) -> Result<Vec<Order>, AppError> {
        self.cached(shop::ORDERS).await
    }

    pub async fn quotes(&self) -> Result<Vec<Quote>, AppError> {
        self.cached(shop::QUOTES).await
    }

    pub async fn cart(&self) -> Result<Vec<CartLine>, AppError> {
        self.cache().await?.cart().await
    }

    pub async fn add_to_cart(&self, kind: CartKind, item: &CartItem) -> Result<Vec<CartLine>, AppError> {
        let cache = self.cache().await?;
        cache.add_to_cart(kind, item, Utc::now()).await?;
        self.touched();
        cache.cart().await
    }

    pub async fn update_cart_line(&self, id: i64, form: &FormValues) -> Result<Vec<CartLine>, AppError> {
        let cache = self.cache().await?;
        cache.update_cart_line(id, form).await?;
        self.touched();
        cache.cart().await
    }

    pub async fn remove_cart_line(&self, id: i64) -> Result<Vec<CartLine>, AppError> {
        let cache = self.cache().await?;
        cache.remove_cart_line(id).await?;
        self.touched();
        cache.cart().await
    }

    /// Queues the cart's order (sent at once when online) and wakes the sync.
    pub async fn place_order(&self, method: ShopPaymentMethod, billing: &BillingData) -> Result<OutboxEntry, AppError> {
        let engine = self.engine().await.ok_or_else(not_logged_in)?;
        let entry = engine.cache().place_order(method, billing, Utc::now()).await?;
        self.touched();
        engine.wake();
        Ok(entry)
    }

    pub async fn request_quote(&self, message: Option<String>) -> Result<OutboxEntry, AppError> {
        let engine = self.engine().await.ok_or_else(not_logged_in)?;
        let entry = engine.cache().request_quote(message, Utc::now()).await?;
        self.touched();
        engine.wake();
        Ok(entry)
    }

    pub async fn accept_quote(&self, id: i64, accept: &AcceptQuote) -> Result<OutboxEntry, AppError> {
        let engine = self.engine().await.ok_or_else(not_logged_in)?;
        let entry = engine.cache().accept_quote(id, accept, Utc::now()).await?;
        self.touched();
        engine.wake();
        Ok(entry)
    }

    /// A refused order goes back to the cart to be corrected.
    pub async fn restore_cart(&self, outbox_id: i64) -> Result<Vec<CartLine>, AppError> {
        let cache = self.cache().await?;
        cache.restore_cart(outbox_id, Utc::now()).await?;
        self.touched();
        cache.cart().await
    }

    async fn refresh_shop(&self) -> Result<(), AppError> {
        shop::refresh(&self.desk, &self.cache().await?).await?;
        self.touched();
        Ok(())
    }

    pub async fn decline_quote(&self, id: i64) -> Result<Quote, AppError> {
        let decline = op::shop::DECLINE_QUOTE.call(&[&id]);
        let quote = self.send(decline, None).await?;
        self.refresh_shop().await?;
        Ok(quote)
    }

    pub async fn join_agreement(&self, code: &str) -> Result<Catalogue, AppError> {
        let join = JoinAgreement {
            agreement_code: code.to_owned(),
        };
        self.send(op::shop::JOIN_AGREEMENT.call(&[]), Some(&join)).await?;
        self.refresh_shop().await?;
        self.catalogue().await
    }

    pub async fn submit_proof(&self, proof: &NewPaymentProof) -> Result<PaymentProof, AppError> {
        let sent = self.send(op::shop::SUBMIT_PROOF.call(&[]), Some(proof)).await?;
        self.refresh_shop().await?;
        Ok(sent)
    }

    /// The cart with names, prices and the order cart's totals, from the cached catalogue.
    pub async fn cart_view(&self) -> Result<CartView, AppError> {
        let catalogue = self.catalogue().await?;
        Ok(shop::cart_view(&catalogue, self.cart().await?))
    }

    /// An order item's outcome (PDF or record file) as a local file: downloaded once.
    pub async fn outcome_file(&self, order_id: i64, item_id: i64) -> Result<PathBuf, AppError> {
        let orders = self.orders().await?;
        let outcome = orders
            .iter()
            .filter(|o| o.id == order_id)
            .flat_map(|o| &o.items)
            .find(|i| i.id == item_id)
            .and_then(|i| i.outcome.as_ref())
            .ok_or_else(|| not_found("outcome"))?;
        // Named by the app: the order's code, the item and the extension of
        // its type (a PDF or a record file), never the server's file name.
        let extension = crate::files::extension_for(&outcome.file.content_type).ok_or_else(|| {
            AppError::Protocol(format!(
                "an outcome of type {} cannot be kept",
                outcome.file.content_type
            ))
        })?;
        let order = orders
            .iter()
            .find(|o| o.id == order_id)
            .map(|o| o.code.as_str())
            .unwrap_or("ordine");
        let name = format!("{}-{item_id}.{extension}", safe_name(order));
        let file = self.documents_dir().await?.join("outcomes").join(name);
        if crate::files::kept(&file) {
            return Ok(file);
        }
        let bytes = self.download(op::requests::DOWNLOAD.call(&[&outcome.file.id])).await?;
        crate::files::keep(&file, &bytes)?;
        Ok(file)
    }
}

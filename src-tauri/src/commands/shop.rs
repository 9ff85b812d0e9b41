//! The shop (E1–E10): catalogue, carts, checkout, orders, quotes and wallet.

use super::{wire, CommandResult};
use sportello_app::desktop::paying::PaymentSlip;
use sportello_app::desktop::{DeskApp, ShopSlipRequest};
use sportello_app::outbox::OutboxEntry;
use sportello_app::shop::{CartKind, CartLine, CartView};
use sportello_domain::api::shop::{
    AcceptQuote, BillingData, CartItem, Catalogue, NewPaymentProof, Order, PaymentProof, Quote, ShopPaymentMethod,
    Wallet,
};
use sportello_domain::shop::form::FormValues;
use tauri::State;

type App<'a> = State<'a, DeskApp>;

#[tauri::command]
pub async fn catalogue(app: App<'_>) -> CommandResult<Catalogue> {
    app.catalogue().await.map_err(wire)
}

#[tauri::command]
pub async fn wallet(app: App<'_>) -> CommandResult<Wallet> {
    app.wallet().await.map_err(wire)
}

#[tauri::command]
pub async fn orders(app: App<'_>) -> CommandResult<Vec<Order>> {
    app.orders().await.map_err(wire)
}

#[tauri::command]
pub async fn quotes(app: App<'_>) -> CommandResult<Vec<Quote>> {
    app.quotes().await.map_err(wire)
}

#[tauri::command]
pub async fn add_to_cart(app: App<'_>, kind: CartKind, item: CartItem) -> CommandResult<Vec<CartLine>> {
    app.add_to_cart(kind, &item).await.map_err(wire)
}

#[tauri::command]
pub async fn update_cart_line(app: App<'_>, id: i64, form: FormValues) -> CommandResult<Vec<CartLine>> {
    app.update_cart_line(id, &form).await.map_err(wire)
}

#[tauri::command]
pub async fn remove_cart_line(app: App<'_>, id: i64) -> CommandResult<Vec<CartLine>> {
    app.remove_cart_line(id).await.map_err(wire)
}

#[tauri::command]
pub async fn restore_cart(app: App<'_>, outbox_id: i64) -> CommandResult<Vec<CartLine>> {
    app.restore_cart(outbox_id).await.map_err(wire)
}

#[tauri::command]
pub async fn place_order(app: App<'_>, method: ShopPaymentMethod, billing: BillingData) -> CommandResult<OutboxEntry> {
    app.place_order(method, &billing).await.map_err(wire)
}

#[tauri::command]
pub async fn request_quote(app: App<'_>, message: Option<String>) -> CommandResult<OutboxEntry> {
    app.request_quote(message).await.map_err(wire)
}

#[tauri::command]
pub async fn accept_quote(app: App<'_>, id: i64, accept: AcceptQuote) -> CommandResult<OutboxEntry> {
    app.accept_quote(id, &accept).await.map_err(wire)
}

#[tauri::command]
pub async fn decline_quote(app: App<'_>, id: i64) -> CommandResult<Quote> {
    app.decline_quote(id).await.map_err(wire)
}

#[tauri::command]
pub async fn join_agreement(app: App<'_>, code: String) -> CommandResult<Catalogue> {
    app.join_agreement(&code).await.map_err(wire)
}

#[tauri::command]
pub async fn submit_proof(app: App<'_>, proof: NewPaymentProof) -> CommandResult<PaymentProof> {
    app.submit_proof(&proof).await.map_err(wire)
}

/// E8: how to pay the shop by bank transfer, with the QR code.
#[tauri::command]
pub async fn shop_slip(app: App<'_>, request: ShopSlipRequest) -> CommandResult<PaymentSlip> {
    app.shop_slip(&request).await.map_err(wire)
}

#[tauri::command]
pub async fn cart_view(app: App<'_>) -> CommandResult<CartView> {
    app.cart_view().await.map_err(wire)
}

/// Opens an order item's outcome with the system's program.
#[tauri::command]
pub async fn open_outcome(
    app: App<'_>,
    opened: State<'_, super::documents::Opened>,
    order_id: i64,
    item_id: i64,
) -> CommandResult<()> {
    let file = app.outcome_file(order_id, item_id).await.map_err(wire)?;
    super::documents::open_kept(&opened, file).await
}

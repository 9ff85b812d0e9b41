//! Buying services (E1–E10): the catalogue at this customer's prices, orders
//! paid by the methods the customer proved, quotes, fulfilment as a PDF or in
//! the customer's record layout, and the invoices issued automatically.

use crate::accounts::bad;
use crate::audit::audit_row;
use crate::audit::{self, Origin};
use crate::ops::mail_amount;
use crate::store::auth::Principal;
use crate::store::invoices::NewInvoice;
use crate::store::requests::AttachmentRow;
use crate::store::shop::NewProofRow;
use crate::store::shop::{
    BillingRow, NewItem, NewOrderRow, OrderItemRow, OrderRefused, OrderRow, PriceListRow, QuoteRow, ServiceRow,
};
use crate::store::unit::{Effect, NewNotification, QueuedMail};
use crate::store::{Keyset, Scope};
use crate::{attachments, mails, AppState, ServerError};
use chrono::{DateTime, Datelike, NaiveDate};
use rust_decimal::Decimal;
use sportello_domain::api::shop::{
    AcceptQuote, AgreementInfo, AgreementOption, BillingData, CartItem, Catalogue, ItemStatus, MethodState,
    MethodStatus, NewOrder, NewPaymentProof, NewQuote, Order, OrderItem, OrderStatus, Outcome, OutcomeKind,
    PaymentProof, Pricing, ProofStatus, Quote, QuoteItem, QuotePrice, QuoteStatus, Service, ServiceCategory,
    ShopPaymentMethod, SubscriptionStatus, SubscriptionTerm, Wallet, MAX_ITEMS, MAX_QUOTE_MESSAGE_CHARS,
};
use sportello_domain::invoice::{DocumentKind, InvoiceLine, PaymentMethod};
use sportello_domain::shop::form::{self, FormField, FormValues};
use sportello_domain::shop::layout::RecordLayout;
use sportello_domain::shop::{self as rules, Refusal, Standing};
use sportello_domain::{ApiError, ErrorCode, Money};
use std::collections::BTreeMap;
use std::str::FromStr;

mod catalogue;
mod fulfilment;
mod orders;
mod payments;
mod quotes;

use catalogue::{checked_items, new_items};
use orders::{order_of, place, Checkout};

pub use catalogue::{catalogue, join_agreement};
pub use fulfilment::{fulfil, set_layout, Delivery};
pub use orders::{order, order_of_item, orders, place_order};
pub use payments::{decide_proof, proof_by_id, proof_of, proofs, submit_proof, wallet};
pub use quotes::{accept_quote, decline_quote, price_quote, quote, quotes, request_quote};

fn corrupt(what: &str) -> ServerError {
    ServerError::internal(format!("stored {what} does not parse"))
}

fn not_found(what: &str) -> ServerError {
    ApiError::new(ErrorCode::NotFound, format!("no such {what}")).into()
}

fn rate(text: &str) -> Result<Decimal, ServerError> {
    Decimal::from_str(text).map_err(|_| corrupt("VAT rate"))
}

fn instant(ms: i64) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn values(json: &str) -> Result<FormValues, ServerError> {
    serde_json::from_str(json).map_err(|_| corrupt("form values"))
}

fn methods(list: &str) -> Vec<ShopPaymentMethod> {
    list.split(',').filter_map(ShopPaymentMethod::parse).collect()
}

fn billing_data(b: BillingRow) -> BillingData {
    BillingData {
        name: b.name,
        tax_code: b.tax_code,
        street: b.street,
        postcode: b.postcode,
        city: b.city,
        province: b.province.unwrap_or_default(),
        sdi_code: b.sdi_code,
        pec: b.pec,
    }
}

async fn billing_on_file(state: &AppState, customer_id: i64) -> Result<BillingRow, ServerError> {
    state
        .store
        .billing(customer_id)
        .await?
        .ok_or_else(|| not_found("customer"))
}

fn refusal(r: Refusal) -> ServerError {
    match r {
        Refusal::NotAllowed => bad(
            "payment_method",
            "not_allowed",
            "the customer's price list does not offer this payment method",
        ),
        Refusal::NotSubscribable => bad(
            "payment_method",
            "not_subscribable",
            "only services that allow a subscription can be paid by subscription",
        ),
        Refusal::NotProven => ApiError::new(
            ErrorCode::PaymentNotProven,
            "no payment has been proven and confirmed for this method yet",
        )
        .into(),
        Refusal::SubscriptionExpired => ApiError::new(
            ErrorCode::SubscriptionExpired,
            "the subscription's term ended: renew it to order by subscription",
        )
        .into(),
        Refusal::InsufficientCredit => ApiError::new(
            ErrorCode::InsufficientCredit,
            "the prepaid credit does not cover this order",
        )
        .into(),
    }
}

struct Recipient {
    email: String,
    language: String,
    name: String,
}

/// The user who ordered or asked, or the customer's main user if that one is gone.
async fn recipient(state: &AppState, customer_id: i64, user_id: i64) -> Result<Recipient, ServerError> {
    if let Some(user) = state.store.user(user_id).await? {
        return Ok(Recipient {
            email: user.email,
            language: user.language,
            name: user.display_name,
        });
    }
    let main = state
        .store
        .main_user(customer_id)
        .await?
        .ok_or_else(|| not_found("user"))?;
    Ok(Recipient {
        email: main.email,
        language: main.language,
        name: main.display_name,
    })
}

fn item_lines(language: &str, items: &[(&str, &str, Option<Money>)]) -> Vec<String> {
    items
        .iter()
        .map(|(it, en, net)| {
            let name = if language == "en" { en } else { it };
            match net {
                Some(net) if language == "en" => format!("{name}: {} + VAT", mail_amount(language, *net)),
                Some(net) => format!("{name}: {} + IVA", mail_amount(language, *net)),
                None => (*name).to_owned(),
            }
        })
        .collect()
}

/// E10: an invoice of one line, already paid (due the day it is issued),
/// with its e-mail deferred to the commit that stores it.
async fn paid_invoice<'a>(
    state: &AppState,
    customer_id: i64,
    line: &'a InvoiceLine,
    reason: &'a str,
) -> Result<NewInvoice<'a>, ServerError> {
    let today = state.clock.today();
    let billing = billing_on_file(state, customer_id).await?;
    let invoice = NewInvoice {
        customer_id,
        contract_id: None,
        kind: DocumentKind::Invoice,
        number: None,
        issued_on: today,
        due_on: today,
        payment_method: PaymentMethod::BankTransfer,
        reason: Some(reason),
        corrects_id: None,
        lines: std::slice::from_ref(line),
    };
    crate::ops::defer_invoice_notice(state, &billing.name, &invoice).await?;
    Ok(invoice)
}

//! Buying services (E1–E10): the catalogue with this customer's prices,
//! orders, quotes, payment methods and prepaid credit.

use super::requests::AttachmentInfo;
use crate::coded_enum;
use crate::money::Money;
use crate::shop::form::{FormField, FormValues};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// The most items one order or quote takes.
pub const MAX_ITEMS: usize = 20;
/// The longest message on a quote request.
pub const MAX_QUOTE_MESSAGE_CHARS: usize = 1000;

coded_enum! {
    pub enum ShopPaymentMethod {
        /// Credit bought in advance; each order draws from it. Invoiced when bought.
        PrepaidCredit = "prepaid_credit",
        /// Paid before the services are delivered; invoiced as each is fulfilled.
        AdvancePayment = "advance_payment",
        /// An advance against consumption, settled by a final balance.
        AdvanceOnConsumption = "advance_on_consumption",
        /// A subscription, for the services that allow one (e.g. Verifica).
        Subscription = "subscription",
    }
}

coded_enum! {
    pub enum Pricing {
        Fixed = "fixed",
        /// No fixed price: the service is asked for in a quote.
        Quote = "quote",
    }
}

coded_enum! {
    pub enum OrderStatus {
        /// E8: paid by advance payment; its transfer is not confirmed yet.
        AwaitingPayment = "awaiting_payment",
        InProgress = "in_progress",
        Completed = "completed",
    }
}

coded_enum! {
    pub enum ItemStatus {
        Pending = "pending",
        Fulfilled = "fulfilled",
    }
}

coded_enum! {
    pub enum OutcomeKind {
        Pdf = "pdf",
        /// A text file in the customer's fixed-width record layout.
        Record = "record",
    }
}

coded_enum! {
    pub enum QuoteStatus {
        /// Sent by the customer, waiting for an operator's price.
        Requested = "requested",
        /// Priced: the customer may accept it until `valid_until`.
        Priced = "priced",
        Accepted = "accepted",
        Declined = "declined",
        Expired = "expired",
    }
}

coded_enum! {
    pub enum ProofStatus {
        Submitted = "submitted",
        Confirmed = "confirmed",
        Refused = "refused",
    }
}

coded_enum! {
    pub enum MethodStatus {
        /// Offered by the price list; no payment proven yet.
        Available = "available",
        /// A proof is waiting for an operator.
        Pending = "pending",
        /// A payment was confirmed: orders may use the method.
        Enabled = "enabled",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ServiceCategory {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
}

/// A service as this customer sees it: the price is from the customer's price list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Service {
    pub code: String,
    pub category: String,
    pub name_it: String,
    pub name_en: String,
    pub description_it: String,
    pub description_en: String,
    pub pricing: Pricing,
    /// Net of VAT; None when the service is priced on quotation.
    #[ts(type = "string | null")]
    pub price: Option<Money>,
    #[schema(value_type = String)]
    #[ts(type = "string")]
    pub vat_rate: Decimal,
    /// May be paid by subscription.
    pub subscription: bool,
    pub form: Vec<FormField>,
}

/// E7: the agreement the customer belongs to or asked to join.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AgreementInfo {
    pub code: String,
    pub name: String,
    /// "approved" or "pending" (waiting for an operator: prices change only after approval).
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Catalogue {
    pub categories: Vec<ServiceCategory>,
    pub services: Vec<Service>,
    /// The price list that applies to this customer (E7).
    pub price_list: String,
    pub price_list_name: String,
    pub agreements: Vec<AgreementInfo>,
    /// The agreements a customer may ask to join.
    pub open_agreements: Vec<AgreementOption>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AgreementOption {
    pub code: String,
    pub name: String,
}

/// E3: who the invoices are made out to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct BillingData {
    pub name: String,
    /// Codice fiscale or partita IVA.
    pub tax_code: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub province: String,
    /// The recipient code for e-invoices (7 characters); "0000000" when the PEC is used.
    pub sdi_code: String,
    #[ts(type = "string | null")]
    pub pec: Option<String>,
}

/// What the cart holds for one service: the service and its filled form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct CartItem {
    pub service_code: String,
    #[schema(value_type = BTreeMap<String, String>)]
    pub form: FormValues,
}

/// E3: "complete purchase".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct NewOrder {
    pub items: Vec<CartItem>,
    pub payment_method: ShopPaymentMethod,
    pub billing: BillingData,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub file: AttachmentInfo,
    pub delivered_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct OrderItem {
    #[ts(type = "number")]
    pub id: i64,
    pub service_code: String,
    pub name_it: String,
    pub name_en: String,
    #[schema(value_type = BTreeMap<String, String>)]
    pub form: FormValues,
    pub net: Money,
    #[schema(value_type = String)]
    #[ts(type = "string")]
    pub vat_rate: Decimal,
    pub status: ItemStatus,
    pub outcome: Option<Outcome>,
    /// The invoice issued when the item was fulfilled (none with prepaid credit).
    #[ts(type = "number | null")]
    pub invoice_id: Option<i64>,
}

/// E5: an order with its items and their outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Order {
    #[ts(type = "number")]
    pub id: i64,
    /// "ORD-2026-000001".
    pub code: String,
    pub status: OrderStatus,
    pub payment_method: ShopPaymentMethod,
    pub billing: BillingData,
    pub items: Vec<OrderItem>,
    pub net: Money,
    pub vat: Money,
    pub total: Money,
    #[ts(type = "number | null")]
    pub quote_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of orders, by last change, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct OrderPage {
    pub items: Vec<Order>,
    /// Asks for the next page; None on the last.
    pub next_cursor: Option<String>,
}

/// E4: "request quote" for the quote cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct NewQuote {
    pub items: Vec<CartItem>,
    #[serde(default)]
    #[ts(optional)]
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct QuoteItem {
    #[ts(type = "number")]
    pub id: i64,
    pub service_code: String,
    pub name_it: String,
    pub name_en: String,
    #[schema(value_type = BTreeMap<String, String>)]
    pub form: FormValues,
    /// Set once an operator priced the quote.
    #[ts(type = "string | null")]
    pub net: Option<Money>,
    #[schema(value_type = String)]
    #[ts(type = "string")]
    pub vat_rate: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Quote {
    #[ts(type = "number")]
    pub id: i64,
    /// "PRV-2026-000001".
    pub code: String,
    pub status: QuoteStatus,
    pub message: String,
    /// The operator's words with the price.
    pub desk_note: String,
    pub items: Vec<QuoteItem>,
    pub valid_until: Option<NaiveDate>,
    /// Totals once priced.
    #[ts(type = "string | null")]
    pub net: Option<Money>,
    #[ts(type = "string | null")]
    pub vat: Option<Money>,
    #[ts(type = "string | null")]
    pub total: Option<Money>,
    /// The order an accepted quote became.
    #[ts(type = "number | null")]
    pub order_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of quotes, by last change, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct QuotePage {
    pub items: Vec<Quote>,
    /// Asks for the next page; None on the last.
    pub next_cursor: Option<String>,
}

/// E4: accepting a priced quote places an order for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AcceptQuote {
    pub payment_method: ShopPaymentMethod,
    pub billing: BillingData,
}

/// E8: proof of a payment for a method (for prepaid credit, the credit bought).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct NewPaymentProof {
    pub method: ShopPaymentMethod,
    /// E8: the order an advance payment pays (required for that method only).
    #[serde(default)]
    #[ts(type = "number | null")]
    pub order_id: Option<i64>,
    /// Net of VAT: the credit bought, the advance or the subscription fee;
    /// for an advance payment, the order's total.
    pub amount: Money,
    /// The uploaded receipt (PDF, PNG or JPEG).
    pub attachment_id: String,
    /// The bank transfer's reference (CRO/TRN).
    pub reference: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct PaymentProof {
    #[ts(type = "number")]
    pub id: i64,
    pub method: ShopPaymentMethod,
    /// The order an advance payment pays.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub order_id: Option<i64>,
    pub amount: Money,
    pub reference: String,
    pub status: ProofStatus,
    /// The invoice issued for bought credit.
    #[ts(type = "number | null")]
    pub invoice_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// A page of payment proofs, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ProofPage {
    pub items: Vec<PaymentProof>,
    /// Asks for the next page; None on the last.
    pub next_cursor: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MethodState {
    pub method: ShopPaymentMethod,
    pub status: MethodStatus,
}

coded_enum! {
    pub enum SubscriptionStatus {
        Active = "active",
        /// Active, ending within `RENEW_WITHIN_DAYS`: time to renew.
        Expiring = "expiring",
        Expired = "expired",
    }
}

/// E8: the subscription's term, from the confirmed subscription payments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SubscriptionTerm {
    pub from: NaiveDate,
    /// The last day orders may be paid by subscription.
    pub until: NaiveDate,
    pub status: SubscriptionStatus,
}

/// E8: the customer's payment methods, prepaid credit and advance balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Wallet {
    /// The methods the customer's price list offers, and where each stands.
    pub methods: Vec<MethodState>,
    /// Prepaid credit left (net of VAT).
    pub credit: Money,
    /// Advances confirmed for advance on consumption.
    pub advance: Money,
    /// Services fulfilled on advance on consumption (their invoices' totals).
    pub consumed: Money,
    /// What the final balance would be today: consumed − advance (negative: still covered).
    pub balance: Money,
    /// The subscription's term, once one was paid.
    #[serde(default)]
    pub subscription: Option<SubscriptionTerm>,
    pub proofs: Vec<PaymentProof>,
    /// The billing data on file, to prefill the checkout.
    pub billing: BillingData,
}

/// O1: an operator prices a quote.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuotePrice {
    /// Item id → net price.
    pub prices: BTreeMap<i64, Money>,
    pub valid_until: NaiveDate,
    #[serde(default)]
    pub note: Option<String>,
}

/// O1, E9: an operator fulfils an order item with a PDF it uploaded, or with
/// the values of a record in the customer's layout.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fulfilment {
    #[serde(default)]
    pub attachment_id: Option<String>,
    #[serde(default)]
    pub record: Option<BTreeMap<String, String>>,
}

/// E7: a customer asks to join an agreement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct JoinAgreement {
    pub agreement_code: String,
}

/// The query of `GET /shop/orders` and `GET /ops/orders` (E5).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    pub status: Option<OrderStatus>,
    /// 1 to 500, default 50.
    pub limit: Option<u32>,
    /// The previous page's next_cursor.
    pub cursor: Option<String>,
}

/// The query of `GET /shop/quotes` and `GET /ops/quotes` (E4).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuotesQuery {
    pub status: Option<QuoteStatus>,
    /// 1 to 500, default 50.
    pub limit: Option<u32>,
    /// The previous page's next_cursor.
    pub cursor: Option<String>,
}

/// The query of `GET /ops/payment-proofs`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProofsQuery {
    pub status: Option<ProofStatus>,
    /// 1 to 500, default 50.
    pub limit: Option<u32>,
    /// The previous page's next_cursor.
    pub cursor: Option<String>,
}

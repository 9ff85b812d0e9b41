//! E8: how to pay the shop by bank transfer — credit bought, an advance on
//! consumption, the subscription's year, an order paid in advance, or the
//! final balance of an advance on consumption — with the company's account,
//! the remittance the desk matches and the EPC QR code. Offline too.

use super::paying::{slip, PaymentSlip};
use super::DeskApp;
use crate::export::not_found;
use crate::AppError;
use serde::Deserialize;
use sportello_domain::api::home::Home;
use sportello_domain::api::shop::{Order, OrderStatus, ShopPaymentMethod, Wallet};
use sportello_domain::epc::MAX_REMITTANCE_CHARS;
use sportello_domain::shop as rules;
use sportello_domain::{ApiError, ErrorCode, Money};
use ts_rs::TS;

/// What a shop transfer pays.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ShopSlipRequest {
    /// Prepaid credit or the subscription's year (net of VAT: the transfer
    /// adds it, as the invoice will), or an advance on consumption (a
    /// deposit: the amount as it is, each service is invoiced when used).
    Method { method: ShopPaymentMethod, amount: Money },
    /// The whole total of an order paid by advance payment.
    Order {
        #[ts(type = "number")]
        order_id: i64,
    },
    /// What consumption passed the advance by.
    FinalBalance,
}

fn refused(field: &str, problem: &str, message: &str) -> AppError {
    ApiError::new(ErrorCode::BadRequest, message)
        .with_field(field, problem)
        .into()
}

/// "<what> - <customer>", cut to what a transfer carries.
fn reason(what: &str, customer: &str) -> String {
    format!("{what} - {customer}")
        .chars()
        .take(MAX_REMITTANCE_CHARS)
        .collect()
}

/// The amount and the remittance of a transfer for `method`.
fn for_method(method: ShopPaymentMethod, amount: Money, customer: &str) -> Result<(Money, String), AppError> {
    if !amount.is_positive() || amount.cents() > 100_000_000 {
        return Err(refused(
            "amount",
            "invalid",
            "the amount is between 0.01 and 1,000,000.00",
        ));
    }
    let gross = |net: Money| rules::totals(&[rules::line("", net, rules::standard_vat_rate())]).total;
    match method {
        ShopPaymentMethod::PrepaidCredit => Ok((gross(amount), reason("Ricarica credito prepagato", customer))),
        ShopPaymentMethod::Subscription => Ok((gross(amount), reason("Abbonamento annuale Verifica", customer))),
        ShopPaymentMethod::AdvanceOnConsumption => Ok((amount, reason("Anticipo consumi", customer))),
        ShopPaymentMethod::AdvancePayment => Err(refused(
            "method",
            "order_only",
            "an advance payment pays one order: open the order",
        )),
    }
}

fn for_order(orders: &[Order], id: i64, customer: &str) -> Result<(Money, String), AppError> {
    let order = orders.iter().find(|o| o.id == id).ok_or_else(|| not_found("order"))?;
    if order.status != OrderStatus::AwaitingPayment {
        return Err(refused(
            "order_id",
            "not_awaiting",
            "the order is not waiting for a payment",
        ));
    }
    Ok((
        order.total,
        reason(&format!("Pagamento anticipato ordine {}", order.code), customer),
    ))
}

fn for_balance(wallet: &Wallet, customer: &str) -> Result<(Money, String), AppError> {
    if !wallet.balance.is_positive() {
        return Err(refused("balance", "covered", "the advance still covers what was used"));
    }
    Ok((wallet.balance, reason("Saldo finale anticipo consumi", customer)))
}

impl DeskApp {
    /// E8: the transfer that pays `request`, with its QR code.
    pub async fn shop_slip(&self, request: &ShopSlipRequest) -> Result<PaymentSlip, AppError> {
        let home: Home = self.cached("home").await?;
        let customer = home.me.customer_name.clone();
        let (amount, remittance) = match request {
            ShopSlipRequest::Method { method, amount } => for_method(*method, *amount, &customer)?,
            ShopSlipRequest::Order { order_id } => for_order(&self.orders().await?, *order_id, &customer)?,
            ShopSlipRequest::FinalBalance => for_balance(&self.wallet().await?, &customer)?,
        };
        slip(&home, amount, remittance, Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn credit_and_the_subscription_carry_vat_an_advance_does_not() {
        let customer = "Studio Rossi S.r.l.";
        let (amount, text) = for_method(ShopPaymentMethod::PrepaidCredit, money("50.00"), customer).unwrap();
        assert_eq!(
            (amount, text.as_str()),
            (money("61.00"), "Ricarica credito prepagato - Studio Rossi S.r.l.")
        );
        let (amount, _) = for_method(ShopPaymentMethod::Subscription, money("240.00"), customer).unwrap();
        assert_eq!(amount, money("292.80"));
        let (amount, text) = for_method(ShopPaymentMethod::AdvanceOnConsumption, money("500.00"), customer).unwrap();
        assert_eq!(
            (amount, text.as_str()),
            (money("500.00"), "Anticipo consumi - Studio Rossi S.r.l.")
        );
        let refused = for_method(ShopPaymentMethod::AdvancePayment, money("1.00"), customer).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::BadRequest);
        let zero = for_method(ShopPaymentMethod::PrepaidCredit, Money::ZERO, customer).unwrap_err();
        assert_eq!(zero.code(), ErrorCode::BadRequest);
        let long = reason("Anticipo consumi", &"è".repeat(200));
        assert_eq!(long.chars().count(), MAX_REMITTANCE_CHARS);
    }
}

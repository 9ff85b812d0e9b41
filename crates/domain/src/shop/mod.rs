//! The rules of buying services (E1–E10): forms, totals, payment methods,
//! quote validity and the customers' record layouts.

pub mod form;
pub mod layout;

use crate::api::shop::{QuoteStatus, ShopPaymentMethod};
use crate::invoice::{InvoiceLine, Totals};
use crate::money::Money;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The VAT rate of the company's services.
pub fn standard_vat_rate() -> Decimal {
    Decimal::from(22)
}

/// One priced line of an order, as its invoice will carry it.
pub fn line(description: &str, net: Money, vat_rate: Decimal) -> InvoiceLine {
    InvoiceLine {
        description: description.to_owned(),
        quantity: Decimal::ONE,
        unit_price: net,
        vat_rate,
        nature: None,
        period: None,
    }
}

/// An order's totals: VAT summed per rate and rounded once per rate, the way
/// the invoice's summary rounds it, so the order and its invoices agree.
pub fn totals(lines: &[InvoiceLine]) -> Totals {
    Totals::of(lines)
}

/// What a payment method needs before an order may use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The customer's price list does not offer the method.
    NotAllowed,
    /// No payment for the method has been proven and confirmed yet.
    NotProven,
    /// Prepaid credit lower than the order.
    InsufficientCredit,
    /// A subscription pays only for services that allow one.
    NotSubscribable,
}

/// Where a customer stands with the payment methods, as an order is checked.
#[derive(Clone, Debug)]
pub struct Standing<'a> {
    pub allowed: &'a [ShopPaymentMethod],
    pub proven: &'a [ShopPaymentMethod],
    pub credit: Money,
}

/// E8: whether an order of `net` (every item subscribable or not) may be paid with `method`.
pub fn may_pay(
    standing: &Standing<'_>,
    method: ShopPaymentMethod,
    net: Money,
    all_subscribable: bool,
) -> Result<(), Refusal> {
    if !standing.allowed.contains(&method) {
        return Err(Refusal::NotAllowed);
    }
    if method == ShopPaymentMethod::Subscription && !all_subscribable {
        return Err(Refusal::NotSubscribable);
    }
    if !standing.proven.contains(&method) {
        return Err(Refusal::NotProven);
    }
    if method == ShopPaymentMethod::PrepaidCredit && standing.credit < net {
        return Err(Refusal::InsufficientCredit);
    }
    Ok(())
}

/// A priced quote past its validity is expired, whatever its stored status says.
pub fn quote_status(stored: QuoteStatus, valid_until: Option<NaiveDate>, today: NaiveDate) -> QuoteStatus {
    match (stored, valid_until) {
        (QuoteStatus::Priced, Some(last_day)) if today > last_day => QuoteStatus::Expired,
        (status, _) => status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ShopPaymentMethod::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn each_method_has_its_own_refusal() {
        let standing = Standing {
            allowed: &[PrepaidCredit, AdvancePayment, Subscription],
            proven: &[PrepaidCredit, Subscription],
            credit: money("50.00"),
        };
        assert_eq!(may_pay(&standing, PrepaidCredit, money("50.00"), false), Ok(()));
        assert_eq!(
            may_pay(&standing, PrepaidCredit, money("50.01"), false),
            Err(Refusal::InsufficientCredit)
        );
        assert_eq!(
            may_pay(&standing, AdvancePayment, money("1.00"), false),
            Err(Refusal::NotProven)
        );
        assert_eq!(
            may_pay(&standing, AdvanceOnConsumption, money("1.00"), false),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            may_pay(&standing, Subscription, money("1.00"), false),
            Err(Refusal::NotSubscribable)
        );
        assert_eq!(may_pay(&standing, Subscription, money("240.00"), true), Ok(()));
    }

    #[test]
    fn a_priced_quote_expires_the_day_after_its_validity() {
        let last = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let on = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(
            quote_status(QuoteStatus::Priced, Some(last), on(1)),
            QuoteStatus::Priced
        );
        assert_eq!(
            quote_status(QuoteStatus::Priced, Some(last), on(2)),
            QuoteStatus::Expired
        );
        assert_eq!(
            quote_status(QuoteStatus::Accepted, Some(last), on(9)),
            QuoteStatus::Accepted
        );
        assert_eq!(
            quote_status(QuoteStatus::Requested, None, on(9)),
            QuoteStatus::Requested
        );
    }

    #[test]
    fn vat_is_rounded_once_per_rate_like_the_invoice() {
        let lines: Vec<InvoiceLine> = ["9.50", "9.50", "9.50"]
            .iter()
            .map(|n| line("Visura", money(n), standard_vat_rate()))
            .collect();
        let t = totals(&lines);
        // 28.50 × 22 % = 6.27.
        assert_eq!(t.total, money("34.77"));
        // 0.15 × 22 % = 0.033 → 0.03; rounding each line would give 3 × 0.01 = 0.03 here,
        // but 0.02 + 0.02 for two lines of 0.07 (0.0154 → 0.02 each) against 0.0308 → 0.03.
        let two: Vec<InvoiceLine> = (0..2).map(|_| line("x", money("0.07"), standard_vat_rate())).collect();
        assert_eq!(totals(&two).tax, money("0.03"));
        let small: Vec<InvoiceLine> = (0..3).map(|_| line("x", money("0.05"), standard_vat_rate())).collect();
        assert_eq!(totals(&small).tax, money("0.03"));
    }
}

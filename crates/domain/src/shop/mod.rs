//! The rules of buying services (E1–E10): forms, totals, payment methods,
//! quote validity and the customers' record layouts.

pub mod form;
pub mod layout;

use crate::api::shop::{QuoteStatus, ShopPaymentMethod, SubscriptionStatus, SubscriptionTerm};
use crate::invoice::{InvoiceLine, Totals};
use crate::money::Money;
use chrono::{Days, Months, NaiveDate};
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
    /// The subscription's term ended.
    SubscriptionExpired,
}

/// How long one subscription payment lasts.
pub const SUBSCRIPTION_MONTHS: u32 = 12;
/// A subscription ending within this many days asks to be renewed.
pub const RENEW_WITHIN_DAYS: u64 = 30;

/// The year a subscription payment made on `paid_on` buys: from the day
/// after the current term's last day when it is still running (or just
/// ended), else from the payment's own day.
pub fn period_bought(current_until: Option<NaiveDate>, paid_on: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start = match current_until {
        Some(until) if paid_on <= until + Days::new(1) => until + Days::new(1),
        _ => paid_on,
    };
    (start, start + Months::new(SUBSCRIPTION_MONTHS) - Days::new(1))
}

/// E8: the term the confirmed subscription payments (the days each was
/// confirmed) buy. Each lasts `SUBSCRIPTION_MONTHS`; one paid before the
/// term ends renews it from the day after, so paying early loses nothing;
/// one paid after a lapse starts a new term on its day.
pub fn subscription_term(mut paid_on: Vec<NaiveDate>, today: NaiveDate) -> Option<SubscriptionTerm> {
    paid_on.sort_unstable();
    let mut term: Option<(NaiveDate, NaiveDate)> = None;
    for day in paid_on {
        let (start, until) = period_bought(term.map(|(_, until)| until), day);
        let from = match term {
            Some((from, until)) if start == until + Days::new(1) => from,
            _ => start,
        };
        term = Some((from, until));
    }
    let (from, until) = term?;
    let status = if today > until {
        SubscriptionStatus::Expired
    } else if today + Days::new(RENEW_WITHIN_DAYS) > until {
        SubscriptionStatus::Expiring
    } else {
        SubscriptionStatus::Active
    };
    Some(SubscriptionTerm { from, until, status })
}

/// Where a customer stands with the payment methods, as an order is checked.
#[derive(Clone, Debug)]
pub struct Standing<'a> {
    pub allowed: &'a [ShopPaymentMethod],
    pub proven: &'a [ShopPaymentMethod],
    pub credit: Money,
    pub subscription: Option<SubscriptionTerm>,
}

/// E8: whether an order of `net` (every item subscribable or not) may be
/// paid with `method`. An advance payment needs no proof beforehand: its
/// order waits for the transfer that pays it.
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
    if method == ShopPaymentMethod::AdvancePayment {
        return Ok(());
    }
    if method == ShopPaymentMethod::Subscription {
        return match &standing.subscription {
            None => Err(Refusal::NotProven),
            Some(term) if term.status == SubscriptionStatus::Expired => Err(Refusal::SubscriptionExpired),
            Some(_) => Ok(()),
        };
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
        let day = |t: &str| t.parse::<NaiveDate>().unwrap();
        let standing = Standing {
            allowed: &[PrepaidCredit, AdvancePayment, Subscription, AdvanceOnConsumption],
            proven: &[PrepaidCredit, Subscription],
            credit: money("50.00"),
            subscription: subscription_term(vec![day("2026-01-10")], day("2026-12-07")),
        };
        assert_eq!(may_pay(&standing, PrepaidCredit, money("50.00"), false), Ok(()));
        assert_eq!(
            may_pay(&standing, PrepaidCredit, money("50.01"), false),
            Err(Refusal::InsufficientCredit)
        );
        assert_eq!(
            may_pay(&standing, AdvancePayment, money("1.00"), false),
            Ok(()),
            "the order waits for its own transfer"
        );
        assert_eq!(
            may_pay(&standing, AdvanceOnConsumption, money("1.00"), false),
            Err(Refusal::NotProven)
        );
        let limited = Standing {
            allowed: &[PrepaidCredit],
            ..standing.clone()
        };
        assert_eq!(
            may_pay(&limited, AdvancePayment, money("1.00"), false),
            Err(Refusal::NotAllowed)
        );
        let lapsed = Standing {
            subscription: subscription_term(vec![day("2025-01-10")], day("2026-12-07")),
            ..standing.clone()
        };
        assert_eq!(
            may_pay(&lapsed, Subscription, money("1.00"), true),
            Err(Refusal::SubscriptionExpired)
        );
        let never = Standing {
            subscription: None,
            ..standing.clone()
        };
        assert_eq!(
            may_pay(&never, Subscription, money("1.00"), true),
            Err(Refusal::NotProven)
        );
        assert_eq!(
            may_pay(&standing, Subscription, money("1.00"), false),
            Err(Refusal::NotSubscribable)
        );
        assert_eq!(may_pay(&standing, Subscription, money("240.00"), true), Ok(()));
    }

    #[test]
    fn a_subscription_lasts_a_year_renews_from_its_end_and_restarts_after_a_lapse() {
        let day = |t: &str| t.parse::<NaiveDate>().unwrap();
        assert_eq!(subscription_term(vec![], day("2026-12-07")), None);
        let one = subscription_term(vec![day("2026-01-10")], day("2026-12-07")).unwrap();
        assert_eq!((one.from, one.until), (day("2026-01-10"), day("2027-01-09")));
        assert_eq!(one.status, SubscriptionStatus::Active, "33 days left");
        let last_active = subscription_term(vec![day("2026-01-10")], day("2026-12-10")).unwrap();
        assert_eq!(last_active.status, SubscriptionStatus::Active, "30 days left");
        let expiring = subscription_term(vec![day("2026-01-10")], day("2026-12-11")).unwrap();
        assert_eq!(
            expiring.status,
            SubscriptionStatus::Expiring,
            "29 days left: time to renew"
        );
        assert_eq!(
            subscription_term(vec![day("2026-01-10")], day("2027-01-09"))
                .unwrap()
                .status,
            SubscriptionStatus::Expiring,
            "the last day still counts"
        );
        assert_eq!(
            subscription_term(vec![day("2026-01-10")], day("2027-01-10"))
                .unwrap()
                .status,
            SubscriptionStatus::Expired
        );
        // Renewed early: the new year starts the day after the old one ends.
        let renewed = subscription_term(vec![day("2026-12-20"), day("2026-01-10")], day("2026-12-21")).unwrap();
        assert_eq!((renewed.from, renewed.until), (day("2026-01-10"), day("2028-01-09")));
        assert_eq!(renewed.status, SubscriptionStatus::Active);
        // Paid the day after the last day: still one unbroken term.
        let next_day = subscription_term(vec![day("2026-01-10"), day("2027-01-10")], day("2027-01-11")).unwrap();
        assert_eq!((next_day.from, next_day.until), (day("2026-01-10"), day("2028-01-09")));
        assert_eq!(
            period_bought(Some(day("2027-01-09")), day("2026-12-20")),
            (day("2027-01-10"), day("2028-01-09"))
        );
        // After a lapse: a new term from the payment's day.
        let lapsed = subscription_term(vec![day("2025-01-10"), day("2026-03-01")], day("2026-03-02")).unwrap();
        assert_eq!((lapsed.from, lapsed.until), (day("2026-03-01"), day("2027-02-28")));
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

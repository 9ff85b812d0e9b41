//! Leasing installments.

use crate::money::Money;
use rust_decimal::Decimal;

/// The constant installment, paid at the end of each period, that repays
/// `principal` over `periods` at `annual_rate` (0.045 for 4.5 %) with
/// `periods_per_year` periods a year, leaving `residual` (the buy-out value)
/// due after the last one. Rounded half-up to the cent.
pub fn constant_installment(
    principal: Money,
    annual_rate: Decimal,
    periods_per_year: u32,
    periods: u32,
    residual: Money,
) -> Money {
    assert!(periods > 0 && periods_per_year > 0, "a plan needs at least one period");
    let rate = annual_rate / Decimal::from(periods_per_year);
    let (p, rv) = (principal.decimal(), residual.decimal());
    if rate.is_zero() {
        return Money::from_decimal_rounded((p - rv) / Decimal::from(periods));
    }
    let growth = (0..periods).fold(Decimal::ONE, |acc, _| acc * (Decimal::ONE + rate));
    let discount = Decimal::ONE / growth;
    Money::from_decimal_rounded((p - rv * discount) * rate / (Decimal::ONE - discount))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn textbook_annuity() {
        // 100,000 at 6 % a year, monthly for a year: 8,606.64 a month.
        let pmt = constant_installment(eur("100000"), Decimal::new(6, 2), 12, 12, Money::ZERO);
        assert_eq!(pmt, eur("8606.64"));
    }

    #[test]
    fn zero_rate_splits_evenly_after_the_residual() {
        let pmt = constant_installment(eur("10000"), Decimal::ZERO, 12, 4, eur("1000"));
        assert_eq!(pmt, eur("2250.00"));
    }

    #[test]
    fn residual_value_lowers_the_installment() {
        let without = constant_installment(eur("22635"), Decimal::new(45, 3), 12, 87, Money::ZERO);
        let with = constant_installment(eur("22635"), Decimal::new(45, 3), 12, 87, eur("251.50"));
        assert!(with < without);
    }
}

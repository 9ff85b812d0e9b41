//! Money in euro: a `Decimal` held to the cent, a string on the wire.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Sub};
use std::str::FromStr;
use ts_rs::TS;

/// An amount in euro, always exactly two decimal places.
///
/// Serialized as a string ("2316.38") so that no float ever touches it, in
/// Rust or in TypeScript.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, TS)]
#[ts(export, type = "string")]
pub struct Money(Decimal);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("not a decimal amount")]
    NotANumber,
    #[error("more than two decimal places")]
    SubCent,
    #[error("amount out of range")]
    OutOfRange,
}

impl Money {
    /// 0.00: two decimals like every other amount.
    pub const ZERO: Money = Money(Decimal::from_parts(0, 0, 0, false, 2));
    /// The largest amount the wire accepts: 10,000,000,000,000.00 €
    /// (10^15 cents, far inside i64 even summed over a document's lines).
    pub const MAX: Money = Money(Decimal::from_parts(2_764_472_320, 232_830, 0, false, 2));

    /// Rounds half away from zero to the cent, as Italian invoices do.
    pub fn from_decimal_rounded(value: Decimal) -> Money {
        Money(at_cents(
            value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        ))
    }

    /// Exact conversion from a whole number of cents, the storage form.
    pub fn from_cents(cents: i64) -> Money {
        Money(Decimal::new(cents, 2))
    }

    pub fn cents(self) -> i64 {
        let scaled = self.0 * Decimal::ONE_HUNDRED;
        // Two decimal places are an invariant of the type, so this is exact.
        i64::try_from(scaled).expect("a Money amount fits in i64 cents")
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn is_positive(self) -> bool {
        self.0 > Decimal::ZERO
    }
}

/// The same value with exactly two decimals.
fn at_cents(mut value: Decimal) -> Decimal {
    value.rescale(2);
    value
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Parses the wire form: an optional sign, digits, an optional dot and at
    /// most two decimals. Anything finer than a cent is refused, never rounded.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = Decimal::from_str_exact(s.trim()).map_err(|_| MoneyError::NotANumber)?;
        if value.normalize().scale() > 2 {
            return Err(MoneyError::SubCent);
        }
        if value.abs() > Money::MAX.0 {
            return Err(MoneyError::OutOfRange);
        }
        Ok(Money(at_cents(value)))
    }
}

impl fmt::Display for Money {
    /// Always two decimals, whatever arithmetic produced the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^-?[0-9]+\.[0-9]{2}$"))
            .description(Some("An amount in euro with exactly two decimals, as a string"))
            .examples([serde_json::json!("2316.38")])
            .into()
    }
}

impl utoipa::ToSchema for Money {}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn serializes_as_a_two_decimal_string() {
        let json = serde_json::to_string(&Money::from_cents(231638)).unwrap();
        assert_eq!(json, "\"2316.38\"");
        assert_eq!(serde_json::to_string(&Money::from_cents(500)).unwrap(), "\"5.00\"");
        assert_eq!(serde_json::to_string(&Money::ZERO).unwrap(), "\"0.00\"");
        let no_balance = Money::from_cents(100) - Money::from_cents(100);
        assert_eq!(no_balance.to_string(), "0.00");
        assert_eq!(Vec::<Money>::new().into_iter().sum::<Money>().to_string(), "0.00");
    }

    #[test]
    fn parses_the_wire_form_and_refuses_sub_cent_amounts() {
        assert_eq!("2316.38".parse::<Money>().unwrap().cents(), 231638);
        assert_eq!("7".parse::<Money>().unwrap().to_string(), "7.00");
        assert_eq!("1.005".parse::<Money>(), Err(MoneyError::SubCent));
        assert_eq!("1,50".parse::<Money>(), Err(MoneyError::NotANumber));
        assert_eq!("".parse::<Money>(), Err(MoneyError::NotANumber));
        assert_eq!("1e3".parse::<Money>(), Err(MoneyError::NotANumber));
        assert!(
            serde_json::from_str::<Money>("12.5").is_err(),
            "a JSON number is not money"
        );
    }

    #[test]
    fn the_largest_amount_is_ten_thousand_billion() {
        assert_eq!(Money::MAX.to_string(), "10000000000000.00");
        assert_eq!(Money::MAX.cents(), 10_i64.pow(15));
        assert_eq!("10000000000000.01".parse::<Money>(), Err(MoneyError::OutOfRange));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let d = |s: &str| Decimal::from_str_exact(s).unwrap();
        assert_eq!(Money::from_decimal_rounded(d("0.005")).to_string(), "0.01");
        assert_eq!(Money::from_decimal_rounded(d("0.0049")).to_string(), "0.00");
        assert_eq!(Money::from_decimal_rounded(d("-2.345")).to_string(), "-2.35");
    }

    proptest! {
        #[test]
        fn cents_round_trip_through_the_wire(cents in -10_i64.pow(14)..10_i64.pow(14)) {
            let money = Money::from_cents(cents);
            let back: Money = serde_json::from_str(&serde_json::to_string(&money).unwrap()).unwrap();
            prop_assert_eq!(back.cents(), cents);
        }

        #[test]
        fn sums_are_exact(parts in proptest::collection::vec(0_i64..10_000_000, 0..200)) {
            let total: Money = parts.iter().map(|c| Money::from_cents(*c)).sum();
            prop_assert_eq!(total.cents(), parts.iter().sum::<i64>());
        }
    }
}

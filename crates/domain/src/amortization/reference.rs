//! Plans checked against an independent computation in exact rationals: the
//! annuity from its definition (present values, not the closed form the code
//! uses), each row's interest from the exact product, and the bound on what
//! the last installment absorbs.

use super::tests::any_terms;
use super::*;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use proptest::prelude::*;

fn exact(d: Decimal) -> BigRational {
    BigRational::new(BigInt::from(d.mantissa()), BigInt::from(10).pow(d.scale()))
}

fn money(m: Money) -> BigRational {
    exact(m.decimal())
}

/// Cents, rounded half away from zero, as `Money::from_decimal_rounded` promises.
fn cents(x: &BigRational) -> i64 {
    let hundred = x * BigRational::from_integer(BigInt::from(100));
    let half = BigRational::new(BigInt::one(), BigInt::from(2));
    let rounded = if hundred.is_negative() {
        (hundred - half).ceil()
    } else {
        (hundred + half).floor()
    };
    rounded.to_integer().to_i64().expect("cents fit")
}

fn period_rate(t: &PlanTerms) -> BigRational {
    exact(t.annual_rate) / BigRational::from_integer(BigInt::from(t.periodicity.per_year()))
}

/// The installment P from its definition: the financed amount equals the
/// installments and the residual, each discounted to the start.
fn reference_installment(t: &PlanTerms) -> BigRational {
    let v = BigRational::one() / (BigRational::one() + period_rate(t));
    let first = if t.timing == Timing::InAdvance { 0 } else { 1 };
    let (mut discount, mut annuity) = (BigRational::one(), BigRational::zero());
    for k in 0..first + t.installments {
        if k >= first {
            annuity += &discount;
        }
        discount *= &v;
    }
    // `discount` is now v^(first + n), the residual's.
    let financed = money(t.amount) - money(t.advance);
    (financed - money(t.residual) * discount) / annuity
}

/// S = 1 + (1 + r) + … + (1 + r)^(n−1): how the installments grow to the end.
fn accumulation(t: &PlanTerms) -> BigRational {
    let step = BigRational::one() + period_rate(t);
    let mut growth = BigRational::one();
    let mut sum = BigRational::zero();
    for _ in 0..t.installments {
        sum += &growth;
        growth *= &step;
    }
    sum
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_installment_is_the_exact_annuity_to_the_cent(t in any_terms()) {
        prop_assert_eq!(installment(&t).unwrap().cents(), cents(&reference_installment(&t)), "{:?}", t);
    }

    #[test]
    fn every_interest_is_the_exact_product_rounded_half_up(t in any_terms()) {
        let plan = build_plan(&t).unwrap();
        let yearly = exact(t.annual_rate);
        let per_year = BigRational::from_integer(BigInt::from(t.periodicity.per_year()));
        let mut before = money(t.amount);
        for row in &plan {
            let accrues = row.kind == RowKind::Installment && !(t.timing == Timing::InAdvance && row.number == 1);
            if accrues {
                let expected = cents(&(&before * &yearly / &per_year));
                prop_assert_eq!(row.interest.cents(), expected, "row {} of {:?}", row.number, t);
            }
            before = money(row.outstanding);
        }
    }

    /// The last installment absorbs the rounding of the others: at most one
    /// cent for each earlier installment grown with its interest to the end,
    /// and a cent and a half for its own and the residual's rounding.
    #[test]
    fn the_last_installment_differs_by_at_most_a_cent_per_installment_with_interest(t in any_terms()) {
        let plan = build_plan(&t).unwrap();
        let pmt = money(installment(&t).unwrap());
        let last = plan.iter().rev().find(|r| r.kind == RowKind::Installment).unwrap();
        let drift = (money(last.amount) - pmt).abs();
        let cent = BigRational::new(BigInt::one(), BigInt::from(100));
        let bound = &cent * (accumulation(&t) - BigRational::one()) + &cent * BigRational::new(BigInt::from(3), BigInt::from(2));
        prop_assert!(drift <= bound, "drift {} over bound {} for {:?}", drift, bound, t);
    }
}

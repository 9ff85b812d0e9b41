//! Leasing amortization plans ("piano di ammortamento").
//!
//! A plan is: the advance installment ("rata anticipata", all principal) at
//! signing; `n` constant installments in advance or in arrears, monthly,
//! quarterly or semi-annual; the residual value ("riscatto") one period after
//! the last installment, as on the company's statements (the Customer Portal
//! manual's schedule: installment 87 on 01/08/23, "Valore residuo" 88 on
//! 01/09/23). A zero advance or residual has no row.
//!
//! Each row's interest is the outstanding principal times the yearly rate,
//! divided by the installments a year, rounded half-up to the cent from the
//! exact product. The installment is the closed-form annuity rounded to the
//! cent. The residual row carries one period of interest on what it repays,
//! and the last installment absorbs what rounding left over, so the principal
//! parts add up exactly to the contract amount and no interest part is
//! negative. That leftover is at most one cent per earlier installment, each
//! with the interest it accrues until the end (`docs/architecture.md` has the
//! bound and a worked example).
//!
//! Indexation follows market practice (and the plan in the Customer Portal
//! manual): installments stay as contracted, and the difference between the
//! reference rate in force and the contract's base rate is charged or credited
//! in separate "Indicizzazione" rows, one per calendar quarter, on the
//! interest each row actually accrues: the principal outstanding over its
//! period × (rate − base rate) ÷ installments a year.

use crate::money::Money;
use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod indexation;
#[cfg(test)]
mod reference;
pub use indexation::{with_indexation, RateFix};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Periodicity {
    Monthly,
    Quarterly,
    SemiAnnual,
}

impl Periodicity {
    pub fn months(self) -> u32 {
        match self {
            Periodicity::Monthly => 1,
            Periodicity::Quarterly => 3,
            Periodicity::SemiAnnual => 6,
        }
    }

    pub fn per_year(self) -> u32 {
        12 / self.months()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Periodicity::Monthly => "monthly",
            Periodicity::Quarterly => "quarterly",
            Periodicity::SemiAnnual => "semi_annual",
        }
    }

    pub fn parse(code: &str) -> Option<Periodicity> {
        [Periodicity::Monthly, Periodicity::Quarterly, Periodicity::SemiAnnual]
            .into_iter()
            .find(|p| p.as_str() == code)
    }
}

/// When in its period an installment is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// "Anticipato": at the start of each period; the first falls on the start date.
    InAdvance,
    /// "Posticipato": at the end of each period.
    InArrears,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RowKind {
    Advance,
    Installment,
    Residual,
    Indexation,
}

impl RowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Advance => "advance",
            RowKind::Installment => "installment",
            RowKind::Residual => "residual",
            RowKind::Indexation => "indexation",
        }
    }

    pub fn parse(code: &str) -> Option<RowKind> {
        [
            RowKind::Advance,
            RowKind::Installment,
            RowKind::Residual,
            RowKind::Indexation,
        ]
        .into_iter()
        .find(|k| k.as_str() == code)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanTerms {
    /// The contract amount (the assets' cost).
    pub amount: Money,
    pub advance: Money,
    pub residual: Money,
    /// Nominal yearly rate as a fraction (0.045 for 4.5 %).
    pub annual_rate: Decimal,
    pub periodicity: Periodicity,
    pub installments: u32,
    pub timing: Timing,
    pub signed_on: NaiveDate,
    /// Start of the first period.
    pub start_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct PlanRow {
    /// 0 for the advance and for indexation rows, as on the company's statements.
    pub number: u32,
    pub kind: RowKind,
    pub due_on: NaiveDate,
    pub amount: Money,
    pub principal: Money,
    pub interest: Money,
    /// Outstanding principal after this row.
    pub outstanding: Money,
    pub accrual_start: NaiveDate,
    pub accrual_end: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("a plan needs at least one installment")]
    NoInstallments,
    #[error("the advance and the residual value exceed the contract amount")]
    NothingToFinance,
    #[error("amounts and rates cannot be negative")]
    Negative,
    #[error("the rate is above 100 % a year or the plan is longer than 50 years")]
    OutOfRange,
}

/// The longest plan, in months, and the highest yearly rate a plan may have:
/// beyond them the figures are not a leasing contract (and would overflow).
const MAX_MONTHS: u32 = 600;
const MAX_ANNUAL_RATE: Decimal = Decimal::ONE;

fn periods_between(terms: &PlanTerms, n: u32) -> NaiveDate {
    add_months(terms.start_on, n * terms.periodicity.months())
}

/// Adds months keeping the end of month: 31 Jan + 1 month = 28/29 Feb.
fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .expect("plan dates stay in chrono's range")
}

/// The plan's constant installment, as its first installment row shows it.
pub fn first_installment(plan: &[PlanRow]) -> Money {
    plan.iter()
        .find(|r| r.kind == RowKind::Installment)
        .map_or(Money::ZERO, |r| r.amount)
}

/// One period's interest on `outstanding`, rounded half-up from the exact product.
fn interest(outstanding: Money, terms: &PlanTerms) -> Money {
    let yearly = outstanding.decimal() * terms.annual_rate;
    Money::from_decimal_rounded(yearly / Decimal::from(terms.periodicity.per_year()))
}

/// The constant installment for `terms`: the installments and the residual,
/// discounted at the period rate, repay the financed principal. Computed as
/// future values at the last installment, so no tiny discount factors lose
/// digits: with G = (1 + r)^n and S = (G − 1) / r (n when r = 0),
/// in arrears P = (F·G − R / (1 + r)) / S, in advance P = (F·G − R) / (S·(1 + r)).
pub fn installment(terms: &PlanTerms) -> Result<Money, PlanError> {
    validate(terms)?;
    let rate = terms.annual_rate / Decimal::from(terms.periodicity.per_year());
    let step = Decimal::ONE + rate;
    let (mut growth, mut sum) = (Decimal::ONE, Decimal::ZERO);
    for _ in 0..terms.installments {
        sum = sum.checked_add(growth).ok_or(PlanError::OutOfRange)?;
        growth = growth.checked_mul(step).ok_or(PlanError::OutOfRange)?;
    }
    let financed = (terms.amount - terms.advance).decimal();
    let residual = terms.residual.decimal();
    let future = financed.checked_mul(growth).ok_or(PlanError::OutOfRange)?;
    let payment = match terms.timing {
        Timing::InArrears => (future - residual / step) / sum,
        Timing::InAdvance => (future - residual) / (sum * step),
    };
    Ok(Money::from_decimal_rounded(payment))
}

fn validate(terms: &PlanTerms) -> Result<(), PlanError> {
    if terms.installments == 0 {
        return Err(PlanError::NoInstallments);
    }
    let negative = [terms.amount, terms.advance, terms.residual]
        .iter()
        .any(|m| m.decimal().is_sign_negative())
        || terms.annual_rate.is_sign_negative();
    if negative {
        return Err(PlanError::Negative);
    }
    let months = terms.installments.checked_mul(terms.periodicity.months());
    if terms.annual_rate > MAX_ANNUAL_RATE || months.is_none_or(|m| m > MAX_MONTHS) {
        return Err(PlanError::OutOfRange);
    }
    if terms.advance + terms.residual > terms.amount {
        return Err(PlanError::NothingToFinance);
    }
    Ok(())
}

/// The full plan: advance, installments, residual (the advance and the
/// residual only when they are not zero).
pub fn build_plan(terms: &PlanTerms) -> Result<Vec<PlanRow>, PlanError> {
    let payment = installment(terms)?;
    let mut outstanding = terms.amount - terms.advance;
    let mut rows = Vec::with_capacity(terms.installments as usize + 2);
    if !terms.advance.is_zero() {
        rows.push(PlanRow {
            number: 0,
            kind: RowKind::Advance,
            due_on: terms.signed_on,
            amount: terms.advance,
            principal: terms.advance,
            interest: Money::ZERO,
            outstanding,
            accrual_start: terms.signed_on,
            accrual_end: terms.start_on.pred_opt().unwrap_or(terms.start_on).max(terms.signed_on),
        });
    }
    let in_advance = terms.timing == Timing::InAdvance;
    // What must be left after the last installment: the residual's value one period earlier.
    let rate = terms.annual_rate / Decimal::from(terms.periodicity.per_year());
    let target = Money::from_decimal_rounded(terms.residual.decimal() / (Decimal::ONE + rate));
    for k in 1..=terms.installments {
        let (period_start, period_end) = (periods_between(terms, k - 1), periods_between(terms, k));
        let due_on = if in_advance { period_start } else { period_end };
        // In advance, the first installment is paid before any interest accrues.
        let interest = if in_advance && k == 1 {
            Money::ZERO
        } else {
            interest(outstanding, terms)
        };
        let principal = if k == terms.installments {
            outstanding - target
        } else {
            payment - interest
        };
        outstanding = outstanding - principal;
        rows.push(PlanRow {
            number: k,
            kind: RowKind::Installment,
            due_on,
            amount: principal + interest,
            principal,
            interest,
            outstanding,
            accrual_start: period_start,
            accrual_end: period_end - Days::new(1),
        });
    }
    if !terms.residual.is_zero() {
        let residual_due = if in_advance {
            periods_between(terms, terms.installments)
        } else {
            periods_between(terms, terms.installments + 1)
        };
        let last_end = rows.last().map(|r| r.accrual_end).unwrap_or(terms.start_on);
        // `outstanding` is now `target`: the residual repays it with one period of interest.
        rows.push(PlanRow {
            number: terms.installments + 1,
            kind: RowKind::Residual,
            due_on: residual_due,
            amount: terms.residual,
            principal: outstanding,
            interest: terms.residual - outstanding,
            outstanding: Money::ZERO,
            accrual_start: last_end + Days::new(1),
            accrual_end: residual_due,
        });
    }
    Ok(rows)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(s: &str) -> Money {
        s.parse().unwrap()
    }

    pub(super) fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    pub(super) fn terms(amount: &str, advance: &str, residual: &str, rate: &str, n: u32) -> PlanTerms {
        PlanTerms {
            amount: eur(amount),
            advance: eur(advance),
            residual: eur(residual),
            annual_rate: rate.parse().unwrap(),
            periodicity: Periodicity::Monthly,
            installments: n,
            timing: Timing::InArrears,
            signed_on: date("2022-06-15"),
            start_on: date("2022-06-21"),
        }
    }

    pub(super) fn principal_sum(plan: &[PlanRow]) -> Money {
        plan.iter().map(|r| r.principal).sum()
    }

    #[test]
    fn textbook_annuity() {
        // 100,000 at 6 % a year, monthly for a year: 8,606.64 a month.
        let t = PlanTerms {
            signed_on: date("2024-01-01"),
            start_on: date("2024-01-01"),
            ..terms("100000", "0", "0", "0.06", 12)
        };
        assert_eq!(installment(&t).unwrap(), eur("8606.64"));
    }

    #[test]
    fn a_leasing_plan_closes_to_the_cent() {
        let t = terms("25150.00", "2515.00", "251.50", "0.045", 87);
        let plan = build_plan(&t).unwrap();
        assert_eq!(plan.len(), 89);
        assert_eq!(plan[0].kind, RowKind::Advance);
        assert_eq!(
            (plan[0].number, plan[0].amount, plan[0].interest),
            (0, eur("2515.00"), Money::ZERO)
        );
        assert_eq!(plan[88].kind, RowKind::Residual);
        assert_eq!((plan[88].number, plan[88].amount), (88, eur("251.50")));
        assert_eq!(principal_sum(&plan), t.amount);
        assert_eq!(plan[88].outstanding, Money::ZERO);
        let pmt = installment(&t).unwrap();
        assert!(plan[1..87].iter().all(|r| r.amount == pmt));
        assert!((plan[87].amount - pmt).decimal().abs() <= Decimal::new(87, 2));
        // Monthly periods from the start date, due at the end of each.
        assert_eq!(
            (plan[1].accrual_start, plan[1].accrual_end, plan[1].due_on),
            (date("2022-06-21"), date("2022-07-20"), date("2022-07-21"))
        );
        assert_eq!(plan[88].due_on, date("2029-10-21"));
    }

    #[test]
    fn the_worked_example_of_the_architecture_document() {
        // docs/architecture.md, "Plan conventions": every figure there is this plan's.
        let t = terms("25150.00", "2515.00", "251.50", "0.045", 87);
        let plan = build_plan(&t).unwrap();
        assert_eq!(installment(&t).unwrap(), eur("302.96"));
        assert_eq!((plan[1].interest, plan[1].principal), (eur("84.88"), eur("218.08")));
        assert_eq!(plan[87].amount, eur("302.84"));
        let residual = &plan[88];
        assert_eq!(
            (residual.amount, residual.principal, residual.interest),
            (eur("251.50"), eur("250.56"), eur("0.94"))
        );
        assert_eq!(
            (plan[87].due_on, residual.due_on),
            (date("2029-09-21"), date("2029-10-21"))
        );
    }

    #[test]
    fn zero_rate_has_no_interest_anywhere() {
        let plan = build_plan(&terms("10000", "1000", "1000", "0", 3)).unwrap();
        let amounts: Vec<Money> = plan.iter().map(|r| r.amount).collect();
        assert_eq!(
            amounts,
            vec![eur("1000"), eur("2666.67"), eur("2666.67"), eur("2666.66"), eur("1000")]
        );
        assert!(plan.iter().all(|r| r.interest.is_zero()));
        assert_eq!(principal_sum(&plan), eur("10000"));
    }

    #[test]
    fn one_installment() {
        let plan = build_plan(&terms("1200", "0", "0", "0.12", 1)).unwrap();
        assert_eq!(plan.len(), 1, "no advance and no residual rows when they are zero");
        assert_eq!(plan[0].amount, eur("1212.00"));
        assert_eq!((plan[0].principal, plan[0].interest), (eur("1200.00"), eur("12.00")));
    }

    #[test]
    fn residual_value_only() {
        // Advance and residual cover the amount. The residual falls one month
        // after the last installment, so 5,000 / 1.01 must be left by then and
        // the installments repay only the other 49.50 besides their interest.
        let plan = build_plan(&terms("10000", "5000", "5000", "0.12", 3)).unwrap();
        assert_eq!(principal_sum(&plan), eur("10000"));
        assert_eq!(plan[3].outstanding, eur("4950.50"));
        assert_eq!(plan[1..4].iter().map(|r| r.principal).sum::<Money>(), eur("49.50"));
        assert_eq!(
            (plan[4].amount, plan[4].principal, plan[4].interest),
            (eur("5000"), eur("4950.50"), eur("49.50"))
        );
    }

    #[test]
    fn in_advance_the_first_installment_falls_on_the_start_and_carries_no_interest() {
        let t = PlanTerms {
            timing: Timing::InAdvance,
            periodicity: Periodicity::Quarterly,
            ..terms("40000", "4000", "400", "0.06", 16)
        };
        let plan = build_plan(&t).unwrap();
        assert_eq!((plan[1].due_on, plan[1].interest), (t.start_on, Money::ZERO));
        assert_eq!(plan[2].due_on, date("2022-09-21"));
        assert_eq!(
            plan[17].due_on,
            date("2026-06-21"),
            "the residual one quarter after the last installment"
        );
        assert_eq!(principal_sum(&plan), t.amount);
    }

    #[test]
    fn interest_is_rounded_from_the_exact_product() {
        // 4 % a year, monthly, on 1,234.50: 1,234.50 × 0.04 / 12 = 4.115 exactly, so 4.12.
        let t = terms("1234.50", "0", "0", "0.04", 2);
        let plan = build_plan(&t).unwrap();
        assert_eq!(plan[0].interest, eur("4.12"));
    }

    #[test]
    fn terms_beyond_any_contract_are_an_error_not_a_panic() {
        let mut t = terms("1000000", "0", "0", "0.99", 600);
        assert!(build_plan(&t).is_ok(), "600 months is the longest plan");
        t.installments = 601;
        assert_eq!(build_plan(&t), Err(PlanError::OutOfRange));
        t.installments = 12;
        t.annual_rate = "1.01".parse().unwrap();
        assert_eq!(build_plan(&t), Err(PlanError::OutOfRange));
        t.annual_rate = Decimal::MAX;
        assert_eq!(build_plan(&t), Err(PlanError::OutOfRange));
        let longest = PlanTerms {
            periodicity: Periodicity::SemiAnnual,
            amount: eur("9999999999.99"),
            ..terms("1", "0", "0", "1", 100)
        };
        let plan = build_plan(&longest).expect("600 months at 100 % on the largest amount builds");
        assert_eq!(plan.len(), 100);
        assert_eq!(principal_sum(&plan), longest.amount, "every cent is repaid");
    }

    #[test]
    fn bad_terms_are_refused() {
        assert_eq!(
            build_plan(&terms("100", "0", "0", "0.05", 0)),
            Err(PlanError::NoInstallments)
        );
        assert_eq!(
            build_plan(&terms("100", "60", "50", "0.05", 3)),
            Err(PlanError::NothingToFinance)
        );
        assert_eq!(
            build_plan(&terms("100", "0", "0", "-0.01", 3)),
            Err(PlanError::Negative)
        );
    }

    pub(super) fn any_terms() -> impl Strategy<Value = PlanTerms> {
        (
            100_000i64..100_000_000,
            0i64..30,
            0i64..10,
            0i64..1500,
            proptest::sample::select(vec![
                Periodicity::Monthly,
                Periodicity::Quarterly,
                Periodicity::SemiAnnual,
            ]),
            1u32..120,
            proptest::bool::ANY,
        )
            .prop_map(
                |(cents, advance_pct, residual_pct, rate_bp, periodicity, n, in_advance)| PlanTerms {
                    amount: Money::from_cents(cents),
                    advance: Money::from_cents(cents * advance_pct / 100),
                    residual: Money::from_cents(cents * residual_pct / 100),
                    annual_rate: Decimal::new(rate_bp, 4),
                    periodicity,
                    installments: n.min(MAX_MONTHS / periodicity.months()),
                    timing: if in_advance {
                        Timing::InAdvance
                    } else {
                        Timing::InArrears
                    },
                    signed_on: NaiveDate::from_ymd_opt(2024, 1, 31).unwrap(),
                    start_on: NaiveDate::from_ymd_opt(2024, 1, 31).unwrap(),
                },
            )
    }

    proptest! {
        #[test]
        fn every_plan_closes_exactly_and_never_charges_negative_interest(t in any_terms()) {
            let plan = build_plan(&t).unwrap();
            let rows = t.installments + u32::from(!t.advance.is_zero()) + u32::from(!t.residual.is_zero());
            prop_assert_eq!(plan.len() as u32, rows);
            prop_assert!(plan.iter().all(|r| !r.amount.is_zero() || r.kind == RowKind::Installment));
            prop_assert_eq!(principal_sum(&plan), t.amount);
            prop_assert_eq!(plan.last().unwrap().outstanding, Money::ZERO);
            prop_assert!(plan.iter().all(|r| !r.interest.decimal().is_sign_negative()), "{:?}", plan);
            let pmt = installment(&t).unwrap();
            let installments: Vec<&PlanRow> = plan.iter().filter(|r| r.kind == RowKind::Installment).collect();
            prop_assert!(installments[..installments.len() - 1].iter().all(|r| r.amount == pmt));
            prop_assert!(plan.windows(2).all(|w| w[0].due_on <= w[1].due_on));
            prop_assert!(plan.windows(2).all(|w| w[1].outstanding <= w[0].outstanding || w[1].kind == RowKind::Residual));
        }
    }
}

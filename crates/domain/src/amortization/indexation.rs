//! Indexation: the reference rate moves, installments stay as contracted, and
//! the difference is charged or credited in one "Indicizzazione" row per
//! calendar quarter. It follows the interest each row accrues: the principal
//! outstanding over the row's period × (rate − base rate) ÷ installments a
//! year, for every installment that carries interest and for the residual's
//! period; an installment paid in advance at the start carries none.

use super::{PlanRow, PlanTerms, RowKind, Timing};
use crate::money::Money;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// A reference rate in force from a date on (e.g. Euribor 3 months plus the spread).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateFix {
    pub from: NaiveDate,
    pub annual_rate: Decimal,
}

fn rate_on(date: NaiveDate, base: Decimal, fixes: &[RateFix]) -> Decimal {
    fixes
        .iter()
        .filter(|f| f.from <= date)
        .max_by_key(|f| f.from)
        .map_or(base, |f| f.annual_rate)
}

fn quarter_end(date: NaiveDate) -> NaiveDate {
    let last_month = (date.month() - 1) / 3 * 3 + 3;
    let next = if last_month == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), last_month + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).expect("valid quarter end")
}

/// One quarter's indexation: where it goes in the plan and what it adds up to.
struct QuarterCharge {
    /// Index in the plan of the quarter's last installment.
    after: usize,
    quarter_end: NaiveDate,
    accrual_start: NaiveDate,
    sum: Decimal,
}

/// Adds the quarterly indexation rows to a plan built from `terms` (at its
/// rate, the base), given the rates in force over time. Installments are
/// left as they are.
pub fn with_indexation(plan: &[PlanRow], terms: &PlanTerms, fixes: &[RateFix]) -> Vec<PlanRow> {
    let per_year = Decimal::from(terms.periodicity.per_year());
    let base_rate = terms.annual_rate;
    let mut quarters: Vec<QuarterCharge> = Vec::new();
    // The principal outstanding before each row, over the period its interest accrues in.
    let mut before = terms.amount;
    for (index, row) in plan.iter().enumerate() {
        let accrues = match row.kind {
            RowKind::Installment => !(terms.timing == Timing::InAdvance && row.number == 1),
            RowKind::Residual => true,
            RowKind::Advance | RowKind::Indexation => false,
        };
        let principal = before;
        before = row.outstanding;
        if !accrues {
            continue;
        }
        let charge = principal.decimal() * (rate_on(row.due_on, base_rate, fixes) - base_rate) / per_year;
        let quarter_end = quarter_end(row.due_on);
        match quarters.last_mut() {
            Some(q) if q.quarter_end == quarter_end => {
                q.sum += charge;
                q.after = index;
            }
            _ => quarters.push(QuarterCharge {
                after: index,
                quarter_end,
                accrual_start: row.accrual_start,
                sum: charge,
            }),
        }
    }
    let mut out = Vec::with_capacity(plan.len() + quarters.len());
    let mut next = quarters.iter().peekable();
    for (index, row) in plan.iter().enumerate() {
        out.push(row.clone());
        if let Some(q) = next.next_if(|q| q.after == index) {
            let amount = Money::from_decimal_rounded(q.sum);
            if !amount.is_zero() {
                out.push(PlanRow {
                    number: 0,
                    kind: RowKind::Indexation,
                    due_on: row.due_on,
                    amount,
                    principal: Money::ZERO,
                    interest: amount,
                    outstanding: row.outstanding,
                    accrual_start: q.accrual_start,
                    accrual_end: q.quarter_end,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::build_plan;
    use super::super::tests::{date, principal_sum, terms};
    use super::*;

    #[test]
    fn a_rate_rise_adds_quarterly_indexation_rows_and_leaves_installments_alone() {
        let t = terms("12000", "0", "0", "0.04", 12);
        let plan = build_plan(&t).unwrap();
        let fixes = [RateFix {
            from: date("2022-10-01"),
            annual_rate: "0.05".parse().unwrap(),
        }];
        let indexed = with_indexation(&plan, &t, &fixes);
        let rows: Vec<&PlanRow> = indexed.iter().filter(|r| r.kind == RowKind::Indexation).collect();
        // Installments from 21/10/2022 on: Q4 2022 (Oct, Nov, Dec), Q1, Q2 2023.
        assert_eq!(rows.len(), 3);
        // Installments 4–6 (21 Oct, Nov, Dec) accrue on what was outstanding after 3–5.
        let q4: Decimal = plan[2..5].iter().map(|r| r.outstanding.decimal()).sum::<Decimal>() * Decimal::new(1, 2)
            / Decimal::from(12);
        assert_eq!(rows[0].amount, Money::from_decimal_rounded(q4));
        assert_eq!(
            (rows[0].accrual_start, rows[0].accrual_end, rows[0].due_on),
            (date("2022-09-21"), date("2022-12-31"), date("2022-12-21"))
        );
        assert_eq!((rows[0].number, rows[0].principal), (0, Money::ZERO));
        let installments: Vec<&PlanRow> = indexed.iter().filter(|r| r.kind != RowKind::Indexation).collect();
        assert_eq!(installments, plan.iter().collect::<Vec<_>>());
        assert_eq!(principal_sum(&indexed), t.amount);
    }

    #[test]
    fn a_rate_fall_credits_and_an_unchanged_rate_adds_nothing() {
        let t = terms("12000", "0", "0", "0.04", 12);
        let plan = build_plan(&t).unwrap();
        let down = [RateFix {
            from: date("2022-06-01"),
            annual_rate: "0.03".parse().unwrap(),
        }];
        let indexed = with_indexation(&plan, &t, &down);
        assert!(indexed
            .iter()
            .filter(|r| r.kind == RowKind::Indexation)
            .all(|r| r.amount.decimal().is_sign_negative()));
        let same = [RateFix {
            from: date("2022-06-01"),
            annual_rate: "0.04".parse().unwrap(),
        }];
        assert_eq!(with_indexation(&plan, &t, &same), plan);
    }

    #[test]
    fn indexation_follows_the_interest_each_period_accrues() {
        use super::super::{Periodicity, Timing};
        // In advance, quarterly, the rate up by a point from the start: the
        // first installment (paid at the start, no interest) is not indexed,
        // the residual's period is, on what the residual repays.
        let t = PlanTerms {
            timing: Timing::InAdvance,
            periodicity: Periodicity::Quarterly,
            ..terms("40000", "4000", "4000", "0.04", 8)
        };
        let plan = build_plan(&t).unwrap();
        let up = [RateFix {
            from: t.signed_on,
            annual_rate: "0.05".parse().unwrap(),
        }];
        let indexed = with_indexation(&plan, &t, &up);
        let charges: Vec<Money> = indexed
            .iter()
            .filter(|r| r.kind == RowKind::Indexation)
            .map(|r| r.amount)
            .collect();
        // Quarterly installments fall one to a quarter: one charge per installment that accrues, and the residual's.
        assert_eq!(charges.len(), 8, "{indexed:#?}");
        let point = |m: Money| Money::from_decimal_rounded(m.decimal() * Decimal::new(1, 2) / Decimal::from(4));
        let installments: Vec<&PlanRow> = plan.iter().filter(|r| r.kind == RowKind::Installment).collect();
        assert_eq!(
            charges[0],
            point(installments[0].outstanding),
            "the 2nd installment accrues on what the 1st left"
        );
        let residual = plan.last().unwrap();
        assert_eq!(residual.kind, RowKind::Residual);
        assert_eq!(*charges.last().unwrap(), point(residual.principal));
        // Each charge is the extra interest at the higher rate, to the cent.
        for (row, charge) in plan.iter().filter(|r| r.interest.is_positive()).zip(&charges) {
            let extra = row.interest.decimal() / Decimal::new(4, 2) * Decimal::new(1, 2);
            assert!(
                (extra - charge.decimal()).abs() <= Decimal::new(1, 2),
                "{row:?} {charge}"
            );
        }
    }
}

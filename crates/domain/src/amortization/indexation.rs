//! Indexation: the reference rate moves, installments stay as contracted, and
//! the difference is charged or credited in one "Indicizzazione" row per
//! calendar quarter: outstanding principal × (rate − base rate) ÷ installments a year.

use super::{Periodicity, PlanRow, RowKind};
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

/// Adds the quarterly indexation rows to a plan built at `base_rate`, given
/// the rates in force over time. Installments are left as they are.
pub fn with_indexation(
    plan: &[PlanRow],
    periodicity: Periodicity,
    base_rate: Decimal,
    fixes: &[RateFix],
) -> Vec<PlanRow> {
    let per_year = Decimal::from(periodicity.per_year());
    let mut quarters: Vec<QuarterCharge> = Vec::new();
    for (index, pair) in plan.windows(2).enumerate() {
        let (before, row) = (&pair[0], &pair[1]);
        if row.kind != RowKind::Installment {
            continue;
        }
        let charge = before.outstanding.decimal() * (rate_on(row.due_on, base_rate, fixes) - base_rate) / per_year;
        let quarter_end = quarter_end(row.due_on);
        match quarters.last_mut() {
            Some(q) if q.quarter_end == quarter_end => {
                q.sum += charge;
                q.after = index + 1;
            }
            _ => quarters.push(QuarterCharge {
                after: index + 1,
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
        let indexed = with_indexation(&plan, t.periodicity, t.annual_rate, &fixes);
        let rows: Vec<&PlanRow> = indexed.iter().filter(|r| r.kind == RowKind::Indexation).collect();
        // Installments from 21/10/2022 on: Q4 2022 (Oct, Nov, Dec), Q1, Q2 2023.
        assert_eq!(rows.len(), 3);
        let q4: Decimal = plan[3..6].iter().map(|r| r.outstanding.decimal()).sum::<Decimal>() * Decimal::new(1, 2)
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
        let indexed = with_indexation(&plan, t.periodicity, t.annual_rate, &down);
        assert!(indexed
            .iter()
            .filter(|r| r.kind == RowKind::Indexation)
            .all(|r| r.amount.decimal().is_sign_negative()));
        let same = [RateFix {
            from: date("2022-06-01"),
            annual_rate: "0.04".parse().unwrap(),
        }];
        assert_eq!(with_indexation(&plan, t.periodicity, t.annual_rate, &same), plan);
    }
}

//! The customer's current situation (H1) and the payment status rule, derived
//! from the schedule and the payments, never stored.

use crate::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PaymentStatus {
    /// "A scadere": not yet due.
    Due,
    /// "Scaduto": past its due date and not fully paid.
    Overdue,
    /// "Pagato".
    Paid,
}

/// One installment of the payment schedule, with what has been collected on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleLine {
    pub due_on: NaiveDate,
    pub amount: Money,
    pub paid: Money,
    /// The advance installment ("rata anticipata", "maxicanone").
    pub is_advance: bool,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Due => "due",
            PaymentStatus::Overdue => "overdue",
            PaymentStatus::Paid => "paid",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentStatus> {
        [PaymentStatus::Due, PaymentStatus::Overdue, PaymentStatus::Paid]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

impl ScheduleLine {
    /// What is still to be paid on this line.
    pub fn balance(&self) -> Money {
        if self.paid >= self.amount {
            Money::ZERO
        } else {
            self.amount - self.paid
        }
    }

    /// The part of the balance that is overdue.
    pub fn overdue_balance(&self, today: NaiveDate) -> Money {
        if self.status(today) == PaymentStatus::Overdue {
            self.balance()
        } else {
            Money::ZERO
        }
    }

    /// Due today counts as due, not overdue: the debit runs during the day.
    pub fn status(&self, today: NaiveDate) -> PaymentStatus {
        if self.balance().is_zero() {
            PaymentStatus::Paid
        } else if self.due_on < today {
            PaymentStatus::Overdue
        } else {
            PaymentStatus::Due
        }
    }
}

/// H1 "La tua situazione".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Situation {
    /// The server's date in Europe/Rome when it computed these figures.
    pub today: NaiveDate,
    pub overdue_total: Money,
    pub next_due_on: Option<NaiveDate>,
    /// Everything falling due on `next_due_on`, all contracts together.
    pub next_payment: Option<Money>,
    pub advances_paid: Money,
}

impl Situation {
    /// Computes H1 from the schedule lines of the customer's active contracts.
    pub fn compute(today: NaiveDate, lines: &[ScheduleLine]) -> Situation {
        let overdue_total = lines
            .iter()
            .filter(|l| l.status(today) == PaymentStatus::Overdue)
            .map(ScheduleLine::balance)
            .sum();
        let next_due_on = lines
            .iter()
            .filter(|l| l.status(today) == PaymentStatus::Due)
            .map(|l| l.due_on)
            .min();
        let next_payment = next_due_on.map(|date| {
            lines
                .iter()
                .filter(|l| l.due_on == date)
                .map(ScheduleLine::balance)
                .sum()
        });
        let advances_paid = lines
            .iter()
            .filter(|l| l.is_advance)
            .map(|l| l.paid.min(l.amount))
            .sum();
        Situation {
            today,
            overdue_total,
            next_due_on,
            next_payment,
            advances_paid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn line(due: &str, amount: i64, paid: i64) -> ScheduleLine {
        ScheduleLine {
            due_on: date(due),
            amount: Money::from_cents(amount),
            paid: Money::from_cents(paid),
            is_advance: false,
        }
    }

    #[test]
    fn status_follows_due_date_and_payments() {
        let today = date("2024-04-05");
        assert_eq!(line("2024-04-05", 100, 0).status(today), PaymentStatus::Due);
        assert_eq!(line("2024-04-04", 100, 0).status(today), PaymentStatus::Overdue);
        assert_eq!(line("2024-04-04", 100, 40).status(today), PaymentStatus::Overdue);
        assert_eq!(line("2024-04-04", 100, 100).status(today), PaymentStatus::Paid);
        assert_eq!(line("2024-05-01", 100, 120).status(today), PaymentStatus::Paid);
    }

    #[test]
    fn situation_matches_the_manuals_example() {
        // The Customer Portal manual shows: overdue 0,00 €, next due 30/04/24,
        // next payment 2.316,38 €, advances paid 9.754,10 €.
        let mut advance = line("2022-06-15", 975410, 975410);
        advance.is_advance = true;
        let lines = [
            advance,
            line("2024-03-31", 231638, 231638),
            line("2024-04-30", 180227, 0),
            line("2024-04-30", 51411, 0),
            line("2024-05-31", 231638, 0),
        ];
        let s = Situation::compute(date("2024-04-05"), &lines);
        assert_eq!(s.overdue_total, Money::ZERO);
        assert_eq!(s.next_due_on, Some(date("2024-04-30")));
        assert_eq!(s.next_payment, Some(Money::from_cents(231638)));
        assert_eq!(s.advances_paid, Money::from_cents(975410));
    }

    #[test]
    fn overdue_total_sums_only_unpaid_balances_in_the_past() {
        let lines = [
            line("2024-01-31", 51411, 0),
            line("2024-02-29", 51411, 11),
            line("2024-03-31", 51411, 51411),
        ];
        let s = Situation::compute(date("2024-04-05"), &lines);
        assert_eq!(s.overdue_total, Money::from_cents(51411 + 51400));
        assert_eq!(s.next_due_on, None);
        assert_eq!(s.next_payment, None);
        assert_eq!(s.advances_paid, Money::ZERO);
    }
}

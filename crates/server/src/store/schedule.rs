//! The payment schedule (B1) of one customer, newest first.

use super::bulk::Val;
use super::{corrupt, date, to_u32, Store, StoreResult};
use chrono::NaiveDate;
use sportello_domain::api::schedule::{ScheduleItem, ScheduleReason};
use sportello_domain::invoice::PaymentMethod;
use sportello_domain::situation::{PaymentStatus, ScheduleLine};
use sportello_domain::Money;
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;
use sqlx::Any;

/// The columns of a line as the list shows it.
const COLUMNS: &str = "SELECT e.id, e.contract_id, c.contract_no || '/' || c.module_no AS contract_no, e.due_on,
        e.installment_no, e.kind, e.payment_method, e.amount_cents AS amount, e.paid_cents AS paid,
        (SELECT i.number FROM invoices i WHERE i.id = e.invoice_id) AS invoice_number, e.invoice_id, e.reported_at
    FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id";

/// A query's conditions on the customer's lines, written out for the filter
/// at hand (no `($2 = 0 OR …)`, which keeps a planner off the index), with
/// the values for its placeholders in order.
struct Conditions {
    sql: String,
    values: Vec<Val>,
}

impl Conditions {
    /// The customer's lines, or one contract's.
    fn of(filter: &ScheduleFilter) -> Conditions {
        let mut c = Conditions {
            sql: "e.customer_id = $1".into(),
            values: vec![Val::Int(filter.customer_id)],
        };
        if filter.contract_id != 0 {
            c.and("e.contract_id = ?", [Val::Int(filter.contract_id)]);
        }
        c
    }

    /// Adds `condition`, whose `?`s are the next placeholders, bound to `values`.
    fn and(&mut self, condition: &str, values: impl IntoIterator<Item = Val>) {
        let mut parts = condition.split('?');
        self.sql += " AND ";
        self.sql += parts.next().unwrap_or_default();
        for (part, value) in parts.zip(values) {
            self.values.push(value);
            self.sql += &format!("${}{part}", self.values.len());
        }
    }

    /// A line's status, mirroring `ScheduleLine::status` so that filtering
    /// happens in the database (and pages stay exact); the status shown
    /// comes from the domain.
    fn status(&mut self, status: PaymentStatus, today: NaiveDate) {
        let today = Val::Text(today.to_string());
        match status {
            PaymentStatus::Paid => self.sql += " AND e.paid_cents >= e.amount_cents",
            PaymentStatus::Overdue => self.and("e.paid_cents < e.amount_cents AND e.due_on < ?", [today]),
            PaymentStatus::Due => self.and("e.paid_cents < e.amount_cents AND e.due_on >= ?", [today]),
        }
    }

    fn bind<'q, O>(self, mut query: QueryAs<'q, Any, O, AnyArguments<'q>>) -> QueryAs<'q, Any, O, AnyArguments<'q>> {
        for value in self.values {
            query = match value {
                Val::Int(v) => query.bind(v),
                Val::Text(v) => query.bind(v),
                Val::NullText(v) => query.bind(v),
                Val::NullInt(v) => query.bind(v),
            };
        }
        query
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    contract_id: i64,
    contract_no: String,
    due_on: String,
    installment_no: i64,
    kind: String,
    payment_method: String,
    amount: i64,
    paid: i64,
    invoice_number: Option<String>,
    invoice_id: Option<i64>,
    reported_at: Option<i64>,
}

pub struct ScheduleFilter {
    pub customer_id: i64,
    /// 0 for every contract.
    pub contract_id: i64,
    pub status: Option<PaymentStatus>,
    pub today: NaiveDate,
}

impl Row {
    fn item(self, today: NaiveDate) -> StoreResult<ScheduleItem> {
        let line = ScheduleLine {
            due_on: date(&self.due_on)?,
            amount: Money::from_cents(self.amount),
            paid: Money::from_cents(self.paid),
            is_advance: self.kind == sportello_domain::amortization::RowKind::Advance.as_str(),
        };
        Ok(ScheduleItem {
            id: self.id,
            status: line.status(today),
            contract_id: self.contract_id,
            contract_no: self.contract_no,
            due_on: line.due_on,
            installment_no: to_u32(self.installment_no),
            reason: ScheduleReason::parse(&self.kind).ok_or_else(|| corrupt("schedule kind", &self.kind))?,
            payment_method: PaymentMethod::parse(&self.payment_method)
                .ok_or_else(|| corrupt("payment method", &self.payment_method))?,
            amount: line.amount,
            paid: line.paid,
            balance: line.balance(),
            overdue_balance: line.overdue_balance(today),
            invoice_number: self.invoice_number,
            invoice_id: self.invoice_id,
            reported_at: self.reported_at.and_then(chrono::DateTime::from_timestamp_millis),
        })
    }
}

impl Store {
    /// A page of the schedule, newest due date first, after the line (due_on, id).
    pub async fn schedule_page(
        &self,
        filter: &ScheduleFilter,
        after: Option<(NaiveDate, i64)>,
        limit: u32,
    ) -> StoreResult<Vec<ScheduleItem>> {
        let mut conditions = Conditions::of(filter);
        if let Some(status) = filter.status {
            conditions.status(status, filter.today);
        }
        if let Some((due_on, id)) = after {
            // A row value: both engines seek the index straight to the cursor.
            conditions.and(
                "(e.due_on, e.id) < (?, ?)",
                [Val::Text(due_on.to_string()), Val::Int(id)],
            );
        }
        conditions.values.push(Val::Int(i64::from(limit)));
        let sql = format!(
            "{COLUMNS} WHERE {} ORDER BY e.due_on DESC, e.id DESC LIMIT ${}",
            conditions.sql,
            conditions.values.len()
        );
        let rows: Vec<Row> = conditions.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?;
        rows.into_iter().map(|row| row.item(filter.today)).collect()
    }

    /// One line of the customer's schedule (for the sync's deltas).
    pub async fn schedule_item(
        &self,
        customer_id: i64,
        id: i64,
        today: NaiveDate,
    ) -> StoreResult<Option<ScheduleItem>> {
        let row: Option<Row> = sqlx::query_as(&format!("{COLUMNS} WHERE e.customer_id = $1 AND e.id = $2"))
            .bind(customer_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.item(today)).transpose()
    }

    /// B1: the customer's report of having paid `ids` by transfer. Only the
    /// customer's own lines with something left to pay, all or none;
    /// answers how many were reported now (a line keeps its first report).
    pub async fn report_paid(&self, customer_id: i64, ids: &[i64], now: i64) -> StoreResult<Result<u64, i64>> {
        let mut tx = self.begin_write().await?;
        let mut changes = Vec::new();
        let mut reported = 0;
        for &id in ids {
            let open: Option<(i64, Option<i64>)> = sqlx::query_as(
                "SELECT e.id, e.reported_at FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id
                 WHERE c.customer_id = $1 AND e.id = $2 AND e.paid_cents < e.amount_cents",
            )
            .bind(customer_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            match open {
                None => {
                    tx.rollback().await?;
                    return Ok(Err(id));
                }
                Some((_, Some(_))) => {}
                Some((_, None)) => {
                    sqlx::query("UPDATE schedule_entries SET reported_at = $2 WHERE id = $1")
                        .bind(id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    changes.push(super::feed::Change::upsert(
                        Some(customer_id),
                        sportello_domain::api::sync::Entity::ScheduleLine,
                        id,
                    ));
                    reported += 1;
                }
            }
        }
        if changes.is_empty() {
            tx.rollback().await?;
        } else {
            self.commit(tx, &changes, now).await?;
        }
        Ok(Ok(reported))
    }

    /// "Totale saldo scaduto" for the filter (all pages).
    pub async fn overdue_total(&self, filter: &ScheduleFilter) -> StoreResult<Money> {
        // Reads only the open lines already due (a partial index of them).
        let mut conditions = Conditions::of(filter);
        conditions.status(PaymentStatus::Overdue, filter.today);
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(e.amount_cents - e.paid_cents), 0) AS BIGINT) FROM schedule_entries e WHERE {}",
            conditions.sql
        );
        let (cents,): (i64,) = conditions.bind(sqlx::query_as(&sql)).fetch_one(&self.pool).await?;
        Ok(Money::from_cents(cents))
    }

    /// Whether the customer has this contract (filters must not probe other customers).
    pub async fn owns_contract(&self, customer_id: i64, contract_id: i64) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM contracts WHERE customer_id = $1 AND id = $2")
            .bind(customer_id)
            .bind(contract_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }
}

//! The payment schedule (B1) of one customer, newest first.

use super::bulk::Val;
use super::filters::Where;
use super::{corrupt, date, to_u32, Store, StoreResult};
use chrono::NaiveDate;
use sportello_domain::api::schedule::{ScheduleItem, ScheduleReason};
use sportello_domain::invoice::PaymentMethod;
use sportello_domain::situation::{PaymentStatus, ScheduleLine};
use sportello_domain::Money;

/// The columns of a line as the list shows it.
const COLUMNS: &str = "SELECT e.id, e.contract_id, c.contract_no || '/' || c.module_no AS contract_no, e.due_on,
        e.installment_no, e.kind, e.payment_method, e.amount_cents AS amount, e.paid_cents AS paid,
        (SELECT i.number FROM invoices i WHERE i.id = e.invoice_id) AS invoice_number, e.invoice_id, e.reported_at";
/// Where they come from.
const TABLES: &str = "FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id";

/// The customer's lines, or one contract's.
fn scope(filter: &ScheduleFilter) -> Where {
    let mut w = Where::new("e.customer_id = ?", [Val::Int(filter.customer_id)]);
    if filter.contract_id != 0 {
        w.and("e.contract_id = ?", [Val::Int(filter.contract_id)]);
    }
    w
}

/// A line's status, mirroring `ScheduleLine::status` so that filtering
/// happens in the database (and pages stay exact); the status shown comes
/// from the domain.
fn status(w: &mut Where, status: PaymentStatus, today: NaiveDate) {
    let today = [Val::Text(today.to_string())];
    match status {
        PaymentStatus::Paid => w.and("e.paid_cents >= e.amount_cents", []),
        PaymentStatus::Overdue => w.and("e.paid_cents < e.amount_cents AND e.due_on < ?", today),
        PaymentStatus::Due => w.and("e.paid_cents < e.amount_cents AND e.due_on >= ?", today),
    };
}

/// The filter's open lines already due (read off a partial index of them).
fn overdue(filter: &ScheduleFilter) -> Where {
    let mut w = scope(filter);
    status(&mut w, PaymentStatus::Overdue, filter.today);
    w
}

fn overdue_sql(condition: &str) -> String {
    format!("SELECT CAST(COALESCE(SUM(e.amount_cents - e.paid_cents), 0) AS BIGINT) FROM schedule_entries e WHERE {condition}")
}

/// A page's line, with the overdue total computed once for the statement.
#[derive(sqlx::FromRow)]
struct PageRow {
    #[sqlx(flatten)]
    row: Row,
    overdue_total: i64,
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
    /// A page of the schedule, newest due date first, after the line (due_on,
    /// id), with the overdue total of every page ("Totale saldo scaduto")
    /// from the same statement.
    pub async fn schedule_page(
        &self,
        filter: &ScheduleFilter,
        after: Option<(NaiveDate, i64)>,
        limit: u32,
    ) -> StoreResult<(Vec<ScheduleItem>, Money)> {
        let mut w = scope(filter);
        if let Some(s) = filter.status {
            status(&mut w, s, filter.today);
        }
        w.before(
            ("e.due_on", "e.id"),
            after.map(|(d, id)| (Val::Text(d.to_string()), id)),
        );
        let total = overdue_sql(&w.nest(overdue(filter)));
        let sql = format!(
            "{COLUMNS}, ({total}) AS overdue_total {TABLES} WHERE {} ORDER BY e.due_on DESC, e.id DESC LIMIT {limit}",
            w.sql
        );
        let rows: Vec<PageRow> = w.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?;
        let total = match rows.first() {
            Some(row) => Money::from_cents(row.overdue_total),
            None => self.overdue_total(filter).await?,
        };
        let items = rows
            .into_iter()
            .map(|r| r.row.item(filter.today))
            .collect::<StoreResult<_>>()?;
        Ok((items, total))
    }

    /// One line of the customer's schedule (for the sync's deltas).
    pub async fn schedule_item(
        &self,
        customer_id: i64,
        id: i64,
        today: NaiveDate,
    ) -> StoreResult<Option<ScheduleItem>> {
        let row: Option<Row> = sqlx::query_as(&format!("{COLUMNS} {TABLES} WHERE e.customer_id = $1 AND e.id = $2"))
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

    /// "Totale saldo scaduto" for the filter (all pages), for an empty page.
    pub async fn overdue_total(&self, filter: &ScheduleFilter) -> StoreResult<Money> {
        let w = overdue(filter);
        let sql = overdue_sql(&w.sql);
        let (cents,): (i64,) = w.bind(sqlx::query_as(&sql)).fetch_one(&self.pool).await?;
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

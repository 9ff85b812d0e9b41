//! The leasing book: contracts, assets, the payment schedule and payments.

use super::{date, Store, StoreResult};
use chrono::NaiveDate;
use sportello_domain::amortization::{Periodicity, RowKind};
use sportello_domain::api::home::{ContractSummary, ContractsPanel};
use sportello_domain::situation::Situation;
use sportello_domain::Money;

pub struct NewContract<'a> {
    pub customer_id: i64,
    pub beneficiary_code: &'a str,
    pub beneficiary: &'a str,
    pub iban: Option<&'a str>,
    pub reference_rate: &'a str,
    pub subsidy: &'a str,
    pub periodicity: Periodicity,
    pub installments: u32,
    pub installment: Money,
    pub duration_months: u32,
    pub contract_no: &'a str,
    pub module_no: &'a str,
    pub product: &'a str,
    pub status: &'a str,
    pub signed_on: NaiveDate,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub amount: Money,
    pub advance: Money,
    pub residual: Money,
}

pub struct NewAsset<'a> {
    pub contract_id: i64,
    pub code: &'a str,
    pub asset_type: &'a str,
    pub description: &'a str,
    pub financial_value: Money,
    pub future_value: Money,
}

pub struct NewEntry<'a> {
    pub contract_id: i64,
    /// The contract's customer, kept on the line for the customer's schedule pages.
    pub customer_id: i64,
    pub installment_no: i64,
    pub kind: &'a str,
    pub due_on: NaiveDate,
    pub amount: Money,
    pub payment_method: &'a str,
}

pub const STATUS_ACTIVE: &str = "active";

impl Store {
    pub async fn insert_contract(&self, c: &NewContract<'_>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO contracts (customer_id, contract_no, module_no, product, status, signed_on, start_on, end_on,
                                    amount_cents, advance_cents, residual_cents, beneficiary_code, beneficiary, iban,
                                    reference_rate, subsidy, periodicity, installments, installment_cents, duration_months)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
             RETURNING id",
        )
        .bind(c.customer_id)
        .bind(c.contract_no)
        .bind(c.module_no)
        .bind(c.product)
        .bind(c.status)
        .bind(c.signed_on.to_string())
        .bind(c.start_on.to_string())
        .bind(c.end_on.to_string())
        .bind(c.amount.cents())
        .bind(c.advance.cents())
        .bind(c.residual.cents())
        .bind(c.beneficiary_code)
        .bind(c.beneficiary)
        .bind(c.iban)
        .bind(c.reference_rate)
        .bind(c.subsidy)
        .bind(c.periodicity.as_str())
        .bind(i64::from(c.installments))
        .bind(c.installment.cents())
        .bind(i64::from(c.duration_months))
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn insert_asset(&self, a: &NewAsset<'_>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO assets (contract_id, code, asset_type, description, financial_value_cents, future_value_cents)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(a.contract_id)
        .bind(a.code)
        .bind(a.asset_type)
        .bind(a.description)
        .bind(a.financial_value.cents())
        .bind(a.future_value.cents())
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn insert_entry(&self, e: &NewEntry<'_>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO schedule_entries (contract_id, installment_no, kind, due_on, amount_cents, payment_method, customer_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(e.contract_id)
        .bind(e.installment_no)
        .bind(e.kind)
        .bind(e.due_on.to_string())
        .bind(e.amount.cents())
        .bind(e.payment_method)
        .bind(e.customer_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Records a collection and adds it to the line's collected amount, together.
    pub async fn insert_payment(&self, entry_id: i64, amount: Money, collected_on: NaiveDate) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO payments (entry_id, amount_cents, collected_on) VALUES ($1, $2, $3)")
            .bind(entry_id)
            .bind(amount.cents())
            .bind(collected_on.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE schedule_entries SET paid_cents = paid_cents + $2 WHERE id = $1")
            .bind(entry_id)
            .bind(amount.cents())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// H2: how many contracts are active, and the latest signed with their asset counts.
    pub async fn contracts_panel(&self, customer_id: i64) -> StoreResult<ContractsPanel> {
        // The count of all active contracts comes with the shown ones (a
        // window over the whole selection, taken before the LIMIT).
        type Shown = (i64, String, String, String, i64, i64, String, i64);
        // The LIMIT is written as a number so PostgreSQL keeps one generic
        // plan (see `filters.rs`).
        let sql = format!(
            "SELECT c.id, c.contract_no, c.module_no, c.product,
                    (SELECT COUNT(*) FROM assets a WHERE a.contract_id = c.id),
                    c.amount_cents, c.signed_on, COUNT(*) OVER ()
             FROM contracts c WHERE c.customer_id = $1 AND c.status = $2
             ORDER BY c.signed_on DESC, c.id DESC LIMIT {}",
            ContractsPanel::SHOWN
        );
        let rows: Vec<Shown> = sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(STATUS_ACTIVE)
            .fetch_all(&self.pool)
            .await?;
        let count = rows.first().map_or(0, |row| row.7);
        let contracts = rows
            .into_iter()
            .map(|(id, contract_no, module_no, product, assets, amount, signed_on, _)| {
                Ok(ContractSummary {
                    id,
                    contract_no,
                    module_no,
                    product,
                    assets_count: super::to_u32(assets),
                    amount: Money::from_cents(amount),
                    signed_on: date(&signed_on)?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(ContractsPanel {
            active_count: super::to_u32(count),
            contracts,
        })
    }

    /// H1 as of `today`, added up by the database over the customer's
    /// active contracts: what is still owed and already due, the next due
    /// date and what falls due on it, and the advances paid. Each sum reads
    /// only the lines it adds off an index, so the home costs the same for a
    /// fleet's book as for a single contract; the figures equal
    /// `Situation::compute` over every line (`tests/fleet.rs`).
    pub async fn situation(&self, customer_id: i64, today: NaiveDate) -> StoreResult<Situation> {
        // CROSS JOIN: SQLite then walks the line's index first (it would scan
        // the contracts and every past line of each); the next due date is the
        // first in index order, not a MIN, which PostgreSQL computed over
        // every line still to come (31 ms against 0.2 ms).
        // The contract's status and the advance's kind are written into the
        // SQL, not bound: PostgreSQL then matches the advances' partial index
        // in the statement's generic plan and plans it once, not on every
        // call (0.6 ms of planning against 0.4 ms of reading).
        let lines = format!(
            "FROM schedule_entries e CROSS JOIN contracts c
             WHERE c.id = e.contract_id AND e.customer_id = $1 AND c.status = '{STATUS_ACTIVE}'"
        );
        const OPEN: &str = "e.paid_cents < e.amount_cents";
        let next = format!("SELECT e.due_on {lines} AND {OPEN} AND e.due_on >= $2 ORDER BY e.due_on LIMIT 1");
        let sum = |what: &str, condition: &str| {
            format!("(SELECT CAST(COALESCE(SUM({what}), 0) AS BIGINT) {lines} AND {condition})")
        };
        let sql = format!(
            "SELECT {}, ({next}), {}, {}",
            sum("e.amount_cents - e.paid_cents", &format!("{OPEN} AND e.due_on < $2")),
            sum(
                "e.amount_cents - e.paid_cents",
                &format!("{OPEN} AND e.due_on = ({next})")
            ),
            sum(
                "CASE WHEN e.paid_cents < e.amount_cents THEN e.paid_cents ELSE e.amount_cents END",
                &format!("e.kind = '{}'", RowKind::Advance.as_str())
            ),
        );
        let (overdue, next_due_on, next_payment, advances): (i64, Option<String>, i64, i64) = sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(today.to_string())
            .fetch_one(&self.pool)
            .await?;
        let next_due_on = next_due_on.as_deref().map(date).transpose()?;
        Ok(Situation {
            today,
            overdue_total: Money::from_cents(overdue),
            next_due_on,
            next_payment: next_due_on.map(|_| Money::from_cents(next_payment)),
            advances_paid: Money::from_cents(advances),
        })
    }
}

//! The leasing book: contracts, assets, the payment schedule and payments.

use super::{date, Store, StoreResult};
use chrono::NaiveDate;
use sportello_domain::amortization::{Periodicity, RowKind};
use sportello_domain::api::home::{ContractSummary, ContractsPanel};
use sportello_domain::situation::ScheduleLine;
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
        let rows: Vec<Shown> = sqlx::query_as(
            "SELECT c.id, c.contract_no, c.module_no, c.product,
                    (SELECT COUNT(*) FROM assets a WHERE a.contract_id = c.id),
                    c.amount_cents, c.signed_on, COUNT(*) OVER ()
             FROM contracts c WHERE c.customer_id = $1 AND c.status = $2
             ORDER BY c.signed_on DESC, c.id DESC LIMIT $3",
        )
        .bind(customer_id)
        .bind(STATUS_ACTIVE)
        .bind(i64::from(ContractsPanel::SHOWN))
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

    /// The lines of the customer's active contracts that H1 adds up as of
    /// `today`: those still owed and already due, those still owed on the
    /// next due date, and the advances. Each is read off an index, so the
    /// home costs the same for a fleet's book as for a single contract;
    /// `Situation::compute` over them equals its figures over every line.
    pub async fn situation_lines(&self, customer_id: i64, today: NaiveDate) -> StoreResult<Vec<ScheduleLine>> {
        // CROSS JOIN: SQLite then walks the line's index first (it would scan
        // the contracts and every past line of each); the next due date is the
        // first in index order, not a MIN, which PostgreSQL computed over
        // every line still to come (31 ms against 0.2 ms).
        const LINE: &str = "SELECT e.id, e.due_on, e.amount_cents, e.paid_cents, e.kind
             FROM schedule_entries e CROSS JOIN contracts c
             WHERE c.id = e.contract_id AND e.customer_id = $1 AND c.status = $2";
        const OPEN: &str = "e.paid_cents < e.amount_cents";
        let sql = format!(
            "{LINE} AND {OPEN} AND e.due_on < $3
             UNION {LINE} AND {OPEN} AND e.due_on = (
                 SELECT e.due_on FROM schedule_entries e CROSS JOIN contracts c
                 WHERE c.id = e.contract_id AND e.customer_id = $1 AND c.status = $2 AND {OPEN} AND e.due_on >= $3
                 ORDER BY e.due_on LIMIT 1)
             UNION {LINE} AND e.kind = $4"
        );
        let rows: Vec<(i64, String, i64, i64, String)> = sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(STATUS_ACTIVE)
            .bind(today.to_string())
            .bind(RowKind::Advance.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|(_, due_on, amount, paid, kind)| {
                Ok(ScheduleLine {
                    due_on: date(&due_on)?,
                    amount: Money::from_cents(amount),
                    paid: Money::from_cents(paid),
                    is_advance: kind == RowKind::Advance.as_str(),
                })
            })
            .collect()
    }
}

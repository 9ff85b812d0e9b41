//! Contracts (C1, C2) and plan rows (C4), always scoped to one customer: a
//! contract of someone else is simply not found.

use super::bulk::Val;
use super::filters::Where;
use super::{corrupt, date, to_u32, Store, StoreResult};
use chrono::NaiveDate;
use sportello_domain::amortization::{Periodicity, PlanRow, RowKind};
use sportello_domain::api::contracts::{ContractDetail, ContractListItem, ContractStatus, PlanEntry};
use sportello_domain::invoice::PaymentMethod;
use sportello_domain::Money;

fn parse_status(text: &str) -> StoreResult<ContractStatus> {
    ContractStatus::parse(text).ok_or_else(|| corrupt("contract status", text))
}

type ListRow = (i64, String, String, String, String, String, String);

#[derive(sqlx::FromRow)]
struct ContractRow {
    id: i64,
    contract_no: String,
    module_no: String,
    product: String,
    status: String,
    signed_on: String,
    start_on: String,
    end_on: String,
    beneficiary_code: String,
    beneficiary: String,
    iban: Option<String>,
    reference_rate: String,
    subsidy: String,
    amount_cents: i64,
    advance_cents: i64,
    residual_cents: i64,
    periodicity: String,
    installments: i64,
    installment_cents: i64,
    duration_months: i64,
    assets: i64,
}

#[derive(sqlx::FromRow)]
struct PlanDbRow {
    seq: i64,
    number: i64,
    kind: String,
    due_on: String,
    amount_cents: i64,
    principal_cents: i64,
    interest_cents: i64,
    outstanding_cents: i64,
    payment_method: String,
    accrual_start: String,
    accrual_end: String,
    collected_on: Option<String>,
}

impl PlanDbRow {
    fn entry(self) -> StoreResult<PlanEntry> {
        Ok(PlanEntry {
            row: PlanRow {
                number: to_u32(self.number),
                kind: RowKind::parse(&self.kind).ok_or_else(|| corrupt("plan row kind", &self.kind))?,
                due_on: date(&self.due_on)?,
                amount: Money::from_cents(self.amount_cents),
                principal: Money::from_cents(self.principal_cents),
                interest: Money::from_cents(self.interest_cents),
                outstanding: Money::from_cents(self.outstanding_cents),
                accrual_start: date(&self.accrual_start)?,
                accrual_end: date(&self.accrual_end)?,
            },
            payment_method: PaymentMethod::parse(&self.payment_method)
                .ok_or_else(|| corrupt("payment method", &self.payment_method))?,
            collected_on: self.collected_on.as_deref().map(date).transpose()?,
        })
    }
}

impl Store {
    /// Stores a contract's plan rows in order, in one transaction.
    pub async fn insert_plan(
        &self,
        contract_id: i64,
        rows: &[(PlanRow, PaymentMethod, Option<NaiveDate>)],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        // Positions start at 1: a page "after 0" starts at the beginning.
        for (seq, (row, method, collected_on)) in (1_i64..).zip(rows) {
            sqlx::query(
                "INSERT INTO plan_rows (contract_id, seq, number, kind, due_on, amount_cents, principal_cents,
                     interest_cents, outstanding_cents, payment_method, accrual_start, accrual_end, collected_on)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(contract_id)
            .bind(seq)
            .bind(i64::from(row.number))
            .bind(row.kind.as_str())
            .bind(row.due_on.to_string())
            .bind(row.amount.cents())
            .bind(row.principal.cents())
            .bind(row.interest.cents())
            .bind(row.outstanding.cents())
            .bind(method.as_str())
            .bind(row.accrual_start.to_string())
            .bind(row.accrual_end.to_string())
            .bind(collected_on.map(|d| d.to_string()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The customer's contracts in id order, after `after_id`, at most `limit` (+1 to tell if more follow).
    pub async fn list_contracts(
        &self,
        customer_id: i64,
        status: Option<ContractStatus>,
        after_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<ContractListItem>> {
        let mut w = Where::new(
            "customer_id = ? AND id > ?",
            [Val::Int(customer_id), Val::Int(after_id)],
        );
        if let Some(status) = status {
            w.and("status = ?", [Val::Text(status.as_str().into())]);
        }
        let sql = format!(
            "SELECT id, contract_no, module_no, product, status, signed_on, end_on FROM contracts
             WHERE {} ORDER BY id LIMIT {limit}",
            w.sql
        );
        let rows: Vec<ListRow> = w.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|(id, contract_no, module_no, product, st, signed_on, end_on)| {
                Ok(ContractListItem {
                    id,
                    contract_no,
                    module_no,
                    product,
                    status: parse_status(&st)?,
                    signed_on: date(&signed_on)?,
                    end_on: date(&end_on)?,
                })
            })
            .collect()
    }

    pub async fn contract_detail(
        &self,
        customer_id: i64,
        id: i64,
        today: NaiveDate,
    ) -> StoreResult<Option<ContractDetail>> {
        let row: Option<ContractRow> = sqlx::query_as(
            "SELECT id, contract_no, module_no, product, status, signed_on, start_on, end_on, beneficiary_code,
                    beneficiary, iban, reference_rate, subsidy, amount_cents, advance_cents, residual_cents,
                    periodicity, installments, installment_cents, duration_months,
                    (SELECT COUNT(*) FROM assets a WHERE a.contract_id = c.id) AS assets
             FROM contracts c WHERE customer_id = $1 AND id = $2",
        )
        .bind(customer_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(c) = row else { return Ok(None) };
        let amount = Money::from_cents(c.amount_cents);
        Ok(Some(ContractDetail {
            id: c.id,
            status: parse_status(&c.status)?,
            assets_count: to_u32(c.assets),
            signed_on: date(&c.signed_on)?,
            start_on: date(&c.start_on)?,
            end_on: date(&c.end_on)?,
            outstanding_today: self.outstanding_on(c.id, today, amount).await?,
            documents: self.contract_documents(c.id).await?,
            periodicity: Periodicity::parse(&c.periodicity).ok_or_else(|| corrupt("periodicity", &c.periodicity))?,
            amount,
            advance: Money::from_cents(c.advance_cents),
            residual_value: Money::from_cents(c.residual_cents),
            installments: to_u32(c.installments),
            installment_amount: Money::from_cents(c.installment_cents),
            duration_months: to_u32(c.duration_months),
            contract_no: c.contract_no,
            module_no: c.module_no,
            product: c.product,
            beneficiary_code: c.beneficiary_code,
            beneficiary: c.beneficiary,
            iban: c.iban,
            reference_rate: c.reference_rate,
            subsidy: c.subsidy,
        }))
    }

    /// Outstanding principal after the last plan row due on or before `day`.
    pub(crate) async fn outstanding_on(
        &self,
        contract_id: i64,
        day: NaiveDate,
        before_any: Money,
    ) -> StoreResult<Money> {
        let cents: Option<i64> = sqlx::query_scalar(
            "SELECT outstanding_cents FROM plan_rows WHERE contract_id = $1 AND due_on <= $2 ORDER BY seq DESC LIMIT 1",
        )
        .bind(contract_id)
        .bind(day.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(cents.map_or(before_any, Money::from_cents))
    }

    /// A page of the plan after row `after_seq`, and the plan's length; None
    /// when the contract is not the customer's.
    pub async fn plan_page(
        &self,
        customer_id: i64,
        contract_id: i64,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Option<(Vec<(i64, PlanEntry)>, u32)>> {
        let total: Option<i64> = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM plan_rows p WHERE p.contract_id = c.id) FROM contracts c
             WHERE c.customer_id = $1 AND c.id = $2",
        )
        .bind(customer_id)
        .bind(contract_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(total) = total else { return Ok(None) };
        let rows: Vec<PlanDbRow> = sqlx::query_as(
            "SELECT seq, number, kind, due_on, amount_cents, principal_cents, interest_cents, outstanding_cents,
                    payment_method, accrual_start, accrual_end, collected_on
             FROM plan_rows WHERE contract_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(contract_id)
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let entries = rows
            .into_iter()
            .map(|r| Ok((r.seq, r.entry()?)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some((entries, to_u32(total))))
    }
}

//! A contract as the screens read it: the choices of the contract filter,
//! one contract with its plan, and its payoff quote computed offline.

use super::*;

impl Cache {
    /// Active contracts first, each group by expiry.
    pub async fn contract_options(&self) -> CacheResult<Vec<ContractOption>> {
        let contracts: Vec<ContractDetail> = parse_all(
            sqlx::query_scalar("SELECT body FROM contracts ORDER BY status <> 'active', end_on, id")
                .fetch_all(self.pool())
                .await?,
        )?;
        Ok(contracts
            .into_iter()
            .map(|c| ContractOption {
                id: c.id,
                contract_no: sportello_domain::book::contract_key(&c.contract_no, &c.module_no),
                product: c.product,
                status: c.status,
                end_on: c.end_on,
            })
            .collect())
    }

    pub async fn contract_view(&self, id: i64) -> CacheResult<Option<ContractView>> {
        let Some(contract) = self.by_id("contracts", id).await? else {
            return Ok(None);
        };
        Ok(Some(ContractView {
            contract,
            plan: self.plan(id).await?,
        }))
    }

    /// S4 from the cache: the same figures the server quotes, shown before any
    /// network call (the server records its own figure when the request lands).
    pub async fn payoff(&self, contract_id: i64, today: NaiveDate) -> CacheResult<Option<PayoffQuote>> {
        let Some(view) = self.contract_view(contract_id).await? else {
            return Ok(None);
        };
        if view.contract.status != ContractStatus::Active {
            return Ok(None);
        }
        let installments = view
            .plan
            .iter()
            .filter(|row| row.row.kind == RowKind::Installment && row.row.due_on > today)
            .map(|row| PayoffInstallment {
                number: row.row.number,
                due_on: row.row.due_on,
                amount: row.row.amount,
            })
            .collect();
        Ok(Some(PayoffQuote {
            contract_id,
            as_of: today,
            outstanding_principal: outstanding_on(&view, today),
            installments,
        }))
    }
}

/// The plan's outstanding principal after the last row due on or before `day`.
fn outstanding_on(view: &ContractView, day: NaiveDate) -> Money {
    view.plan
        .iter()
        .take_while(|row| row.row.due_on <= day)
        .last()
        .map_or(view.contract.amount, |row| row.row.outstanding)
}

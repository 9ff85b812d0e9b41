//! The customer's leased assets (L1).

use super::bulk::Val;
use super::filters::Where;
use super::{date, Store, StoreResult};
use sportello_domain::api::assets::AssetItem;
use sportello_domain::Money;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    contract_id: i64,
    contract_no: String,
    code: String,
    asset_type: String,
    description: String,
    financial_value_cents: i64,
    future_value_cents: i64,
    end_on: String,
}

impl Store {
    /// Assets in id order after `after_id`; `contract_id` 0 means every contract.
    pub async fn list_assets(
        &self,
        customer_id: i64,
        contract_id: i64,
        after_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<AssetItem>> {
        let mut w = Where::new("c.customer_id = ?", [Val::Int(customer_id)]);
        if contract_id != 0 {
            w.and("a.contract_id = ?", [Val::Int(contract_id)]);
        }
        w.and("a.id > ?", [Val::Int(after_id)]);
        let sql = format!(
            "SELECT a.id, a.contract_id, c.contract_no || '/' || c.module_no AS contract_no, a.code, a.asset_type, a.description,
                    a.financial_value_cents, a.future_value_cents, c.end_on
             FROM assets a JOIN contracts c ON c.id = a.contract_id
             WHERE {} ORDER BY a.id LIMIT {limit}",
            w.sql
        );
        let rows: Vec<Row> = w.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?;
        rows.into_iter().map(Row::item).collect()
    }

    /// One of the customer's assets (for the sync's deltas).
    pub async fn asset_item(&self, customer_id: i64, id: i64) -> StoreResult<Option<AssetItem>> {
        let row: Option<Row> = sqlx::query_as(
            "SELECT a.id, a.contract_id, c.contract_no || '/' || c.module_no AS contract_no, a.code, a.asset_type, a.description,
                    a.financial_value_cents, a.future_value_cents, c.end_on
             FROM assets a JOIN contracts c ON c.id = a.contract_id
             WHERE c.customer_id = $1 AND a.id = $2",
        )
        .bind(customer_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Row::item).transpose()
    }
}

impl Row {
    fn item(r: Row) -> StoreResult<AssetItem> {
        Ok(AssetItem {
            id: r.id,
            contract_id: r.contract_id,
            contract_no: r.contract_no,
            code: r.code,
            asset_type: r.asset_type,
            description: r.description,
            financial_value: Money::from_cents(r.financial_value_cents),
            future_value: Money::from_cents(r.future_value_cents),
            lease_end: date(&r.end_on)?,
        })
    }
}

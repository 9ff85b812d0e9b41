//! Leased assets (L1, and the columns of the L2 export).

use crate::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AssetItem {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub contract_id: i64,
    /// The contract as printed everywhere: "number/module" (84963/1).
    pub contract_no: String,
    /// The asset's own code ("codice del bene").
    pub code: String,
    pub asset_type: String,
    pub description: String,
    /// "Importo" / "valore finanziario".
    pub financial_value: Money,
    /// "Valore residuo" / "valore atteso futuro".
    pub future_value: Money,
    /// "Scadenza locazione" / "fine mandato": the contract's end.
    pub lease_end: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AssetPage {
    pub items: Vec<AssetItem>,
    pub next_cursor: Option<String>,
}

/// The query of `GET /assets` (L1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AssetsQuery {
    /// One contract's assets; all when absent.
    pub contract: Option<i64>,
    /// 1 to 500; 50 when absent.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

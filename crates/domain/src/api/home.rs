use crate::money::Money;
use crate::situation::Situation;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The home page's figures (H1, H2), computed by the server for one customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Home {
    pub me: crate::api::auth::Me,
    pub situation: Situation,
    pub contracts: ContractsPanel,
    /// Where to pay by bank transfer what is due or overdue. Absent only in
    /// a copy kept by an older version.
    #[serde(default)]
    pub payee: Option<Payee>,
}

/// The company's account for bank transfers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Payee {
    /// The beneficiary's name as the bank shows it.
    pub beneficiary: String,
    pub iban: String,
}

/// H2: how many contracts are active, and the latest signed of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ContractsPanel {
    pub active_count: u32,
    /// At most [`ContractsPanel::SHOWN`], newest first; the contracts page lists them all.
    pub contracts: Vec<ContractSummary>,
}

impl ContractsPanel {
    /// A fleet customer has hundreds of contracts: the home page shows the latest
    /// few and links to the full list instead of growing without end.
    pub const SHOWN: u32 = 5;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ContractSummary {
    /// Ids stay far below 2^53, so they are plain JSON numbers.
    #[ts(type = "number")]
    pub id: i64,
    pub contract_no: String,
    pub module_no: String,
    pub product: String,
    pub assets_count: u32,
    pub amount: Money,
    pub signed_on: NaiveDate,
}

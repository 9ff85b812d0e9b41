//! Contracts (C1, C2) and their amortization plan (C4).

use crate::amortization::{Periodicity, PlanRow};
use crate::invoice::PaymentMethod;
use crate::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ContractStatus {
    Active,
    Extinct,
    /// Ended before its term by an early termination (S4).
    Terminated,
}

impl ContractStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::Active => "active",
            ContractStatus::Extinct => "extinct",
            ContractStatus::Terminated => "terminated",
        }
    }

    pub fn parse(text: &str) -> Option<ContractStatus> {
        match text {
            "active" => Some(ContractStatus::Active),
            "extinct" => Some(ContractStatus::Extinct),
            "terminated" => Some(ContractStatus::Terminated),
            _ => None,
        }
    }
}

/// One entry of the contract selector: "<product> - <status> - expires <date>".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ContractListItem {
    #[ts(type = "number")]
    pub id: i64,
    pub contract_no: String,
    pub module_no: String,
    pub product: String,
    pub status: ContractStatus,
    pub signed_on: NaiveDate,
    pub end_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ContractPage {
    pub items: Vec<ContractListItem>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// C2: every group of the contract page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ContractDetail {
    #[ts(type = "number")]
    pub id: i64,
    pub contract_no: String,
    pub module_no: String,
    pub product: String,
    pub status: ContractStatus,
    pub assets_count: u32,
    pub signed_on: NaiveDate,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub beneficiary_code: String,
    pub beneficiary: String,
    pub iban: Option<String>,
    /// E.g. "Euribor 3 m.l. (div.360)".
    pub reference_rate: String,
    pub subsidy: String,
    pub amount: Money,
    /// The first installment is the advance ("Anticipo").
    pub advance: Money,
    pub residual_value: Money,
    /// Outstanding principal after the last row due on or before today.
    pub outstanding_today: Money,
    pub periodicity: Periodicity,
    pub installments: u32,
    /// Taxable amount of one installment ("importo rata (imponibile)").
    pub installment_amount: Money,
    pub duration_months: u32,
    /// C3: the contract's documents, newest first.
    #[serde(default)]
    pub documents: Vec<crate::api::documents::ContractDocument>,
}

/// A row of the plan as the customer sees it (C4): the figures, how it is
/// paid and when it was collected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct PlanEntry {
    #[serde(flatten)]
    #[ts(flatten)]
    pub row: PlanRow,
    pub payment_method: PaymentMethod,
    pub collected_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct PlanPage {
    pub items: Vec<PlanEntry>,
    /// Rows in the whole plan ("1 - 25 of 58").
    pub total: u32,
    pub next_cursor: Option<String>,
}

/// Which contracts C1 lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContractsShown {
    #[default]
    All,
    Active,
    Extinct,
    Terminated,
}

impl ContractsShown {
    /// The one status shown, or None for every contract.
    pub fn status(self) -> Option<ContractStatus> {
        match self {
            ContractsShown::All => None,
            ContractsShown::Active => Some(ContractStatus::Active),
            ContractsShown::Extinct => Some(ContractStatus::Extinct),
            ContractsShown::Terminated => Some(ContractStatus::Terminated),
        }
    }
}

/// The query of `GET /contracts` (C1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContractsQuery {
    /// Every contract when absent.
    pub status: Option<ContractsShown>,
    /// 1 to 500; 50 when absent.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The query of `GET /contracts/{id}/plan` (C4).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// 1 to 500; 25 when absent.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

//! The payment schedule (B1): "Fatturazione e pagamenti".

use crate::invoice::PaymentMethod;
use crate::money::Money;
use crate::situation::PaymentStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The reason of a schedule line ("causale").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ScheduleReason {
    /// "Anticipo".
    Advance,
    /// "Pagamento".
    Installment,
    /// "Valore residuo".
    Residual,
    /// "Indicizzazione".
    Indexation,
}

impl ScheduleReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleReason::Advance => "advance",
            ScheduleReason::Installment => "installment",
            ScheduleReason::Residual => "residual",
            ScheduleReason::Indexation => "indexation",
        }
    }

    pub fn parse(text: &str) -> Option<ScheduleReason> {
        [
            ScheduleReason::Advance,
            ScheduleReason::Installment,
            ScheduleReason::Residual,
            ScheduleReason::Indexation,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// One line of the schedule with every B1 column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ScheduleItem {
    #[ts(type = "number")]
    pub id: i64,
    pub status: PaymentStatus,
    #[ts(type = "number")]
    pub contract_id: i64,
    /// The contract as printed everywhere: "number/module" (84963/1).
    pub contract_no: String,
    pub due_on: NaiveDate,
    pub installment_no: u32,
    pub reason: ScheduleReason,
    pub payment_method: PaymentMethod,
    pub amount: Money,
    pub paid: Money,
    pub balance: Money,
    pub overdue_balance: Money,
    pub invoice_number: Option<String>,
    /// The invoice that billed the line, to open from the schedule (B2).
    /// Absent only in a copy kept by an older version.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub invoice_id: Option<i64>,
    /// When the customer reported paying the line by transfer; the line is
    /// "reported" until its collection arrives and makes it paid.
    #[serde(default)]
    pub reported_at: Option<DateTime<Utc>>,
}

/// The body of `POST /schedule/reported`: the lines a transfer just paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ReportPayment {
    /// 1 to 500 of the caller's lines with something left to pay.
    #[ts(type = "number[]")]
    pub line_ids: Vec<i64>,
}

/// The most lines one report names.
pub const MAX_REPORTED_LINES: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SchedulePage {
    pub items: Vec<ScheduleItem>,
    pub next_cursor: Option<String>,
    /// "Totale saldo scaduto" of everything the filter selects, not just this page.
    pub overdue_total: Money,
}

/// The query of `GET /schedule` (B1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScheduleQuery {
    /// One contract's lines; all when absent.
    pub contract: Option<i64>,
    /// Only the lines in this state.
    pub status: Option<PaymentStatus>,
    /// 1 to 500; 50 when absent.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

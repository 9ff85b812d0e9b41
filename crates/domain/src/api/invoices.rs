//! Invoices and credit notes (B2, B4, B6).

use crate::invoice::DocumentKind;
use crate::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The first day documents are kept online for ("invoices since 2008").
pub fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2008, 1, 1).expect("a valid date")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct InvoiceItem {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: DocumentKind,
    pub number: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    #[ts(type = "number | null")]
    pub contract_id: Option<i64>,
    /// The contract as printed everywhere: "number/module" (84963/1).
    pub contract_no: Option<String>,
    pub taxable: Money,
    pub vat: Money,
    pub total: Money,
    /// The FatturaPA file name, `IT<VAT>_<progressive>.xml`.
    pub xml_file_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct InvoicePage {
    pub items: Vec<InvoiceItem>,
    pub next_cursor: Option<String>,
}

/// The query of `GET /invoices` (B4).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvoicesQuery {
    /// First issue date, 2008-01-01 or later (the default).
    pub from: Option<NaiveDate>,
    /// Last issue date; today when absent.
    pub to: Option<NaiveDate>,
    /// Only invoices or only credit notes.
    pub kind: Option<DocumentKind>,
    /// One contract's documents.
    pub contract: Option<i64>,
    /// 1 to 500; 50 when absent.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

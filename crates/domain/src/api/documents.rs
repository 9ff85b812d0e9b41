//! C3: a contract's documents (the contract, the "documento di sintesi", the
//! SEPA mandate, insurance certificates, periodic transparency statements),
//! published by the company's operators or its leasing system.

use crate::api::requests::AttachmentInfo;
use crate::coded_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

coded_enum! {
    pub enum ContractDocumentKind {
        /// The signed contract.
        Contract = "contract",
        /// The "documento di sintesi" of the transparency rules.
        Summary = "summary",
        /// The SEPA direct-debit mandate.
        SepaMandate = "sepa_mandate",
        /// An insurance certificate of a leased asset.
        Insurance = "insurance",
        /// A periodic transparency statement ("comunicazione periodica").
        Transparency = "transparency",
        /// Any other document about the contract.
        Other = "other",
    }
}

impl ContractDocumentKind {
    /// The kind as the company's notices name it (in Italian, as their subjects are).
    pub fn label_it(self) -> &'static str {
        match self {
            ContractDocumentKind::Contract => "contratto",
            ContractDocumentKind::Summary => "documento di sintesi",
            ContractDocumentKind::SepaMandate => "mandato SEPA",
            ContractDocumentKind::Insurance => "certificato assicurativo",
            ContractDocumentKind::Transparency => "comunicazione periodica",
            ContractDocumentKind::Other => "documento",
        }
    }
}

/// One document of a contract, newest first in the contract's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ContractDocument {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: ContractDocumentKind,
    pub title: String,
    pub issued_on: NaiveDate,
    /// The PDF, downloaded like any attachment of the customer's.
    pub file: AttachmentInfo,
}

/// The query of `POST /ops/contract-documents`: the PDF is the body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublishDocumentQuery {
    /// The contract as the company writes it: "84963/1" (contract/module).
    pub contract: String,
    pub kind: ContractDocumentKind,
    /// What the customer reads in the list, up to 120 characters.
    pub title: String,
    /// The document's own date, not after today.
    pub issued_on: NaiveDate,
    /// The file's name, for the download.
    pub name: String,
}

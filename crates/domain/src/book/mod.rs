//! The book feed (O2): the records the company's leasing system (its system
//! of record) sends, keyed by its own identifiers, and the rules each record
//! must meet before anything of its file is applied. The server resolves the
//! references and stores them; parsing files (JSON Lines, CSV) also lives there.
//! The rules themselves are in `checks`.

mod checks;

pub use checks::Problem;

use crate::amortization::{Periodicity, RowKind, Timing};
use crate::api::contracts::ContractStatus;
use crate::api::schedule::ScheduleReason;
use crate::ids::{Iban, TaxCode};
use crate::invoice::{DocumentKind, PaymentMethod};
use crate::money::Money;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One line of a feed file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BookRecord {
    Customer(CustomerRecord),
    Contract(ContractRecord),
    PlanRow(PlanRowRecord),
    ScheduleLine(ScheduleLineRecord),
    Collection(CollectionRecord),
    Asset(AssetRecord),
    RateFix(RateFixRecord),
    Invoice(InvoiceRecord),
    /// A line of an invoice of the same file (CSV files cannot nest lines).
    InvoiceLine(InvoiceLineRecord),
}

/// A customer, keyed by the customer number (the main user's username).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerRecord {
    pub code: String,
    pub kind: CustomerKind,
    pub name: String,
    pub tax_code: String,
    pub email: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default = "italy")]
    pub country: String,
    #[serde(default)]
    pub sdi_code: Option<String>,
    #[serde(default)]
    pub pec: Option<String>,
}

fn italy() -> String {
    "IT".into()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    Person,
    Company,
}

impl CustomerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerKind::Person => "person",
            CustomerKind::Company => "company",
        }
    }
}

/// A contract, keyed by contract and module number. With `terms` and no
/// `plan_row` records of its own in the file, its plan is built from them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractRecord {
    pub customer: String,
    pub contract_no: String,
    pub module_no: String,
    pub product: String,
    pub status: ContractStatus,
    pub signed_on: NaiveDate,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub amount: Money,
    #[serde(default = "zero")]
    pub advance: Money,
    #[serde(default = "zero")]
    pub residual: Money,
    #[serde(default)]
    pub beneficiary_code: String,
    #[serde(default)]
    pub beneficiary: String,
    #[serde(default)]
    pub iban: Option<String>,
    #[serde(default)]
    pub reference_rate: String,
    #[serde(default)]
    pub subsidy: String,
    pub periodicity: Periodicity,
    #[serde(deserialize_with = "int::de")]
    pub installments: u32,
    pub installment: Money,
    #[serde(deserialize_with = "int::de")]
    pub duration_months: u32,
    /// Nominal yearly rate as a fraction (0.045 for 4.5 %).
    #[serde(default)]
    pub annual_rate: Option<Decimal>,
    #[serde(default)]
    pub timing: Option<Timing>,
    /// The reference index's value the rate was priced at (indexed contracts).
    #[serde(default)]
    pub base_index: Option<Decimal>,
}

fn zero() -> Money {
    Money::ZERO
}

impl ContractRecord {
    /// "84963/1": how the company and the customer name a contract.
    pub fn key(&self) -> String {
        contract_key(&self.contract_no, &self.module_no)
    }
}

pub fn contract_key(contract_no: &str, module_no: &str) -> String {
    format!("{}/{}", contract_no.trim(), module_no.trim())
}

/// One row of a contract's amortization plan (C4). A file that has any plan
/// row of a contract carries its whole plan, which replaces the stored one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRowRecord {
    /// "contract_no/module_no".
    pub contract: String,
    #[serde(deserialize_with = "int::de")]
    pub seq: u32,
    #[serde(deserialize_with = "int::de")]
    pub number: u32,
    pub kind: RowKind,
    pub due_on: NaiveDate,
    pub amount: Money,
    pub principal: Money,
    pub interest: Money,
    pub outstanding: Money,
    pub payment_method: PaymentMethod,
    pub accrual_start: NaiveDate,
    pub accrual_end: NaiveDate,
    #[serde(default)]
    pub collected_on: Option<NaiveDate>,
}

/// A line of the payment schedule (B1), what the customer pays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleLineRecord {
    #[serde(rename = "ref")]
    pub reference: String,
    pub contract: String,
    #[serde(deserialize_with = "int::de")]
    pub installment_no: u32,
    pub reason: ScheduleReason,
    pub due_on: NaiveDate,
    pub amount: Money,
    pub payment_method: PaymentMethod,
    /// The number of the invoice that bills the line.
    #[serde(default)]
    pub invoice: Option<String>,
}

/// Money collected on a schedule line; several may settle one line in part.
/// `deleted` reverses a collection recorded by mistake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionRecord {
    #[serde(rename = "ref")]
    pub reference: String,
    /// The schedule line's `ref`.
    pub line: String,
    pub amount: Money,
    pub collected_on: NaiveDate,
    pub method: PaymentMethod,
    #[serde(default, deserialize_with = "flag::de")]
    pub deleted: bool,
}

/// A leased asset (L1, L2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetRecord {
    #[serde(rename = "ref")]
    pub reference: String,
    pub contract: String,
    pub code: String,
    pub asset_type: String,
    pub description: String,
    pub financial_value: Money,
    #[serde(default = "zero")]
    pub future_value: Money,
}

/// The value of a reference index (e.g. "Euribor 3 m.l. (div.360)") from a date on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateFixRecord {
    pub reference_rate: String,
    pub from: NaiveDate,
    /// As a fraction (0.0391 for 3.91 %).
    pub rate: Decimal,
}

/// An invoice or credit note (B4), keyed by its number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRecord {
    pub number: String,
    pub customer: String,
    #[serde(default)]
    pub contract: Option<String>,
    pub kind: DocumentKind,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub payment_method: PaymentMethod,
    #[serde(default)]
    pub reason: Option<String>,
    /// For a credit note: the number of the invoice it corrects.
    #[serde(default)]
    pub corrects: Option<String>,
    #[serde(default)]
    pub lines: Vec<InvoiceLineFields>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLineFields {
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: Money,
    /// Percent, e.g. 22.
    pub vat_rate: Decimal,
    /// "N1" or "N4" when the rate is 0.
    #[serde(default)]
    pub nature: Option<String>,
    #[serde(default)]
    pub period_start: Option<NaiveDate>,
    #[serde(default)]
    pub period_end: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLineRecord {
    /// The invoice's number.
    pub invoice: String,
    #[serde(flatten)]
    pub line: InvoiceLineFields,
}

/// Whole numbers that CSV cells bring as text.
mod int {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u32),
        Text(String),
    }

    pub fn de<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        match Either::deserialize(d)? {
            Either::Number(n) => Ok(n),
            Either::Text(t) => t
                .trim()
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("not a whole number: {t:?}"))),
        }
    }
}

/// Flags that CSV cells bring as text ("true", "1", "" …).
mod flag {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Flag(bool),
        Text(String),
    }

    pub fn de<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match Either::deserialize(d)? {
            Either::Flag(b) => Ok(b),
            Either::Text(t) => match t.trim() {
                "true" | "1" => Ok(true),
                "false" | "0" | "" => Ok(false),
                other => Err(serde::de::Error::custom(format!("not true or false: {other:?}"))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> BookRecord {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_collection_parses_and_its_rules_hold() {
        let r = parse(
            r#"{"type":"collection","ref":"P-1","line":"S-1","amount":"120.50","collected_on":"2026-11-30","method":"sepa_direct_debit"}"#,
        );
        assert!(r.problems().is_empty());
        let r = parse(
            r#"{"type":"collection","ref":"","line":"S-1","amount":"0.00","collected_on":"2026-11-30","method":"bank_transfer"}"#,
        );
        let fields: Vec<_> = r.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["ref", "amount"]);
    }

    #[test]
    fn unknown_fields_and_types_are_refused() {
        let extra = r#"{"type":"asset","ref":"A","contract":"1/1","code":"c","asset_type":"t","description":"d","financial_value":"1.00","colour":"red"}"#;
        assert!(serde_json::from_str::<BookRecord>(extra)
            .unwrap_err()
            .to_string()
            .contains("colour"));
        assert!(serde_json::from_str::<BookRecord>(r#"{"type":"lorry"}"#).is_err());
    }

    #[test]
    fn whole_numbers_and_flags_come_as_text_from_csv() {
        let r = parse(
            r#"{"type":"schedule_line","ref":"S","contract":"1/1","installment_no":"7","reason":"installment","due_on":"2026-01-31","amount":"10.00","payment_method":"bank_transfer"}"#,
        );
        let BookRecord::ScheduleLine(s) = r else { panic!() };
        assert_eq!(s.installment_no, 7);
        let c = parse(
            r#"{"type":"collection","ref":"P","line":"S","amount":"1.00","collected_on":"2026-01-31","method":"bank_transfer","deleted":"1"}"#,
        );
        assert!(matches!(
            c,
            BookRecord::Collection(CollectionRecord { deleted: true, .. })
        ));
    }

    #[test]
    fn a_contract_checks_its_dates_amounts_and_terms() {
        let r = parse(
            r#"{"type":"contract","customer":"1","contract_no":"9","module_no":"1","product":"Leasing","status":"terminated",
               "signed_on":"2026-01-10","start_on":"2026-01-01","end_on":"2025-01-01","amount":"100.00","advance":"90.00","residual":"20.00",
               "periodicity":"monthly","installments":0,"installment":"1.00","duration_months":12,"annual_rate":"0.05","iban":"IT00X"}"#,
        );
        let fields: Vec<_> = r.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["start_on", "end_on", "advance", "installments", "iban", "timing"]
        );
    }

    #[test]
    fn invoice_lines_follow_the_vat_rules() {
        let r = parse(
            r#"{"type":"invoice","number":"F1","customer":"1","kind":"credit_note","issued_on":"2026-02-01","due_on":"2026-01-01",
               "payment_method":"bank_transfer","lines":[{"description":"x","quantity":"1","unit_price":"10.00","vat_rate":"0"}]}"#,
        );
        let fields: Vec<_> = r.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["due_on", "corrects", "lines[0].nature"]);
    }
}

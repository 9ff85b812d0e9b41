//! The book feed (O2): the records the company's leasing system (its system
//! of record) sends, keyed by its own identifiers, and the rules each record
//! must meet before anything of its file is applied. The server resolves the
//! references and stores them; parsing files (JSON Lines, CSV) also lives there.

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

/// Why one field of a record is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub field: String,
    pub reason: String,
}

fn problem(field: &str, reason: impl Into<String>) -> Problem {
    Problem {
        field: field.into(),
        reason: reason.into(),
    }
}

const VAT_RATES: [u32; 5] = [0, 4, 5, 10, 22];
const MAX_TEXT: usize = 500;

fn text(out: &mut Vec<Problem>, field: &str, value: &str, required: bool) {
    if required && value.trim().is_empty() {
        out.push(problem(field, "required"));
    } else if value.chars().count() > MAX_TEXT {
        out.push(problem(field, format!("longer than {MAX_TEXT} characters")));
    }
}

fn not_negative(out: &mut Vec<Problem>, field: &str, value: Money) {
    if value.cents() < 0 {
        out.push(problem(field, "negative"));
    }
}

impl BookRecord {
    /// The record's own rules, every problem at once; references to other
    /// records are the server's to check.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        match self {
            BookRecord::Customer(c) => customer(&mut out, c),
            BookRecord::Contract(c) => contract(&mut out, c),
            BookRecord::PlanRow(p) => {
                text(&mut out, "contract", &p.contract, true);
                if p.accrual_end < p.accrual_start {
                    out.push(problem("accrual_end", "before accrual_start"));
                }
                not_negative(&mut out, "outstanding", p.outstanding);
            }
            BookRecord::ScheduleLine(s) => {
                text(&mut out, "ref", &s.reference, true);
                text(&mut out, "contract", &s.contract, true);
                if s.amount.cents() <= 0 && s.reason != ScheduleReason::Indexation {
                    out.push(problem("amount", "not above zero"));
                }
            }
            BookRecord::Collection(c) => {
                text(&mut out, "ref", &c.reference, true);
                text(&mut out, "line", &c.line, true);
                if c.amount.cents() <= 0 {
                    out.push(problem("amount", "not above zero"));
                }
            }
            BookRecord::Asset(a) => {
                text(&mut out, "ref", &a.reference, true);
                text(&mut out, "contract", &a.contract, true);
                text(&mut out, "code", &a.code, true);
                text(&mut out, "asset_type", &a.asset_type, true);
                text(&mut out, "description", &a.description, true);
                not_negative(&mut out, "financial_value", a.financial_value);
                not_negative(&mut out, "future_value", a.future_value);
            }
            BookRecord::RateFix(r) => {
                text(&mut out, "reference_rate", &r.reference_rate, true);
                if r.rate.abs() >= Decimal::ONE {
                    out.push(problem("rate", "a fraction: 0.0391 for 3.91 %"));
                }
            }
            BookRecord::Invoice(i) => invoice(&mut out, i),
            BookRecord::InvoiceLine(l) => {
                text(&mut out, "invoice", &l.invoice, true);
                line(&mut out, "", &l.line);
            }
        }
        out
    }
}

fn customer(out: &mut Vec<Problem>, c: &CustomerRecord) {
    text(out, "code", &c.code, true);
    if !c.code.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        out.push(problem("code", "letters and digits only"));
    }
    text(out, "name", &c.name, true);
    match c.tax_code.parse::<TaxCode>() {
        Ok(TaxCode::Person(_)) if c.kind == CustomerKind::Company => {
            out.push(problem("tax_code", "a company has a VAT number"))
        }
        Ok(_) => {}
        Err(e) => out.push(problem("tax_code", e.to_string())),
    }
    if let Err(e) = c.email.parse::<crate::ids::Email>() {
        out.push(problem("email", e.to_string()));
    }
    if let Some(pec) = &c.pec {
        if let Err(e) = pec.parse::<crate::ids::Email>() {
            out.push(problem("pec", e.to_string()));
        }
    }
    if let Some(sdi) = &c.sdi_code {
        if sdi.len() != 7 || !sdi.chars().all(|ch| ch.is_ascii_alphanumeric()) {
            out.push(problem("sdi_code", "7 letters or digits"));
        }
    }
    if c.country.len() != 2 || !c.country.chars().all(|ch| ch.is_ascii_uppercase()) {
        out.push(problem("country", "an ISO 3166 code such as IT"));
    }
    text(out, "street", &c.street, false);
    text(out, "city", &c.city, false);
}

fn contract(out: &mut Vec<Problem>, c: &ContractRecord) {
    text(out, "customer", &c.customer, true);
    text(out, "contract_no", &c.contract_no, true);
    text(out, "module_no", &c.module_no, true);
    if c.contract_no.contains('/') || c.module_no.contains('/') {
        out.push(problem(
            "contract_no",
            "no slash: contract and module are separate fields",
        ));
    }
    text(out, "product", &c.product, true);
    if c.start_on < c.signed_on {
        out.push(problem("start_on", "before signed_on"));
    }
    if c.end_on < c.start_on {
        out.push(problem("end_on", "before start_on"));
    }
    if c.amount.cents() <= 0 {
        out.push(problem("amount", "not above zero"));
    }
    not_negative(out, "advance", c.advance);
    not_negative(out, "residual", c.residual);
    not_negative(out, "installment", c.installment);
    if c.advance.cents() + c.residual.cents() > c.amount.cents() {
        out.push(problem("advance", "advance and residual exceed the amount"));
    }
    if c.installments == 0 || c.installments * c.periodicity.months() > 360 {
        out.push(problem("installments", "at least 1, over at most 30 years"));
    }
    if let Some(iban) = &c.iban {
        if let Err(e) = iban.parse::<Iban>() {
            out.push(problem("iban", e.to_string()));
        }
    }
    if let Some(rate) = c.annual_rate {
        if rate < Decimal::ZERO || rate >= Decimal::new(5, 1) {
            out.push(problem("annual_rate", "a fraction from 0 to 0.5: 0.045 for 4.5 %"));
        }
    }
    if c.annual_rate.is_some() != c.timing.is_some() {
        out.push(problem("timing", "plan terms need both annual_rate and timing"));
    }
    if c.base_index.is_some() && c.annual_rate.is_none() {
        out.push(problem("base_index", "only for contracts with plan terms"));
    }
}

fn invoice(out: &mut Vec<Problem>, i: &InvoiceRecord) {
    text(out, "number", &i.number, true);
    text(out, "customer", &i.customer, true);
    if i.due_on < i.issued_on {
        out.push(problem("due_on", "before issued_on"));
    }
    match (i.kind, &i.corrects) {
        (DocumentKind::CreditNote, None) => {
            out.push(problem("corrects", "a credit note names the invoice it corrects"))
        }
        (DocumentKind::Invoice, Some(_)) => out.push(problem("corrects", "only credit notes correct an invoice")),
        _ => {}
    }
    if i.lines.len() > crate::invoice::MAX_LINES {
        out.push(problem("lines", "at most 1000 lines"));
    }
    for (n, l) in i.lines.iter().enumerate() {
        line(out, &format!("lines[{n}]."), l);
    }
}

fn line(out: &mut Vec<Problem>, prefix: &str, l: &InvoiceLineFields) {
    let field = |name: &str| format!("{prefix}{name}");
    text(out, &field("description"), &l.description, true);
    if l.quantity <= Decimal::ZERO {
        out.push(problem(&field("quantity"), "not above zero"));
    }
    if l.unit_price.cents() <= 0 {
        out.push(problem(&field("unit_price"), "not above zero"));
    }
    if let Some((name, why)) = crate::invoice::line_amount_problem(l.quantity, l.unit_price) {
        out.push(problem(&field(name), why));
    }
    if !VAT_RATES.iter().any(|r| Decimal::from(*r) == l.vat_rate) {
        out.push(problem(&field("vat_rate"), "one of 0, 4, 5, 10, 22"));
    }
    match (l.vat_rate.is_zero(), l.nature.as_deref()) {
        (true, Some("N1" | "N4")) | (false, None) => {}
        (true, _) => out.push(problem(&field("nature"), "N1 or N4 when the rate is 0")),
        (false, Some(_)) => out.push(problem(&field("nature"), "only for a rate of 0")),
    }
    if let (Some(start), Some(end)) = (l.period_start, l.period_end) {
        if end < start {
            out.push(problem(&field("period_end"), "before period_start"));
        }
    }
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

//! Invoices and credit notes: the figures every rendering (FatturaPA XML,
//! courtesy PDF, Excel index) must agree on, computed once here.

use crate::ids::{Iban, TaxCode, VatNumber};
use crate::money::Money;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DocumentKind {
    /// FatturaPA TD01.
    Invoice,
    /// FatturaPA TD04.
    CreditNote,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit_note",
        }
    }

    pub fn parse(text: &str) -> Option<DocumentKind> {
        [DocumentKind::Invoice, DocumentKind::CreditNote]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartyName {
    Company(String),
    Person { first: String, last: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub street: String,
    pub postcode: String,
    pub city: String,
    /// Two-letter province code, Italian addresses only.
    pub province: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub name: PartyName,
    pub vat_number: Option<VatNumber>,
    pub tax_code: Option<TaxCode>,
    pub address: Address,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PaymentMethod {
    BankTransfer,
    SepaDirectDebit,
}

/// Why a line carries no VAT (FatturaPA "Natura"); required when the rate is 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VatNature {
    /// N1: excluded under art. 15 DPR 633/72 (e.g. stamp duty recharged).
    Excluded,
    /// N4: exempt (e.g. insurance premiums, art. 10).
    Exempt,
}

impl VatNature {
    pub fn parse(code: &str) -> Option<VatNature> {
        [VatNature::Excluded, VatNature::Exempt]
            .into_iter()
            .find(|n| n.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            VatNature::Excluded => "N1",
            VatNature::Exempt => "N4",
        }
    }

    /// How Italian invoices name it.
    pub fn label_it(self) -> &'static str {
        match self {
            VatNature::Excluded => "escluso art. 15",
            VatNature::Exempt => "esente art. 10",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceLine {
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: Money,
    /// Percent, e.g. 22.
    pub vat_rate: Decimal,
    pub nature: Option<VatNature>,
    /// The accrual period the line pays for, e.g. an installment's month.
    pub period: Option<(NaiveDate, NaiveDate)>,
}

impl PaymentMethod {
    /// The storage code.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::SepaDirectDebit => "sepa_direct_debit",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentMethod> {
        match text {
            "bank_transfer" => Some(PaymentMethod::BankTransfer),
            "sepa_direct_debit" => Some(PaymentMethod::SepaDirectDebit),
            _ => None,
        }
    }
}

/// The most a line may count: quantities are whole or up to 8 decimals.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// The most lines one document may have, so that no total can overflow.
pub const MAX_LINES: usize = 1_000;

/// Why a line's quantity or amount cannot be invoiced: (field, reason).
pub fn line_amount_problem(quantity: Decimal, unit_price: Money) -> Option<(&'static str, &'static str)> {
    if quantity > Decimal::from(MAX_QUANTITY) || quantity.normalize().scale() > 8 {
        return Some(("quantity", "at most 1000000, with up to 8 decimals"));
    }
    match quantity.checked_mul(unit_price.decimal()) {
        Some(amount) if amount.abs() <= Money::MAX.decimal() => None,
        _ => Some(("unit_price", "the line's amount exceeds 10000000000000.00")),
    }
}

impl InvoiceLine {
    /// Quantity × unit price, rounded half-up to the cent. Callers check
    /// the line first (`line_amount_problem`), so the product fits.
    pub fn total(&self) -> Money {
        Money::from_decimal_rounded(self.quantity * self.unit_price.decimal())
    }
}

/// Where the e-invoice is delivered through SDI: a 7-character recipient
/// code, or "0000000" with the customer's PEC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    Code(String),
    Pec(crate::ids::Pec),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    pub kind: DocumentKind,
    pub number: String,
    pub date: NaiveDate,
    pub seller: Party,
    pub buyer: Party,
    pub delivery: Delivery,
    pub lines: Vec<InvoiceLine>,
    pub reason: Option<String>,
    pub payment_method: PaymentMethod,
    pub due_on: NaiveDate,
    /// The account the customer pays into (transfer) or is debited from (SEPA).
    pub iban: Option<Iban>,
    /// For a credit note: the invoice it corrects (number and date).
    pub corrects: Option<(String, NaiveDate)>,
    /// The leasing contract the document belongs to, e.g. "84963/1".
    pub contract: Option<String>,
}

/// One line of the VAT summary ("riepilogo IVA").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VatSummary {
    pub rate: Decimal,
    pub nature: Option<VatNature>,
    pub taxable: Money,
    pub tax: Money,
}

impl Invoice {
    /// Per VAT rate and nature: the taxable sum of the lines and its VAT,
    /// rounded half-up once per group (as SDI checks it), by ascending rate.
    pub fn vat_summary(&self) -> Vec<VatSummary> {
        vat_summary(&self.lines)
    }

    pub fn taxable(&self) -> Money {
        Totals::of(&self.lines).taxable
    }

    pub fn tax(&self) -> Money {
        Totals::of(&self.lines).tax
    }

    /// What the customer pays: taxable plus VAT.
    pub fn total(&self) -> Money {
        Totals::of(&self.lines).total
    }
}

/// The three figures of a document, from its lines alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Totals {
    pub taxable: Money,
    pub tax: Money,
    pub total: Money,
}

impl Totals {
    pub fn of(lines: &[InvoiceLine]) -> Totals {
        let summary = vat_summary(lines);
        let taxable: Money = summary.iter().map(|s| s.taxable).sum();
        let tax: Money = summary.iter().map(|s| s.tax).sum();
        Totals {
            taxable,
            tax,
            total: taxable + tax,
        }
    }
}

/// Per VAT rate and nature: the taxable sum and its VAT, rounded once per group.
pub fn vat_summary(lines: &[InvoiceLine]) -> Vec<VatSummary> {
    let mut groups: BTreeMap<(Decimal, Option<VatNature>), Money> = BTreeMap::new();
    for line in lines {
        let taxable = groups
            .entry((line.vat_rate.normalize(), line.nature))
            .or_insert(Money::ZERO);
        *taxable = *taxable + line.total();
    }
    groups
        .into_iter()
        .map(|((rate, nature), taxable)| VatSummary {
            rate,
            nature,
            taxable,
            tax: Money::from_decimal_rounded(taxable.decimal() * rate / Decimal::ONE_HUNDRED),
        })
        .collect()
}

/// A realistic installment invoice, for tests of every rendering.
#[cfg(any(test, feature = "samples"))]
pub mod samples {
    use super::*;

    pub fn sample_invoice() -> Invoice {
        let party = |name: PartyName, vat: Option<&str>, tax: Option<&str>, city: &str| Party {
            name,
            vat_number: vat.map(|v| v.parse().unwrap()),
            tax_code: tax.map(|t| t.parse().unwrap()),
            address: Address {
                street: "Via Roma 1".into(),
                postcode: "31100".into(),
                city: city.into(),
                province: Some("TV".into()),
                country: "IT".into(),
            },
        };
        Invoice {
            kind: DocumentKind::Invoice,
            number: "2024/000123".into(),
            date: "2024-04-01".parse().unwrap(),
            seller: party(
                PartyName::Company("Sportello Leasing S.p.A.".into()),
                Some("02529020220"),
                None,
                "Treviso",
            ),
            buyer: party(
                PartyName::Company("Studio Odontoiatrico Rossi S.r.l.".into()),
                Some("01234560587"),
                None,
                "Roma",
            ),
            delivery: Delivery::Code("ABC1234".into()),
            lines: vec![
                InvoiceLine {
                    description: "Canone n. 23".into(),
                    quantity: Decimal::ONE,
                    unit_price: "421.40".parse().unwrap(),
                    vat_rate: Decimal::from(22),
                    nature: None,
                    period: Some(("2024-04-01".parse().unwrap(), "2024-04-30".parse().unwrap())),
                },
                InvoiceLine {
                    description: "Spese incasso SEPA".into(),
                    quantity: Decimal::ONE,
                    unit_price: "2.50".parse().unwrap(),
                    vat_rate: Decimal::from(22),
                    nature: None,
                    period: None,
                },
                InvoiceLine {
                    description: "Recupero imposta di bollo".into(),
                    quantity: Decimal::ONE,
                    unit_price: "2.00".parse().unwrap(),
                    vat_rate: Decimal::ZERO,
                    nature: Some(VatNature::Excluded),
                    period: None,
                },
            ],
            reason: Some("Canone di locazione finanziaria, contratto 84963/1".into()),
            payment_method: PaymentMethod::SepaDirectDebit,
            due_on: "2024-04-30".parse().unwrap(),
            iban: Some("IT60X0542811101000000123456".parse().unwrap()),
            corrects: None,
            contract: Some("84963/1".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::samples::sample_invoice;
    use super::*;

    #[test]
    fn vat_is_summed_per_rate_and_rounded_once() {
        let invoice = sample_invoice();
        let summary = invoice.vat_summary();
        assert_eq!(summary.len(), 2);
        assert_eq!(
            (summary[0].rate, summary[0].taxable, summary[0].tax),
            (Decimal::ZERO, "2.00".parse().unwrap(), Money::ZERO)
        );
        // 423.90 × 22 % = 93.258 → 93.26
        assert_eq!(
            (summary[1].taxable, summary[1].tax),
            ("423.90".parse().unwrap(), "93.26".parse().unwrap())
        );
        assert_eq!(invoice.total(), "519.16".parse().unwrap());
    }

    #[test]
    fn line_totals_round_half_up() {
        // 2.5 × 0.33 = 0.825 → 0.83
        let line = InvoiceLine {
            description: "x".into(),
            quantity: Decimal::new(25, 1),
            unit_price: "0.33".parse().unwrap(),
            vat_rate: Decimal::from(22),
            nature: None,
            period: None,
        };
        assert_eq!(line.total(), "0.83".parse().unwrap());
    }
}

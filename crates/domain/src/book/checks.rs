//! The rules each record of the book feed must meet before anything of its
//! file is applied, each refusal naming its field.

use super::*;

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

//! A book as the company's leasing system would export it: one customer
//! with `contracts` contracts since 2008, as feed records, deterministic for
//! a seed. Tests and the benchmark import it as a file; the desktop then sees
//! it exactly as if the company had sent it.

use crate::demo::{collection_method, installment_line, issue_date};
use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sportello_domain::amortization::{build_plan, first_installment};
use sportello_domain::api::contracts::ContractStatus;
use sportello_domain::api::schedule::ScheduleReason;
use sportello_domain::book::*;
use sportello_domain::invoice::{DocumentKind, Totals};

const PRODUCTS: [&str; 3] = ["Leasing targato", "Leasing strumentale", "Leasing veicoli commerciali"];

/// The customer record of a sample book.
pub fn customer(code: &str) -> CustomerRecord {
    CustomerRecord {
        code: code.into(),
        kind: CustomerKind::Company,
        name: "Trasporti Adriatici S.r.l.".into(),
        tax_code: "12345670017".into(),
        email: "amministrazione@pec.trasportiadriatici.example".into(),
        street: "Via del Porto 12".into(),
        postcode: "30135".into(),
        city: "Venezia".into(),
        province: Some("VE".into()),
        country: "IT".into(),
        sdi_code: Some("M5UXCR1".into()),
        pec: None,
    }
}

/// Every record of the book, in an order a nightly export would have.
pub fn records(code: &str, contracts: u32, seed: u64, today: NaiveDate) -> Vec<BookRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = vec![BookRecord::Customer(customer(code))];
    let mut invoice_no = 0_u32;
    for n in 0..contracts {
        contract(&mut rng, &mut out, code, n, today, &mut invoice_no);
    }
    out
}

/// The same as JSON Lines text.
pub fn json_lines(records: &[BookRecord]) -> String {
    records
        .iter()
        .map(|r| serde_json::to_string(r).expect("records serialize") + "\n")
        .collect()
}

fn contract(rng: &mut StdRng, out: &mut Vec<BookRecord>, code: &str, n: u32, today: NaiveDate, invoice_no: &mut u32) {
    let terms = crate::fleet::generated_terms(rng, n, today);
    let (signed_on, start_on, installments) = (terms.signed_on, terms.start_on, terms.installments);
    let plan = build_plan(&terms).expect("generated terms are valid");
    let contract_no = format!("{}", 600_000 + n);
    let key = contract_key(&contract_no, "1");
    let end_on = plan.last().map_or(start_on, |r| r.due_on);
    out.push(BookRecord::Contract(ContractRecord {
        customer: code.into(),
        contract_no: contract_no.clone(),
        module_no: "1".into(),
        product: PRODUCTS[rng.gen_range(0..PRODUCTS.len())].into(),
        status: if end_on < today {
            ContractStatus::Extinct
        } else {
            ContractStatus::Active
        },
        signed_on,
        start_on,
        end_on,
        amount: terms.amount,
        advance: terms.advance,
        residual: terms.residual,
        beneficiary_code: format!("B-{:06}", rng.gen_range(1..999_999)),
        beneficiary: "Concessionaria convenzionata".into(),
        iban: None,
        reference_rate: "Euribor 3 m.l. (div.360)".into(),
        subsidy: "Nessuna agevolazione".into(),
        periodicity: terms.periodicity,
        installments,
        installment: first_installment(&plan),
        duration_months: installments + 1,
        annual_rate: Some(terms.annual_rate),
        timing: Some(terms.timing),
        base_index: None,
    }));
    out.push(BookRecord::Asset(AssetRecord {
        reference: format!("A-{contract_no}"),
        contract: key.clone(),
        code: format!("{}", 800_000 + n),
        asset_type: "AUTO LEASING FINANZIARIO".into(),
        description: format!("VEICOLO {n}"),
        financial_value: terms.amount,
        future_value: terms.residual,
    }));
    for row in &plan {
        let method = collection_method(row.kind);
        let line = installment_line(&key, row);
        let total = Totals::of(std::slice::from_ref(&line)).total;
        let issued_on = issue_date(row);
        let invoice = (issued_on <= today).then(|| {
            *invoice_no += 1;
            let number = format!("FB{}/{:07}", issued_on.year(), *invoice_no);
            let (start, end) = line.period.map_or((None, None), |(s, e)| (Some(s), Some(e)));
            out.push(BookRecord::Invoice(InvoiceRecord {
                number: number.clone(),
                customer: code.into(),
                contract: Some(key.clone()),
                kind: DocumentKind::Invoice,
                issued_on,
                due_on: row.due_on,
                payment_method: method,
                reason: Some("Canoni di locazione finanziaria".into()),
                corrects: None,
                lines: vec![InvoiceLineFields {
                    description: line.description.clone(),
                    quantity: line.quantity,
                    unit_price: line.unit_price,
                    vat_rate: line.vat_rate,
                    nature: None,
                    period_start: start,
                    period_end: end,
                }],
            }));
            number
        });
        let reference = format!("S-{contract_no}-{}-{}", row.kind.as_str(), row.number);
        out.push(BookRecord::ScheduleLine(ScheduleLineRecord {
            reference: reference.clone(),
            contract: key.clone(),
            installment_no: row.number,
            reason: ScheduleReason::parse(row.kind.as_str()).expect("plan kinds are schedule reasons"),
            due_on: row.due_on,
            amount: total,
            payment_method: method,
            invoice,
        }));
        // One line in a hundred of the past stays unpaid: the book's overdue money.
        if row.due_on < today && rng.gen_range(0..100) != 0 {
            out.push(BookRecord::Collection(CollectionRecord {
                reference: format!("P-{reference}"),
                line: reference,
                amount: total,
                collected_on: row.due_on,
                method,
                deleted: false,
            }));
        }
    }
}

/// The schedule lines due after `today` that no collection of the records settles, in file order.
pub fn lines_to_come(records: &[BookRecord], today: NaiveDate) -> Vec<ScheduleLineRecord> {
    let collected: std::collections::HashSet<&str> = records
        .iter()
        .filter_map(|r| match r {
            BookRecord::Collection(c) => Some(c.line.as_str()),
            _ => None,
        })
        .collect();
    records
        .iter()
        .filter_map(|r| match r {
            BookRecord::ScheduleLine(s) if s.due_on > today && !collected.contains(s.reference.as_str()) => {
                Some(s.clone())
            }
            _ => None,
        })
        .collect()
}

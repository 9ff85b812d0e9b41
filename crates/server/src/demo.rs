//! The demo customer: a dental practice with the contracts of the Customer
//! Portal manual (84963 with 88 installments and 5 assets), a car lease with
//! one overdue installment, and an extinct contract. Dates are laid out
//! around the day of seeding so that the dashboard has a past and a future.

use crate::authenticator::Owner;
use crate::passwords;
use crate::store::book::{NewAsset, NewContract, NewEntry};
use crate::store::invoices::NewInvoice;
use crate::store::requests::{Author, NewMessageRow, NewRequestRow};
use crate::store::users::{Billing, NewCustomer, NewUser};
use crate::store::{Store, StoreResult};
use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::Decimal;
use sportello_domain::amortization::{build_plan, first_installment, Periodicity, PlanTerms, RowKind, Timing};
use sportello_domain::invoice::{DocumentKind, InvoiceLine, PaymentMethod, Totals};
use sportello_domain::Money;

pub const DEMO_USERNAME: &str = "10093";
pub const DEMO_PASSWORD: &str = "Sportello-Demo-2026";
pub const DEMO_EMAIL: &str = "studio.rossi@pec.studiorossi.example";
pub const DEMO_TAX_CODE: &str = "01234560587";
/// The account the demo customer is debited from (the registry's Italian example).
/// The demo back-office account (role admin), for `sportello-server demo` and the tests.
pub const DEMO_OPERATOR: &str = "operatore";
pub const DEMO_OPERATOR_PASSWORD: &str = "Sportello-Operatore-2026";
/// The demo operator's authenticator secret (base32): put it in any
/// authenticator app to log in to the operator API of the demo.
pub const DEMO_OPERATOR_AUTHENTICATOR: &str = "KNIE6USUIVGEYT2PKBSVEQKUJ5JEKMRQ";

const DEMO_IBAN: &str = "IT60X0542811101000000123456";

struct Plan<'a> {
    contract: NewContract<'a>,
    /// Due dates before this one that stay unpaid (the demo's overdue money).
    unpaid_before_today: usize,
    assets: &'a [(&'a str, &'a str, &'a str, &'a str, &'a str)],
}

/// Seeds the demo customer unless users exist already; true when it seeded.
pub async fn seed(store: &Store, today: NaiveDate, now_ms: i64) -> StoreResult<bool> {
    if store.count_users().await? > 0 {
        return Ok(false);
    }
    let customer = NewCustomer {
        code: DEMO_USERNAME,
        kind: "company",
        name: "Studio Odontoiatrico Rossi S.r.l.",
        tax_code: DEMO_TAX_CODE,
        email: DEMO_EMAIL,
    };
    let customer_id = store.insert_customer(&customer, now_ms).await?;
    let hash = tokio::task::spawn_blocking(|| passwords::hash(DEMO_PASSWORD))
        .await
        .expect("hashing does not panic");
    let user = NewUser {
        customer_id,
        username: DEMO_USERNAME,
        password_hash: &hash,
        display_name: "Mario Rossi",
        email: DEMO_EMAIL,
        language: "it",
    };
    let user_id = store.insert_user(&user, now_ms).await?;
    let billing = Billing {
        street: "Via Nazionale 212",
        postcode: "00184",
        city: "Roma",
        province: Some("RM"),
        country: "IT",
        sdi_code: "0000000",
        pec: Some(DEMO_EMAIL),
    };
    store.set_billing(customer_id, &billing).await?;
    let mut pending = Vec::new();
    for plan in plans(customer_id, today) {
        pending.extend(seed_plan(store, plan, today).await?);
    }
    issue_invoices(store, customer_id, pending).await?;
    seed_desk(store, customer_id, user_id, today, now_ms).await?;
    Ok(true)
}

/// The demo operator, a company broadcast, and a request the desk answered.
async fn seed_desk(store: &Store, customer_id: i64, user_id: i64, today: NaiveDate, now_ms: i64) -> StoreResult<()> {
    let hash = tokio::task::spawn_blocking(|| passwords::hash(DEMO_OPERATOR_PASSWORD))
        .await
        .expect("hashing does not panic");
    let operator = store
        .insert_operator(DEMO_OPERATOR, &hash, "Anna Neri", "admin", now_ms)
        .await?;
    store
        .put_enabled_authenticator(
            &Owner::Operator(operator).key(),
            DEMO_OPERATOR_AUTHENTICATOR,
            &[],
            now_ms,
        )
        .await?;
    let hour = 3_600_000;
    store
        .insert_notification(
            None,
            "broadcast",
            None,
            "Nuova area clienti Sportello",
            "Da oggi fatture, piani di ammortamento e richieste sono a portata di clic nell'app Sportello.",
            now_ms - 48 * hour,
        )
        .await?;
    let request = NewRequestRow {
        customer_id,
        user_id,
        kind: "free",
        title: "Copia documenti contrattuali",
        contract_id: None,
        details: r#"{"kind":"free","type_code":"documents_copy","type_title":"Copia documenti contrattuali"}"#,
        year: today.year(),
    };
    let body = "Buongiorno, vorrei una copia del contratto 84963/1 firmato.";
    let (id, _) = store
        .insert_request(&request, Some((body, &[])), now_ms - 26 * hour)
        .await?;
    let reply = NewMessageRow {
        request_id: id,
        author: Author::Operator(operator),
        body: "Gentile cliente, la copia è in preparazione: la riceverà entro 3 giorni lavorativi.",
        attachment_ids: &[],
        status: Some("in_progress"),
        payoff: None,
    };
    store.insert_message(customer_id, &reply, now_ms - 2 * hour).await?;
    store
        .insert_notification(
            Some(customer_id),
            "desk",
            Some(id),
            "Copia documenti contrattuali",
            reply.body,
            now_ms - 2 * hour,
        )
        .await?;
    Ok(())
}

fn month_start(today: NaiveDate, months_back: u32) -> NaiveDate {
    today.with_day(1).expect("day 1 exists") - Months::new(months_back)
}

fn plans(customer_id: i64, today: NaiveDate) -> Vec<Plan<'static>> {
    let eur = |s: &str| s.parse::<Money>().expect("demo amounts are valid");
    let dental_start = month_start(today, 30);
    let car_start = month_start(today, 8) + Days::new(14);
    let old_start = month_start(today, 84);
    vec![
        Plan {
            contract: NewContract {
                customer_id,
                contract_no: "84963",
                module_no: "1",
                product: "Leasing strumentale",
                status: "active",
                signed_on: dental_start - Days::new(16),
                start_on: dental_start,
                end_on: dental_start + Months::new(88),
                amount: eur("25150.00"),
                advance: eur("2515.00"),
                residual: eur("251.50"),
                beneficiary_code: "B-001274",
                beneficiary: "Dental Equipment Italia S.r.l.",
                iban: Some(DEMO_IBAN),
                reference_rate: "Euribor 3 m.l. (div.360)",
                subsidy: "Nessuna agevolazione",
                periodicity: Periodicity::Monthly,
                installments: 87,
                // Set from the plan when seeded.
                installment: Money::ZERO,
                duration_months: 88,
            },
            unpaid_before_today: 0,
            assets: &[
                (
                    "166029",
                    "Beni mobili in leasing",
                    "POLTRONA PER TRATTAMENTI TEST PLUS CON ACCESSORI",
                    "1500.00",
                    "15.00",
                ),
                (
                    "166030",
                    "Beni mobili in leasing",
                    "PANORAMICO PAX I 2D COMFORT EXTRA",
                    "11500.00",
                    "115.00",
                ),
                (
                    "166031",
                    "Beni mobili in leasing",
                    "MOBILI STERILIZZAZIONE",
                    "2850.00",
                    "28.50",
                ),
                (
                    "166032",
                    "Beni mobili in leasing",
                    "COMPOSIZIONE MOBILI STUDIO 2",
                    "3800.00",
                    "38.00",
                ),
                (
                    "166033",
                    "Beni mobili in leasing",
                    "COMPOSIZIONE MOBILI STUDIO 1",
                    "5500.00",
                    "55.00",
                ),
            ],
        },
        Plan {
            contract: NewContract {
                customer_id,
                contract_no: "91207",
                module_no: "1",
                product: "Leasing targato",
                status: "active",
                signed_on: car_start - Days::new(10),
                start_on: car_start,
                end_on: car_start + Months::new(48),
                amount: eur("36195.50"),
                advance: eur("7239.10"),
                residual: eur("361.96"),
                beneficiary_code: "B-004410",
                beneficiary: "Autosalone Marca Trevigiana S.p.A.",
                iban: Some(DEMO_IBAN),
                reference_rate: "Euribor 3 m.l. (div.360)",
                subsidy: "Nessuna agevolazione",
                periodicity: Periodicity::Monthly,
                installments: 47,
                // Set from the plan when seeded.
                installment: Money::ZERO,
                duration_months: 48,
            },
            unpaid_before_today: 1,
            assets: &[(
                "171204",
                "AUTO LEASING FINANZIARIO",
                "VOLKSWAGEN TIGUAN 2.0 TDI 150 CV",
                "36195.50",
                "361.96",
            )],
        },
        Plan {
            contract: NewContract {
                customer_id,
                contract_no: "70512",
                module_no: "2",
                product: "Leasing strumentale",
                status: "extinct",
                signed_on: old_start - Days::new(20),
                start_on: old_start,
                end_on: old_start + Months::new(37),
                amount: eur("12000.00"),
                advance: eur("1200.00"),
                residual: eur("120.00"),
                beneficiary_code: "B-000981",
                beneficiary: "Sterilmed S.r.l.",
                iban: Some(DEMO_IBAN),
                reference_rate: "Euribor 3 m.l. (div.360)",
                subsidy: "Nessuna agevolazione",
                periodicity: Periodicity::Monthly,
                installments: 36,
                // Set from the plan when seeded.
                installment: Money::ZERO,
                duration_months: 37,
            },
            unpaid_before_today: 0,
            assets: &[(
                "120877",
                "Beni mobili in leasing",
                "AUTOCLAVE CLASSE B 22 LITRI",
                "12000.00",
                "120.00",
            )],
        },
    ]
}

async fn seed_plan(store: &Store, mut plan: Plan<'_>, today: NaiveDate) -> StoreResult<Vec<Pending>> {
    let terms = PlanTerms {
        amount: plan.contract.amount,
        advance: plan.contract.advance,
        residual: plan.contract.residual,
        annual_rate: Decimal::new(45, 3),
        periodicity: plan.contract.periodicity,
        installments: plan.contract.installments,
        timing: Timing::InArrears,
        signed_on: plan.contract.signed_on,
        start_on: plan.contract.start_on,
    };
    let rows = build_plan(&terms).expect("the demo plans are valid");
    plan.contract.installment = first_installment(&rows);
    let contract_id = store.insert_contract(&plan.contract).await?;
    for (code, asset_type, description, value, future) in plan.assets {
        let asset = NewAsset {
            contract_id,
            code,
            asset_type,
            description,
            financial_value: value.parse().expect("valid"),
            future_value: future.parse().expect("valid"),
        };
        store.insert_asset(&asset).await?;
    }
    // Everything due before today is collected on its due date, but for the
    // last `unpaid_before_today` rows.
    let past = rows.iter().filter(|r| r.due_on < today).count();
    let paid = |index: usize| index + plan.unpaid_before_today < past;
    let method = collection_method;
    let stored: Vec<_> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| (row.clone(), method(row.kind), paid(i).then_some(row.due_on)))
        .collect();
    store.insert_plan(contract_id, &stored).await?;
    let mut pending = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let kind = row.kind.as_str();
        // The plan row is the taxable amount; the schedule line is what the customer pays.
        let label = format!("{}/{}", plan.contract.contract_no, plan.contract.module_no);
        let line = installment_line(&label, row);
        let total = Totals::of(std::slice::from_ref(&line)).total;
        let entry = NewEntry {
            contract_id,
            customer_id: plan.contract.customer_id,
            installment_no: i64::from(row.number),
            kind,
            due_on: row.due_on,
            amount: total,
            payment_method: method(row.kind).as_str(),
        };
        let entry_id = store.insert_entry(&entry).await?;
        if paid(index) {
            store.insert_payment(entry_id, total, row.due_on).await?;
        }
        let issued_on = issue_date(row);
        if issued_on <= today {
            pending.push(Pending {
                issued_on,
                due_on: row.due_on,
                contract_id,
                entry_id,
                method: method(row.kind),
                line,
            });
        }
    }
    Ok(pending)
}

/// An invoice the demo will issue, once every contract's are known.
struct Pending {
    issued_on: NaiveDate,
    due_on: NaiveDate,
    contract_id: i64,
    entry_id: i64,
    method: PaymentMethod,
    line: InvoiceLine,
}

/// How a plan row is collected: the advance and the buy-out by transfer, the rest by SEPA debit.
pub(crate) fn collection_method(kind: RowKind) -> PaymentMethod {
    match kind {
        RowKind::Advance | RowKind::Residual => PaymentMethod::BankTransfer,
        RowKind::Installment | RowKind::Indexation => PaymentMethod::SepaDirectDebit,
    }
}

/// When a plan row is invoiced: a fortnight before it falls due, the advance on signing.
pub(crate) fn issue_date(row: &sportello_domain::amortization::PlanRow) -> NaiveDate {
    if row.kind == RowKind::Advance {
        row.due_on
    } else {
        row.due_on - Days::new(15)
    }
}

/// The invoice line that bills a plan row of contract `label` ("84963/1"), at 22 % VAT.
pub(crate) fn installment_line(label: &str, row: &sportello_domain::amortization::PlanRow) -> InvoiceLine {
    let what = match row.kind {
        RowKind::Advance => "Canone anticipato".to_owned(),
        RowKind::Residual => "Valore residuo (riscatto)".to_owned(),
        RowKind::Indexation => "Conguaglio indicizzazione".to_owned(),
        RowKind::Installment => format!("Canone n. {}", row.number),
    };
    InvoiceLine {
        description: format!("{what} - contratto {label}"),
        quantity: Decimal::ONE,
        unit_price: row.amount,
        vat_rate: Decimal::from(22),
        nature: None,
        period: Some((row.accrual_start, row.accrual_end)),
    }
}

/// Issues the pending invoices in date order, numbered from 1 each year, and
/// one credit note correcting the first installment invoice of 84963.
async fn issue_invoices(store: &Store, customer_id: i64, mut pending: Vec<Pending>) -> StoreResult<()> {
    pending.sort_by_key(|p| (p.issued_on, p.contract_id));
    let (mut year, mut counter) = (0, 0);
    let mut first_dental: Option<(i64, NaiveDate, i64)> = None;
    for p in &pending {
        if p.issued_on.year() != year {
            (year, counter) = (p.issued_on.year(), 0);
        }
        counter += 1;
        let number = format!("{year}/{counter:06}");
        let invoice = NewInvoice {
            customer_id,
            contract_id: Some(p.contract_id),
            kind: DocumentKind::Invoice,
            number: Some(&number),
            issued_on: p.issued_on,
            due_on: p.due_on,
            payment_method: p.method,
            reason: Some("Canoni di locazione finanziaria"),
            corrects_id: None,
            lines: std::slice::from_ref(&p.line),
        };
        let id = store.insert_invoice(&invoice).await?;
        store.link_entry_to_invoice(p.entry_id, id).await?;
        if first_dental.is_none() && p.line.description.starts_with("Canone n. 1 - contratto 84963") {
            first_dental = Some((id, p.issued_on, p.contract_id));
        }
    }
    if let Some((corrected, issued_on, contract_id)) = first_dental {
        let day = issued_on + Days::new(5);
        let line = InvoiceLine {
            description: "Rettifica interessi canone n. 1 - contratto 84963/1".into(),
            quantity: Decimal::ONE,
            unit_price: "10.00".parse().expect("valid"),
            vat_rate: Decimal::from(22),
            nature: None,
            period: None,
        };
        let note = NewInvoice {
            customer_id,
            contract_id: Some(contract_id),
            kind: DocumentKind::CreditNote,
            number: Some(&format!("NC{}/{:04}", day.year(), 1)),
            issued_on: day,
            due_on: day,
            payment_method: PaymentMethod::BankTransfer,
            reason: Some("Nota di credito a rettifica"),
            corrects_id: Some(corrected),
            lines: std::slice::from_ref(&line),
        };
        store.insert_invoice(&note).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sportello_domain::ids::{Pec, TaxCode};

    #[test]
    fn the_demo_customer_has_valid_identifiers() {
        assert!(matches!(DEMO_TAX_CODE.parse::<TaxCode>(), Ok(TaxCode::Company(_))));
        assert!(DEMO_EMAIL.parse::<Pec>().is_ok());
    }
}

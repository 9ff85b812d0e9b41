//! The "fleet" profile: one customer with a large book since 2008, generated
//! deterministically from a seed, for benchmarks and scale tests (1,000
//! contracts give about 60,000 schedule rows and 40,000 invoices).

use crate::demo::{collection_method, installment_line, issue_date};
use crate::passwords;
use crate::store::bulk::Val::{self, Int, NullInt, NullText, Text};
use crate::store::users::{Billing, NewCustomer, NewUser};
use crate::store::{Store, StoreResult};
use chrono::{Datelike, Days, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use sportello_domain::amortization::{build_plan, first_installment, Periodicity, PlanTerms, Timing};
use sportello_domain::api::invoices::first_day;
use sportello_domain::invoice::{InvoiceLine, PaymentMethod, Totals};
use sportello_domain::Money;

pub const FLEET_USERNAME: &str = "20500";
pub const FLEET_PASSWORD: &str = "Sportello-Fleet-2026";

#[derive(Debug, Default, PartialEq, Eq)]
pub struct FleetSummary {
    pub contracts: usize,
    pub plan_rows: usize,
    pub schedule_rows: usize,
    pub invoices: usize,
}

/// Rows for every table, ids assigned up front.
#[derive(Default)]
struct Rows {
    contracts: Vec<Vec<Val>>,
    assets: Vec<Vec<Val>>,
    plan: Vec<Vec<Val>>,
    entries: Vec<Vec<Val>>,
    payments: Vec<Vec<Val>>,
    /// Invoices wait for their numbers, given in date order at the end.
    invoices: Vec<(NaiveDate, NaiveDate, i64, i64, PaymentMethod, InvoiceLine)>,
}

struct Ids {
    contract: i64,
    asset: i64,
    entry: i64,
    payment: i64,
    invoice: i64,
}

const PRODUCTS: [&str; 3] = ["Leasing targato", "Leasing strumentale", "Leasing veicoli commerciali"];

pub async fn seed_fleet(
    store: &Store,
    today: NaiveDate,
    contracts: u32,
    seed: u64,
    now_ms: i64,
) -> StoreResult<FleetSummary> {
    let customer = NewCustomer {
        code: FLEET_USERNAME,
        kind: "company",
        name: "Flotta Logistica Nord S.p.A.",
        tax_code: "12345670017",
        email: "amministrazione@pec.flottanord.example",
    };
    let customer_id = store.insert_customer(&customer, now_ms).await?;
    let hash = tokio::task::spawn_blocking(|| passwords::hash(FLEET_PASSWORD))
        .await
        .expect("hashing does not panic");
    let user = NewUser {
        customer_id,
        username: FLEET_USERNAME,
        password_hash: &hash,
        display_name: "Giulia Verdi",
        email: customer.email,
        language: "it",
    };
    store.insert_user(&user, now_ms).await?;
    let billing = Billing {
        street: "Via dell'Industria 8",
        postcode: "37135",
        city: "Verona",
        province: Some("VR"),
        country: "IT",
        sdi_code: "M5UXCR1",
        pec: None,
    };
    store.set_billing(customer_id, &billing).await?;

    let mut ids = Ids {
        contract: store.next_id("contracts").await?,
        asset: store.next_id("assets").await?,
        entry: store.next_id("schedule_entries").await?,
        payment: store.next_id("payments").await?,
        invoice: store.next_id("invoices").await?,
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let mut rows = Rows::default();
    for n in 0..contracts {
        contract(&mut rng, &mut rows, &mut ids, customer_id, n, today);
    }
    let summary = FleetSummary {
        contracts: rows.contracts.len(),
        plan_rows: rows.plan.len(),
        schedule_rows: rows.entries.len(),
        invoices: rows.invoices.len(),
    };
    write(store, rows, customer_id).await?;
    Ok(summary)
}

/// The terms of the generated book's `n`th contract: signed since 2008, and
/// every fifth within the last three years, so a book has active contracts
/// and lines to come whatever the day it is generated on.
pub(crate) fn generated_terms(rng: &mut StdRng, n: u32, today: NaiveDate) -> PlanTerms {
    let span = (today - first_day()).num_days().max(60) - 30;
    let signed_on = if n.is_multiple_of(5) {
        today - Days::new(rng.gen_range(30..1_095))
    } else {
        first_day() + Days::new(rng.gen_range(0..span) as u64)
    };
    let start_on = signed_on + Days::new(10);
    let amount = Money::from_cents(rng.gen_range(1_500..9_000) * 1_000);
    let installments = [48u32, 60, 72][rng.gen_range(0..3)];
    PlanTerms {
        amount,
        advance: Money::from_cents(amount.cents() * rng.gen_range(10..20) / 100),
        residual: Money::from_cents(amount.cents() / 100),
        annual_rate: Decimal::new(rng.gen_range(200..650), 4),
        periodicity: Periodicity::Monthly,
        installments,
        timing: Timing::InArrears,
        signed_on,
        start_on,
    }
}

fn contract(rng: &mut StdRng, rows: &mut Rows, ids: &mut Ids, customer_id: i64, n: u32, today: NaiveDate) {
    let terms = generated_terms(rng, n, today);
    let (signed_on, start_on, installments) = (terms.signed_on, terms.start_on, terms.installments);
    let plan = build_plan(&terms).expect("generated terms are valid");
    let contract_id = ids.contract;
    ids.contract += 1;
    let number = (500_000 + n).to_string();
    let label = format!("{number}/1");
    let end_on = plan.last().map_or(start_on, |r| r.due_on);
    let status = if end_on < today { "extinct" } else { "active" };
    rows.contracts.push(vec![
        Int(contract_id),
        Int(customer_id),
        Text(number.clone()),
        Text("1".into()),
        Text(PRODUCTS[rng.gen_range(0..PRODUCTS.len())].into()),
        Text(status.into()),
        Text(signed_on.to_string()),
        Text(start_on.to_string()),
        Text(end_on.to_string()),
        Int(terms.amount.cents()),
        Int(terms.advance.cents()),
        Int(terms.residual.cents()),
        Text(format!("B-{:06}", rng.gen_range(1..999_999))),
        Text("Concessionaria convenzionata".into()),
        NullText(None),
        Text("Euribor 3 m.l. (div.360)".into()),
        Text("Nessuna agevolazione".into()),
        Text(terms.periodicity.as_str().into()),
        Int(i64::from(installments)),
        Int(first_installment(&plan).cents()),
        Int(i64::from(installments + 1)),
    ]);
    rows.assets.push(vec![
        Int(ids.asset),
        Int(contract_id),
        Text(format!("{}", 700_000 + n)),
        Text("AUTO LEASING FINANZIARIO".into()),
        Text(format!("VEICOLO {n}")),
        Int(terms.amount.cents()),
        Int(terms.residual.cents()),
    ]);
    ids.asset += 1;
    for (seq, row) in (1_i64..).zip(&plan) {
        let method = collection_method(row.kind);
        // One line in a hundred of the past stays unpaid: the fleet's overdue money.
        let paid = row.due_on < today && rng.gen_range(0..100) != 0;
        rows.plan.push(vec![
            Int(contract_id),
            Int(seq),
            Int(i64::from(row.number)),
            Text(row.kind.as_str().into()),
            Text(row.due_on.to_string()),
            Int(row.amount.cents()),
            Int(row.principal.cents()),
            Int(row.interest.cents()),
            Int(row.outstanding.cents()),
            Text(method.as_str().into()),
            Text(row.accrual_start.to_string()),
            Text(row.accrual_end.to_string()),
            NullText(paid.then(|| row.due_on.to_string())),
        ]);
        let line = installment_line(&label, row);
        let total = Totals::of(std::slice::from_ref(&line)).total;
        let issued_on = issue_date(row);
        let invoice_id = (issued_on <= today).then(|| {
            rows.invoices
                .push((issued_on, row.due_on, contract_id, ids.invoice, method, line));
            ids.invoice += 1;
            ids.invoice - 1
        });
        rows.entries.push(vec![
            Int(ids.entry),
            Int(contract_id),
            Int(customer_id),
            Int(i64::from(row.number)),
            Text(row.kind.as_str().into()),
            Text(row.due_on.to_string()),
            Int(total.cents()),
            Text(method.as_str().into()),
            NullInt(invoice_id),
            Int(if paid { total.cents() } else { 0 }),
        ]);
        if paid {
            rows.payments.push(vec![
                Int(ids.payment),
                Int(ids.entry),
                Int(total.cents()),
                Text(row.due_on.to_string()),
            ]);
            ids.payment += 1;
        }
        ids.entry += 1;
    }
}

async fn write(store: &Store, mut rows: Rows, customer_id: i64) -> StoreResult<()> {
    let mut bulk = store.bulk().await?;
    bulk.insert(
        "contracts",
        &[
            "id",
            "customer_id",
            "contract_no",
            "module_no",
            "product",
            "status",
            "signed_on",
            "start_on",
            "end_on",
            "amount_cents",
            "advance_cents",
            "residual_cents",
            "beneficiary_code",
            "beneficiary",
            "iban",
            "reference_rate",
            "subsidy",
            "periodicity",
            "installments",
            "installment_cents",
            "duration_months",
        ],
        rows.contracts,
    )
    .await?;
    bulk.insert(
        "assets",
        &[
            "id",
            "contract_id",
            "code",
            "asset_type",
            "description",
            "financial_value_cents",
            "future_value_cents",
        ],
        rows.assets,
    )
    .await?;
    bulk.insert(
        "plan_rows",
        &[
            "contract_id",
            "seq",
            "number",
            "kind",
            "due_on",
            "amount_cents",
            "principal_cents",
            "interest_cents",
            "outstanding_cents",
            "payment_method",
            "accrual_start",
            "accrual_end",
            "collected_on",
        ],
        rows.plan,
    )
    .await?;
    // Numbered per year in date order, as a real register.
    rows.invoices.sort_by_key(|i| (i.0, i.3));
    let next_progressive = bulk.take_progressives(rows.invoices.len() as i64).await?;
    let (mut year, mut counter) = (0, 0);
    let mut invoices = Vec::with_capacity(rows.invoices.len());
    let mut lines = Vec::with_capacity(rows.invoices.len());
    for (k, (issued_on, due_on, contract_id, id, method, line)) in rows.invoices.into_iter().enumerate() {
        if issued_on.year() != year {
            (year, counter) = (issued_on.year(), 0);
        }
        counter += 1;
        let totals = Totals::of(std::slice::from_ref(&line));
        invoices.push(vec![
            Int(id),
            Int(customer_id),
            NullInt(Some(contract_id)),
            Text("invoice".into()),
            Text(format!("F{year}/{counter:06}")),
            Int(next_progressive + k as i64),
            Text(issued_on.to_string()),
            Text(due_on.to_string()),
            Text(method.as_str().into()),
            NullText(Some("Canoni di locazione finanziaria".into())),
            NullInt(None),
            Int(totals.taxable.cents()),
            Int(totals.tax.cents()),
            Int(totals.total.cents()),
        ]);
        let (start, end) = line
            .period
            .map_or((None, None), |(s, e)| (Some(s.to_string()), Some(e.to_string())));
        lines.push(vec![
            Int(id),
            Int(1),
            Text(line.description),
            Text(line.quantity.to_string()),
            Int(line.unit_price.cents()),
            Text(line.vat_rate.to_string()),
            NullText(None),
            NullText(start),
            NullText(end),
        ]);
    }
    bulk.insert(
        "invoices",
        &[
            "id",
            "customer_id",
            "contract_id",
            "kind",
            "number",
            "progressive",
            "issued_on",
            "due_on",
            "payment_method",
            "reason",
            "corrects_id",
            "taxable_cents",
            "vat_cents",
            "total_cents",
        ],
        invoices,
    )
    .await?;
    bulk.insert(
        "invoice_lines",
        &[
            "invoice_id",
            "seq",
            "description",
            "quantity",
            "unit_price_cents",
            "vat_rate",
            "nature",
            "period_start",
            "period_end",
        ],
        lines,
    )
    .await?;
    bulk.insert(
        "schedule_entries",
        &[
            "id",
            "contract_id",
            "customer_id",
            "installment_no",
            "kind",
            "due_on",
            "amount_cents",
            "payment_method",
            "invoice_id",
            "paid_cents",
        ],
        rows.entries,
    )
    .await?;
    bulk.insert(
        "payments",
        &["id", "entry_id", "amount_cents", "collected_on"],
        rows.payments,
    )
    .await?;
    bulk.commit(&["contracts", "assets", "schedule_entries", "payments", "invoices"])
        .await
}

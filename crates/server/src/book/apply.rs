//! Applying a checked file inside one transaction, in the order references
//! need: customers, rate fixes, contracts and their plans, assets, invoices,
//! schedule lines, collections; then notifications, the audit row and the
//! change feed. Reference problems are gathered, not stopped at, so one
//! refusal lists them all.

use super::files::{Line, LineProblem};
use crate::audit::Origin;
use crate::demo::collection_method;
use crate::ops::mail_amount;
use crate::store::bulk::Val::{self, Int, NullInt, NullText, Text};
use crate::store::feed::{self, Change};
use crate::store::import::{self, Keyed, Outcome};
use crate::store::Engine;
use crate::{AppState, ServerError};
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use sportello_domain::amortization::{build_plan, with_indexation, Periodicity, PlanTerms, RateFix, Timing};
use sportello_domain::api::ops::{ImportOutcome, ImportReport};
use sportello_domain::api::sync::Entity;
use sportello_domain::book::*;
use sportello_domain::invoice::{DocumentKind, InvoiceLine, Totals, VatNature};
use sportello_domain::Money;
use sqlx::{Any, Transaction};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Collections and invoices older than this are history being loaded, not news.
const NEWS_DAYS: u64 = 7;

pub(super) enum Applied {
    Refused(Vec<LineProblem>),
    Done { report: ImportReport, cursor: Option<i64> },
}

/// The e-mail of a newly published invoice, queued in the import's own
/// transaction.
struct InvoiceMail {
    customer_id: i64,
    customer_name: String,
    kind: DocumentKind,
    number: String,
    total: Money,
    due_on: NaiveDate,
}

struct Collected {
    amount: Money,
    contract: String,
    installment_no: i64,
    due_on: String,
}

struct Published {
    id: i64,
    kind: DocumentKind,
    number: String,
    total: Money,
    due_on: NaiveDate,
}

struct Applier {
    tx: Transaction<'static, Any>,
    engine: Engine,
    today: NaiveDate,
    now: i64,
    report: ImportReport,
    problems: Vec<LineProblem>,
    changes: Vec<Change>,
    seen_changes: HashSet<(Option<i64>, Entity, String)>,
    /// Customers that someone logs in for: only their desktops hold copies.
    watched: HashMap<i64, bool>,
    customers: HashMap<String, (i64, String)>,
    contracts: HashMap<String, (i64, i64)>,
    lines: HashMap<String, (i64, i64)>,
    /// Contract ids whose plan is built from their terms, with the line that asked.
    replan: BTreeMap<i64, usize>,
    collected: BTreeMap<i64, Vec<Collected>>,
    published: BTreeMap<i64, Vec<Published>>,
    mails: Vec<InvoiceMail>,
}

fn money(m: Money) -> Val {
    Int(m.cents())
}

fn day(d: NaiveDate) -> Val {
    Text(d.to_string())
}

/// A value's serde code ("in_arrears", "monthly").
fn code<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn counted(outcome: Outcome) -> ImportOutcome {
    match outcome {
        Outcome::Created(_) => ImportOutcome::Created,
        Outcome::Updated(_) => ImportOutcome::Updated,
        Outcome::Unchanged(_) => ImportOutcome::Unchanged,
    }
}

pub(super) async fn run(
    state: &AppState,
    origin: &Origin,
    file: &str,
    lines: Vec<Line>,
    dry_run: bool,
) -> Result<Applied, ServerError> {
    let mut a = Applier {
        tx: state.store.begin_write().await?,
        engine: state.store.engine,
        today: state.clock.today(),
        now: state.clock.now_ms(),
        report: ImportReport {
            file: file.to_owned(),
            dry_run,
            ..ImportReport::default()
        },
        problems: Vec::new(),
        changes: Vec::new(),
        seen_changes: HashSet::new(),
        watched: HashMap::new(),
        customers: HashMap::new(),
        contracts: HashMap::new(),
        lines: HashMap::new(),
        replan: BTreeMap::new(),
        collected: BTreeMap::new(),
        published: BTreeMap::new(),
        mails: Vec::new(),
    };
    let mut by_kind: BTreeMap<u8, Vec<(usize, BookRecord)>> = BTreeMap::new();
    let mut invoice_lines: HashMap<String, Vec<(usize, InvoiceLineFields)>> = HashMap::new();
    for Line { no, record } in lines {
        let order = match &record {
            BookRecord::Customer(_) => 0,
            BookRecord::RateFix(_) => 1,
            BookRecord::Contract(_) => 2,
            BookRecord::PlanRow(_) => 3,
            BookRecord::Asset(_) => 4,
            BookRecord::Invoice(i) if i.kind == DocumentKind::Invoice => 5,
            BookRecord::Invoice(_) => 6,
            BookRecord::ScheduleLine(_) => 7,
            BookRecord::Collection(_) => 8,
            BookRecord::InvoiceLine(l) => {
                invoice_lines
                    .entry(l.invoice.trim().to_owned())
                    .or_default()
                    .push((no, l.line.clone()));
                continue;
            }
        };
        by_kind.entry(order).or_default().push((no, record));
    }
    let explicit_plans: HashSet<String> = by_kind
        .get(&3)
        .into_iter()
        .flatten()
        .filter_map(|(_, r)| match r {
            BookRecord::PlanRow(p) => Some(p.contract.trim().to_owned()),
            _ => None,
        })
        .collect();
    let mut changed_fixes: BTreeMap<String, usize> = BTreeMap::new();
    let mut plans: BTreeMap<String, Vec<(usize, PlanRowRecord)>> = BTreeMap::new();
    let mut settle: BTreeMap<i64, usize> = BTreeMap::new();
    for (_, records) in std::mem::take(&mut by_kind) {
        for (no, record) in records {
            match record {
                BookRecord::Customer(c) => a.customer(&c).await?,
                BookRecord::RateFix(r) => {
                    if a.rate_fix(&r).await? {
                        changed_fixes.insert(r.reference_rate.trim().to_owned(), no);
                    }
                }
                BookRecord::Contract(c) => {
                    let has_plan = explicit_plans.contains(&c.key());
                    a.contract(no, &c, has_plan).await?
                }
                BookRecord::PlanRow(p) => plans.entry(p.contract.trim().to_owned()).or_default().push((no, p)),
                BookRecord::Asset(x) => {
                    if !plans.is_empty() {
                        a.plans(std::mem::take(&mut plans)).await?;
                    }
                    a.asset(no, &x).await?
                }
                BookRecord::Invoice(i) => {
                    let extra = invoice_lines.remove(i.number.trim()).unwrap_or_default();
                    a.invoice(no, &i, extra).await?
                }
                BookRecord::ScheduleLine(s) => a.schedule_line(no, &s, &mut settle).await?,
                BookRecord::Collection(c) => a.collection(no, &c, &mut settle).await?,
                BookRecord::InvoiceLine(_) => unreachable!("attached to their invoices"),
            }
        }
    }
    a.plans(plans).await?;
    for (number, lines) in invoice_lines {
        for (no, _) in lines {
            a.problem(no, "invoice", format!("no invoice {number} in this file"));
        }
    }
    a.rate_fixes_replan(changed_fixes, &explicit_plans).await?;
    a.build_plans().await?;
    a.settle(settle).await?;
    if !a.problems.is_empty() {
        a.tx.rollback().await.map_err(crate::store::StoreError::from)?;
        return Ok(Applied::Refused(a.problems));
    }
    a.notify().await?;
    a.queue_mails(state).await?;
    a.audit(origin, file).await?;
    let changes = std::mem::take(&mut a.changes);
    a.report.changes = u32::try_from(changes.len()).unwrap_or(u32::MAX);
    let cursor = feed::record(&mut a.tx, a.engine, &changes, a.now).await?;
    let report = a.report;
    if dry_run {
        a.tx.rollback().await.map_err(crate::store::StoreError::from)?;
        return Ok(Applied::Done { report, cursor: None });
    }
    a.tx.commit().await.map_err(crate::store::StoreError::from)?;
    if !a.mails.is_empty() {
        state.store.mail_wake().notify_one();
    }
    Ok(Applied::Done { report, cursor })
}

impl Applier {
    /// B4: tells each customer with a Sportello user about its new documents.
    async fn queue_mails(&mut self, state: &AppState) -> Result<(), ServerError> {
        for m in &self.mails {
            let notice =
                crate::ops::invoice_notice(state, m.customer_id, &m.customer_name, m.kind, m.total, m.due_on).await?;
            if let Some(notice) = notice {
                crate::store::mailq::insert(&mut self.tx, &notice.mail(&m.number), self.now).await?;
            }
        }
        Ok(())
    }

    fn problem(&mut self, line: usize, field: &str, reason: impl Into<String>) {
        self.problems.push(LineProblem::new(line, field, reason));
    }

    /// Announces a change to the customer's desktops, once per import.
    async fn announce(&mut self, customer_id: i64, entity: Entity, id: i64) -> Result<(), ServerError> {
        let watched = match self.watched.get(&customer_id) {
            Some(w) => *w,
            None => {
                let w = import::has_users(&mut self.tx, customer_id).await?;
                self.watched.insert(customer_id, w);
                w
            }
        };
        if watched && self.seen_changes.insert((Some(customer_id), entity, id.to_string())) {
            self.changes.push(Change::upsert(Some(customer_id), entity, id));
        }
        Ok(())
    }

    async fn customer_id(&mut self, line: usize, field: &str, code: &str) -> Result<Option<i64>, ServerError> {
        let code = code.trim();
        if let Some((id, _)) = self.customers.get(code) {
            return Ok(Some(*id));
        }
        let found: Option<(i64, String)> = sqlx::query_as("SELECT id, name FROM customers WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
        match found {
            Some(row) => {
                self.customers.insert(code.to_owned(), row.clone());
                Ok(Some(row.0))
            }
            None => {
                self.problem(line, field, format!("no customer {code} in the book or this file"));
                Ok(None)
            }
        }
    }

    /// A contract's (id, customer) by "contract_no/module_no".
    async fn contract_id(&mut self, line: usize, field: &str, key: &str) -> Result<Option<(i64, i64)>, ServerError> {
        let key = key.trim();
        if let Some(found) = self.contracts.get(key) {
            return Ok(Some(*found));
        }
        let Some((no, module)) = key.rsplit_once('/') else {
            self.problem(line, field, "contract_no/module_no, e.g. 84963/1");
            return Ok(None);
        };
        match import::contract_by_key(&mut self.tx, no.trim(), module.trim()).await? {
            Some(found) => {
                self.contracts.insert(key.to_owned(), found);
                Ok(Some(found))
            }
            None => {
                self.problem(line, field, format!("no contract {key} in the book or this file"));
                Ok(None)
            }
        }
    }

    async fn customer(&mut self, c: &CustomerRecord) -> Result<(), ServerError> {
        const COLUMNS: &[&str] = &[
            "kind", "name", "tax_code", "email", "street", "postcode", "city", "province", "country", "sdi_code", "pec",
        ];
        let values = vec![
            Text(c.kind.as_str().into()),
            Text(c.name.trim().into()),
            Text(c.tax_code.trim().to_uppercase()),
            Text(c.email.trim().into()),
            Text(c.street.trim().into()),
            Text(c.postcode.trim().into()),
            Text(c.city.trim().into()),
            NullText(c.province.as_deref().map(|p| p.trim().to_uppercase())),
            Text(c.country.clone()),
            Text(c.sdi_code.clone().unwrap_or_else(|| "0000000".into())),
            NullText(c.pec.as_deref().map(|p| p.trim().to_owned())),
        ];
        let outcome = import::upsert(
            &mut self.tx,
            Keyed {
                table: "customers",
                keys: vec![("code", Text(c.code.trim().into()))],
                columns: COLUMNS,
                values,
                insert_only: vec![("created_at", Int(self.now))],
            },
        )
        .await?;
        self.customers
            .insert(c.code.trim().to_owned(), (outcome.id(), c.name.trim().to_owned()));
        if outcome.changed() {
            self.announce(outcome.id(), Entity::Profile, outcome.id()).await?;
        }
        self.report.count("customer", counted(outcome));
        Ok(())
    }

    /// Returns whether the fix is new or moved.
    async fn rate_fix(&mut self, r: &RateFixRecord) -> Result<bool, ServerError> {
        let key = (r.reference_rate.trim().to_owned(), r.from.to_string());
        let stored: Option<String> =
            sqlx::query_scalar("SELECT rate FROM rate_fixes WHERE reference_rate = $1 AND valid_from = $2")
                .bind(&key.0)
                .bind(&key.1)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(crate::store::StoreError::from)?;
        let rate = r.rate.normalize().to_string();
        let outcome = match stored {
            Some(s) if s == rate => ImportOutcome::Unchanged,
            Some(_) => {
                sqlx::query("UPDATE rate_fixes SET rate = $3 WHERE reference_rate = $1 AND valid_from = $2")
                    .bind(&key.0)
                    .bind(&key.1)
                    .bind(&rate)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(crate::store::StoreError::from)?;
                ImportOutcome::Updated
            }
            None => {
                sqlx::query("INSERT INTO rate_fixes (reference_rate, valid_from, rate) VALUES ($1, $2, $3)")
                    .bind(&key.0)
                    .bind(&key.1)
                    .bind(&rate)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(crate::store::StoreError::from)?;
                ImportOutcome::Created
            }
        };
        self.report.count("rate_fix", outcome);
        Ok(outcome != ImportOutcome::Unchanged)
    }

    async fn contract(&mut self, no: usize, c: &ContractRecord, has_plan: bool) -> Result<(), ServerError> {
        const COLUMNS: &[&str] = &[
            "customer_id",
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
            "annual_rate",
            "timing",
            "base_index",
        ];
        let Some(customer_id) = self.customer_id(no, "customer", &c.customer).await? else {
            return Ok(());
        };
        let (contract_no, module_no) = (c.contract_no.trim(), c.module_no.trim());
        if let Some((_, owner)) = import::contract_by_key(&mut self.tx, contract_no, module_no).await? {
            if owner != customer_id {
                self.problem(
                    no,
                    "customer",
                    format!("contract {} belongs to another customer", c.key()),
                );
                return Ok(());
            }
        }
        let values = vec![
            Int(customer_id),
            Text(c.product.trim().into()),
            Text(c.status.as_str().into()),
            day(c.signed_on),
            day(c.start_on),
            day(c.end_on),
            money(c.amount),
            money(c.advance),
            money(c.residual),
            Text(c.beneficiary_code.trim().into()),
            Text(c.beneficiary.trim().into()),
            NullText(
                c.iban
                    .as_deref()
                    .map(|i| i.split_whitespace().collect::<String>().to_uppercase()),
            ),
            Text(c.reference_rate.trim().into()),
            Text(c.subsidy.trim().into()),
            Text(c.periodicity.as_str().into()),
            Int(i64::from(c.installments)),
            money(c.installment),
            Int(i64::from(c.duration_months)),
            NullText(c.annual_rate.map(|r| r.normalize().to_string())),
            NullText(c.timing.as_ref().map(code)),
            NullText(c.base_index.map(|r| r.normalize().to_string())),
        ];
        let outcome = import::upsert(
            &mut self.tx,
            Keyed {
                table: "contracts",
                keys: vec![
                    ("contract_no", Text(contract_no.into())),
                    ("module_no", Text(module_no.into())),
                ],
                columns: COLUMNS,
                values,
                insert_only: Vec::new(),
            },
        )
        .await?;
        let id = outcome.id();
        self.contracts.insert(c.key(), (id, customer_id));
        if c.annual_rate.is_some() && !has_plan {
            self.replan.insert(id, no);
        }
        if outcome.changed() {
            self.announce(customer_id, Entity::Contract, id).await?;
        }
        self.report.count("contract", counted(outcome));
        Ok(())
    }

    /// Explicit plans: each replaces its contract's plan when it differs.
    async fn plans(&mut self, plans: BTreeMap<String, Vec<(usize, PlanRowRecord)>>) -> Result<(), ServerError> {
        for (key, mut rows) in plans {
            let first = rows[0].0;
            let Some((contract_id, customer_id)) = self.contract_id(first, "contract", &key).await? else {
                continue;
            };
            rows.sort_by_key(|(_, r)| r.seq);
            let mut seqs = BTreeSet::new();
            for (no, r) in &rows {
                if !seqs.insert(r.seq) {
                    self.problem(*no, "seq", format!("seq {} twice in the plan of {key}", r.seq));
                }
            }
            let values = rows
                .iter()
                .map(|(_, r)| {
                    vec![
                        Int(i64::from(r.seq)),
                        Int(i64::from(r.number)),
                        Text(r.kind.as_str().into()),
                        day(r.due_on),
                        money(r.amount),
                        money(r.principal),
                        money(r.interest),
                        money(r.outstanding),
                        Text(r.payment_method.as_str().into()),
                        day(r.accrual_start),
                        day(r.accrual_end),
                        NullText(r.collected_on.map(|d| d.to_string())),
                    ]
                })
                .collect();
            let changed = import::replace_children(
                &mut self.tx,
                "plan_rows",
                ("contract_id", contract_id),
                "seq",
                PLAN_COLUMNS,
                values,
            )
            .await?;
            for (_, _) in &rows {
                let outcome = if changed {
                    ImportOutcome::Updated
                } else {
                    ImportOutcome::Unchanged
                };
                self.report.count("plan_row", outcome);
            }
            if changed {
                self.announce(customer_id, Entity::Contract, contract_id).await?;
            }
        }
        Ok(())
    }

    /// Contracts priced on an index whose fixes moved get their plan rebuilt.
    async fn rate_fixes_replan(
        &mut self,
        changed: BTreeMap<String, usize>,
        explicit: &HashSet<String>,
    ) -> Result<(), ServerError> {
        for (reference_rate, no) in changed {
            let indexed: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, contract_no, module_no FROM contracts
                 WHERE reference_rate = $1 AND annual_rate IS NOT NULL AND base_index IS NOT NULL",
            )
            .bind(&reference_rate)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
            for (id, contract_no, module_no) in indexed {
                if !explicit.contains(&contract_key(&contract_no, &module_no)) {
                    self.replan.entry(id).or_insert(no);
                }
            }
        }
        Ok(())
    }

    /// Builds the plans of contracts sent with terms, with the indexation of their index's fixes.
    async fn build_plans(&mut self) -> Result<(), ServerError> {
        for (contract_id, no) in std::mem::take(&mut self.replan) {
            type TermsRow = (
                i64,
                i64,
                i64,
                i64,
                String,
                String,
                i64,
                String,
                String,
                String,
                String,
                Option<String>,
            );
            let row: TermsRow = sqlx::query_as(
                "SELECT customer_id, amount_cents, advance_cents, residual_cents, annual_rate, periodicity, installments,
                        timing, signed_on, start_on, reference_rate, base_index
                 FROM contracts WHERE id = $1",
            )
            .bind(contract_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
            let (
                customer_id,
                amount,
                advance,
                residual,
                rate,
                periodicity,
                installments,
                timing,
                signed,
                start,
                index,
                base,
            ) = row;
            let parsed = (|| {
                let timing: Timing = serde_json::from_value(serde_json::Value::String(timing)).ok()?;
                Some(PlanTerms {
                    amount: Money::from_cents(amount),
                    advance: Money::from_cents(advance),
                    residual: Money::from_cents(residual),
                    annual_rate: rate.parse().ok()?,
                    periodicity: Periodicity::parse(&periodicity)?,
                    installments: u32::try_from(installments).ok()?,
                    timing,
                    signed_on: signed.parse().ok()?,
                    start_on: start.parse().ok()?,
                })
            })();
            let Some(terms) = parsed else {
                self.problem(no, "annual_rate", "the stored plan terms do not parse");
                continue;
            };
            let plan = match build_plan(&terms) {
                Ok(plan) => plan,
                Err(e) => {
                    self.problem(no, "annual_rate", format!("no plan from these terms: {e}"));
                    continue;
                }
            };
            let plan = match base.and_then(|b| b.parse::<Decimal>().ok()) {
                Some(base_index) => {
                    let fixes = self.fixes(&index, terms.annual_rate, base_index).await?;
                    with_indexation(&plan, &terms, &fixes)
                }
                None => plan,
            };
            let rows = (1_i64..)
                .zip(&plan)
                .map(|(seq, r)| {
                    vec![
                        Int(seq),
                        Int(i64::from(r.number)),
                        Text(r.kind.as_str().into()),
                        day(r.due_on),
                        money(r.amount),
                        money(r.principal),
                        money(r.interest),
                        money(r.outstanding),
                        Text(collection_method(r.kind).as_str().into()),
                        day(r.accrual_start),
                        day(r.accrual_end),
                        NullText(None),
                    ]
                })
                .collect();
            let changed = import::replace_children(
                &mut self.tx,
                "plan_rows",
                ("contract_id", contract_id),
                "seq",
                PLAN_COLUMNS,
                rows,
            )
            .await?;
            if changed {
                self.report.plans_built += 1;
                self.announce(customer_id, Entity::Contract, contract_id).await?;
            }
        }
        Ok(())
    }

    /// The rate in force over time: the contract's rate moved by the index's change since pricing.
    async fn fixes(&mut self, index: &str, rate: Decimal, base_index: Decimal) -> Result<Vec<RateFix>, ServerError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT valid_from, rate FROM rate_fixes WHERE reference_rate = $1 ORDER BY valid_from")
                .bind(index)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(crate::store::StoreError::from)?;
        Ok(rows
            .into_iter()
            .filter_map(|(from, fix)| {
                Some(RateFix {
                    from: from.parse().ok()?,
                    annual_rate: rate + (fix.parse::<Decimal>().ok()? - base_index),
                })
            })
            .collect())
    }

    async fn asset(&mut self, no: usize, x: &AssetRecord) -> Result<(), ServerError> {
        const COLUMNS: &[&str] = &[
            "contract_id",
            "code",
            "asset_type",
            "description",
            "financial_value_cents",
            "future_value_cents",
        ];
        let Some((contract_id, customer_id)) = self.contract_id(no, "contract", &x.contract).await? else {
            return Ok(());
        };
        let outcome = import::upsert(
            &mut self.tx,
            Keyed {
                table: "assets",
                keys: vec![("ext_ref", Text(x.reference.trim().into()))],
                columns: COLUMNS,
                values: vec![
                    Int(contract_id),
                    Text(x.code.trim().into()),
                    Text(x.asset_type.trim().into()),
                    Text(x.description.trim().into()),
                    money(x.financial_value),
                    money(x.future_value),
                ],
                insert_only: Vec::new(),
            },
        )
        .await?;
        if outcome.changed() {
            self.announce(customer_id, Entity::Asset, outcome.id()).await?;
            // The home page counts each contract's assets.
            self.announce(customer_id, Entity::Contract, contract_id).await?;
        }
        self.report.count("asset", counted(outcome));
        Ok(())
    }

    async fn invoice(
        &mut self,
        no: usize,
        i: &InvoiceRecord,
        extra: Vec<(usize, InvoiceLineFields)>,
    ) -> Result<(), ServerError> {
        const COLUMNS: &[&str] = &[
            "customer_id",
            "contract_id",
            "kind",
            "issued_on",
            "due_on",
            "payment_method",
            "reason",
            "corrects_id",
            "taxable_cents",
            "vat_cents",
            "total_cents",
        ];
        let fields: Vec<InvoiceLineFields> = i
            .lines
            .iter()
            .cloned()
            .chain(extra.into_iter().map(|(_, l)| l))
            .collect();
        if fields.is_empty() {
            self.problem(no, "lines", "an invoice has at least one line");
            return Ok(());
        }
        let Some(customer_id) = self.customer_id(no, "customer", &i.customer).await? else {
            return Ok(());
        };
        let contract_id = match &i.contract {
            Some(key) => match self.contract_id(no, "contract", key).await? {
                Some((id, owner)) if owner == customer_id => Some(id),
                Some(_) => {
                    self.problem(no, "contract", "the contract belongs to another customer");
                    return Ok(());
                }
                None => return Ok(()),
            },
            None => None,
        };
        let Ok(corrects_id) = self
            .named_invoice(no, "corrects", customer_id, i.corrects.as_deref())
            .await?
        else {
            return Ok(());
        };
        let number = i.number.trim();
        let existing: Option<i64> = sqlx::query_scalar("SELECT customer_id FROM invoices WHERE number = $1")
            .bind(number)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
        if existing.is_some_and(|owner| owner != customer_id) {
            self.problem(no, "number", format!("invoice {number} belongs to another customer"));
            return Ok(());
        }
        let lines: Vec<InvoiceLine> = fields
            .iter()
            .map(|l| InvoiceLine {
                description: l.description.trim().to_owned(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                vat_rate: l.vat_rate,
                nature: l.nature.as_deref().and_then(VatNature::parse),
                period: l.period_start.zip(l.period_end),
            })
            .collect();
        let totals = Totals::of(&lines);
        let insert_only = match existing {
            Some(_) => Vec::new(),
            None => {
                let next = crate::store::invoices::take_progressives(&mut self.tx, 1).await?;
                vec![("progressive", Int(next)), ("published_at", Int(self.now))]
            }
        };
        let outcome = import::upsert(
            &mut self.tx,
            Keyed {
                table: "invoices",
                keys: vec![("number", Text(number.into()))],
                columns: COLUMNS,
                values: vec![
                    Int(customer_id),
                    NullInt(contract_id),
                    Text(i.kind.as_str().into()),
                    day(i.issued_on),
                    day(i.due_on),
                    Text(i.payment_method.as_str().into()),
                    NullText(i.reason.clone()),
                    NullInt(corrects_id),
                    money(totals.taxable),
                    money(totals.tax),
                    money(totals.total),
                ],
                insert_only,
            },
        )
        .await?;
        let id = outcome.id();
        let rows = (1_i64..)
            .zip(&lines)
            .map(|(seq, l)| {
                vec![
                    Int(seq),
                    Text(l.description.clone()),
                    Text(l.quantity.normalize().to_string()),
                    money(l.unit_price),
                    Text(l.vat_rate.normalize().to_string()),
                    NullText(l.nature.map(|n| n.code().to_owned())),
                    NullText(l.period.map(|p| p.0.to_string())),
                    NullText(l.period.map(|p| p.1.to_string())),
                ]
            })
            .collect();
        let lines_changed = import::replace_children(
            &mut self.tx,
            "invoice_lines",
            ("invoice_id", id),
            "seq",
            &[
                "seq",
                "description",
                "quantity",
                "unit_price_cents",
                "vat_rate",
                "nature",
                "period_start",
                "period_end",
            ],
            rows,
        )
        .await?;
        let outcome = match outcome {
            Outcome::Unchanged(id) if lines_changed => Outcome::Updated(id),
            other => other,
        };
        if outcome.changed() {
            self.announce(customer_id, Entity::Invoice, id).await?;
        }
        if matches!(outcome, Outcome::Created(_)) && i.issued_on >= self.today - Days::new(NEWS_DAYS) {
            self.published.entry(customer_id).or_default().push(Published {
                id,
                kind: i.kind,
                number: number.to_owned(),
                total: totals.total,
                due_on: i.due_on,
            });
            let customer_name = self
                .customers
                .values()
                .find(|(cid, _)| *cid == customer_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            self.mails.push(InvoiceMail {
                customer_id,
                customer_name,
                kind: i.kind,
                number: number.to_owned(),
                total: totals.total,
                due_on: i.due_on,
            });
        }
        self.report.count(i.kind.as_str(), counted(outcome));
        Ok(())
    }

    /// The customer's invoice a record names, if it names one; `Err` when it
    /// names one the customer does not have (the problem is recorded).
    async fn named_invoice(
        &mut self,
        no: usize,
        field: &str,
        customer_id: i64,
        number: Option<&str>,
    ) -> Result<Result<Option<i64>, ()>, ServerError> {
        let Some(number) = number else { return Ok(Ok(None)) };
        match self.invoice_of(customer_id, number).await? {
            Some(id) => Ok(Ok(Some(id))),
            None => {
                self.problem(no, field, format!("the customer has no invoice {number}"));
                Ok(Err(()))
            }
        }
    }

    async fn invoice_of(&mut self, customer_id: i64, number: &str) -> Result<Option<i64>, ServerError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM invoices WHERE number = $1 AND customer_id = $2")
                .bind(number.trim())
                .bind(customer_id)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(crate::store::StoreError::from)?,
        )
    }

    async fn schedule_line(
        &mut self,
        no: usize,
        s: &ScheduleLineRecord,
        settle: &mut BTreeMap<i64, usize>,
    ) -> Result<(), ServerError> {
        const COLUMNS: &[&str] = &[
            "contract_id",
            "installment_no",
            "kind",
            "due_on",
            "amount_cents",
            "payment_method",
            "invoice_id",
        ];
        let Some((contract_id, customer_id)) = self.contract_id(no, "contract", &s.contract).await? else {
            return Ok(());
        };
        let Ok(invoice_id) = self
            .named_invoice(no, "invoice", customer_id, s.invoice.as_deref())
            .await?
        else {
            return Ok(());
        };
        let reference = s.reference.trim();
        let outcome = import::upsert(
            &mut self.tx,
            Keyed {
                table: "schedule_entries",
                keys: vec![("ext_ref", Text(reference.into()))],
                columns: COLUMNS,
                values: vec![
                    Int(contract_id),
                    Int(i64::from(s.installment_no)),
                    Text(s.reason.as_str().into()),
                    day(s.due_on),
                    money(s.amount),
                    Text(s.payment_method.as_str().into()),
                    NullInt(invoice_id),
                ],
                insert_only: Vec::new(),
            },
        )
        .await?;
        self.lines.insert(reference.to_owned(), (outcome.id(), customer_id));
        if outcome.changed() {
            // An amount that moved may change what is still owed.
            settle.entry(outcome.id()).or_insert(no);
            self.announce(customer_id, Entity::ScheduleLine, outcome.id()).await?;
        }
        self.report.count("schedule_line", counted(outcome));
        Ok(())
    }

    async fn line_of(&mut self, no: usize, reference: &str) -> Result<Option<(i64, i64)>, ServerError> {
        let reference = reference.trim();
        if let Some(found) = self.lines.get(reference) {
            return Ok(Some(*found));
        }
        let found: Option<(i64, i64)> = sqlx::query_as(
            "SELECT e.id, c.customer_id FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id
             WHERE e.ext_ref = $1",
        )
        .bind(reference)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(crate::store::StoreError::from)?;
        match found {
            Some(f) => {
                self.lines.insert(reference.to_owned(), f);
                Ok(Some(f))
            }
            None => {
                self.problem(
                    no,
                    "line",
                    format!("no schedule line {reference} in the book or this file"),
                );
                Ok(None)
            }
        }
    }

    /// A reversal: the collection goes, and is remembered as reversed so the
    /// same file sent again changes nothing; a reversal of a collection the
    /// book never had is a bad reference, like any other.
    async fn reverse(
        &mut self,
        no: usize,
        reference: &str,
        before: Option<i64>,
        settle: &mut BTreeMap<i64, usize>,
    ) -> Result<(), ServerError> {
        let Some(entry) = before else {
            let reversed: Option<i64> =
                sqlx::query_scalar("SELECT reversed_at FROM reversed_collections WHERE ext_ref = $1")
                    .bind(reference)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(crate::store::StoreError::from)?;
            match reversed {
                Some(_) => self.report.count("collection", ImportOutcome::Unchanged),
                None => self.problem(no, "ref", format!("no collection {reference} in the book to reverse")),
            }
            return Ok(());
        };
        sqlx::query("DELETE FROM payments WHERE ext_ref = $1")
            .bind(reference)
            .execute(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
        sqlx::query(
            "INSERT INTO reversed_collections (ext_ref, reversed_at) VALUES ($1, $2) ON CONFLICT (ext_ref) DO NOTHING",
        )
        .bind(reference)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await
        .map_err(crate::store::StoreError::from)?;
        settle.insert(entry, no);
        self.report.count("collection", ImportOutcome::Deleted);
        Ok(())
    }

    async fn collection(
        &mut self,
        no: usize,
        c: &CollectionRecord,
        settle: &mut BTreeMap<i64, usize>,
    ) -> Result<(), ServerError> {
        let reference = c.reference.trim();
        let before: Option<i64> = sqlx::query_scalar("SELECT entry_id FROM payments WHERE ext_ref = $1")
            .bind(reference)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
        if c.deleted {
            return self.reverse(no, reference, before, settle).await;
        }
        let Some((entry_id, customer_id)) = self.line_of(no, &c.line).await? else {
            return Ok(());
        };
        let outcome = import::upsert(
            &mut self.tx,
            Keyed {
                table: "payments",
                keys: vec![("ext_ref", Text(reference.into()))],
                columns: &["entry_id", "amount_cents", "collected_on", "method"],
                values: vec![
                    Int(entry_id),
                    money(c.amount),
                    day(c.collected_on),
                    NullText(Some(c.method.as_str().into())),
                ],
                insert_only: Vec::new(),
            },
        )
        .await?;
        if outcome.changed() {
            settle.insert(entry_id, no);
            if let Some(old) = before.filter(|old| *old != entry_id) {
                settle.insert(old, no);
            }
        }
        if matches!(outcome, Outcome::Created(_)) && c.collected_on >= self.today - Days::new(NEWS_DAYS) {
            let (contract, installment_no, due_on): (String, i64, String) = sqlx::query_as(
                "SELECT c.contract_no || '/' || c.module_no, e.installment_no, e.due_on
                 FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id WHERE e.id = $1",
            )
            .bind(entry_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
            self.collected.entry(customer_id).or_default().push(Collected {
                amount: c.amount,
                contract,
                installment_no,
                due_on,
            });
        }
        self.report.count("collection", counted(outcome));
        Ok(())
    }

    /// Each touched line's collected amount becomes the sum of its collections.
    async fn settle(&mut self, lines: BTreeMap<i64, usize>) -> Result<(), ServerError> {
        for (entry_id, no) in lines {
            let (contract_id, amount, before, now) = import::settle_line(&mut self.tx, entry_id).await?;
            if now > amount.max(0) {
                self.problem(
                    no,
                    "amount",
                    format!(
                        "collections on the line add up to {}, above its amount {}",
                        Money::from_cents(now),
                        Money::from_cents(amount)
                    ),
                );
                continue;
            }
            if now != before {
                let customer_id: i64 = sqlx::query_scalar("SELECT customer_id FROM contracts WHERE id = $1")
                    .bind(contract_id)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(crate::store::StoreError::from)?;
                self.announce(customer_id, Entity::ScheduleLine, entry_id).await?;
            }
        }
        Ok(())
    }

    /// One notice per customer for the collections just recorded, and one
    /// per new invoice (or one for all, above three), in the user's language.
    async fn notify(&mut self) -> Result<(), ServerError> {
        let collected = std::mem::take(&mut self.collected);
        let published = std::mem::take(&mut self.published);
        let customers: BTreeSet<i64> = collected.keys().chain(published.keys()).copied().collect();
        for customer_id in customers {
            let language: Option<String> = sqlx::query_scalar(
                "SELECT language FROM users WHERE customer_id = $1 AND parent_id IS NULL AND deleted_at IS NULL
                 ORDER BY id LIMIT 1",
            )
            .bind(customer_id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
            let Some(language) = language else { continue };
            let en = language == "en";
            let mut notices: Vec<(&str, Option<i64>, String, String)> = Vec::new();
            if let Some(list) = collected.get(&customer_id) {
                notices.push(("payment", None, collection_title(list, en), collection_body(list, en)));
            }
            if let Some(list) = published.get(&customer_id) {
                if list.len() > 3 {
                    let (title, body) = if en {
                        (
                            format!("{} new documents", list.len()),
                            "See them under Invoices.".to_owned(),
                        )
                    } else {
                        (
                            format!("{} nuovi documenti", list.len()),
                            "Li trovi in Fatture.".to_owned(),
                        )
                    };
                    notices.push(("invoice", None, title, body));
                } else {
                    for p in list {
                        notices.push(("invoice", Some(p.id), invoice_title(p, en), invoice_body(p, &language)));
                    }
                }
            }
            for (kind, invoice_id, title, body) in notices {
                let id = import::notify(&mut self.tx, customer_id, kind, invoice_id, &title, &body, self.now).await?;
                self.report.notifications += 1;
                self.announce(customer_id, Entity::Notification, id).await?;
            }
        }
        Ok(())
    }

    async fn audit(&mut self, origin: &Origin, file: &str) -> Result<(), ServerError> {
        let r = &self.report;
        let details = format!(
            "{} records: {} created, {} updated, {} unchanged, {} reversed; {} plans built{}",
            r.records,
            r.created,
            r.updated,
            r.unchanged,
            r.deleted,
            r.plans_built,
            if r.dry_run { " (dry run)" } else { "" }
        );
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, details, client) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(self.now)
        .bind(&origin.actor)
        .bind("book_import")
        .bind(format!("file:{file}"))
        .bind(details)
        .bind(&origin.client)
        .execute(&mut *self.tx)
        .await
        .map_err(crate::store::StoreError::from)?;
        Ok(())
    }
}

const PLAN_COLUMNS: &[&str] = &[
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
];

fn collection_title(list: &[Collected], en: bool) -> String {
    match (list.len(), en) {
        (1, true) => "Payment received".into(),
        (1, false) => "Pagamento registrato".into(),
        (n, true) => format!("{n} payments received"),
        (n, false) => format!("{n} pagamenti registrati"),
    }
}

fn collection_body(list: &[Collected], en: bool) -> String {
    let language = if en { "en" } else { "it" };
    if let [one] = list {
        let due = rome_date(&one.due_on, en);
        let amount = mail_amount(language, one.amount);
        return if en {
            format!(
                "We recorded {amount} on contract {}, installment {} due {due}.",
                one.contract, one.installment_no
            )
        } else {
            format!(
                "Abbiamo registrato {amount} sul contratto {}, rata n. {} con scadenza {due}.",
                one.contract, one.installment_no
            )
        };
    }
    let total = mail_amount(language, list.iter().map(|c| c.amount).sum());
    if en {
        format!("Total {total}. The detail is under Billing and payments.")
    } else {
        format!("Totale {total}. Il dettaglio è in Fatturazione e pagamenti.")
    }
}

fn invoice_title(p: &Published, en: bool) -> String {
    match (p.kind, en) {
        (DocumentKind::Invoice, true) => format!("New invoice {}", p.number),
        (DocumentKind::Invoice, false) => format!("Nuova fattura {}", p.number),
        (DocumentKind::CreditNote, true) => format!("New credit note {}", p.number),
        (DocumentKind::CreditNote, false) => format!("Nuova nota di credito {}", p.number),
    }
}

fn invoice_body(p: &Published, language: &str) -> String {
    let amount = mail_amount(language, p.total);
    let due = rome_date(&p.due_on.to_string(), language == "en");
    if language == "en" {
        format!("Amount {amount}, due {due}.")
    } else {
        format!("Importo {amount}, scadenza {due}.")
    }
}

fn rome_date(iso: &str, en: bool) -> String {
    match iso.parse::<NaiveDate>() {
        Ok(d) if en => d.format("%Y-%m-%d").to_string(),
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => iso.to_owned(),
    }
}

//! Applying a checked file inside one transaction, in the order references
//! need: customers, rate fixes, contracts and their plans, assets, invoices,
//! schedule lines, collections; then notifications, the audit row and the
//! change feed. Reference problems are gathered, not stopped at, so one
//! refusal lists them all. Contracts and their plans are applied in
//! `plans`, invoices in `invoices`, schedule lines and collections in
//! `payments`.

mod invoices;
mod notices;
mod payments;
mod plans;

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

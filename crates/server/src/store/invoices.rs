//! Invoices and credit notes with their lines, scoped to one customer.

use super::bulk::Val;
use super::feed::Change;
use super::filters::Where;
use super::{corrupt, date, to_u32, Store, StoreResult};
use chrono::Datelike;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sportello_domain::api::invoices::InvoiceItem;
use sportello_domain::api::sync::Entity;
use sportello_domain::ids::{Pec, TaxCode, VatNumber};
use sportello_domain::invoice::{
    Address, Delivery, DocumentKind, Invoice, InvoiceLine, Party, PartyName, PaymentMethod, Totals, VatNature,
};
use sportello_domain::Money;
use sqlx::AnyConnection;
use std::str::FromStr;

pub struct NewInvoice<'a> {
    pub customer_id: i64,
    pub contract_id: Option<i64>,
    pub kind: DocumentKind,
    /// None: the next number of the kind's series in the issue year, taken
    /// in the document's own transaction (a rollback leaves no gap).
    pub number: Option<&'a str>,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub payment_method: PaymentMethod,
    pub reason: Option<&'a str>,
    pub corrects_id: Option<i64>,
    pub lines: &'a [InvoiceLine],
}

/// What the list filters on; `contract_id` 0 means every contract.
pub struct InvoiceFilter {
    pub customer_id: i64,
    pub contract_id: i64,
    pub kind: Option<DocumentKind>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    kind: String,
    number: String,
    progressive: i64,
    issued_on: String,
    due_on: String,
    contract_id: Option<i64>,
    contract_no: Option<String>,
    taxable_cents: i64,
    vat_cents: i64,
    total_cents: i64,
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    kind: String,
    number: String,
    progressive: i64,
    issued_on: String,
    due_on: String,
    payment_method: String,
    reason: Option<String>,
    contract_label: Option<String>,
    corrects_number: Option<String>,
    corrects_issued_on: Option<String>,
    customer_kind: String,
    name: String,
    tax_code: String,
    street: String,
    postcode: String,
    city: String,
    province: Option<String>,
    country: String,
    sdi_code: String,
    pec: Option<String>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    description: String,
    quantity: String,
    unit_price_cents: i64,
    vat_rate: String,
    nature: Option<String>,
    period_start: Option<String>,
    period_end: Option<String>,
}

impl LineRow {
    fn line(self) -> StoreResult<InvoiceLine> {
        let decimal = |text: &str| Decimal::from_str(text).map_err(|_| corrupt("decimal", text));
        let period = match (self.period_start, self.period_end) {
            (Some(start), Some(end)) => Some((date(&start)?, date(&end)?)),
            _ => None,
        };
        Ok(InvoiceLine {
            description: self.description,
            quantity: decimal(&self.quantity)?,
            unit_price: Money::from_cents(self.unit_price_cents),
            vat_rate: decimal(&self.vat_rate)?,
            nature: self
                .nature
                .as_deref()
                .map(|n| VatNature::parse(n).ok_or_else(|| corrupt("VAT nature", n)))
                .transpose()?,
            period,
        })
    }
}

impl DocumentRow {
    /// The customer as the buyer: a company by VAT number, a person by tax code.
    fn buyer(&self) -> StoreResult<(Party, Delivery)> {
        let tax_code = TaxCode::from_str(&self.tax_code).map_err(|_| corrupt("tax code", &self.tax_code))?;
        let (name, vat_number, tax_code) = match (&tax_code, self.customer_kind.as_str()) {
            (TaxCode::Company(vat), _) => (PartyName::Company(self.name.clone()), Some(vat.clone()), None),
            (TaxCode::Person(_), "person") => {
                let (first, last) = self.name.split_once(' ').unwrap_or(("", &self.name));
                (
                    PartyName::Person {
                        first: first.into(),
                        last: last.into(),
                    },
                    None,
                    Some(tax_code.clone()),
                )
            }
            (TaxCode::Person(_), _) => (PartyName::Company(self.name.clone()), None, Some(tax_code.clone())),
        };
        let address = Address {
            street: self.street.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            province: self.province.clone(),
            country: self.country.clone(),
        };
        let delivery = match self.pec.as_deref().map(Pec::from_str) {
            Some(Ok(pec)) if self.sdi_code == "0000000" => Delivery::Pec(pec),
            _ => Delivery::Code(self.sdi_code.clone()),
        };
        Ok((
            Party {
                name,
                vat_number,
                tax_code,
                address,
            },
            delivery,
        ))
    }
}

// The contract is named as it is printed everywhere: number/module.
const ITEM_SELECT: &str = "SELECT i.id, i.kind, i.number, i.progressive, i.issued_on, i.due_on, i.contract_id,
        c.contract_no || '/' || c.module_no AS contract_no, i.taxable_cents, i.vat_cents, i.total_cents
    FROM invoices i LEFT JOIN contracts c ON c.id = i.contract_id";

fn invoice_item(r: ItemRow, transmitter: &VatNumber) -> StoreResult<InvoiceItem> {
    Ok(InvoiceItem {
        id: r.id,
        kind: DocumentKind::parse(&r.kind).ok_or_else(|| corrupt("document kind", &r.kind))?,
        xml_file_name: crate::einvoice::fatturapa::file_name(transmitter, to_u32(r.progressive)),
        number: r.number,
        issued_on: date(&r.issued_on)?,
        due_on: date(&r.due_on)?,
        contract_id: r.contract_id,
        contract_no: r.contract_no,
        taxable: Money::from_cents(r.taxable_cents),
        vat: Money::from_cents(r.vat_cents),
        total: Money::from_cents(r.total_cents),
    })
}

impl Store {
    /// Stores a document not yet published (the customer does not see it):
    /// its totals come from the lines, its progressive is the next one.
    pub async fn insert_invoice(&self, n: &NewInvoice<'_>) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let number = number_of(&mut tx, n).await?;
        let id = insert_invoice(&mut tx, n, &number).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores a document as published and announces it, in one transaction
    /// with its number, its progressive and the request's deferred effects
    /// (which may name the number: `Created.code`). Returns its id and number.
    pub async fn publish_invoice(&self, n: &NewInvoice<'_>, now: i64) -> StoreResult<(i64, String)> {
        let mut tx = self.begin_write().await?;
        let (created, change) = publish_in(&mut tx, n, now).await?;
        self.commit_created(tx, &[change], &created, now).await?;
        Ok((created.id, created.code))
    }

    /// A document's number and total, by id.
    pub async fn invoice_number_and_total(&self, id: i64) -> StoreResult<Option<(String, i64)>> {
        Ok(sqlx::query_as("SELECT number, total_cents FROM invoices WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn link_entry_to_invoice(&self, entry_id: i64, invoice_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE schedule_entries SET invoice_id = $2 WHERE id = $1")
            .bind(entry_id)
            .bind(invoice_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A page of documents, newest first, after (issued_on, id).
    pub async fn list_invoices(
        &self,
        f: &InvoiceFilter,
        transmitter: &VatNumber,
        after: Option<(NaiveDate, i64)>,
        limit: u32,
    ) -> StoreResult<Vec<InvoiceItem>> {
        let mut w = Where::new("i.customer_id = ?", [Val::Int(f.customer_id)]);
        if f.contract_id != 0 {
            w.and("i.contract_id = ?", [Val::Int(f.contract_id)]);
        }
        if let Some(kind) = f.kind {
            w.and("i.kind = ?", [Val::Text(kind.as_str().into())]);
        }
        w.and(
            "i.issued_on >= ? AND i.issued_on <= ?",
            [Val::Text(f.from.to_string()), Val::Text(f.to.to_string())],
        )
        .before(
            ("i.issued_on", "i.id"),
            after.map(|(d, id)| (Val::Text(d.to_string()), id)),
        );
        let sql = format!(
            "{ITEM_SELECT} WHERE {} ORDER BY i.issued_on DESC, i.id DESC LIMIT {limit}",
            w.sql
        );
        let rows: Vec<ItemRow> = w.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?;
        rows.into_iter().map(|r| invoice_item(r, transmitter)).collect()
    }

    /// One of a customer's documents as its list shows it.
    pub async fn invoice_item(
        &self,
        customer_id: i64,
        id: i64,
        transmitter: &VatNumber,
    ) -> StoreResult<Option<InvoiceItem>> {
        let sql = format!("{ITEM_SELECT} WHERE i.customer_id = $1 AND i.id = $2");
        let row: Option<ItemRow> = sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| invoice_item(r, transmitter)).transpose()
    }

    /// The whole document, with `seller` as the issuer, and its progressive;
    /// None when it is not the customer's.
    pub async fn invoice_document(
        &self,
        customer_id: i64,
        id: i64,
        seller: (&sportello_domain::invoice::Party, &sportello_domain::ids::Iban),
    ) -> StoreResult<Option<(Invoice, u32)>> {
        let row: Option<DocumentRow> = sqlx::query_as(
            "SELECT i.kind, i.number, i.progressive, i.issued_on, i.due_on, i.payment_method, i.reason,
                    c.contract_no || '/' || c.module_no AS contract_label,
                    o.number AS corrects_number, o.issued_on AS corrects_issued_on,
                    k.kind AS customer_kind, k.name, k.tax_code, k.street, k.postcode, k.city, k.province, k.country,
                    k.sdi_code, k.pec
             FROM invoices i JOIN customers k ON k.id = i.customer_id
             LEFT JOIN contracts c ON c.id = i.contract_id
             LEFT JOIN invoices o ON o.id = i.corrects_id
             WHERE i.customer_id = $1 AND i.id = $2",
        )
        .bind(customer_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(doc) = row else { return Ok(None) };
        let lines: Vec<LineRow> = sqlx::query_as(
            "SELECT description, quantity, unit_price_cents, vat_rate, nature, period_start, period_end
             FROM invoice_lines WHERE invoice_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let (buyer, delivery) = doc.buyer()?;
        let payment_method =
            PaymentMethod::parse(&doc.payment_method).ok_or_else(|| corrupt("payment method", &doc.payment_method))?;
        let corrects = match (doc.corrects_number, doc.corrects_issued_on) {
            (Some(number), Some(day)) => Some((number, date(&day)?)),
            _ => None,
        };
        let invoice = Invoice {
            kind: DocumentKind::parse(&doc.kind).ok_or_else(|| corrupt("document kind", &doc.kind))?,
            number: doc.number,
            date: date(&doc.issued_on)?,
            seller: seller.0.clone(),
            buyer,
            delivery,
            lines: lines.into_iter().map(LineRow::line).collect::<StoreResult<_>>()?,
            reason: doc.reason,
            payment_method,
            due_on: date(&doc.due_on)?,
            // Transfers go to the company's account; direct debits name none here.
            iban: (payment_method == PaymentMethod::BankTransfer).then(|| seller.1.clone()),
            corrects,
            contract: doc.contract_label,
        };
        Ok(Some((invoice, to_u32(doc.progressive))))
    }
}

impl Store {
    /// A customer's contract by "84963/1" (or "84963" when it has one module).
    pub async fn contract_id_by_label(&self, customer_id: i64, label: &str) -> StoreResult<Option<i64>> {
        let (no, module) = label.split_once('/').unwrap_or((label, ""));
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM contracts WHERE customer_id = $1 AND contract_no = $2 AND ($3 = '' OR module_no = $3)",
        )
        .bind(customer_id)
        .bind(no.trim())
        .bind(module.trim())
        .fetch_all(&self.pool)
        .await?;
        Ok(if ids.len() == 1 { Some(ids[0]) } else { None })
    }

    pub async fn invoice_id_by_number(&self, customer_id: i64, number: &str) -> StoreResult<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM invoices WHERE customer_id = $1 AND number = $2 AND kind = 'invoice'")
                .bind(customer_id)
                .bind(number)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

/// Stores a document as published inside the caller's transaction: what it
/// created (id and number) and the change that announces it.
pub(crate) async fn publish_in(
    conn: &mut AnyConnection,
    n: &NewInvoice<'_>,
    now: i64,
) -> StoreResult<(super::unit::Created, Change)> {
    let number = number_of(conn, n).await?;
    let id = insert_invoice(conn, n, &number).await?;
    sqlx::query("UPDATE invoices SET published_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let change = Change::upsert(Some(n.customer_id), Entity::Invoice, id);
    Ok((super::unit::Created { id, code: number }, change))
}

/// The number a document is given, or else the next of its series.
async fn number_of(conn: &mut AnyConnection, n: &NewInvoice<'_>) -> StoreResult<String> {
    match n.number {
        Some(number) => Ok(number.to_owned()),
        None => next_document_number(conn, n.kind, n.issued_on.year()).await,
    }
}

/// The next number of the year: "2026/000123" for invoices, "NC2026/0004"
/// for credit notes, continuing the numbers issued before the counter. The
/// counter row is locked until the caller's transaction ends, so concurrent
/// writers on any instance take consecutive numbers and a rollback returns
/// its number.
async fn next_document_number(conn: &mut AnyConnection, kind: DocumentKind, year: i32) -> StoreResult<String> {
    let (series, prefix) = match kind {
        DocumentKind::Invoice => ("invoice", format!("{year}/")),
        DocumentKind::CreditNote => ("credit_note", format!("NC{year}/")),
    };
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invoices WHERE kind = $1 AND number LIKE $2")
        .bind(kind.as_str())
        .bind(format!("{prefix}%"))
        .fetch_one(&mut *conn)
        .await?;
    let n = super::ops::next_in_year(conn, series, year, issued + 1).await?;
    Ok(match kind {
        DocumentKind::Invoice => format!("{prefix}{n:06}"),
        DocumentKind::CreditNote => format!("{prefix}{n:04}"),
    })
}

/// Takes `count` FatturaPA progressives from their counter (see migration
/// 0016) in the caller's transaction; returns the last one taken.
pub(crate) async fn take_progressives(conn: &mut AnyConnection, count: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO counters (name, year, last) VALUES ('fatturapa_progressive', 0, $1)
         ON CONFLICT (name, year) DO UPDATE SET last = counters.last + $1 RETURNING last",
    )
    .bind(count)
    .fetch_one(conn)
    .await?)
}

async fn insert_invoice(conn: &mut AnyConnection, n: &NewInvoice<'_>, number: &str) -> StoreResult<i64> {
    let totals = Totals::of(n.lines);
    let progressive = take_progressives(conn, 1).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invoices (customer_id, contract_id, kind, number, progressive, issued_on, due_on,
             payment_method, reason, corrects_id, taxable_cents, vat_cents, total_cents)
         VALUES ($1, $2, $3, $4, $13, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING id",
    )
    .bind(n.customer_id)
    .bind(n.contract_id)
    .bind(n.kind.as_str())
    .bind(number)
    .bind(n.issued_on.to_string())
    .bind(n.due_on.to_string())
    .bind(n.payment_method.as_str())
    .bind(n.reason)
    .bind(n.corrects_id)
    .bind(totals.taxable.cents())
    .bind(totals.tax.cents())
    .bind(totals.total.cents())
    .bind(progressive)
    .fetch_one(&mut *conn)
    .await?;
    for (seq, line) in (1_i64..).zip(n.lines) {
        sqlx::query(
            "INSERT INTO invoice_lines (invoice_id, seq, description, quantity, unit_price_cents, vat_rate, nature,
                 period_start, period_end) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(seq)
        .bind(&line.description)
        .bind(line.quantity.to_string())
        .bind(line.unit_price.cents())
        .bind(line.vat_rate.to_string())
        .bind(line.nature.map(VatNature::code))
        .bind(line.period.map(|p| p.0.to_string()))
        .bind(line.period.map(|p| p.1.to_string()))
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

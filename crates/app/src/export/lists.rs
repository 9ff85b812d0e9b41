//! The lists as workbooks (B3, B4, C4, L2): each with its screen's columns,
//! filter and order, read from the cache a page at a time.

use super::sheet::{col, workbook, xlsx, Cell, Column, Sheet};
use super::{Exported, Job, Lang, PartFile};
use crate::browse::{InvoiceFilter, ScheduleFilter};
use crate::cache::Cache;
use crate::AppError;
use rust_xlsxwriter::Workbook;
use sportello_domain::amortization::RowKind;
use sportello_domain::api::invoices::InvoiceItem;
use sportello_domain::api::schedule::{ScheduleItem, ScheduleReason};
use sportello_domain::invoice::{DocumentKind, PaymentMethod};
use sportello_domain::situation::PaymentStatus;
use sportello_domain::Money;
use std::path::Path;

/// B1's columns, in the screen's order.
const SCHEDULE: [Column; 11] = [
    col("Stato", "Status"),
    col("Contratto", "Contract"),
    col("Scadenza", "Due date"),
    col("N. rata", "Inst. no."),
    col("Causale", "Reason"),
    col("Modalità di pagamento", "Payment method"),
    col("Importo", "Amount"),
    col("Pagato", "Paid"),
    col("Saldo", "Balance"),
    col("Saldo scaduto", "Overdue balance"),
    col("Fattura", "Invoice"),
];

/// B4's columns.
const INVOICES: [Column; 8] = [
    col("Numero", "Number"),
    col("Tipo", "Type"),
    col("Data", "Date"),
    col("Scadenza", "Due date"),
    col("Contratto", "Contract"),
    col("Imponibile", "Taxable amount"),
    col("IVA", "VAT"),
    col("Totale", "Total"),
];

/// C4's columns, as the company's "Piano di ammortamento".
const PLAN: [Column; 11] = [
    col("Num. rata", "Inst. no."),
    col("Data scadenza", "Due date"),
    col("Tipologia rata", "Type"),
    col("Importo rata", "Amount"),
    col("Quota capitale", "Principal"),
    col("Quota interessi", "Interest"),
    col("Capitale residuo", "Outstanding principal"),
    col("Modalità di pagamento", "Payment method"),
    col("Inizio competenza", "Accrual start"),
    col("Fine competenza", "Accrual end"),
    col("Data di incasso", "Collection date"),
];

/// L2's columns, as the company's "Esportazione dati beni".
const ASSETS: [Column; 7] = [
    col("Codice contratto", "Contract code"),
    col("Fine mandato", "Mandate end"),
    col("Codice del bene", "Asset code"),
    col("Tipo di risorsa", "Asset type"),
    col("Valore finanziario", "Financial value"),
    col("Valore atteso futuro", "Expected future value"),
    col("Descrizione della risorsa", "Description"),
];

pub(super) fn status(status: PaymentStatus, lang: Lang) -> &'static str {
    match status {
        PaymentStatus::Due => lang.pick("Da pagare", "Due"),
        PaymentStatus::Overdue => lang.pick("Scaduto", "Overdue"),
        PaymentStatus::Paid => lang.pick("Pagato", "Paid"),
    }
}

fn reason(reason: ScheduleReason, lang: Lang) -> &'static str {
    match reason {
        ScheduleReason::Advance => lang.pick("Anticipo", "Advance"),
        ScheduleReason::Installment => lang.pick("Rata", "Installment"),
        ScheduleReason::Residual => lang.pick("Valore residuo", "Residual value"),
        ScheduleReason::Indexation => lang.pick("Indicizzazione", "Indexation"),
    }
}

fn row_kind(kind: RowKind, lang: Lang) -> &'static str {
    match kind {
        RowKind::Advance => lang.pick("Rata anticipata", "Advance installment"),
        RowKind::Installment => lang.pick("Rata", "Installment"),
        RowKind::Indexation => lang.pick("Indicizzazione", "Indexation"),
        RowKind::Residual => lang.pick("Valore residuo", "Residual value"),
    }
}

fn method(method: PaymentMethod, lang: Lang) -> &'static str {
    match method {
        PaymentMethod::BankTransfer => lang.pick("Bonifico bancario", "Bank transfer"),
        PaymentMethod::SepaDirectDebit => lang.pick("Addebito diretto SEPA", "SEPA direct debit"),
    }
}

pub(super) fn document_kind(kind: DocumentKind, lang: Lang) -> &'static str {
    match kind {
        DocumentKind::Invoice => lang.pick("Fattura", "Invoice"),
        DocumentKind::CreditNote => lang.pick("Nota di credito", "Credit note"),
    }
}

/// A workbook of one list, saved under its name once complete.
fn saved(mut workbook: Workbook, file: &Path, rows: u32) -> Result<Exported, AppError> {
    let part = PartFile::new(file);
    workbook.save(part.path()).map_err(xlsx)?;
    part.keep()?;
    Ok(Exported { rows, documents: 0 })
}

/// The index of a bundle, written in memory to go into the ZIP.
pub(super) fn save_to_buffer(mut workbook: Workbook) -> Result<Vec<u8>, AppError> {
    workbook.save_to_buffer().map_err(xlsx)
}

fn schedule_row(item: &ScheduleItem, lang: Lang) -> [Cell<'_>; 11] {
    [
        Cell::Text(status(item.status, lang)),
        Cell::Text(&item.contract_no),
        Cell::Date(item.due_on),
        Cell::Count(item.installment_no),
        Cell::Text(reason(item.reason, lang)),
        Cell::Text(method(item.payment_method, lang)),
        Cell::Money(item.amount),
        Cell::Money(item.paid),
        Cell::Money(item.balance),
        Cell::Money(item.overdue_balance),
        item.invoice_number.as_deref().map_or(Cell::Blank, Cell::Text),
    ]
}

/// B3: the schedule the screen shows (same filter, same order), with the overdue total.
pub async fn schedule_workbook(
    cache: &Cache,
    filter: &ScheduleFilter,
    lang: Lang,
    company: &str,
    file: &Path,
    job: &Job,
) -> Result<Exported, AppError> {
    let mut book = workbook(lang.pick("Fatturazione e pagamenti", "Invoices and payments"), company);
    let mut sheet = Sheet::add(&mut book, lang.pick("Pagamenti", "Payments"), &SCHEDULE, lang)?;
    let mut overdue = Money::ZERO;
    let rows = cache
        .each_schedule_row(filter, crate::clock::today_in_rome(), |item, done, total| {
            overdue = overdue + item.overdue_balance;
            sheet.push(&schedule_row(&item, lang))?;
            job.step(done, total)
        })
        .await?;
    let label = lang.pick("Totale saldo scaduto", "Total overdue balance");
    sheet.finish(Some((label, &[(9, overdue)])))?;
    saved(book, file, rows)
}

pub(super) fn invoice_cells(invoice: &InvoiceItem, lang: Lang) -> [Cell<'_>; 8] {
    [
        Cell::Text(&invoice.number),
        Cell::Text(document_kind(invoice.kind, lang)),
        Cell::Date(invoice.issued_on),
        Cell::Date(invoice.due_on),
        invoice.contract_no.as_deref().map_or(Cell::Blank, Cell::Text),
        Cell::Money(invoice.taxable),
        Cell::Money(invoice.vat),
        Cell::Money(invoice.total),
    ]
}

/// B4: the invoices and credit notes of the screen's period and contract.
pub async fn invoices_workbook(
    cache: &Cache,
    filter: &InvoiceFilter,
    lang: Lang,
    company: &str,
    file: &Path,
    job: &Job,
) -> Result<Exported, AppError> {
    let mut book = workbook(
        lang.pick("Fatture e note di credito", "Invoices and credit notes"),
        company,
    );
    let mut sheet = Sheet::add(&mut book, lang.pick("Fatture", "Invoices"), &INVOICES, lang)?;
    let rows = cache
        .each_invoice(filter, |invoice, done, total| {
            sheet.push(&invoice_cells(&invoice, lang))?;
            job.step(done, total)
        })
        .await?;
    sheet.finish(None)?;
    saved(book, file, rows)
}

/// C4: one contract's whole plan, the screen's 25-row pages together.
pub async fn plan_workbook(
    cache: &Cache,
    contract_id: i64,
    lang: Lang,
    company: &str,
    file: &Path,
    job: &Job,
) -> Result<Exported, AppError> {
    let view = cache
        .contract_view(contract_id)
        .await?
        .ok_or_else(|| super::not_found("contract"))?;
    let title = format!(
        "{} {}",
        lang.pick("Piano di ammortamento", "Amortization plan"),
        view.contract.contract_no
    );
    let mut book = workbook(&title, company);
    let mut sheet = Sheet::add(
        &mut book,
        lang.pick("Piano di ammortamento", "Amortization plan"),
        &PLAN,
        lang,
    )?;
    let total = u32::try_from(view.plan.len()).expect("a plan has hundreds of rows");
    for entry in &view.plan {
        let row = &entry.row;
        sheet.push(&[
            Cell::Count(row.number),
            Cell::Date(row.due_on),
            Cell::Text(row_kind(row.kind, lang)),
            Cell::Money(row.amount),
            Cell::Money(row.principal),
            Cell::Money(row.interest),
            Cell::Money(row.outstanding),
            Cell::Text(method(entry.payment_method, lang)),
            Cell::Date(row.accrual_start),
            Cell::Date(row.accrual_end),
            entry.collected_on.map_or(Cell::Blank, Cell::Date),
        ])?;
    }
    job.step(total, total)?;
    sheet.finish(None)?;
    saved(book, file, total)
}

/// L2: the leased assets of one contract or all, in the screen's order.
pub async fn assets_workbook(
    cache: &Cache,
    contract_id: Option<i64>,
    lang: Lang,
    company: &str,
    file: &Path,
    job: &Job,
) -> Result<Exported, AppError> {
    let mut book = workbook(lang.pick("Beni in locazione", "Leased assets"), company);
    let mut sheet = Sheet::add(
        &mut book,
        lang.pick("Beni in locazione", "Leased assets"),
        &ASSETS,
        lang,
    )?;
    let rows = cache
        .each_asset(contract_id, |asset, done, total| {
            sheet.push(&[
                Cell::Text(&asset.contract_no),
                Cell::Date(asset.lease_end),
                Cell::Text(&asset.code),
                Cell::Text(&asset.asset_type),
                Cell::Money(asset.financial_value),
                Cell::Money(asset.future_value),
                Cell::Text(&asset.description),
            ])?;
            job.step(done, total)
        })
        .await?;
    sheet.finish(None)?;
    saved(book, file, rows)
}

//! The accountant's bundle: one ZIP with every invoice and credit note of the
//! period as PDF and FatturaPA XML, and an Excel index of them. Documents come
//! from the local copy of each file, downloaded first when missing, several at
//! a time and in the list's order.

use super::lists::{document_kind, save_to_buffer};
use super::sheet::{col, workbook, Cell, Column, Sheet};
use super::{document_name, saving, Exported, InvoiceFormat, Job, Lang, PartFile};
use crate::browse::InvoiceFilter;
use crate::cache::Cache;
use crate::AppError;
use futures_util::{stream, StreamExt, TryStreamExt};
use sportello_domain::api::invoices::InvoiceItem;
use sportello_domain::invoice::DocumentKind;
use sportello_domain::Money;
use std::collections::HashMap;
use std::fs::File;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Downloads at once: enough to hide the round trips, few enough to spare the server.
const PARALLEL_DOWNLOADS: usize = 8;

const INDEX: [Column; 11] = [
    col("Numero", "Number"),
    col("Data", "Date"),
    col("Tipo", "Type"),
    col("Contratto", "Contract"),
    col("Imponibile", "Taxable amount"),
    col("IVA", "VAT"),
    col("Totale", "Total"),
    col("Scadenza", "Due date"),
    col("Pagato", "Paid"),
    col("File PDF", "PDF file"),
    col("File XML", "XML file"),
];

fn pdf_entry(invoice: &InvoiceItem) -> String {
    format!("PDF/{}", document_name(invoice, InvoiceFormat::Pdf))
}

fn xml_entry(invoice: &InvoiceItem) -> String {
    format!("XML/{}", document_name(invoice, InvoiceFormat::Xml))
}

/// A credit note reduces what was invoiced: the index shows its amounts with a minus sign.
fn signed(invoice: &InvoiceItem, amount: Money) -> Money {
    match invoice.kind {
        DocumentKind::Invoice => amount,
        DocumentKind::CreditNote => Money::ZERO - amount,
    }
}

async fn all_invoices(cache: &Cache, filter: &InvoiceFilter) -> Result<Vec<InvoiceItem>, AppError> {
    let mut all = Vec::new();
    cache
        .each_invoice(filter, |invoice, _, _| {
            all.push(invoice);
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(all)
}

/// The index: one row per document with its file names, and the period's net totals.
fn index(
    invoices: &[InvoiceItem],
    paid: &HashMap<String, Money>,
    lang: Lang,
    company: &str,
) -> Result<Vec<u8>, AppError> {
    let mut book = workbook(lang.pick("Indice delle fatture", "Index of the invoices"), company);
    let mut sheet = Sheet::add(&mut book, lang.pick("Indice", "Index"), &INDEX, lang)?;
    let (mut taxable, mut vat, mut total) = (Money::ZERO, Money::ZERO, Money::ZERO);
    for invoice in invoices {
        let amounts = [invoice.taxable, invoice.vat, invoice.total].map(|a| signed(invoice, a));
        taxable = taxable + amounts[0];
        vat = vat + amounts[1];
        total = total + amounts[2];
        let paid = match invoice.kind {
            DocumentKind::Invoice => paid.get(&invoice.number).copied(),
            DocumentKind::CreditNote => None,
        };
        let (pdf, xml) = (pdf_entry(invoice), xml_entry(invoice));
        sheet.push(&[
            Cell::Text(&invoice.number),
            Cell::Date(invoice.issued_on),
            Cell::Text(document_kind(invoice.kind, lang)),
            invoice.contract_no.as_deref().map_or(Cell::Blank, Cell::Text),
            Cell::Money(amounts[0]),
            Cell::Money(amounts[1]),
            Cell::Money(amounts[2]),
            Cell::Date(invoice.due_on),
            paid.map_or(Cell::Blank, Cell::Money),
            Cell::Text(&pdf),
            Cell::Text(&xml),
        ])?;
    }
    let label = lang.pick("Totale del periodo", "Total of the period");
    sheet.finish(Some((label, &[(4, taxable), (5, vat), (6, total)])))?;
    save_to_buffer(book)
}

fn add_file(zip: &mut ZipWriter<File>, name: &str, source: &Path) -> Result<(), AppError> {
    let bytes = std::fs::read(source).map_err(|e| saving(source, e))?;
    add_bytes(zip, name, &bytes)
}

fn add_bytes(zip: &mut ZipWriter<File>, name: &str, bytes: &[u8]) -> Result<(), AppError> {
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let failed = |e: &dyn std::fmt::Display| AppError::Protocol(format!("writing {name} into the bundle: {e}"));
    zip.start_file(name, options).map_err(|e| failed(&e))?;
    zip.write_all(bytes).map_err(|e| failed(&e))
}

/// Builds the bundle of the invoices `filter` selects into `file`. `document`
/// gives the local copy of an invoice's PDF or XML, downloading it if needed.
pub async fn invoice_bundle<D, F>(
    cache: &Cache,
    filter: &InvoiceFilter,
    lang: Lang,
    company: &str,
    file: &Path,
    job: &Job,
    document: D,
) -> Result<Exported, AppError>
where
    D: Fn(InvoiceItem, InvoiceFormat) -> F,
    F: Future<Output = Result<PathBuf, AppError>>,
{
    let invoices = all_invoices(cache, filter).await?;
    let paid = cache.paid_by_invoice().await?;
    let total = u32::try_from(invoices.len()).expect("fewer than four billion invoices");
    job.step(0, total)?;

    let part = PartFile::new(file);
    let mut zip = ZipWriter::new(File::create(part.path()).map_err(|e| saving(file, e))?);
    let document = &document;
    let mut files = stream::iter(invoices.iter().cloned())
        .map(|invoice| async move {
            let pdf = document(invoice.clone(), InvoiceFormat::Pdf).await?;
            let xml = document(invoice.clone(), InvoiceFormat::Xml).await?;
            Ok::<_, AppError>((invoice, pdf, xml))
        })
        .buffered(PARALLEL_DOWNLOADS);
    let mut done = 0u32;
    while let Some((invoice, pdf, xml)) = files.try_next().await? {
        add_file(&mut zip, &pdf_entry(&invoice), &pdf)?;
        add_file(&mut zip, &xml_entry(&invoice), &xml)?;
        done += 1;
        job.step(done, total)?;
    }
    let name = lang.pick("Indice.xlsx", "Index.xlsx");
    add_bytes(&mut zip, name, &index(&invoices, &paid, lang, company)?)?;
    zip.finish()
        .map_err(|e| AppError::Protocol(format!("closing the bundle: {e}")))?;
    part.keep()?;
    Ok(Exported {
        rows: total,
        documents: total * 2,
    })
}

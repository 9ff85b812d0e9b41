//! The invoices' documents, kept on disk once downloaded, and the exports
//! (B3, B4, C4, L2 and the accountant's bundle) written from the cache.

use super::{screens::today_in_rome, DeskApp};
use crate::browse::{ScheduleFilter, ScheduleOrder};
use crate::cache::Cache;
use crate::export::PartFile;
use crate::export::{self, document_name, not_found, ExportRequest, Exported, InvoiceFormat, Job, Lang};
use crate::AppError;
use sportello_domain::api::invoices::InvoiceItem;
use sportello_domain::api::operations as op;
use sportello_domain::situation::PaymentStatus;
use std::path::{Path, PathBuf};

impl DeskApp {
    /// An invoice's PDF or FatturaPA XML as a local file: downloaded once,
    /// then opened from disk, offline too.
    pub async fn invoice_file(&self, id: i64, format: InvoiceFormat) -> Result<PathBuf, AppError> {
        let invoice = self
            .cache()
            .await?
            .invoice(id)
            .await?
            .ok_or_else(|| not_found("invoice"))?;
        self.document(&invoice, format).await
    }

    async fn document(&self, invoice: &InvoiceItem, format: InvoiceFormat) -> Result<PathBuf, AppError> {
        let file = self.documents_dir().await?.join(document_name(invoice, format));
        if crate::files::kept(&file) {
            return Ok(file);
        }
        let bytes = match format {
            InvoiceFormat::Pdf => self.download(op::invoices::PDF.call(&[&invoice.id])).await?,
            InvoiceFormat::Xml => self.download(op::invoices::XML.call(&[&invoice.id])).await?,
        };
        crate::files::keep(&file, &bytes)?;
        Ok(file)
    }

    /// The name the save dialog offers for `request`.
    pub async fn export_file_name(&self, request: &ExportRequest, lang: Lang) -> Result<String, AppError> {
        let contract_no = match request.contract_id() {
            Some(id) => self
                .cache()
                .await?
                .contract_view(id)
                .await?
                .map(|v| v.contract.contract_no),
            None => None,
        };
        Ok(request.file_name(lang, contract_no.as_deref(), today_in_rome()))
    }

    /// Writes `request` to `file` from the local copy; the author is the customer.
    pub async fn export(
        &self,
        request: &ExportRequest,
        lang: Lang,
        file: &Path,
        job: &Job,
    ) -> Result<Exported, AppError> {
        let cache = &self.cache().await?;
        let company = &self.profile().await?.customer_name;
        match request {
            ExportRequest::Payments { filter } => {
                export::schedule_workbook(cache, filter, lang, company, file, job).await
            }
            ExportRequest::Invoices { filter } => {
                export::invoices_workbook(cache, filter, lang, company, file, job).await
            }
            ExportRequest::Plan { contract_id } => {
                export::plan_workbook(cache, *contract_id, lang, company, file, job).await
            }
            ExportRequest::Assets { contract_id } => {
                export::assets_workbook(cache, *contract_id, lang, company, file, job).await
            }
            ExportRequest::Calendar { contract_id } => due_calendar(cache, *contract_id, lang, file, job).await,
            ExportRequest::Bundle { filter } => {
                let document = |invoice: InvoiceItem, format| async move { self.document(&invoice, format).await };
                export::invoice_bundle(cache, filter, lang, company, file, job, document).await
            }
        }
    }
}

/// The coming due dates still owed as an iCalendar file (see `calendar`).
async fn due_calendar(
    cache: &Cache,
    contract_id: Option<i64>,
    lang: Lang,
    file: &Path,
    job: &Job,
) -> Result<Exported, AppError> {
    let coming = ScheduleFilter {
        contract_id,
        status: Some(PaymentStatus::Due),
        sort: ScheduleOrder::Asc,
    };
    let mut lines = Vec::new();
    let rows = cache
        .each_schedule_row(&coming, crate::clock::today_in_rome(), |item, done, total| {
            lines.push(item);
            job.step(done, total)
        })
        .await?;
    let text = crate::calendar::ics(&lines, lang, cache.reminder_days().await?, chrono::Utc::now());
    let part = PartFile::new(file);
    std::fs::write(part.path(), text).map_err(|e| crate::files::saving(file, e))?;
    part.keep()?;
    Ok(Exported { rows, documents: 0 })
}

//! The accountants' exports (B3, C4, L2, B6): each list exactly as its screen
//! filters it, as an Excel workbook, and the invoices of a period as one ZIP
//! with their PDF and FatturaPA XML and an Excel index. Exports report their
//! progress, stop when cancelled, and the file appears under its name only
//! once complete.

mod bundle;
mod lists;
mod sheet;

pub use bundle::invoice_bundle;
pub use lists::{assets_workbook, invoices_workbook, plan_workbook, schedule_workbook};

use crate::browse::{InvoiceFilter, ScheduleFilter};
pub(crate) use crate::files::{saving, PartFile};
use crate::AppError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sportello_domain::api::invoices::InvoiceItem;
use sportello_domain::{ApiError, ErrorCode};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use ts_rs::TS;

/// The language of sheet names, headers and the words inside the cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, rename = "ExportLang")]
pub enum Lang {
    It,
    En,
}

impl Lang {
    pub fn pick(self, it: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }
}

/// What to export: a list with its screen's filter, or the accountant's bundle.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ExportRequest {
    /// B3: "Fatturazione e pagamenti".
    Payments { filter: ScheduleFilter },
    /// B4: the invoices and credit notes of a period.
    Invoices { filter: InvoiceFilter },
    /// C4: one contract's amortization plan.
    Plan {
        #[ts(type = "number")]
        contract_id: i64,
    },
    /// L2: the leased assets, of one contract or all.
    Assets {
        #[ts(type = "number | null")]
        contract_id: Option<i64>,
    },
    /// Every invoice and credit note of the period as PDF and XML, with an index.
    Bundle { filter: InvoiceFilter },
    /// The coming due dates still owed, of one contract or all, as an
    /// iCalendar file with the account's reminders as alarms.
    Calendar {
        #[ts(type = "number | null")]
        contract_id: Option<i64>,
    },
}

impl ExportRequest {
    pub fn extension(&self) -> &'static str {
        match self {
            ExportRequest::Bundle { .. } => "zip",
            ExportRequest::Calendar { .. } => "ics",
            _ => "xlsx",
        }
    }

    /// The name offered in the save dialog: what, for which contract or period, on which day.
    pub fn file_name(&self, lang: Lang, contract_no: Option<&str>, today: NaiveDate) -> String {
        let what = match self {
            ExportRequest::Payments { .. } => lang.pick("Pagamenti", "Payments"),
            ExportRequest::Invoices { .. } => lang.pick("Fatture", "Invoices"),
            ExportRequest::Plan { .. } => lang.pick("Piano_ammortamento", "Amortization_plan"),
            ExportRequest::Assets { .. } => lang.pick("Beni", "Assets"),
            ExportRequest::Bundle { .. } => lang.pick("Fatture_per_il_commercialista", "Invoices_for_the_accountant"),
            ExportRequest::Calendar { .. } => lang.pick("Scadenze", "Due_dates"),
        };
        let scope = match self {
            ExportRequest::Invoices { filter } | ExportRequest::Bundle { filter } => period(filter, lang),
            _ => contract_no.map_or_else(|| lang.pick("tutti", "all").to_owned(), safe_name),
        };
        format!("{what}_{scope}_{today}.{}", self.extension())
    }

    pub fn contract_id(&self) -> Option<i64> {
        match self {
            ExportRequest::Payments { filter } => filter.contract_id,
            ExportRequest::Invoices { filter } | ExportRequest::Bundle { filter } => filter.contract_id,
            ExportRequest::Plan { contract_id } => Some(*contract_id),
            ExportRequest::Assets { contract_id } | ExportRequest::Calendar { contract_id } => *contract_id,
        }
    }
}

fn period(filter: &InvoiceFilter, lang: Lang) -> String {
    match (filter.from, filter.to) {
        (Some(from), Some(to)) => format!("{from}_{to}"),
        (Some(from), None) => format!("{}_{from}", lang.pick("dal", "from")),
        (None, Some(to)) => format!("{}_{to}", lang.pick("al", "to")),
        (None, None) => lang.pick("tutte", "all").to_owned(),
    }
}

/// Letters, digits, dots, dashes and underscores only: a number like "2024/0001" must not make folders.
pub fn safe_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// An invoice's two files: the courtesy PDF (B2) and the FatturaPA XML (B6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum InvoiceFormat {
    Pdf,
    Xml,
}

impl InvoiceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceFormat::Pdf => "pdf",
            InvoiceFormat::Xml => "xml",
        }
    }
}

/// The file name of an invoice's document, on disk and inside a bundle: the
/// invoice number for the PDF, the SDI file name for the XML.
pub fn document_name(invoice: &InvoiceItem, format: InvoiceFormat) -> String {
    match format {
        InvoiceFormat::Pdf => format!("{}.pdf", safe_name(&invoice.number)),
        InvoiceFormat::Xml => safe_name(&invoice.xml_file_name),
    }
}

pub(crate) fn not_found(what: &str) -> AppError {
    ApiError::new(ErrorCode::NotFound, format!("no {what} with this id in the local copy")).into()
}

/// What a finished export wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Exported {
    /// Rows of the list, or invoices and credit notes in the bundle.
    pub rows: u32,
    /// PDF and XML files inside a bundle; none for a workbook.
    pub documents: u32,
}

/// A finished export as the window shows it. The window names it by `id` to
/// open it or show its folder, and never holds its path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ExportDone {
    pub id: u32,
    pub file_name: String,
    pub rows: u32,
    pub documents: u32,
}

/// How far an export got: `done` of `total` steps (rows, or documents in a bundle).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "ExportProgress")]
pub struct Progress {
    pub done: u32,
    pub total: u32,
}

/// A running export: where it reports its progress, and the switch that stops it.
pub struct Job {
    cancelled: Arc<AtomicBool>,
    reported: AtomicU32,
    report: Box<dyn Fn(Progress) + Send + Sync>,
}

/// Progress is reported in steps of a two-hundredth: enough for a smooth bar, few messages.
const REPORT_STEPS: u32 = 200;

impl Job {
    pub fn new(report: impl Fn(Progress) + Send + Sync + 'static) -> Job {
        Job {
            cancelled: Arc::new(AtomicBool::new(false)),
            reported: AtomicU32::new(0),
            report: Box::new(report),
        }
    }

    pub fn quiet() -> Job {
        Job::new(|_| {})
    }

    /// The switch another task flips to stop the export at its next step.
    pub fn canceller(&self) -> Arc<AtomicBool> {
        self.cancelled.clone()
    }

    /// Called between steps: stops a cancelled export, reports a visible change.
    pub(crate) fn step(&self, done: u32, total: u32) -> Result<(), AppError> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(ApiError::new(ErrorCode::Cancelled, "the export was cancelled").into());
        }
        let stride = (total / REPORT_STEPS).max(1);
        let last = self.reported.load(Ordering::Relaxed);
        if done == total || done >= last.saturating_add(stride) || done < last {
            self.reported.store(done, Ordering::Relaxed);
            (self.report)(Progress { done, total });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_say_what_for_which_contract_or_period_and_when() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let payments = ExportRequest::Payments {
            filter: ScheduleFilter::default(),
        };
        assert_eq!(
            payments.file_name(Lang::It, None, today),
            "Pagamenti_tutti_2026-11-22.xlsx"
        );
        let plan = ExportRequest::Plan { contract_id: 7 };
        assert_eq!(
            plan.file_name(Lang::En, Some("84963/1"), today),
            "Amortization_plan_84963_1_2026-11-22.xlsx"
        );
        let bundle = ExportRequest::Bundle {
            filter: InvoiceFilter {
                from: NaiveDate::from_ymd_opt(2026, 1, 1),
                to: NaiveDate::from_ymd_opt(2026, 3, 31),
                ..InvoiceFilter::default()
            },
        };
        assert_eq!(
            bundle.file_name(Lang::It, None, today),
            "Fatture_per_il_commercialista_2026-01-01_2026-03-31_2026-11-22.zip"
        );
    }

    #[test]
    fn a_job_reports_a_bounded_number_of_steps_and_stops_when_cancelled() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let job = Job::new(move |p| log.lock().unwrap().push(p));
        for done in 1..=10_000 {
            job.step(done, 10_000).unwrap();
        }
        let seen = seen.lock().unwrap().clone();
        assert!(seen.len() <= 201, "{} reports", seen.len());
        assert_eq!(
            seen.last(),
            Some(&Progress {
                done: 10_000,
                total: 10_000
            })
        );
        job.canceller().store(true, Ordering::Relaxed);
        let error = job.step(1, 10).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Cancelled);
    }

    #[test]
    fn an_unkept_part_file_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.xlsx");
        let part = PartFile::new(&target);
        std::fs::write(part.path(), b"half").unwrap();
        let name = part.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("a.xlsx.") && name.ends_with(".part"), "{name}");
        drop(part);
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing left");
        let part = PartFile::new(&target);
        std::fs::write(part.path(), b"whole").unwrap();
        part.keep().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"whole");
    }
}

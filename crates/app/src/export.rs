//! B3: the payment schedule as an Excel workbook, exactly as the screen
//! filters it. Real Excel types: dates are dates (dd/mm/yyyy), amounts are
//! numbers with a € format, the header is bold, frozen and filtered, and a
//! total row closes the sheet. Rows stream from the cache a page at a time
//! into a constant-memory worksheet, and the file appears under its name only
//! once complete.

use crate::browse::{ScheduleFilter, Window, MAX_PAGE};
use crate::cache::Cache;
use crate::AppError;
use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use sportello_domain::api::schedule::ScheduleItem;
use sportello_domain::Money;
use std::path::Path;

/// The language of sheet names and headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    It,
    En,
}

/// What a finished export wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    pub rows: u32,
    pub overdue_total: Money,
}

struct Column {
    it: &'static str,
    en: &'static str,
    width: f64,
}

const fn col(it: &'static str, en: &'static str, width: f64) -> Column {
    Column { it, en, width }
}

/// B1's columns, in the screen's order.
const SCHEDULE: [Column; 11] = [
    col("Stato", "Status", 12.0),
    col("Contratto", "Contract", 12.0),
    col("Scadenza", "Due date", 12.0),
    col("N. rata", "Inst. no.", 9.0),
    col("Causale", "Reason", 16.0),
    col("Modalità di pagamento", "Payment method", 24.0),
    col("Importo", "Amount", 14.0),
    col("Pagato", "Paid", 14.0),
    col("Saldo", "Balance", 14.0),
    col("Saldo scaduto", "Overdue balance", 16.0),
    col("Fattura", "Invoice", 16.0),
];

fn xlsx(error: XlsxError) -> AppError {
    AppError::Protocol(format!("writing the workbook: {error}"))
}

/// The one place money leaves `Decimal`: an Excel cell holds a binary double,
/// and this is the double nearest the exact amount (Excel shows it back to the cent).
fn excel_number(money: Money) -> f64 {
    money.decimal().to_f64().expect("a euro amount fits a double")
}

fn excel_date(day: NaiveDate) -> Result<ExcelDateTime, AppError> {
    let month = u8::try_from(day.month()).expect("1..=12");
    let dom = u8::try_from(day.day()).expect("1..=31");
    let year = u16::try_from(day.year()).map_err(|_| AppError::Protocol(format!("a date out of range: {day}")))?;
    ExcelDateTime::from_ymd(year, month, dom).map_err(xlsx)
}

struct Formats {
    header: Format,
    date: Format,
    money: Format,
    total_label: Format,
    total_money: Format,
}

impl Formats {
    /// Dates read day first in both languages, as the company's statements print them.
    fn new() -> Formats {
        let date = "dd/mm/yyyy";
        let money = "#,##0.00 [$€-x-euro2];-#,##0.00 [$€-x-euro2]";
        Formats {
            header: Format::new().set_bold(),
            date: Format::new().set_num_format(date).set_align(FormatAlign::Left),
            money: Format::new().set_num_format(money),
            total_label: Format::new().set_bold(),
            total_money: Format::new().set_bold().set_num_format(money),
        }
    }
}

fn status(item: &ScheduleItem, lang: Lang) -> &'static str {
    use sportello_domain::situation::PaymentStatus::*;
    match (item.status, lang) {
        (Due, Lang::It) => "Da pagare",
        (Overdue, Lang::It) => "Scaduto",
        (Paid, Lang::It) => "Pagato",
        (Due, Lang::En) => "Due",
        (Overdue, Lang::En) => "Overdue",
        (Paid, Lang::En) => "Paid",
    }
}

fn reason(item: &ScheduleItem, lang: Lang) -> &'static str {
    use sportello_domain::api::schedule::ScheduleReason::*;
    match (item.reason, lang) {
        (Advance, Lang::It) => "Anticipo",
        (Installment, Lang::It) => "Rata",
        (Residual, Lang::It) => "Valore residuo",
        (Indexation, Lang::It) => "Indicizzazione",
        (Advance, Lang::En) => "Advance",
        (Installment, Lang::En) => "Installment",
        (Residual, Lang::En) => "Residual value",
        (Indexation, Lang::En) => "Indexation",
    }
}

fn method(item: &ScheduleItem, lang: Lang) -> &'static str {
    use sportello_domain::invoice::PaymentMethod::*;
    match (item.payment_method, lang) {
        (BankTransfer, Lang::It) => "Bonifico bancario",
        (SepaDirectDebit, Lang::It) => "Addebito diretto SEPA",
        (BankTransfer, Lang::En) => "Bank transfer",
        (SepaDirectDebit, Lang::En) => "SEPA direct debit",
    }
}

fn write_row(sheet: &mut Worksheet, row: u32, item: &ScheduleItem, lang: Lang, f: &Formats) -> Result<(), AppError> {
    sheet.write_string(row, 0, status(item, lang)).map_err(xlsx)?;
    sheet.write_string(row, 1, &item.contract_no).map_err(xlsx)?;
    sheet
        .write_datetime_with_format(row, 2, &excel_date(item.due_on)?, &f.date)
        .map_err(xlsx)?;
    sheet
        .write_number(row, 3, f64::from(item.installment_no))
        .map_err(xlsx)?;
    sheet.write_string(row, 4, reason(item, lang)).map_err(xlsx)?;
    sheet.write_string(row, 5, method(item, lang)).map_err(xlsx)?;
    for (col, amount) in [
        (6, item.amount),
        (7, item.paid),
        (8, item.balance),
        (9, item.overdue_balance),
    ] {
        sheet
            .write_number_with_format(row, col, excel_number(amount), &f.money)
            .map_err(xlsx)?;
    }
    sheet
        .write_string(row, 10, item.invoice_number.as_deref().unwrap_or(""))
        .map_err(xlsx)?;
    Ok(())
}

/// Writes the schedule the screen shows (same filter, same order) to `file`.
pub async fn schedule_workbook(
    cache: &Cache,
    filter: &ScheduleFilter,
    lang: Lang,
    company: &str,
    file: &Path,
) -> Result<Exported, AppError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let title = match lang {
        Lang::It => "Fatturazione e pagamenti",
        Lang::En => "Invoices and payments",
    };
    workbook.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author(company)
            .set_company(company),
    );
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(xlsx)?;
    sheet
        .set_name(match lang {
            Lang::It => "Pagamenti",
            Lang::En => "Payments",
        })
        .map_err(xlsx)?;
    for (i, column) in SCHEDULE.iter().enumerate() {
        let col = u16::try_from(i).expect("eleven columns");
        sheet.set_column_width(col, column.width).map_err(xlsx)?;
        let label = if lang == Lang::It { column.it } else { column.en };
        sheet
            .write_string_with_format(0, col, label, &formats.header)
            .map_err(xlsx)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;

    let mut written = 0u32;
    let mut overdue = Money::from_cents(0);
    loop {
        let page = cache
            .schedule_page(
                filter,
                Window {
                    offset: written,
                    limit: MAX_PAGE,
                },
            )
            .await?;
        for item in &page.rows {
            written += 1;
            overdue = overdue + item.overdue_balance;
            write_row(sheet, written, item, lang, &formats)?;
        }
        if page.rows.is_empty() || written >= page.total {
            break;
        }
    }
    let total_row = written + 1;
    sheet.autofilter(0, 0, written.max(1), 10).map_err(xlsx)?;
    let label = if lang == Lang::It {
        "Totale saldo scaduto"
    } else {
        "Total overdue balance"
    };
    sheet
        .write_string_with_format(total_row, 0, label, &formats.total_label)
        .map_err(xlsx)?;
    sheet
        .write_number_with_format(total_row, 9, excel_number(overdue), &formats.total_money)
        .map_err(xlsx)?;

    save_atomically(&mut workbook, file)?;
    Ok(Exported {
        rows: written,
        overdue_total: overdue,
    })
}

/// Saved under a temporary name and renamed: a failed export leaves no half-written file.
fn save_atomically(workbook: &mut Workbook, file: &Path) -> Result<(), AppError> {
    let partial = file.with_extension("xlsx.part");
    if let Err(error) = workbook.save(&partial) {
        let _ = std::fs::remove_file(&partial);
        return Err(xlsx(error));
    }
    std::fs::rename(&partial, file).map_err(|e| AppError::Protocol(format!("saving {}: {e}", file.display())))
}

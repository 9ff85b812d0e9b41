//! One worksheet of an export, written the way an accountant expects:
//! dates are Excel dates shown dd/mm/yyyy, amounts are numbers with a €
//! format, the header is bold, frozen and filtered, and every column is as
//! wide as its longest text. Rows go straight to a constant-memory worksheet,
//! so the widths are measured while writing and set at the end.

use super::Lang;
use crate::AppError;
use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use sportello_domain::Money;

/// A column: its header in both languages.
pub struct Column {
    pub it: &'static str,
    pub en: &'static str,
}

pub const fn col(it: &'static str, en: &'static str) -> Column {
    Column { it, en }
}

/// What a cell holds; each kind has its Excel type and format.
pub enum Cell<'a> {
    Text(&'a str),
    Date(NaiveDate),
    Money(Money),
    Count(u32),
    Blank,
}

pub fn xlsx(error: XlsxError) -> AppError {
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

/// Characters an amount takes on screen: "-1.234.567,89 €".
fn money_width(money: Money) -> usize {
    let digits = money.cents().unsigned_abs().max(100).to_string().len() - 2;
    let sign = usize::from(money.cents() < 0);
    sign + digits + (digits - 1) / 3 + ",00 €".chars().count()
}

fn cell_width(cell: &Cell) -> usize {
    match cell {
        Cell::Text(text) => text.chars().count(),
        Cell::Date(_) => "dd/mm/yyyy".len(),
        Cell::Money(money) => money_width(*money),
        Cell::Count(n) => n.to_string().len(),
        Cell::Blank => 0,
    }
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
        let money = "#,##0.00 [$€-x-euro2];-#,##0.00 [$€-x-euro2]";
        Formats {
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("dd/mm/yyyy").set_align(FormatAlign::Left),
            money: Format::new().set_num_format(money),
            total_label: Format::new().set_bold(),
            total_money: Format::new().set_bold().set_num_format(money),
        }
    }
}

/// A workbook with its document properties: title, author and company.
pub fn workbook(title: &str, company: &str) -> Workbook {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author(company)
            .set_company(company),
    );
    workbook
}

/// Bold headers this much wider than plain text, and no column narrower or wider than these.
const BOLD: f64 = 1.15;
const MIN_WIDTH: f64 = 8.0;
const MAX_WIDTH: f64 = 60.0;

pub struct Sheet<'w> {
    sheet: &'w mut Worksheet,
    formats: Formats,
    widths: Vec<f64>,
    rows: u32,
}

impl<'w> Sheet<'w> {
    pub fn add(workbook: &'w mut Workbook, name: &str, columns: &[Column], lang: Lang) -> Result<Sheet<'w>, AppError> {
        let formats = Formats::new();
        let sheet = workbook.add_worksheet_with_constant_memory().map_err(xlsx)?;
        sheet.set_name(name).map_err(xlsx)?;
        let mut widths = Vec::with_capacity(columns.len());
        for (i, column) in columns.iter().enumerate() {
            let label = lang.pick(column.it, column.en);
            sheet
                .write_string_with_format(0, index(i), label, &formats.header)
                .map_err(xlsx)?;
            widths.push(label.chars().count() as f64 * BOLD);
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        Ok(Sheet {
            sheet,
            formats,
            widths,
            rows: 0,
        })
    }

    pub fn push(&mut self, cells: &[Cell]) -> Result<(), AppError> {
        self.rows += 1;
        let row = self.rows;
        for (i, cell) in cells.iter().enumerate() {
            self.write(row, i, cell, false)?;
        }
        Ok(())
    }

    fn write(&mut self, row: u32, i: usize, cell: &Cell, bold: bool) -> Result<(), AppError> {
        let col = index(i);
        let f = &self.formats;
        let sheet = &mut *self.sheet;
        match cell {
            Cell::Text(text) if bold => sheet.write_string_with_format(row, col, *text, &f.total_label),
            Cell::Text(text) => sheet.write_string(row, col, *text),
            Cell::Date(day) => sheet.write_datetime_with_format(row, col, &excel_date(*day)?, &f.date),
            Cell::Money(money) => {
                let format = if bold { &f.total_money } else { &f.money };
                sheet.write_number_with_format(row, col, excel_number(*money), format)
            }
            Cell::Count(n) => sheet.write_number(row, col, f64::from(*n)),
            Cell::Blank => return Ok(()),
        }
        .map_err(xlsx)?;
        let width = cell_width(cell) as f64 * if bold { BOLD } else { 1.0 };
        self.widths[i] = self.widths[i].max(width);
        Ok(())
    }

    /// Filters the rows written, adds the bold total row if any, and sizes the columns.
    pub fn finish(mut self, total: Option<(&str, &[(usize, Money)])>) -> Result<u32, AppError> {
        let last_col = index(self.widths.len() - 1);
        self.sheet.autofilter(0, 0, self.rows.max(1), last_col).map_err(xlsx)?;
        if let Some((label, amounts)) = total {
            let row = self.rows + 1;
            self.write(row, 0, &Cell::Text(label), true)?;
            for (i, amount) in amounts {
                self.write(row, *i, &Cell::Money(*amount), true)?;
            }
        }
        for (i, width) in self.widths.iter().enumerate() {
            // Two characters of margin, as Excel's own "fit" leaves.
            let width = (width + 2.0).clamp(MIN_WIDTH, MAX_WIDTH);
            self.sheet.set_column_width(index(i), width).map_err(xlsx)?;
        }
        Ok(self.rows)
    }
}

fn index(i: usize) -> u16 {
    u16::try_from(i).expect("a sheet has a handful of columns")
}

#[cfg(test)]
mod tests {
    use super::money_width;
    use sportello_domain::Money;

    #[test]
    fn an_amount_is_as_wide_as_it_prints() {
        for (amount, printed) in [
            ("0.05", "0,05 €"),
            ("716.63", "716,63 €"),
            ("1234.50", "1.234,50 €"),
            ("-1234567.89", "-1.234.567,89 €"),
        ] {
            let money: Money = amount.parse().unwrap();
            assert_eq!(money_width(money), printed.chars().count(), "{amount}");
        }
    }
}

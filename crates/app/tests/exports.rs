//! B3 exports read back with an independent reader (calamine): the rows the
//! screen's filter selects, real dates and numbers, the total to the cent.

mod support;

use calamine::{open_workbook, Data, Reader, Xlsx};
use sportello_app::browse::{ScheduleFilter, Window};
use sportello_app::export::Lang;
use sportello_domain::situation::PaymentStatus;
use sportello_domain::Money;
use support::{logged_in, Fixture};

/// A numeric cell read back as money: its value printed to the cent, then parsed as a decimal.
fn amount(cell: &Data) -> Money {
    match cell {
        Data::Float(value) => format!("{value:.2}").parse().unwrap(),
        other => panic!("not a number cell: {other:?}"),
    }
}

#[tokio::test]
async fn the_schedule_workbook_holds_what_the_screen_shows_with_excel_types() {
    let f = Fixture::start().await;
    let app = logged_in(&f).await;
    let file = f.dir.path().join("pagamenti.xlsx");
    let all = ScheduleFilter::default();
    let shown = app.schedule(&all, Window { offset: 0, limit: 500 }).await.unwrap();

    let exported = app.export_schedule(&all, Lang::It, &file).await.unwrap();
    assert_eq!(exported.rows, shown.total);
    assert_eq!(exported.overdue_total, shown.overdue_total);
    assert!(!file.with_extension("xlsx.part").exists(), "no temporary file left");

    let mut book: Xlsx<_> = open_workbook(&file).unwrap();
    assert_eq!(book.sheet_names(), vec!["Pagamenti".to_owned()]);
    let range = book.worksheet_range("Pagamenti").unwrap();
    let rows: Vec<_> = range.rows().collect();
    assert_eq!(rows.len() as u32, shown.total + 2, "header, every row, total");
    assert_eq!(rows[0][0], Data::String("Stato".into()));
    assert_eq!(rows[0][9], Data::String("Saldo scaduto".into()));
    let first = &shown.rows[0];
    assert_eq!(rows[1][1], Data::String(first.contract_no.clone()));
    match &rows[1][2] {
        Data::DateTime(d) => {
            let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
            assert_eq!(
                d.as_f64(),
                (first.due_on - epoch).num_days() as f64,
                "Excel's serial day"
            );
        }
        other => panic!("the due date is not an Excel date: {other:?}"),
    }
    assert_eq!(amount(&rows[1][6]), first.amount, "amounts are numbers");
    let sum: Money = rows[1..rows.len() - 1].iter().map(|r| amount(&r[9])).sum();
    assert_eq!(
        sum, shown.overdue_total,
        "the sheet's column adds up to the screen's total"
    );
    let last = rows.last().unwrap();
    assert_eq!(last[0], Data::String("Totale saldo scaduto".into()));
    assert_eq!(amount(&last[9]), shown.overdue_total);

    let overdue = ScheduleFilter {
        status: Some(PaymentStatus::Overdue),
        ..all
    };
    let english = f.dir.path().join("overdue.xlsx");
    let exported = app.export_schedule(&overdue, Lang::En, &english).await.unwrap();
    let mut book: Xlsx<_> = open_workbook(&english).unwrap();
    let range = book.worksheet_range("Payments").unwrap();
    assert_eq!(range.rows().count() as u32, exported.rows + 2);
    assert!(range
        .rows()
        .skip(1)
        .take(exported.rows as usize)
        .all(|r| r[0] == Data::String("Overdue".into())));
}

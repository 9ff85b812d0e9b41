//! `make bench`: the accountants' exports on the fleet profile, grown to at
//! least 100,000 schedule rows, against a server on 127.0.0.1 (SQLite):
//! time and peak memory to write the whole schedule to Excel, and to build
//! the bundle of one year's invoices, first downloading every PDF and XML,
//! then again from the local copy. Prints; asserts nothing.

mod support;

use chrono::{Datelike, NaiveDate};
use sportello_app::browse::{InvoiceFilter, ScheduleFilter};
use sportello_app::desktop::DeskApp;
use sportello_app::export::{ExportRequest, Exported, Job, Lang};
use sportello_app::secrets::MemorySecrets;
use sportello_app::Desk;
use sportello_server::bench::{thousands, Figure};
use sportello_server::{fleet, testkit};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{memory, Quiet};

/// About 62 schedule rows a contract: this many give a little over 100,000.
const CONTRACTS: u32 = 1_620;

/// Starts a fresh peak: writing 5 to clear_refs resets VmHWM to the current RSS (Linux).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn measured(app: &DeskApp, what: &str, request: ExportRequest, file: &Path) -> (Exported, Duration) {
    reset_peak();
    let before = memory("VmRSS:");
    let started = Instant::now();
    let done = app.export(&request, Lang::It, file, &Job::quiet()).await.unwrap();
    let took = started.elapsed();
    let size = std::fs::metadata(file).map_or(0, |m| m.len());
    println!(
        "{what}: {} rows, {} documents in {:.2} s ({:.0} rows/s); file {:.1} MiB; RSS {before:.0} MiB before, peak {:.0} MiB (server in the same process)",
        done.rows,
        done.documents,
        took.as_secs_f64(),
        f64::from(done.rows) / took.as_secs_f64(),
        size as f64 / 1_048_576.0,
        memory("VmHWM:"),
    );
    (done, took)
}

/// The baseline: the same number of rows of the schedule's twelve cells
/// (text, a date, a count, four amounts) written straight with
/// rust_xlsxwriter in constant memory, with nothing read or translated.
fn raw_xlsx(rows: u32, file: &Path) -> Duration {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let started = Instant::now();
    let mut workbook = Workbook::new();
    let (date, money) = (
        Format::new().set_num_format("dd/mm/yyyy"),
        Format::new().set_num_format("#,##0.00 €"),
    );
    let sheet = workbook.add_worksheet_with_constant_memory().unwrap();
    let day = ExcelDateTime::from_ymd(2026, 12, 7).unwrap();
    for row in 1..=rows {
        for (col, text) in [
            (0, "Pagata"),
            (1, "30700/1"),
            (4, "Canone"),
            (5, "SDD"),
            (10, "2026/000123"),
        ] {
            sheet.write_string(row, col, text).unwrap();
        }
        sheet.write_datetime_with_format(row, 2, &day, &date).unwrap();
        sheet.write_number(row, 3, f64::from(row % 60)).unwrap();
        for col in 6..10 {
            sheet.write_number_with_format(row, col, 1234.56, &money).unwrap();
        }
    }
    workbook.save(file).unwrap();
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (server, clock) = testkit::demo_server(dir.path(), None).await;
    let seeded = fleet::seed_fleet(&server.state.store, clock.today(), CONTRACTS, 42, clock.now_ms())
        .await
        .unwrap();
    let desk = Desk::new(&server.base_url(), Arc::new(MemorySecrets::default()));
    let app = DeskApp::new(desk, dir.path().join("desk"), Arc::new(Quiet));
    let challenge = app.login(fleet::FLEET_USERNAME, fleet::FLEET_PASSWORD).await.unwrap();
    app.verify_code(&challenge.challenge_id, &testkit::code_sent(&server.state).await)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(600);
    while app.sync_view().await.status.last_sync.is_none() || app.sync_view().await.status.progress.is_some() {
        assert!(Instant::now() < deadline, "the first sync did not end");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "\n== exports, fleet profile ({} contracts, {} schedule rows, {} invoices), server and app in one process",
        seeded.contracts, seeded.schedule_rows, seeded.invoices
    );

    let all = ScheduleFilter::default();
    let (done, took) = measured(
        &app,
        "schedule to Excel",
        ExportRequest::Payments { filter: all },
        &dir.path().join("schedule.xlsx"),
    )
    .await;
    let baseline = raw_xlsx(done.rows, &dir.path().join("raw.xlsx"));
    Figure {
        name: &format!("{} schedule rows to Excel", thousands(f64::from(done.rows))),
        ours: format!("{:.2} s", took.as_secs_f64()),
        baseline: format!("{:.2} s (rust_xlsxwriter alone, same cells)", baseline.as_secs_f64()),
        ratio: took.as_secs_f64() / baseline.as_secs_f64(),
        target: "≤ 1.2 s, memory flat",
    }
    .record();

    let year = clock.today().year() - 1;
    let filter = InvoiceFilter {
        from: NaiveDate::from_ymd_opt(year, 1, 1),
        to: NaiveDate::from_ymd_opt(year, 12, 31),
        ..InvoiceFilter::default()
    };
    let bundle = ExportRequest::Bundle { filter };
    let label = format!("bundle of {year}, downloading every file");
    measured(&app, &label, bundle.clone(), &dir.path().join("bundle.zip")).await;
    let label = format!("bundle of {year}, from the local copy");
    measured(&app, &label, bundle, &dir.path().join("again.zip")).await;
    server.shutdown().await;
}

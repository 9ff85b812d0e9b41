//! The accountants' exports written from a real cache (the fleet profile and
//! the demo customer, synced from a server on 127.0.0.1) and read back with
//! independent readers: calamine for the cells, the zip crate for the
//! workbook's own XML and the bundle, xmllint for FatturaPA.

mod support;

use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::{Datelike, Months, NaiveDate};
use sportello_app::browse::{InvoiceFilter, ScheduleFilter, Window};
use sportello_app::desktop::DeskApp;
use sportello_app::export::{ExportRequest, Exported, Job, Lang};
use sportello_domain::api::invoices::InvoiceItem;
use sportello_domain::api::schedule::ScheduleItem;
use sportello_domain::invoice::DocumentKind;
use sportello_domain::situation::PaymentStatus;
use sportello_domain::{ErrorCode, Money};
use sportello_server::fleet::{seed_fleet, FLEET_PASSWORD, FLEET_USERNAME};
use sportello_server::testkit;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use support::{logged_in, logged_in_as, Fixture};

type Rows = Vec<Vec<Data>>;

fn sheet(file: &Path, name: &str) -> Rows {
    let mut book: Xlsx<_> = open_workbook(file).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec![name.to_owned()],
        "one sheet, named in the user's language"
    );
    let range = book.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

/// A numeric cell read back as money: its value printed to the cent, then parsed as a decimal.
fn amount(cell: &Data) -> Money {
    match cell {
        Data::Float(value) => format!("{value:.2}").parse().unwrap(),
        other => panic!("not a number cell: {other:?}"),
    }
}

fn date(cell: &Data) -> NaiveDate {
    match cell {
        Data::DateTime(d) => {
            let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
            epoch + chrono::Days::new(d.as_f64() as u64)
        }
        other => panic!("not an Excel date: {other:?}"),
    }
}

fn text(cell: &Data) -> &str {
    match cell {
        Data::String(s) => s,
        Data::Empty => "",
        other => panic!("not a text cell: {other:?}"),
    }
}

fn headers(rows: &Rows) -> Vec<&str> {
    rows[0].iter().map(text).collect()
}

/// A part of an .xlsx or .zip file, as text.
fn part(file: &Path, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    let mut out = String::new();
    archive.by_name(name).unwrap().read_to_string(&mut out).unwrap();
    out
}

/// The width Excel gives column `n` (1-based), from the sheet's own XML.
fn column_width(sheet_xml: &str, n: usize) -> f64 {
    let tag = format!("<col min=\"{n}\" max=\"{n}\" width=\"");
    let start = sheet_xml
        .find(&tag)
        .unwrap_or_else(|| panic!("no width for column {n}"))
        + tag.len();
    let end = start + sheet_xml[start..].find('"').unwrap();
    sheet_xml[start..end].parse().unwrap()
}

/// What every workbook promises: bold frozen filtered header over `rows`
/// rows, columns as wide as their content, title and author.
fn assert_workbook_quality(file: &Path, rows: usize, columns: char, title: &str, author: &str) {
    let xml = part(file, "xl/worksheets/sheet1.xml");
    assert!(
        xml.contains(r#"state="frozen""#) && xml.contains(r#"ySplit="1""#),
        "header frozen"
    );
    assert!(
        xml.contains(&format!(r#"<autoFilter ref="A1:{columns}{}"/>"#, rows + 1)),
        "autofilter over the header and every row"
    );
    let styles = part(file, "xl/styles.xml");
    assert!(styles.contains("<b/>"), "a bold font for the header");
    assert!(
        styles.contains("dd/mm/yyyy") && styles.contains("€"),
        "date and euro formats"
    );
    let core = part(file, "docProps/core.xml");
    assert!(core.contains(&format!("<dc:title>{title}</dc:title>")), "{core}");
    assert!(core.contains(&format!("<dc:creator>{author}</dc:creator>")), "{core}");
}

async fn export(app: &DeskApp, request: ExportRequest, lang: Lang, file: &Path) -> Exported {
    app.export(&request, lang, file, &Job::quiet()).await.unwrap()
}

/// Every row of a list the screen pages through, read 500 at a time.
async fn all<T>(mut page: impl AsyncFnMut(Window) -> (u32, Vec<T>)) -> Vec<T> {
    let mut rows = Vec::new();
    loop {
        let window = Window {
            offset: rows.len() as u32,
            limit: 500,
        };
        let (total, more) = page(window).await;
        let last = more.is_empty() || rows.len() + more.len() >= total as usize;
        rows.extend(more);
        if last {
            return rows;
        }
    }
}

async fn all_schedule(app: &DeskApp, filter: &ScheduleFilter) -> Vec<ScheduleItem> {
    all(async |w| {
        let page = app.schedule(filter, w).await.unwrap();
        (page.total, page.rows)
    })
    .await
}

async fn all_invoices(app: &DeskApp, filter: &InvoiceFilter) -> Vec<InvoiceItem> {
    all(async |w| {
        let page = app.invoices(filter, w).await.unwrap();
        (page.total, page.rows)
    })
    .await
}

/// The fleet profile (its first `contracts` contracts) on a desktop that has synced it.
async fn fleet(contracts: u32) -> (Fixture, DeskApp) {
    let f = Fixture::start().await;
    let store = &f.server.as_ref().unwrap().state.store;
    seed_fleet(store, f.clock.today(), contracts, 42, f.clock.now_ms())
        .await
        .unwrap();
    let app = logged_in_as(&f, FLEET_USERNAME, FLEET_PASSWORD).await;
    (f, app)
}

/// The quarter before today's: the bundle's "last quarter" preset.
fn last_quarter(today: NaiveDate) -> InvoiceFilter {
    let this_quarter = NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1).unwrap();
    InvoiceFilter {
        from: Some(this_quarter - Months::new(3)),
        to: this_quarter.pred_opt(),
        ..InvoiceFilter::default()
    }
}

#[tokio::test]
async fn each_list_exports_what_its_screen_shows_with_excel_types() {
    // Over 4,000 schedule rows: the export reads them in more than one chunk.
    let (f, app) = fleet(70).await;
    let company = app.profile().await.unwrap().customer_name;
    let dir = f.dir.path();

    // B3: every schedule row, in the screen's order, with the overdue total.
    let all = ScheduleFilter::default();
    let shown = all_schedule(&app, &all).await;
    let screen = app.schedule(&all, Window { offset: 0, limit: 1 }).await.unwrap();
    let file = dir.join("pagamenti.xlsx");
    let exported = export(&app, ExportRequest::Payments { filter: all.clone() }, Lang::It, &file).await;
    assert_eq!(exported.rows as usize, shown.len());
    assert!(shown.len() > 4_000, "a fleet-sized list: {}", shown.len());
    let rows = sheet(&file, "Pagamenti");
    assert_eq!(rows.len(), shown.len() + 2, "header, every row, total");
    assert_eq!(
        headers(&rows),
        [
            "Stato",
            "Contratto",
            "Scadenza",
            "N. rata",
            "Causale",
            "Modalità di pagamento",
            "Importo",
            "Pagato",
            "Saldo",
            "Saldo scaduto",
            "Fattura"
        ]
    );
    for (row, item) in rows[1..].iter().zip(&shown) {
        assert_eq!(text(&row[1]), item.contract_no);
        assert_eq!(date(&row[2]), item.due_on, "dates are Excel dates");
        assert_eq!(row[3], Data::Float(f64::from(item.installment_no)));
        assert_eq!(amount(&row[6]), item.amount, "amounts are numbers");
        assert_eq!(amount(&row[9]), item.overdue_balance);
        assert_eq!(text(&row[10]), item.invoice_number.as_deref().unwrap_or(""));
    }
    let column: Money = rows[1..=shown.len()].iter().map(|r| amount(&r[9])).sum();
    let total = rows.last().unwrap();
    assert_eq!(text(&total[0]), "Totale saldo scaduto");
    assert_eq!(
        amount(&total[9]),
        screen.overdue_total,
        "the screen's total to the cent"
    );
    assert_eq!(column, screen.overdue_total, "the column adds up to it");
    assert_workbook_quality(&file, shown.len(), 'K', "Fatturazione e pagamenti", &company);
    let xml = part(&file, "xl/worksheets/sheet1.xml");
    assert!(
        column_width(&xml, 6) >= "Addebito diretto SEPA".len() as f64,
        "the payment method fits its column"
    );
    assert!(column_width(&xml, 4) < 12.0, "a narrow number column stays narrow");

    // B3 for one contract, overdue only, in English.
    let contract = shown
        .iter()
        .find(|r| r.status == PaymentStatus::Overdue)
        .map(|r| r.contract_id);
    let overdue = ScheduleFilter {
        contract_id: contract,
        status: Some(PaymentStatus::Overdue),
        ..all
    };
    let expected = all_schedule(&app, &overdue).await;
    let file = dir.join("overdue.xlsx");
    let exported = export(&app, ExportRequest::Payments { filter: overdue }, Lang::En, &file).await;
    assert_eq!(exported.rows as usize, expected.len());
    let rows = sheet(&file, "Payments");
    assert_eq!(rows.len(), expected.len() + 2);
    assert!(rows[1..=expected.len()]
        .iter()
        .all(|r| text(&r[0]) == "Overdue" && text(&r[1]) == expected[0].contract_no));
    assert_eq!(text(&rows.last().unwrap()[0]), "Total overdue balance");

    // B4: the invoices of a year.
    let year = InvoiceFilter {
        from: NaiveDate::from_ymd_opt(2024, 1, 1),
        to: NaiveDate::from_ymd_opt(2024, 12, 31),
        ..InvoiceFilter::default()
    };
    let invoices = all_invoices(&app, &year).await;
    let file = dir.join("fatture.xlsx");
    export(&app, ExportRequest::Invoices { filter: year }, Lang::It, &file).await;
    let rows = sheet(&file, "Fatture");
    assert_eq!(rows.len(), invoices.len() + 1, "header and every invoice");
    // How many depends on the day the book is generated from; a year of the fleet holds dozens.
    assert!(invoices.len() > 40, "{}", invoices.len());
    assert_eq!(headers(&rows)[5..], ["Imponibile", "IVA", "Totale"]);
    let taxable: Money = rows[1..].iter().map(|r| amount(&r[5])).sum();
    assert_eq!(taxable, invoices.iter().map(|i| i.taxable).sum::<Money>());
    let totals: Money = rows[1..].iter().map(|r| amount(&r[7])).sum();
    assert_eq!(totals, invoices.iter().map(|i| i.total).sum::<Money>());
    assert!(rows[1..].iter().all(|r| date(&r[2]).year() == 2024));
    assert_workbook_quality(&file, invoices.len(), 'H', "Fatture e note di credito", &company);

    // C4: one contract's whole plan.
    let options = app.contract_options().await.unwrap();
    let view = app.contract(options[0].id).await.unwrap();
    let file = dir.join("piano.xlsx");
    let exported = export(
        &app,
        ExportRequest::Plan {
            contract_id: view.contract.id,
        },
        Lang::It,
        &file,
    )
    .await;
    assert_eq!(exported.rows as usize, view.plan.len());
    let rows = sheet(&file, "Piano di ammortamento");
    assert_eq!(rows.len(), view.plan.len() + 1);
    assert_eq!(
        headers(&rows),
        [
            "Num. rata",
            "Data scadenza",
            "Tipologia rata",
            "Importo rata",
            "Quota capitale",
            "Quota interessi",
            "Capitale residuo",
            "Modalità di pagamento",
            "Inizio competenza",
            "Fine competenza",
            "Data di incasso"
        ]
    );
    for (row, entry) in rows[1..].iter().zip(&view.plan) {
        assert_eq!(row[0], Data::Float(f64::from(entry.row.number)));
        assert_eq!(date(&row[1]), entry.row.due_on);
        assert_eq!(amount(&row[4]), entry.row.principal);
        assert_eq!(amount(&row[6]), entry.row.outstanding);
        assert_eq!(date(&row[9]), entry.row.accrual_end);
        match entry.collected_on {
            Some(day) => assert_eq!(date(&row[10]), day),
            None => assert_eq!(row[10], Data::Empty, "not collected yet"),
        }
    }
    assert_eq!(text(&rows[1][2]), "Rata anticipata", "the advance comes first");
    let principal: Money = rows[1..].iter().map(|r| amount(&r[4])).sum();
    assert_eq!(principal, view.plan.iter().map(|e| e.row.principal).sum::<Money>());
    let title = format!("Piano di ammortamento {}", view.contract.contract_no);
    assert_workbook_quality(&file, view.plan.len(), 'K', &title, &company);

    // L2: every leased asset, in English.
    let assets = app.assets(None, Window { offset: 0, limit: 500 }).await.unwrap();
    let file = dir.join("assets.xlsx");
    export(&app, ExportRequest::Assets { contract_id: None }, Lang::En, &file).await;
    let rows = sheet(&file, "Leased assets");
    assert_eq!(rows.len() as u32, assets.total + 1);
    assert_eq!(
        headers(&rows),
        [
            "Contract code",
            "Mandate end",
            "Asset code",
            "Asset type",
            "Financial value",
            "Expected future value",
            "Description"
        ]
    );
    for (row, asset) in rows[1..].iter().zip(&assets.rows) {
        assert_eq!(text(&row[2]), asset.code);
        assert_eq!(date(&row[1]), asset.lease_end);
        assert_eq!(amount(&row[4]), asset.financial_value);
        assert_eq!(amount(&row[5]), asset.future_value);
        assert_eq!(text(&row[6]), asset.description);
    }
    let longest = assets.rows.iter().map(|a| a.description.chars().count()).max().unwrap();
    let xml = part(&file, "xl/worksheets/sheet1.xml");
    assert!(column_width(&xml, 7) >= longest.min(58) as f64, "descriptions fit");
    assert!(
        std::fs::read_dir(dir)
            .unwrap()
            .all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".part")),
        "no temporary file left"
    );
}

/// Unpacks a bundle into `into`, returning the names of its entries.
fn unpack(file: &Path, into: &Path) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    archive.extract(into).unwrap();
    archive.file_names().map(|n| n.unwrap().into_owned()).collect()
}

#[tokio::test]
async fn the_bundle_holds_every_invoice_of_the_quarter_as_valid_pdf_and_xml_with_an_index() {
    let (f, app) = fleet(40).await;
    let quarter = last_quarter(f.clock.today());
    let invoices = all_invoices(&app, &quarter).await;
    assert!(invoices.len() > 20, "a quarter of the fleet: {}", invoices.len());
    let file = f.dir.path().join("bundle.zip");
    let exported = export(&app, ExportRequest::Bundle { filter: quarter }, Lang::It, &file).await;
    assert_eq!(exported.rows as usize, invoices.len());
    assert_eq!(exported.documents as usize, 2 * invoices.len());

    let out = f.dir.path().join("unpacked");
    let names = unpack(&file, &out);
    assert_eq!(
        names.len(),
        2 * invoices.len() + 1,
        "a PDF and an XML each, and the index"
    );
    let mut xmls: Vec<PathBuf> = Vec::new();
    for invoice in &invoices {
        let pdf = out
            .join("PDF")
            .join(format!("{}.pdf", invoice.number.replace('/', "_")));
        assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"), "{}", pdf.display());
        let xml = out.join("XML").join(&invoice.xml_file_name);
        assert!(xml.exists(), "{}", xml.display());
        xmls.push(xml);
    }
    let xmls: Vec<&Path> = xmls.iter().map(PathBuf::as_path).collect();
    testkit::validate_fatturapa_all(&xmls).expect("every XML is valid FatturaPA");

    let rows = sheet(&out.join("Indice.xlsx"), "Indice");
    assert_eq!(rows.len(), invoices.len() + 2, "header, each document, total");
    assert_eq!(
        headers(&rows),
        [
            "Numero",
            "Data",
            "Tipo",
            "Contratto",
            "Imponibile",
            "IVA",
            "Totale",
            "Scadenza",
            "Pagato",
            "File PDF",
            "File XML"
        ]
    );
    for row in &rows[1..=invoices.len()] {
        assert!(
            names.contains(&text(&row[9]).to_owned()),
            "{:?} is in the bundle",
            row[9]
        );
        assert!(
            names.contains(&text(&row[10]).to_owned()),
            "{:?} is in the bundle",
            row[10]
        );
    }
    let total = rows.last().unwrap();
    assert_eq!(text(&total[0]), "Totale del periodo");
    for (col, expected) in [
        (4, invoices.iter().map(|i| i.taxable).sum::<Money>()),
        (5, invoices.iter().map(|i| i.vat).sum()),
        (6, invoices.iter().map(|i| i.total).sum()),
    ] {
        assert_eq!(amount(&total[col]), expected, "the index total of column {col}");
        let column: Money = rows[1..=invoices.len()].iter().map(|r| amount(&r[col])).sum();
        assert_eq!(column, expected);
    }
    let schedule = all_schedule(&app, &ScheduleFilter::default()).await;
    let first = &invoices[0];
    let paid: Money = schedule
        .iter()
        .filter(|s| s.invoice_number.as_deref() == Some(first.number.as_str()))
        .map(|s| s.paid)
        .sum();
    assert_eq!(amount(&rows[1][8]), paid, "paid against the invoice, from the schedule");
}

/// A job that cancels itself once the first document is in.
fn cancelled_after_the_first_step() -> Job {
    let switch: Arc<OnceLock<Arc<AtomicBool>>> = Arc::default();
    let seen = switch.clone();
    let job = Job::new(move |progress| {
        if progress.done > 0 {
            seen.get().unwrap().store(true, Ordering::Relaxed);
        }
    });
    switch.set(job.canceller()).unwrap();
    job
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_failed_or_cancelled_bundle_leaves_the_old_file_and_once_downloaded_it_builds_offline() {
    let mut f = Fixture::start().await;
    let app = logged_in(&f).await;
    let everything = ExportRequest::Bundle {
        filter: InvoiceFilter::default(),
    };
    let folder = f.dir.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    let file = folder.join("fatture.zip");
    std::fs::write(&file, b"the accountant's previous bundle").unwrap();
    let untouched = |why: &str| {
        assert_eq!(
            std::fs::read(&file).unwrap(),
            b"the accountant's previous bundle",
            "{why}"
        );
        assert_eq!(
            files_in(&folder),
            ["fatture.zip"],
            "{why}: nothing half-written beside it"
        );
    };

    f.stop_server().await;
    let error = app
        .export(&everything, Lang::It, &file, &Job::quiet())
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::ServerUnreachable);
    untouched("the server was down");

    let payments = ExportRequest::Payments {
        filter: ScheduleFilter::default(),
    };
    let list = folder.join("pagamenti.xlsx");
    let error = app
        .export(&payments, Lang::It, &list, &cancelled_after_the_first_step())
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Cancelled, "a list stops between rows too");
    untouched("a cancelled list");

    f.restart_server().await;
    let error = app
        .export(&everything, Lang::It, &file, &cancelled_after_the_first_step())
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Cancelled);
    untouched("cancelled");

    let done = app.export(&everything, Lang::En, &file, &Job::quiet()).await.unwrap();
    let invoices = all_invoices(&app, &InvoiceFilter::default()).await;
    assert_eq!(done.rows as usize, invoices.len());
    assert_eq!(files_in(&folder), ["fatture.zip"]);

    // A credit note lowers the period's totals: its amounts carry a minus sign.
    let out = f.dir.path().join("unpacked");
    unpack(&file, &out);
    let rows = sheet(&out.join("Index.xlsx"), "Index");
    let note = invoices
        .iter()
        .find(|i| i.kind == DocumentKind::CreditNote)
        .expect("the demo has one");
    let row = rows.iter().find(|r| text(&r[0]) == note.number).unwrap();
    assert_eq!(text(&row[2]), "Credit note");
    assert_eq!(amount(&row[6]), Money::ZERO - note.total);
    assert_eq!(row[8], Data::Empty, "nothing is paid on a credit note");
    let net: Money = invoices
        .iter()
        .map(|i| match i.kind {
            DocumentKind::Invoice => i.total,
            DocumentKind::CreditNote => Money::ZERO - i.total,
        })
        .sum();
    assert_eq!(amount(&rows.last().unwrap()[6]), net);

    f.stop_server().await;
    std::fs::remove_file(&file).unwrap();
    let offline = app.export(&everything, Lang::It, &file, &Job::quiet()).await.unwrap();
    assert_eq!(offline, done, "every document came from the local copy");
    assert_eq!(
        unpack(&file, &f.dir.path().join("offline")).len(),
        2 * invoices.len() + 1
    );
}

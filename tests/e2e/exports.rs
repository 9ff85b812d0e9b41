//! The exports in the real window: each list's "Esporta" opens the native
//! GTK save dialog (driven with xdotool on the X display), and the file the
//! user chose appears with exactly the rows the screen shows.

use crate::harness::{click, screenshot, wait_for, Harness, WAIT};
use crate::{log_in, serial, wait_synced};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use thirtyfour::prelude::*;

fn xdotool(args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .output()
        .expect("xdotool is installed");
    String::from_utf8(out.stdout).unwrap()
}

/// The save dialog's window, once it is on the display.
async fn save_dialog(title: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let found = xdotool(&["search", "--onlyvisible", "--name", &format!("^{title}$")]);
        if let Some(id) = found.lines().next() {
            return id.to_owned();
        }
        assert!(Instant::now() < deadline, "no {title:?} dialog on the display");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Photographs the whole display, dialog included (WebDriver sees only the page).
pub(crate) fn photograph_display(name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    let shot = dir.join(format!("{name}.png"));
    let status = Command::new("import").args(["-window", "root"]).arg(&shot).status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "ImageMagick's import photographs the display"
    );
}

/// Answers the save dialog: `None` accepts the offered name and folder, a
/// path is typed into the name field (GTK takes a whole path there).
async fn answer_save_dialog(title: &str, path: Option<&Path>, photo: Option<&str>) {
    let id = save_dialog(title).await;
    // Without a window manager, the dialog gets the keyboard only when given it.
    xdotool(&["windowfocus", "--sync", &id]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    if let Some(name) = photo {
        photograph_display(name);
    }
    if let Some(path) = path {
        xdotool(&["key", "--clearmodifiers", "ctrl+a"]);
        xdotool(&["type", "--delay", "10", &path.to_string_lossy()]);
    }
    xdotool(&["key", "--clearmodifiers", "Return"]);
}

/// The outcome line once the export finished: its row count.
async fn saved_rows(driver: &WebDriver, block: &str) -> u32 {
    let saved = wait_for(driver, &format!("[data-testid={block}] [data-testid=export-saved]")).await;
    saved.attr("data-rows").await.unwrap().unwrap().parse().unwrap()
}

async fn shown_count(driver: &WebDriver, css: &str) -> u32 {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = wait_for(driver, css).await.text().await.unwrap();
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            return n;
        }
        assert!(Instant::now() < deadline, "{css} shows no count: {text:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn export_to(driver: &WebDriver, block: &str, file: &Path) -> u32 {
    click(driver, &format!("[data-testid={block}] [data-testid=export-start]")).await;
    answer_save_dialog("Esporta", Some(file), None).await;
    let rows = saved_rows(driver, block).await;
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(bytes.starts_with(b"PK"), "an .xlsx or .zip is a ZIP container");
    rows
}

async fn go(driver: &WebDriver, section: &str) {
    click(driver, &format!("[data-testid=nav-{section}]")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_list_exports_to_the_file_chosen_in_the_native_save_dialog() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let driver = h.launch().await;
    log_in(&h, &driver).await;
    wait_synced(&driver).await;
    let folder = h.dir.path().join("per il commercialista");
    std::fs::create_dir(&folder).unwrap();

    // Payments: the offered name, in the offered folder (the user's home here).
    go(&driver, "payments").await;
    let count = shown_count(&driver, "[data-testid=schedule-count]").await;
    click(&driver, "[data-testid=export-payments] [data-testid=export-start]").await;
    answer_save_dialog("Esporta", None, Some("export-save-dialog-it")).await;
    assert_eq!(
        saved_rows(&driver, "export-payments").await,
        count,
        "every row the screen lists"
    );
    screenshot(&driver, "export-saved-it").await;
    let home = PathBuf::from(std::env::var("HOME").unwrap());
    let offered: Vec<_> = std::fs::read_dir(&home)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("Pagamenti_tutti_") && n.ends_with(".xlsx"))
        .collect();
    assert_eq!(offered.len(), 1, "the offered name, in the home folder: {offered:?}");

    // The same list filtered to the overdue rows: the export follows the filter.
    let status = wait_for(&driver, "[data-testid=payments-status]").await;
    status
        .find(By::Css("option[value=overdue]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The list reloads with the filter: wait for its new count.
    let deadline = Instant::now() + WAIT;
    let overdue = loop {
        let shown = shown_count(&driver, "[data-testid=schedule-count]").await;
        if shown != count {
            break shown;
        }
        assert!(Instant::now() < deadline, "the overdue filter never changed the count");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(overdue < count);
    let file = folder.join("scaduti.xlsx");
    assert_eq!(export_to(&driver, "export-payments", &file).await, overdue);

    // The coming due dates as a calendar file, which any RFC 5545 reader takes.
    let file = folder.join("scadenze.ics");
    click(&driver, "[data-testid=export-calendar] [data-testid=export-start]").await;
    answer_save_dialog("Esporta", Some(&file), None).await;
    let events = saved_rows(&driver, "export-calendar").await;
    let text = std::fs::read_to_string(&file).unwrap();
    let calendar = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .next()
        .expect("a calendar")
        .expect("RFC 5545");
    assert!(events > 0);
    assert_eq!(calendar.events.len() as u32, events, "one event per coming due date");
    screenshot(&driver, "export-calendar-it").await;

    go(&driver, "invoices").await;
    let invoices = shown_count(&driver, "[data-testid=invoices-count]").await;
    let file = folder.join("fatture.xlsx");
    assert_eq!(export_to(&driver, "export-invoices", &file).await, invoices);
    let file = folder.join("fatture.zip");
    assert_eq!(export_to(&driver, "export-bundle", &file).await, invoices);
    let bundle = wait_for(&driver, "[data-testid=export-bundle] [data-testid=export-saved]").await;
    let documents = bundle.attr("data-documents").await.unwrap().unwrap();
    assert_eq!(documents, (2 * invoices).to_string(), "a PDF and an XML per invoice");
    screenshot(&driver, "export-bundle-saved-it").await;

    go(&driver, "contracts").await;
    let plan_rows = wait_for(&driver, "[data-testid=plan]").await;
    plan_rows.scroll_into_view().await.unwrap();
    let file = folder.join("piano.xlsx");
    let exported = export_to(&driver, "export-plan", &file).await;
    let pill = driver
        .find(By::Css("#plan-title .pill"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(pill.starts_with(&exported.to_string()), "the plan's {pill} rows");

    // Assets in English: the dialog's title follows the language.
    click(&driver, "[data-testid=lang-en]").await;
    go(&driver, "assets").await;
    let file = folder.join("assets.xlsx");
    click(&driver, "[data-testid=export-assets] [data-testid=export-start]").await;
    answer_save_dialog("Export", Some(&file), Some("export-save-dialog-en")).await;
    let rows = saved_rows(&driver, "export-assets").await;
    assert!(rows > 0 && file.exists(), "the assets' workbook");
    screenshot(&driver, "export-saved-en").await;
    click(&driver, "[data-testid=lang-it]").await;

    // No program on this computer opens a PDF: the window says so and saves
    // a copy where the user chooses, through the same native dialog.
    go(&driver, "invoices").await;
    click(&driver, "[data-testid=open-pdf]").await;
    wait_for(&driver, "[data-testid=error-banner][data-code=no_viewer]").await;
    screenshot(&driver, "invoice-no-viewer-it").await;
    click(&driver, "[data-testid=save-document]").await;
    let copy = folder.join("copia fattura.pdf");
    answer_save_dialog("Salva una copia", Some(&copy), None).await;
    wait_for(&driver, "[data-testid=banner-outcome]").await;
    let bytes = std::fs::read(&copy).unwrap_or_else(|e| panic!("{}: {e}", copy.display()));
    assert!(bytes.starts_with(b"%PDF"), "the invoice's PDF, copied");

    let leftovers: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left: {leftovers:?}");
    driver.quit().await.unwrap();
}

//! The living book in the real window: a collection the company's leasing
//! system loads with the command line reaches the open window by itself, and
//! a line that falls due turns overdue on its day with the server gone.

use crate::harness::{screenshot, wait_for, Harness, WAIT};
use crate::{it_money, log_in, serial, value, wait_synced};
use sportello_domain::book::{BookRecord, ScheduleLineRecord};
use sportello_domain::Money;
use sportello_server::audit::Origin;
use sportello_server::book::{files::Format, sample};
use sportello_server::demo::DEMO_USERNAME;
use std::collections::HashSet;
use thirtyfour::prelude::*;

/// The overdue total on the home page, once it reads `expected`.
async fn wait_overdue(driver: &WebDriver, expected: Money) -> WebElement {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let shown = wait_for(driver, "[data-testid=overdue-total]").await;
        if value(&shown).await == expected.to_string() {
            return shown;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the overdue total stayed {} instead of {expected}",
            value(&shown).await
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The bell's unread count.
async fn unread(driver: &WebDriver) -> u32 {
    match driver.find(By::Css("[data-testid=bell-badge]")).await {
        Ok(badge) => badge.text().await.unwrap().trim().parse().unwrap_or(0),
        Err(_) => 0,
    }
}

/// The demo customer's book as the company sends it, with the newest past
/// line left unpaid: returns the records, that line and a line to come.
fn book(today: chrono::NaiveDate) -> (Vec<BookRecord>, ScheduleLineRecord, ScheduleLineRecord) {
    let mut records: Vec<BookRecord> = sample::records(DEMO_USERNAME, 8, 5, today)
        .into_iter()
        .filter(|r| !matches!(r, BookRecord::Customer(_)))
        .collect();
    let lines: Vec<ScheduleLineRecord> = records
        .iter()
        .filter_map(|r| match r {
            BookRecord::ScheduleLine(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let collected: HashSet<String> = records
        .iter()
        .filter_map(|r| match r {
            BookRecord::Collection(c) => Some(c.line.clone()),
            _ => None,
        })
        .collect();
    let late = lines
        .iter()
        .filter(|l| l.due_on < today && collected.contains(&l.reference))
        .max_by_key(|l| l.due_on)
        .expect("a collected past line")
        .clone();
    records.retain(|r| !matches!(r, BookRecord::Collection(c) if c.line == late.reference));
    let coming = lines
        .iter()
        .filter(|l| l.due_on > today && !collected.contains(&l.reference))
        .min_by_key(|l| l.due_on)
        .expect("a line to come")
        .clone();
    (records, late, coming)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_collection_loaded_by_the_company_reaches_the_window_and_a_due_line_turns_overdue_offline() {
    let _serial = serial().await;
    let mut h = Harness::start().await;
    let today = h.state().clock.today();
    let (records, late, coming) = book(today);
    sportello_server::book::import(
        h.state(),
        &Origin::cli(),
        "book.jsonl",
        &sample::json_lines(&records),
        Format::JsonLines,
        false,
    )
    .await
    .map_err(|e| format!("{e:?}"))
    .unwrap();

    let driver = h.launch().await;
    log_in(&h, &driver).await;
    wait_synced(&driver).await;
    let before: Money = value(&wait_for(&driver, "[data-testid=overdue-total]").await)
        .await
        .parse()
        .unwrap();
    let unread = unread(&driver).await;
    assert!(
        before.cents() >= late.amount.cents(),
        "the unpaid line is overdue: {before}"
    );

    // The company's system records the collection from the command line, in another process.
    let file = h.dir.path().join("collections.csv");
    std::fs::write(
        &file,
        format!(
            "type,ref,line,amount,collected_on,method\ncollection,P-E2E-1,{},{},{today},{}\n",
            late.reference,
            late.amount,
            late.payment_method.as_str()
        ),
    )
    .unwrap();
    let cli = std::path::Path::new(env!("CARGO_BIN_EXE_sportello")).with_file_name("sportello-server");
    assert!(
        cli.exists(),
        "{} is built by `cargo test --workspace` (make test, make e2e)",
        cli.display()
    );
    let out = std::process::Command::new(&cli)
        .args(["admin", "import"])
        .arg(&file)
        .env(
            "SPORTELLO_DATABASE_URL",
            format!("sqlite://{}", h.dir.path().join("sportello.db").display()),
        )
        .env("SPORTELLO_DATA_DIR", h.dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // No new login, no click: the window follows.
    let paid = before - late.amount;
    let shown = wait_overdue(&driver, paid).await;
    assert_eq!(shown.text().await.unwrap().trim(), it_money(paid));
    let deadline = tokio::time::Instant::now() + WAIT;
    while crate::book::unread(&driver).await != unread + 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no notification for the collection"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    screenshot(&driver, "book-collection-arrived-it").await;
    driver.quit().await.unwrap();

    // The server goes away; the day after that line's due date, it is overdue
    // (with whatever else fell due meanwhile: H1 as the server's rule computes it that day).
    let days = (coming.due_on - today).num_days() + 1;
    let customer = h.state().store.customer_by_code(DEMO_USERNAME).await.unwrap().unwrap();
    let day_after = coming.due_on + chrono::Days::new(1);
    let expected = h
        .state()
        .store
        .situation(customer.id, day_after)
        .await
        .unwrap()
        .overdue_total;
    assert!(expected.cents() >= paid.cents() + coming.amount.cents());
    h.stop_server().await;
    let driver = h.launch_with(&[&format!("--e2e-days-ahead={days}")]).await;
    wait_for(&driver, "[data-testid=offline]").await;
    let shown = wait_overdue(&driver, expected).await;
    assert_eq!(shown.text().await.unwrap().trim(), it_money(expected));
    screenshot(&driver, "book-due-line-overdue-offline-it").await;
    crate::harness::click(&driver, "[data-testid=lang-en]").await;
    crate::harness::wait_text(&driver, "#situation-title", "Your situation").await;
    assert_eq!(
        value(&wait_for(&driver, "[data-testid=overdue-total]").await).await,
        expected.to_string()
    );
    screenshot(&driver, "book-due-line-overdue-offline-en").await;
    crate::harness::click(&driver, "[data-testid=lang-it]").await;
    driver.quit().await.unwrap();
}

//! End to end: the real Sportello window under Xvfb, driven through WebDriver,
//! against a real server, the real Secret Service keyring and a throwaway HOME.
//! Run with `make e2e` (inside scripts/with-desktop.sh).

mod harness;

use harness::{click, screenshot, type_into, wait_for, wait_gone, wait_text, Harness};
use sportello_domain::situation::Situation;
use sportello_domain::Money;
use sportello_server::demo::{DEMO_PASSWORD, DEMO_USERNAME};
use std::path::Path;
use std::process::Command;
use thirtyfour::prelude::*;
use tokio::sync::{Mutex, MutexGuard};

/// One app window at a time: the tests share a display, a keyring and a HOME.
async fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::const_new(());
    LOCK.lock().await
}

/// Italian formats, written independently of the UI's code: 2.316,38 € and 30/04/2024.
fn it_money(money: Money) -> String {
    let cents = money.cents();
    let units = (cents.abs() / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    // The UI puts a no-break space before €; WebDriver reads it back as a plain space.
    format!(
        "{}{grouped},{:02} €",
        if cents < 0 { "-" } else { "" },
        cents.abs() % 100
    )
}

fn it_date(date: chrono::NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

async fn text(driver: &WebDriver, css: &str) -> String {
    wait_for(driver, css).await.text().await.unwrap().trim().to_owned()
}

async fn value(element: &WebElement) -> String {
    element.attr("data-value").await.unwrap().unwrap_or_default()
}

async fn log_in(h: &Harness, driver: &WebDriver) {
    type_into(driver, "#username", DEMO_USERNAME).await;
    type_into(driver, "#password", DEMO_PASSWORD).await;
    click(driver, "[data-testid=login-submit]").await;
    wait_for(driver, "#code").await;
    type_into(driver, "#code", &h.latest_code()).await;
    click(driver, "[data-testid=code-submit]").await;
}

/// Every file under `root` whose bytes contain `needle`.
fn files_containing(root: &Path, needle: &str) -> (usize, Vec<String>) {
    let out = Command::new("grep").args(["-rlaF", needle]).arg(root).output().unwrap();
    let scanned = walk_count(root);
    (
        scanned,
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}

fn walk_count(root: &Path) -> usize {
    std::fs::read_dir(root).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| if e.path().is_dir() { walk_count(&e.path()) } else { 1 })
            .sum()
    })
}

async fn assert_dashboard_matches_the_server(h: &Harness, driver: &WebDriver) {
    let store = &h.state().store;
    let today = h.state().clock.today();
    let expected = Situation::compute(today, &store.active_schedule(1).await.unwrap());
    let contracts = store.active_contracts(1).await.unwrap();

    let overdue = wait_for(driver, "[data-testid=overdue-total]").await;
    assert_eq!(value(&overdue).await, expected.overdue_total.to_string());
    assert_eq!(overdue.text().await.unwrap(), it_money(expected.overdue_total));
    assert!(expected.overdue_total.is_positive(), "the demo shows overdue money");
    let next_due = expected.next_due_on.expect("the demo has a next due date");
    assert_eq!(text(driver, "[data-testid=next-due]").await, it_date(next_due));
    assert_eq!(
        text(driver, "[data-testid=next-payment]").await,
        it_money(expected.next_payment.unwrap())
    );
    assert_eq!(
        text(driver, "[data-testid=advances-paid]").await,
        it_money(expected.advances_paid)
    );
    assert_eq!(
        value(&wait_for(driver, "[data-testid=today]").await).await,
        today.to_string()
    );

    assert_eq!(
        value(&wait_for(driver, "[data-testid=active-count]").await).await,
        contracts.len().to_string()
    );
    let shown = driver.find_all(By::Css("[data-testid=contract]")).await.unwrap();
    assert_eq!(shown.len(), contracts.len());
    for (row, contract) in shown.iter().zip(&contracts) {
        assert_eq!(
            row.attr("data-contract").await.unwrap().as_deref(),
            Some(contract.contract_no.as_str())
        );
        let cell = |id: &'static str| async move {
            row.find(By::Css(format!("[data-testid={id}]")))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        };
        assert_eq!(cell("contract-assets").await, contract.assets_count.to_string());
        assert_eq!(cell("contract-amount").await, it_money(contract.amount));
        assert_eq!(cell("contract-signed").await, it_date(contract.signed_on));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn log_in_see_the_dashboard_come_back_without_login_and_log_out() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let driver = h.launch().await;
    wait_for(&driver, "#username").await;
    screenshot(&driver, "login-it").await;
    log_in(&h, &driver).await;
    assert_dashboard_matches_the_server(&h, &driver).await;
    screenshot(&driver, "home-it").await;

    let token = h.keyring_token().expect("secret-tool finds the refresh token");
    assert!(token.starts_with("spr_"));
    let home = std::env::var("HOME").unwrap();
    let (scanned, leaks) = files_containing(Path::new(&home), &token);
    assert!(scanned > 0, "the app wrote its data folders under HOME");
    assert!(leaks.is_empty(), "the token is only in the keyring, found in {leaks:?}");
    let app_dirs = ["XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"]
        .map(|v| Path::new(&std::env::var(v).unwrap()).join("it.sportello.desktop"));
    assert!(
        app_dirs.iter().any(|d| d.exists()),
        "the app's own folders exist and were searched"
    );

    // Closing and reopening: straight to the dashboard on the stored token.
    driver.quit().await.unwrap();
    let driver = h.launch().await;
    assert_dashboard_matches_the_server(&h, &driver).await;
    assert!(
        driver.find_all(By::Css("#username")).await.unwrap().is_empty(),
        "no login asked"
    );
    let rotated = h.keyring_token().unwrap();
    assert_ne!(rotated, token, "the refresh token rotated on restart");

    // English, then logout with its confirmation.
    click(&driver, "[data-testid=lang-en]").await;
    wait_text(&driver, "#situation-title", "Your situation").await;
    screenshot(&driver, "home-en").await;
    click(&driver, "[data-testid=lang-it]").await;
    click(&driver, "[data-testid=logout]").await;
    wait_for(&driver, "[data-testid=logout-dialog]").await;
    screenshot(&driver, "logout-dialog-it").await;
    click(&driver, "[data-testid=logout-cancel]").await;
    wait_gone(&driver, "[data-testid=logout-dialog]").await;
    assert!(h.keyring_token().is_some(), "cancel keeps the session");
    click(&driver, "[data-testid=logout]").await;
    click(&driver, "[data-testid=logout-confirm]").await;
    wait_for(&driver, "#username").await;
    assert_eq!(h.keyring_token(), None, "logout removed the token from the keyring");
    driver.quit().await.unwrap();

    let driver = h.launch().await;
    wait_for(&driver, "#username").await;
    driver.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_and_a_wrong_code_show_their_messages() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let driver = h.launch().await;
    type_into(&driver, "#username", DEMO_USERNAME).await;
    type_into(&driver, "#password", "not the password").await;
    click(&driver, "[data-testid=login-submit]").await;
    let error = wait_for(&driver, "[data-testid=login-error]").await;
    assert_eq!(
        error.attr("data-code").await.unwrap().as_deref(),
        Some("invalid_credentials")
    );
    assert_eq!(error.text().await.unwrap(), "Nome utente o password non corretti.");
    screenshot(&driver, "login-error-it").await;

    type_into(&driver, "#password", DEMO_PASSWORD).await;
    click(&driver, "[data-testid=login-submit]").await;
    let right = {
        wait_for(&driver, "#code").await;
        h.latest_code()
    };
    let wrong = if right == "000000" { "111111" } else { "000000" };
    type_into(&driver, "#code", wrong).await;
    click(&driver, "[data-testid=code-submit]").await;
    let error = wait_for(&driver, "[data-testid=code-error]").await;
    assert_eq!(
        error.text().await.unwrap(),
        "Codice non corretto. Tentativi rimasti: 4."
    );
    assert_eq!(h.keyring_token(), None);
    driver.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_is_down_shows_a_banner_not_a_blank_page() {
    let _serial = serial().await;
    let mut h = Harness::start().await;
    let driver = h.launch().await;
    log_in(&h, &driver).await;
    wait_for(&driver, "[data-testid=overdue-total]").await;
    driver.quit().await.unwrap();
    h.stop_server().await;

    // Logged in, server gone: the start screen says so and offers a retry.
    let driver = h.launch().await;
    let banner = wait_for(&driver, "[data-testid=error-banner]").await;
    assert_eq!(
        banner.attr("data-code").await.unwrap().as_deref(),
        Some("server_unreachable")
    );
    assert!(banner
        .text()
        .await
        .unwrap()
        .contains("Impossibile raggiungere il server"));
    assert!(h.keyring_token().is_some(), "being offline does not log you out");
    screenshot(&driver, "server-down-it").await;
    driver.quit().await.unwrap();

    // Not logged in: the login page works offline and says why it cannot log in.
    let cleared = Command::new("secret-tool")
        .args(["clear", "service", "sportello", "username", &h.server_url])
        .status()
        .unwrap();
    assert!(cleared.success());
    let driver = h.launch().await;
    type_into(&driver, "#username", DEMO_USERNAME).await;
    type_into(&driver, "#password", DEMO_PASSWORD).await;
    click(&driver, "[data-testid=login-submit]").await;
    let banner = wait_for(&driver, "[data-testid=error-banner]").await;
    assert_eq!(
        banner.attr("data-code").await.unwrap().as_deref(),
        Some("server_unreachable")
    );
    screenshot(&driver, "login-server-down-it").await;
    driver.quit().await.unwrap();
}

//! End to end: the real Sportello window under Xvfb, driven through WebDriver,
//! against a real server, the real Secret Service keyring and a throwaway HOME.
//! Run with `make e2e` (inside scripts/with-desktop.sh).

mod account;
mod book;
mod desktop;
mod exports;
mod fit;
mod fleet;
mod harness;
mod installed;
mod screens;
mod shop;

use harness::{click, screenshot, type_into, wait_for, wait_gone, wait_text, wait_text_containing, Harness};
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
    log_in_as(h, driver, DEMO_USERNAME, DEMO_PASSWORD).await;
}

async fn log_in_as(h: &Harness, driver: &WebDriver, username: &str, password: &str) {
    type_into(driver, "#username", username).await;
    type_into(driver, "#password", password).await;
    click(driver, "[data-testid=login-submit]").await;
    wait_for(driver, "#code").await;
    type_into(driver, "#code", &h.latest_code().await).await;
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

/// Files under `root` whose name ends with `suffix`.
fn files_named(root: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| match e.path() {
            dir if dir.is_dir() => files_named(&dir, suffix),
            file if file.to_string_lossy().ends_with(suffix) => vec![file],
            _ => Vec::new(),
        })
        .collect()
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
    let expected = store.situation(1, today).await.unwrap();
    let panel = store.contracts_panel(1).await.unwrap();
    let contracts = panel.contracts;

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
        panel.active_count.to_string()
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
    // The page painted from the local copy; the sync's refresh follows and rotates the token.
    let deadline = std::time::Instant::now() + harness::WAIT;
    while h.keyring_token().as_deref() == Some(token.as_str()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the refresh token never rotated after the restart"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(h.keyring_token().is_some(), "a new refresh token is in the keyring");

    // English, then logout with its confirmation.
    click(&driver, "[data-testid=lang-en]").await;
    wait_text(&driver, "#situation-title", "Your situation").await;
    screenshot(&driver, "home-en").await;
    click(&driver, "[data-testid=nav-settings]").await;
    wait_for(&driver, "[data-testid=settings-keep-copy]").await;
    screenshot(&driver, "settings-en").await;
    click(&driver, "[data-testid=lang-it]").await;
    wait_text_containing(&driver, "[data-testid=settings]", "Conserva una copia").await;
    screenshot(&driver, "settings-it").await;
    let data = Path::new(&std::env::var("XDG_DATA_HOME").unwrap()).join("it.sportello.desktop");
    // Other tests' accounts may have copies here too: this one's must go.
    let caches = || files_named(&data, ".db");
    let logged_in = caches();
    assert!(
        !logged_in.is_empty(),
        "the account's local copy is on disk while logged in"
    );
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
    let left = caches();
    assert_eq!(
        left.len() + 1,
        logged_in.len(),
        "and, with no copy kept, the local copy"
    );
    assert!(left.iter().all(|c| logged_in.contains(c)));
    driver.quit().await.unwrap();

    let driver = h.launch().await;
    wait_for(&driver, "#username").await;
    driver.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_saved_server_address_is_said_on_the_login_page() {
    let _serial = serial().await;
    let h = Harness::start_with_settings(serde_json::json!({ "server_url": "http://sportello.example.it" })).await;
    let driver = h.launch().await;
    wait_for(&driver, "#username").await;
    wait_text_containing(
        &driver,
        "[data-testid=server-rejected]",
        "http://sportello.example.it (salvato nelle Impostazioni) non è utilizzabile",
    )
    .await;
    screenshot(&driver, "server-rejected-it").await;
    click(&driver, "[data-testid=lang-en]").await;
    wait_text_containing(&driver, "[data-testid=server-rejected]", "An https address is required").await;
    screenshot(&driver, "server-rejected-en").await;
    // The window remembers its language: the next test starts in Italian.
    click(&driver, "[data-testid=lang-it]").await;
    wait_text_containing(&driver, "[data-testid=server-rejected]", "non è utilizzabile").await;
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
        h.latest_code().await
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

/// Waits until the background sync has finished a round.
async fn wait_synced(driver: &WebDriver) {
    wait_for(driver, "main[data-last-sync]:not([data-last-sync=''])").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_is_down_shows_the_cached_dashboard_marked_offline() {
    let _serial = serial().await;
    let mut h = Harness::start().await;
    let driver = h.launch().await;
    log_in(&h, &driver).await;
    wait_synced(&driver).await;
    let overdue = text(&driver, "[data-testid=overdue-total]").await;
    driver.quit().await.unwrap();
    h.stop_server().await;

    // Logged in, server gone: the dashboard comes from the cache, marked offline.
    let driver = h.launch().await;
    let offline = text(&driver, "[data-testid=offline]").await;
    assert!(offline.starts_with("Offline dalle "), "{offline}");
    assert_eq!(
        text(&driver, "[data-testid=overdue-total]").await,
        overdue,
        "the cached figures"
    );
    assert!(h.keyring_token().is_some(), "being offline does not log you out");
    screenshot(&driver, "offline-dashboard-it").await;
    click(&driver, "[data-testid=lang-en]").await;
    wait_text(
        &driver,
        "[data-testid=offline]",
        &offline.replace("Offline dalle", "Offline since").replace(
            ": dati aggiornati all’ultima connessione",
            ": data as of the last connection",
        ),
    )
    .await;
    screenshot(&driver, "offline-dashboard-en").await;
    click(&driver, "[data-testid=lang-it]").await;
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

/// Records the desktop notifications sent on the session bus.
struct NotificationLog {
    child: std::process::Child,
    file: std::path::PathBuf,
}

impl NotificationLog {
    fn start(dir: &Path) -> NotificationLog {
        let file = dir.join("notifications.log");
        let out = std::fs::File::create(&file).unwrap();
        let child = Command::new("dbus-monitor")
            .args(["--session", "interface='org.freedesktop.Notifications',member='Notify'"])
            .stdout(out)
            .spawn()
            .expect("dbus-monitor is installed");
        NotificationLog { child, file }
    }

    /// Waits until a notification's summary or body contains `needle`.
    async fn wait_for(&self, needle: &str) {
        let deadline = std::time::Instant::now() + harness::WAIT;
        loop {
            let log = std::fs::read_to_string(&self.file).unwrap_or_default();
            if log.contains(needle) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no notification with {needle:?}:\n{log}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

impl Drop for NotificationLog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Hides or shows the app's window on the X display (there is no window
/// manager under Xvfb to minimize it).
fn set_window_mapped(mapped: bool) {
    let found = Command::new("xdotool")
        .args(["search", "--name", "^Sportello$"])
        .output()
        .unwrap();
    let ids = String::from_utf8(found.stdout).unwrap();
    assert!(!ids.trim().is_empty(), "the window is on the display");
    for id in ids.lines() {
        let action = if mapped { "windowmap" } else { "windowunmap" };
        assert!(Command::new("xdotool").args([action, id]).status().unwrap().success());
    }
}

async fn invoke(driver: &WebDriver, command: &str, args: serde_json::Value) -> serde_json::Value {
    let script = "const [command, args, done] = arguments;
        window.__TAURI_INTERNALS__.invoke(command, args).then(done, (e) => done({ rejected: e }));";
    driver
        .execute_async(script, vec![serde_json::json!(command), args])
        .await
        .unwrap()
        .json()
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_raise_desktop_notifications_and_an_offline_request_is_sent_once() {
    use sportello_domain::api::ops::{DeskReply, OperatorRole};
    use sportello_server::{audit::Origin, notifications, ops};
    let _serial = serial().await;
    let mut h = Harness::start().await;
    let log = NotificationLog::start(h.dir.path());
    let driver = h.launch().await;
    log_in(&h, &driver).await;
    wait_synced(&driver).await;
    log.wait_for("2 messaggi da leggere").await;

    // Due-date reminders: set in Settings, shown by the desktop's notification daemon.
    click(&driver, "[data-testid=nav-settings]").await;
    type_into(&driver, "#reminder-days", "45").await;
    click(&driver, "[data-testid=settings-reminders-save]").await;
    wait_text_containing(&driver, "[data-testid=reminder-days-error]", "da 0 a 30").await;
    type_into(&driver, "#reminder-days", "30").await;
    click(&driver, "[data-testid=settings-reminders-save]").await;
    wait_text_containing(&driver, "[data-testid=reminder-days-saved]", "30 giorni prima").await;
    screenshot(&driver, "settings-reminders-it").await;
    log.wait_for("in scadenza").await;
    click(&driver, "[data-testid=lang-en]").await;
    wait_text_containing(&driver, "label[for=reminder-days]", "Due-date reminders").await;
    screenshot(&driver, "settings-reminders-en").await;
    click(&driver, "[data-testid=lang-it]").await;
    let closed = Command::new("dunstctl").arg("close-all").status().unwrap();
    assert!(closed.success());
    click(&driver, "[data-testid=nav-home]").await;

    // The window is hidden: notices still arrive, pushed by the server's event stream.
    set_window_mapped(false);
    // As the command line does: one unit, so its audit row commits with it.
    let cli = Origin::cli();
    let broadcast = notifications::broadcast(h.state(), &cli, "Avviso di prova", "Uffici chiusi venerdì");
    sportello_server::store::unit::scope(None, broadcast).await.0.unwrap();
    log.wait_for("Sportello Leasing S.p.A. – Avviso di prova").await;
    let closed = Command::new("dunstctl").arg("close-all").status().unwrap();
    assert!(closed.success());
    let operator = ops::Operator {
        id: 1,
        username: "operatore".into(),
        role: OperatorRole::Admin,
    };
    let request_id = 1;
    let reply = DeskReply {
        body: "La copia è in arrivo".into(),
        attachment_ids: vec![],
        status: None,
        payoff: None,
    };
    ops::reply(h.state(), &operator, &Origin::cli(), request_id, reply)
        .await
        .unwrap();
    log.wait_for("– Copia documenti contrattuali").await;
    log.wait_for("La copia è in arrivo").await;
    set_window_mapped(true);

    // Clicking the notice opens its request in the window.
    let deadline = std::time::Instant::now() + harness::WAIT;
    loop {
        let clicked = Command::new("dunstctl").args(["action", "0"]).status().unwrap();
        if clicked.success()
            && !driver
                .find_all(By::Css("[data-testid=request-detail][data-code$='-000001']"))
                .await
                .unwrap()
                .is_empty()
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the clicked notice did not open its request"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    screenshot(&driver, "notice-opened-request-it").await;
    click(&driver, "[data-testid=nav-home]").await;

    // Offline: the request is kept and shown as waiting, then sent once.
    h.stop_server().await;
    wait_for(&driver, "[data-testid=offline]").await;
    let request = serde_json::json!({"request": {"kind": "free", "type_code": "other",
        "message": "Scritta senza rete", "attachment_ids": []}});
    let queued = invoke(&driver, "file_request", request).await;
    assert_eq!(queued["state"], "queued", "{queued}");
    let waiting = invoke(&driver, "outbox", serde_json::json!({})).await;
    assert_eq!(waiting.as_array().unwrap().len(), 1);
    wait_text(&driver, "[data-testid=waiting-request] .badge", "In attesa di invio").await;
    screenshot(&driver, "offline-request-waiting-it").await;
    click(&driver, "[data-testid=lang-en]").await;
    wait_text(&driver, "[data-testid=waiting-request] .badge", "Waiting to be sent").await;
    screenshot(&driver, "offline-request-waiting-en").await;
    click(&driver, "[data-testid=lang-it]").await;

    h.restart_server().await;
    let deadline = std::time::Instant::now() + harness::WAIT;
    while !invoke(&driver, "outbox", serde_json::json!({}))
        .await
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(std::time::Instant::now() < deadline, "the outbox never emptied");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    wait_gone(&driver, "[data-testid=offline]").await;
    wait_gone(&driver, "[data-testid=waiting-request]").await;
    let first_row = text(&driver, "[data-testid=request] .title").await;
    assert_eq!(first_row, "Altra richiesta", "the sent request leads the panel");
    let store = &h.state().store;
    let customer = store
        .user_by_username(DEMO_USERNAME)
        .await
        .unwrap()
        .unwrap()
        .customer_id;
    let mut copies = 0;
    let mine = sportello_server::store::Scope {
        customer_id: Some(customer),
        status: None,
    };
    let page = sportello_server::store::Keyset::first(100);
    for r in store.list_requests(mine, page).await.unwrap() {
        let thread = store.request_messages(r.id).await.unwrap();
        copies += thread.iter().filter(|(m, _)| m.body == "Scritta senza rete").count();
    }
    assert_eq!(copies, 1, "sent exactly once");
    driver.quit().await.unwrap();
}

//! The app as a desktop citizen: the reset link of a real e-mail, opened
//! with `xdg-open` through the app's own desktop entry, reaches the running
//! window (one process) on the set-password page with its token, and the new
//! password logs in.

use crate::harness::{click, screenshot, type_into, wait_for, wait_text, Harness, WAIT};
use crate::{serial, wait_synced};
use sportello_server::demo::DEMO_USERNAME;
use sportello_server::testkit;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use thirtyfour::prelude::*;

const NEW_PASSWORD: &str = "Una password nuova e lunga";

/// Installs the bundle's desktop entry (its template filled as the bundler
/// does) in the test HOME and makes it the handler of `sportello://`.
fn register_desktop_entry(binary: &Path) {
    let template =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/sportello.desktop")).unwrap();
    let entry = template
        .replace("{{name}}", "Sportello")
        .replace("{{comment}}", "Sportello")
        .replace("{{exec}}", &binary.to_string_lossy())
        .replace("{{icon}}", "sportello");
    assert!(entry.contains("MimeType=x-scheme-handler/sportello;"));
    let apps = Path::new(&std::env::var("XDG_DATA_HOME").unwrap()).join("applications");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::write(apps.join("sportello.desktop"), entry).unwrap();
    let set = Command::new("xdg-mime")
        .args(["default", "sportello.desktop", "x-scheme-handler/sportello"])
        .status()
        .unwrap();
    assert!(set.success());
}

/// The `sportello://` link of the newest e-mail, once the mail queue sent it.
async fn link_in_latest_mail(h: &Harness) -> String {
    testkit::mail_sent(&h.server.as_ref().expect("running").state).await;
    let mail = testkit::outbox(h.dir.path()).pop().expect("an e-mail");
    let text = mail.body_text(0).unwrap().into_owned();
    text.split_whitespace()
        .find(|w| w.starts_with("sportello://"))
        .unwrap_or_else(|| panic!("no link in {text}"))
        .to_owned()
}

/// Running app processes, zombies aside.
fn app_processes(binary: &Path) -> usize {
    let out = Command::new("pgrep")
        .arg("-fx")
        .arg(format!("{}( .*)?", binary.display()))
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().lines().count()
}

async fn choose_password(driver: &WebDriver, password: &str) {
    type_into(driver, "#new-password", password).await;
    type_into(driver, "#confirm-password", password).await;
    click(driver, "[data-testid=set-password-submit]").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_link_opened_by_the_system_lands_on_the_running_window_and_sets_the_password() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let binary = Path::new(env!("CARGO_BIN_EXE_sportello"));
    register_desktop_entry(binary);
    let driver = h.launch().await;
    wait_for(&driver, "#username").await;
    assert_eq!(app_processes(binary), 1);

    let started = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/password-reset", h.server_url))
        .json(&serde_json::json!({ "username": DEMO_USERNAME }))
        .send()
        .await
        .unwrap();
    assert!(started.status().is_success());
    let link = link_in_latest_mail(&h).await;
    assert!(link.starts_with("sportello://reset?token=spx_"), "{link}");

    // The system opens the link: a second Sportello starts, hands it over and quits.
    let opened = Command::new("xdg-open").arg(&link).status().unwrap();
    assert!(opened.success(), "xdg-open found the app's desktop entry");
    wait_for(&driver, "[data-testid=set-password]").await;
    let deadline = Instant::now() + WAIT;
    while app_processes(binary) != 1 {
        assert!(Instant::now() < deadline, "the second launch did not quit");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    wait_text(&driver, "h1", "Reimposta la password").await;
    screenshot(&driver, "set-password-it").await;
    click(&driver, "[data-testid=lang-en]").await;
    wait_text(&driver, "h1", "Reset your password").await;
    screenshot(&driver, "set-password-en").await;
    click(&driver, "[data-testid=lang-it]").await;

    choose_password(&driver, "corta").await;
    wait_text(
        &driver,
        "#new-password-rule",
        "La password deve avere almeno 12 caratteri.",
    )
    .await;
    choose_password(&driver, NEW_PASSWORD).await;
    wait_text(
        &driver,
        "[data-testid=login-info]",
        "Password salvata: accedi con la nuova password.",
    )
    .await;

    type_into(&driver, "#username", DEMO_USERNAME).await;
    type_into(&driver, "#password", NEW_PASSWORD).await;
    click(&driver, "[data-testid=login-submit]").await;
    wait_for(&driver, "#code").await;
    type_into(&driver, "#code", &h.latest_code().await).await;
    click(&driver, "[data-testid=code-submit]").await;
    wait_synced(&driver).await;
    assert!(
        driver
            .find_all(By::Css("[data-testid=overdue-total]"))
            .await
            .unwrap()
            .len()
            == 1,
        "the new password opened the home page"
    );

    // The same link again: used once, refused in words.
    let again = Command::new(binary).arg(&link).status().unwrap();
    assert!(again.success(), "a second launch passes the link on and quits");
    wait_for(&driver, "[data-testid=set-password]").await;
    choose_password(&driver, NEW_PASSWORD).await;
    let error = wait_for(&driver, "[data-testid=set-password-error]").await;
    assert_eq!(error.attr("data-code").await.unwrap().as_deref(), Some("code_expired"));
    driver.quit().await.unwrap();

    // Started by the link itself, with an account on this computer: the
    // set-password page stays on top of the home page the start-up opens.
    reqwest::Client::new()
        .post(format!("{}/api/v1/auth/password-reset", h.server_url))
        .json(&serde_json::json!({ "username": DEMO_USERNAME }))
        .send()
        .await
        .unwrap();
    let fresh = link_in_latest_mail(&h).await;
    assert_ne!(fresh, link);
    let driver = h.launch_with(&[&fresh]).await;
    wait_for(&driver, "[data-testid=set-password]").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        driver
            .find_all(By::Css("[data-testid=set-password]"))
            .await
            .unwrap()
            .len(),
        1,
        "the start-up did not replace the link's page"
    );
    click(&driver, "[data-testid=set-password-cancel]").await;
    wait_for(&driver, "[data-testid=overdue-total]").await;
    driver.quit().await.unwrap();
}

/// Asks the window to close the way a window manager does (WM_DELETE_WINDOW);
/// Xvfb has no window manager to do it.
fn close_like_a_window_manager(window: u64) {
    use std::ptr;
    use x11_dl::xlib;
    let x = xlib::Xlib::open().expect("libX11");
    // SAFETY: plain Xlib calls on a display opened and closed here, with a zeroed event filled in full.
    unsafe {
        let display = (x.XOpenDisplay)(ptr::null());
        assert!(!display.is_null(), "the X display opens");
        let protocols = (x.XInternAtom)(display, c"WM_PROTOCOLS".as_ptr(), 0);
        let delete = (x.XInternAtom)(display, c"WM_DELETE_WINDOW".as_ptr(), 0);
        let mut event: xlib::XEvent = std::mem::zeroed();
        event.client_message.type_ = xlib::ClientMessage;
        event.client_message.window = window;
        event.client_message.message_type = protocols;
        event.client_message.format = 32;
        event.client_message.data.set_long(0, delete as i64);
        event.client_message.data.set_long(1, xlib::CurrentTime as i64);
        (x.XSendEvent)(display, window, 0, xlib::NoEventMask, &mut event);
        (x.XFlush)(display);
        (x.XCloseDisplay)(display);
    }
}

fn visible_windows() -> Vec<u64> {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "^Sportello$"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.parse().ok())
        .collect()
}

fn gdbus(args: &[&str]) -> String {
    let out = Command::new("gdbus").args(args).output().expect("gdbus is installed");
    String::from_utf8(out.stdout).unwrap() + String::from_utf8_lossy(&out.stderr).as_ref()
}

/// Calls `method` on `path` at `dest` on the session bus, with gdbus's text arguments.
fn dbus_call(dest: &str, path: &str, method: &str, args: &[&str]) -> String {
    let mut all = vec![
        "call",
        "--session",
        "--dest",
        dest,
        "--object-path",
        path,
        "--method",
        method,
    ];
    all.extend_from_slice(args);
    gdbus(&all)
}

/// The bus name and object path of the app's tray icon (a StatusNotifierItem).
fn tray_item() -> (String, String) {
    let names = dbus_call(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.ListNames",
        &[],
    );
    for name in names.split('\'').filter(|n| n.starts_with(":1.")) {
        let tree = gdbus(&[
            "introspect",
            "--session",
            "--dest",
            name,
            "--object-path",
            "/org/ayatana/NotificationItem",
            "--recurse",
        ]);
        if let Some(node) = tree
            .lines()
            .find_map(|l| l.trim().strip_prefix("node /org/ayatana/NotificationItem/"))
        {
            let item = node.split_whitespace().next().unwrap();
            if !item.contains('/') {
                return (name.to_owned(), format!("/org/ayatana/NotificationItem/{item}"));
            }
        }
    }
    panic!("no tray icon on the session bus");
}

fn tray_label(item: &(String, String)) -> String {
    let answer = dbus_call(
        &item.0,
        &item.1,
        "org.freedesktop.DBus.Properties.Get",
        &["org.kde.StatusNotifierItem", "XAyatanaLabel"],
    );
    answer.split('\'').nth(1).unwrap_or("").to_owned()
}

/// Clicks the tray menu's entry labelled `label`, as the panel would.
fn click_tray_menu(item: &(String, String), labels: &[&str]) {
    let menu = format!("{}/Menu", item.1);
    let layout = dbus_call(
        &item.0,
        &menu,
        "com.canonical.dbusmenu.GetLayout",
        &["0", "10", "@as []"],
    );
    let id = labels
        .iter()
        .find_map(|label| {
            let at = layout.find(&format!("{{'label': <'{label}'>"))?;
            let start = layout[..at].rfind("<(")? + 2;
            layout[start..at].trim_end_matches([',', ' ']).parse::<i32>().ok()
        })
        .unwrap_or_else(|| panic!("no {labels:?} in the tray menu: {layout}"));
    dbus_call(
        &item.0,
        &menu,
        "com.canonical.dbusmenu.Event",
        &[&id.to_string(), "clicked", "<0>", "0"],
    );
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tray_counts_the_unread_keeps_the_app_syncing_when_closed_and_quit_ends_it() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let binary = Path::new(env!("CARGO_BIN_EXE_sportello"));
    let log = crate::NotificationLog::start(h.dir.path());
    let driver = h.launch().await;
    crate::log_in(&h, &driver).await;
    wait_synced(&driver).await;

    let tray = tray_item();
    until("the tray shows the 2 unread notices", || tray_label(&tray) == "2").await;

    click(&driver, "[data-testid=nav-settings]").await;
    click(&driver, "[data-testid=settings-keep-in-tray]").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for window in visible_windows() {
        close_like_a_window_manager(window);
    }
    until("the closed window hides", || visible_windows().is_empty()).await;
    assert_eq!(app_processes(binary), 1, "closing kept the app running");

    // Hidden in the tray, the app still syncs: a broadcast raises its notice and the count.
    use sportello_server::{audit::Origin, notifications};
    // As the command line does: one unit, so its audit row commits with it.
    let cli = Origin::cli();
    let broadcast = notifications::broadcast(h.state(), &cli, "Avviso dal vassoio", "Uffici chiusi lunedì");
    sportello_server::store::unit::scope(None, broadcast).await.0.unwrap();
    log.wait_for("Avviso dal vassoio").await;
    until("the tray counts the new notice", || tray_label(&tray) == "3").await;

    click_tray_menu(&tray, &["Open Sportello", "Apri Sportello"]);
    until("the tray's Open shows the window", || !visible_windows().is_empty()).await;
    click_tray_menu(&tray, &["Quit", "Esci"]);
    until("the tray's Quit ends the app", || app_processes(binary) == 0).await;
    let _ = driver.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_saved_server_address_is_used_a_bad_one_is_refused_and_diagnostics_hold_no_secret() {
    let _serial = serial().await;
    let h = Harness::start_with_saved_server().await;
    let driver = h.launch().await;
    crate::log_in(&h, &driver).await;
    wait_synced(&driver).await;

    click(&driver, "[data-testid=nav-settings]").await;
    let field = wait_for(&driver, "#server-url").await;
    assert_eq!(
        field.value().await.unwrap().as_deref(),
        Some(h.server_url.as_str()),
        "the saved address"
    );
    for (typed, refusal) in [
        (
            "http://sportello.example.it",
            "Serve un indirizzo https (http solo per 127.0.0.1 o localhost).",
        ),
        (
            "sportello",
            "Non è un indirizzo web valido, ad esempio https://sportello.example.it.",
        ),
    ] {
        type_into(&driver, "#server-url", typed).await;
        click(&driver, "[data-testid=settings-server-save]").await;
        wait_text(&driver, "[data-testid=server-url-error]", refusal).await;
    }
    screenshot(&driver, "settings-server-refused-it").await;
    // The login item lives where desktops look for it: ~/.config/autostart.
    let autostart = Path::new(&std::env::var("HOME").unwrap()).join(".config/autostart");
    click(&driver, "[data-testid=settings-start-at-login]").await;
    until("a login item is written", || {
        std::fs::read_to_string(autostart.join("Sportello.desktop")).is_ok_and(|e| e.contains("Exec="))
    })
    .await;
    click(&driver, "[data-testid=settings-start-at-login]").await;
    until("the login item goes", || !autostart.join("Sportello.desktop").exists()).await;
    let saved = std::fs::read_to_string(h.dir.path().join("config/it.sportello.desktop/settings.json")).unwrap();
    assert!(
        saved.contains(&h.server_url),
        "a refused address changes nothing: {saved}"
    );

    // The last section reopens at the next start.
    click(&driver, "[data-testid=nav-help]").await;
    click(&driver, "[data-testid=diagnostics-copy]").await;
    let report = wait_for(&driver, "[data-testid=diagnostics-report]")
        .await
        .text()
        .await
        .unwrap();
    assert!(report.starts_with("Sportello 0.1.0"), "{report}");
    assert!(
        report.contains(&format!("Server: {} (Settings)", h.server_url)),
        "{report}"
    );
    let token = h.keyring_token().expect("logged in");
    assert!(
        !report.contains(&token) && !report.contains("spr_"),
        "no token in the report"
    );
    screenshot(&driver, "help-diagnostics-it").await;
    driver.quit().await.unwrap();

    let driver = h.launch().await;
    wait_text(&driver, "#help-title", "Aiuto").await;
    let logs = Path::new(&std::env::var("XDG_DATA_HOME").unwrap()).join("it.sportello.desktop/logs");
    let written: String = std::fs::read_dir(&logs)
        .expect("a log folder")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(written.contains("starting Sportello"), "the log file is written");
    assert!(
        !written.contains(&token) && !written.contains("spr_"),
        "no token in the log files"
    );
    driver.quit().await.unwrap();
}

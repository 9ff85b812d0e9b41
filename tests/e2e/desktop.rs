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

/// The `sportello://` link of the newest e-mail.
fn link_in_latest_mail(dir: &Path) -> String {
    let mail = testkit::outbox(dir).pop().expect("an e-mail");
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
    let link = link_in_latest_mail(h.dir.path());
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

    type_into(&driver, "#new-password", "corta").await;
    type_into(&driver, "#confirm-password", "corta").await;
    click(&driver, "[data-testid=set-password-submit]").await;
    wait_text(
        &driver,
        "#new-password-rule",
        "La password deve avere almeno 12 caratteri.",
    )
    .await;
    type_into(&driver, "#new-password", NEW_PASSWORD).await;
    type_into(&driver, "#confirm-password", NEW_PASSWORD).await;
    click(&driver, "[data-testid=set-password-submit]").await;
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
    type_into(&driver, "#code", &h.latest_code()).await;
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
    type_into(&driver, "#new-password", NEW_PASSWORD).await;
    type_into(&driver, "#confirm-password", NEW_PASSWORD).await;
    click(&driver, "[data-testid=set-password-submit]").await;
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
    let fresh = link_in_latest_mail(h.dir.path());
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

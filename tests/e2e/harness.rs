//! A real server on 127.0.0.1, tauri-driver in front of WebKitWebDriver, and
//! the real app binary. Run inside scripts/with-desktop.sh (display, D-Bus
//! session, unlocked keyring).

use sportello_server::{testkit, AppState, RunningServer};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use thirtyfour::prelude::*;

pub const WAIT: Duration = Duration::from_secs(20);

pub struct Harness {
    pub server: Option<RunningServer>,
    pub server_url: String,
    addr: std::net::SocketAddr,
    clock: sportello_server::Clock,
    pub dir: tempfile::TempDir,
    driver: Child,
    driver_port: u16,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(false).await
    }

    /// The app finds the server in its saved settings, as an installation
    /// whose address was chosen in Settings, not in `SPORTELLO_SERVER_URL`.
    pub async fn start_with_saved_server() -> Harness {
        Harness::start_with(true).await
    }

    /// The app finds `settings` as its saved settings file (a server address
    /// typed by hand in it, say), with no `SPORTELLO_SERVER_URL`.
    pub async fn start_with_settings(settings: serde_json::Value) -> Harness {
        let h = Harness::start_with(true).await;
        let file = h.dir.path().join("config/it.sportello.desktop/settings.json");
        std::fs::write(file, settings.to_string()).unwrap();
        h
    }

    async fn start_with(saved: bool) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let (server, clock) = testkit::demo_server(dir.path(), None).await;
        let server_url = server.base_url();
        let (driver_port, native_port) = (free_port(), free_port());
        let config = dir.path().join("config");
        let mut command = Command::new(tauri_driver());
        command
            .args([
                "--port",
                &driver_port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            // Each test starts from its own settings (tray, last page, window size).
            .env("XDG_CONFIG_HOME", &config);
        if saved {
            let app_config = config.join("it.sportello.desktop");
            std::fs::create_dir_all(&app_config).unwrap();
            let settings = serde_json::json!({ "server_url": server_url });
            std::fs::write(app_config.join("settings.json"), settings.to_string()).unwrap();
            command.env_remove("SPORTELLO_SERVER_URL");
        } else {
            command.env("SPORTELLO_SERVER_URL", &server_url);
        }
        let driver = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver is installed (cargo install tauri-driver --locked)");
        wait_for_port(driver_port).await;
        Harness {
            addr: server.addr,
            clock,
            server: Some(server),
            server_url,
            dir,
            driver,
            driver_port,
        }
    }

    /// Starts the app in a new WebDriver session.
    pub async fn launch(&self) -> WebDriver {
        self.launch_with(&[]).await
    }

    /// Starts the app with command-line arguments (a `sportello://` link).
    pub async fn launch_with(&self, args: &[&str]) -> WebDriver {
        self.launch_binary(env!("CARGO_BIN_EXE_sportello"), args).await
    }

    /// Starts a given build of the app (the installed package's, say).
    pub async fn launch_binary(&self, binary: &str, args: &[&str]) -> WebDriver {
        let mut caps = Capabilities::new();
        caps.set("browserName", "wry").unwrap();
        caps.set(
            "tauri:options",
            serde_json::json!({ "application": binary, "args": args }),
        )
        .unwrap();
        let driver = WebDriver::new(format!("http://127.0.0.1:{}", self.driver_port), caps)
            .await
            .unwrap();
        driver.set_implicit_wait_timeout(Duration::ZERO).await.unwrap();
        driver
    }

    pub async fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// The server again, on its database and address, as after a restart.
    pub async fn restart_server(&mut self) {
        let server = testkit::restart(self.dir.path(), None, self.addr, self.clock.clone()).await;
        self.server = Some(server);
    }

    pub fn state(&self) -> &AppState {
        &self.server.as_ref().expect("server running").state
    }

    /// A customer of the book that has not registered yet, with contract `contract_no`/1.
    pub async fn add_customer(&self, code: &str, kind: &str, tax_code: &str, contract_no: &str) {
        testkit::add_customer(self.state(), &self.clock, code, kind, tax_code, contract_no).await;
    }

    /// The text of the newest e-mail, once the mail queue has sent everything.
    pub async fn latest_mail(&self) -> String {
        testkit::mail_sent(self.state()).await;
        let mail = testkit::outbox(self.dir.path()).pop().expect("an e-mail");
        mail.body_text(0).unwrap().into_owned()
    }

    /// The 6-digit code of the newest e-mail in the outbox.
    pub async fn latest_code(&self) -> String {
        testkit::code_sent(&self.server.as_ref().expect("running").state).await
    }

    /// What `secret-tool` finds in the Secret Service for this server.
    pub fn keyring_token(&self) -> Option<String> {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", "sportello", "username", &self.server_url])
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).unwrap())
            .filter(|s| !s.is_empty())
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn tauri_driver() -> PathBuf {
    let cargo_home =
        std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default()));
    let cargo_bin = PathBuf::from(cargo_home).join("bin/tauri-driver");
    std::env::var_os("TAURI_DRIVER")
        .map(PathBuf::from)
        .unwrap_or(if cargo_bin.exists() {
            cargo_bin
        } else {
            "tauri-driver".into()
        })
}

async fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("tauri-driver did not start on port {port}");
}

pub async fn wait_for(driver: &WebDriver, css: &str) -> WebElement {
    wait_for_within(driver, css, WAIT).await
}

/// `wait_for` with a longer patience, for what takes longer than a click (a first sync).
pub async fn wait_for_within(driver: &WebDriver, css: &str, limit: Duration) -> WebElement {
    driver
        .query(By::Css(css))
        .wait(limit, Duration::from_millis(100))
        .first()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// Waits until the element shows `expected` (the UI updates after the event that changed it).
pub async fn wait_text(driver: &WebDriver, css: &str, expected: &str) {
    wait_text_where(driver, css, expected, |text| text == expected).await;
}

/// Waits until the element's text contains `part` (the rest holds a time or a count).
pub async fn wait_text_containing(driver: &WebDriver, css: &str, part: &str) {
    wait_text_where(driver, css, part, |text| text.contains(part)).await;
}

async fn wait_text_where(driver: &WebDriver, css: &str, wanted: &str, ok: impl Fn(&str) -> bool) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let text = wait_for(driver, css).await.text().await.unwrap_or_default();
        if ok(&text) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} shows {text:?}, not {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until nothing matches `css` (a dialog that closed, an overlay that left).
pub async fn wait_gone(driver: &WebDriver, css: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    while !driver.find_all(By::Css(css)).await.unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "{css} is still there");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Brings the element to the middle of its scrolling area: at the top edge
/// (where a plain `scrollIntoView` leaves it) the window's header, which stays
/// in view, would cover it.
pub async fn into_view(driver: &WebDriver, element: &WebElement) {
    let _ = driver
        .execute(
            "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
            vec![element.to_json().unwrap()],
        )
        .await;
}

pub async fn type_into(driver: &WebDriver, css: &str, text: &str) {
    let field = wait_for(driver, css).await;
    into_view(driver, &field).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks once the element can take it: right after a re-render or while a
/// dialog's overlay leaves, WebKit may call it not interactable for a moment.
pub async fn click(driver: &WebDriver, css: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let element = wait_for(driver, css).await;
        into_view(driver, &element).await;
        match element.click().await {
            Ok(()) => return,
            Err(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{css}: {e}"),
        }
    }
}

/// Photographs the display, as a user sees the window. WebKit's own snapshot (the
/// WebDriver screenshot) never answers when the page is drawn without compositing,
/// as the app draws it on Linux.
pub async fn screenshot(driver: &WebDriver, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    // The window shows what the page last laid out once a frame has gone by.
    driver
        .execute_async(
            "requestAnimationFrame(() => requestAnimationFrame(arguments[0]));",
            vec![],
        )
        .await
        .unwrap();
    let shot = std::process::Command::new("import")
        .args(["-window", "root"])
        .arg(dir.join(format!("{name}.png")))
        .status()
        .unwrap();
    assert!(shot.success(), "import could not photograph the display");
}

/// Makes a recording program the system's viewer of `mime` files: each file
/// the app opens with the system viewer is written, one path a line, to the
/// returned log.
pub fn record_viewer(mime: &str) -> std::path::PathBuf {
    let data = std::path::PathBuf::from(std::env::var("XDG_DATA_HOME").unwrap());
    let log = data.join("opened-files.log");
    let script = data.join("record-viewer.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$1\" >> '{}'\n", log.display())).unwrap();
    let status = std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    assert!(status.success());
    let apps = data.join("applications");
    std::fs::create_dir_all(&apps).unwrap();
    let entry = format!(
        "[Desktop Entry]\nType=Application\nName=Viewer\nExec={} %f\nMimeType={mime};\n",
        script.display()
    );
    std::fs::write(apps.join("record-viewer.desktop"), entry).unwrap();
    let set = std::process::Command::new("xdg-mime")
        .args(["default", "record-viewer.desktop", mime])
        .status()
        .unwrap();
    assert!(set.success());
    log
}

/// Waits until the recording viewer was given `count` files; returns them.
pub async fn opened_files(log: &std::path::Path, count: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let lines: Vec<String> = std::fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        if lines.len() >= count {
            return lines;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the viewer got {lines:?}, not {count} files"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

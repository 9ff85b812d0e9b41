//! The Debian package as a user gets it: `scripts/deb-check.sh` installs the
//! .deb with dpkg, runs these tests against the installed program, then
//! removes the package. Ignored in the ordinary run: they need the package
//! installed (and, for the update, the next version's bundle with its
//! signatures, which the script builds and signs with keys it makes).

use crate::harness::{click, screenshot, wait_for, wait_text, Harness};
use crate::screens::wait_attr;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where the package puts the program and its desktop entry.
const BINARY: &str = "/usr/bin/sportello";
const ENTRY: &str = "/usr/share/applications/Sportello.desktop";

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the .deb installed: scripts/deb-check.sh runs it"]
async fn installed_the_packaged_program_opens_its_window() {
    let _serial = crate::serial().await;
    assert!(Path::new(BINARY).exists(), "the package installed {BINARY}");
    let entry = std::fs::read_to_string(ENTRY).expect("the package installed its desktop entry");
    for line in [
        "Name=Sportello",
        "Exec=sportello %u",
        "MimeType=x-scheme-handler/sportello;",
        "Categories=Office;Finance;",
    ] {
        assert!(entry.lines().any(|l| l == line), "{line:?} in\n{entry}");
    }
    let h = Harness::start().await;
    let driver = h.launch_binary(BINARY, &[]).await;
    wait_for(&driver, "#username").await;
    assert_eq!(driver.title().await.unwrap(), "Sportello");
    driver.quit().await.unwrap();
}

/// The server's operator API, as the company's release manager uses it.
struct Ops {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Ops {
    async fn log_in(h: &Harness) -> Ops {
        let http = reqwest::Client::new();
        let base = format!("{}/api/v1", h.server_url);
        let login = sportello_server::testkit::demo_operator_login(&sportello_server::Clock::default());
        let session: Value = http
            .post(format!("{base}/ops/login"))
            .json(&login)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = session["access_token"]
            .as_str()
            .expect("an operator session")
            .to_owned();
        Ops { http, base, token }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Value {
        let response = request.bearer_auth(&self.token).send().await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.unwrap()
    }

    /// Stores the bundle for Debian with `signature`, in place of any before.
    async fn bundle(&self, version: &str, bytes: &[u8], signature: &str) {
        let url = format!("{}/ops/releases/{version}/bundles/linux-x86_64-deb", self.base);
        let query = [
            ("name", format!("Sportello_{version}_amd64.deb")),
            ("signature", signature.to_owned()),
        ];
        self.send(self.http.put(url).query(&query).body(bytes.to_vec())).await;
    }
}

fn installed_version() -> String {
    let out = std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "sportello"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

async fn until(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done().await {
        assert!(Instant::now() < deadline, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// X2 end to end: the company publishes the next version on its server; the
/// installed program shows the banner (Italian and English), refuses a
/// bundle signed by another key with the message shown, then installs the
/// one signed by the company's key through dpkg and comes back as the new
/// version, still logged in.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the .deb installed and the next version signed: scripts/deb-check.sh runs it"]
async fn installed_the_next_version_from_the_server_replaces_the_package() {
    let _serial = crate::serial().await;
    let bundle = PathBuf::from(std::env::var("SPORTELLO_UPDATE_BUNDLE").expect("the script names the next bundle"));
    let next = std::env::var("SPORTELLO_UPDATE_VERSION").unwrap();
    let bytes = std::fs::read(&bundle).unwrap();
    let signed = std::fs::read_to_string(format!("{}.sig", bundle.display())).unwrap();
    let forged = std::fs::read_to_string(format!("{}.other.sig", bundle.display())).unwrap();
    let before = installed_version();
    assert_ne!(before, next);

    let h = Harness::start().await;
    let ops = Ops::log_in(&h).await;
    let release = json!({"version": next, "notes_it": "Novità: il piano in grafico.", "notes_en": "New: the plan as a chart.", "share": 100});
    ops.send(ops.http.post(format!("{}/ops/releases", ops.base)).json(&release))
        .await;
    // First the bundle signed by a key that is not the company's.
    ops.bundle(&next, &bytes, &forged).await;

    let driver = h.launch_binary(BINARY, &[]).await;
    crate::log_in(&h, &driver).await;
    let banner = format!("[data-testid=update-banner][data-version='{next}']");
    wait_for(&driver, &banner).await;
    wait_text(&driver, "[data-testid=update-notes]", "Novità: il piano in grafico.").await;
    screenshot(&driver, "update-banner-it").await;
    click(&driver, "[data-testid=update-install]").await;
    wait_attr(&driver, "[data-testid=update-error]", "data-code", "update_unverified").await;
    screenshot(&driver, "update-refused-it").await;
    assert_eq!(installed_version(), before, "nothing was installed");

    // The company publishes the bundle it signed; asked again from Settings,
    // in English, the offer carries that signature.
    ops.bundle(&next, &bytes, &signed).await;
    click(&driver, "[data-testid=lang-en]").await;
    click(&driver, "[data-testid=nav-settings]").await;
    click(&driver, "[data-testid=settings-check-update]").await;
    wait_text(&driver, "[data-testid=update-notes]", "New: the plan as a chart.").await;
    driver.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    screenshot(&driver, "update-banner-en").await;

    // Downloaded, verified, installed through dpkg, restarted.
    click(&driver, "[data-testid=update-install]").await;
    until(
        "the package is the next version",
        Duration::from_secs(180),
        async || installed_version() == next,
    )
    .await;
    // The restarted program asks again at its start, as the new version and
    // logged in (the check runs in the logged-in window): the server counts it.
    until(
        "the restarted program runs the next version",
        Duration::from_secs(90),
        async || {
            let list = ops.send(ops.http.get(format!("{}/ops/releases", ops.base))).await;
            list[0]["version"] == json!(next) && list[0]["installations"] == json!(1)
        },
    )
    .await;
    let _ = driver.quit().await;
    let _ = std::process::Command::new("pkill").args(["-f", BINARY]).status();
}

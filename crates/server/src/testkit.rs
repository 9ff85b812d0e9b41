//! Helpers for the test suites of every crate: a demo server on 127.0.0.1
//! port 0 and the reading of the e-mailed code. Built with the `testkit` feature.

use crate::{demo, AppState, Clock, Config, RunningServer};
use mail_parser::MessageParser;
use std::path::{Path, PathBuf};

/// A server with the demo customer, its database and outbox under `dir`
/// (SQLite unless `database_url` says otherwise).
pub async fn demo_server(dir: &Path, database_url: Option<String>) -> (RunningServer, Clock) {
    let clock = Clock::default();
    let mut config = Config::in_dir(dir);
    config.database_url = database_url.unwrap_or_default();
    let state = AppState::open(config, clock.clone())
        .await
        .expect("the test server opens");
    assert!(demo::seed(&state.store, clock.today(), clock.now_ms())
        .await
        .expect("the demo seeds"));
    (crate::start(state).await.expect("the test server starts"), clock)
}

/// A customer of the book that has not registered yet (a company unless
/// `kind` says otherwise), with one active contract `contract_no`/1 signed
/// 40 days ago; returns (customer id, contract id).
pub async fn add_customer(
    state: &AppState,
    clock: &Clock,
    code: &str,
    kind: &str,
    tax_code: &str,
    contract_no: &str,
) -> (i64, i64) {
    use crate::store::book::NewContract;
    use crate::store::users::NewCustomer;
    use sportello_domain::amortization::Periodicity;
    use sportello_domain::Money;
    let customer = NewCustomer {
        code,
        kind,
        name: "Ferramenta Bianchi S.n.c.",
        tax_code,
        email: "ufficio@ferramentabianchi.example",
    };
    let customer_id = state.store.insert_customer(&customer, clock.now_ms()).await.unwrap();
    let today = clock.today();
    let contract = NewContract {
        customer_id,
        beneficiary_code: "F001",
        beneficiary: "Fornitore S.p.A.",
        iban: Some("IT60X0542811101000000123456"),
        reference_rate: "Euribor 3 m.l. (div.360)",
        subsidy: "",
        periodicity: Periodicity::Monthly,
        installments: 36,
        installment: Money::from_cents(50_000),
        duration_months: 36,
        contract_no,
        module_no: "1",
        product: "Leasing strumentale",
        status: "active",
        signed_on: today - chrono::Days::new(40),
        start_on: today - chrono::Days::new(30),
        end_on: today + chrono::Days::new(1000),
        amount: Money::from_cents(1_800_000),
        advance: Money::from_cents(180_000),
        residual: Money::from_cents(18_000),
    };
    (customer_id, state.store.insert_contract(&contract).await.unwrap())
}

/// Starts a server again on the database, data folder and address of one
/// that was shut down (as after a crash and a restart), without seeding.
pub async fn restart(
    dir: &Path,
    database_url: Option<String>,
    addr: std::net::SocketAddr,
    clock: Clock,
) -> RunningServer {
    let mut config = Config::in_dir(dir);
    config.database_url = database_url.unwrap_or_default();
    config.bind = addr;
    let state = AppState::open(config, clock)
        .await
        .expect("the test server opens again");
    // The old listener's port may take a moment to be free again.
    for _ in 0..50 {
        match crate::start(state.clone()).await {
            Ok(server) => return server,
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    panic!("the test server could not listen on {addr} again");
}

/// Waits until the mail queue holds nothing left to send (at most ten
/// seconds: a message that keeps failing stays queued for its retries).
pub async fn mail_sent(state: &AppState) {
    for _ in 0..1000 {
        if state.store.pending_mail().await.expect("the mail queue is readable") == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// The code of the newest e-mail, once the mail queue has sent everything.
pub async fn code_sent(state: &AppState) -> String {
    mail_sent(state).await;
    latest_code(&state.config.data_dir)
}

/// The outbox's messages, oldest first.
pub fn outbox(dir: &Path) -> Vec<mail_parser::Message<'static>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("outbox"))
        .expect("an outbox folder")
        .map(|entry| entry.expect("readable outbox").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    files.sort_by_key(|path| std::fs::metadata(path).and_then(|m| m.modified()).expect("file times"));
    files
        .iter()
        .map(|path| {
            let raw = std::fs::read(path).expect("readable message");
            MessageParser::default()
                .parse(&raw)
                .expect("an RFC 5322 message")
                .into_owned()
        })
        .collect()
}

/// The one 6-digit code in a text.
pub fn code_in(text: &str) -> String {
    let codes: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() == 6)
        .collect();
    assert_eq!(codes.len(), 1, "exactly one 6-digit code in: {text}");
    codes[0].to_owned()
}

/// The code of the newest e-mail under `dir`.
pub fn latest_code(dir: &Path) -> String {
    let mail = outbox(dir).pop().expect("an e-mail in the outbox");
    code_in(&mail.body_text(0).expect("a text body"))
}

/// The FatturaPA schema folder: `../shared/fatturapa` beside the checkout, or
/// `SPORTELLO_FATTURAPA_DIR`.
pub fn fatturapa_dir() -> PathBuf {
    let dir = std::env::var_os("SPORTELLO_FATTURAPA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fatturapa"));
    assert!(
        dir.join("Schema_VFPR12_v1.2.3.xsd").exists(),
        "the FatturaPA schema is expected in {}",
        dir.display()
    );
    dir
}

/// xmllint's verdict on a file against the official schema 1.2.3, offline.
pub fn validate_fatturapa(file: &Path) -> Result<(), String> {
    validate_fatturapa_all(&[file])
}

/// One xmllint run over many files (the schema is read once); fails if any file is invalid.
pub fn validate_fatturapa_all(files: &[&Path]) -> Result<(), String> {
    let dir = fatturapa_dir();
    let out = std::process::Command::new("xmllint")
        .env("XML_CATALOG_FILES", dir.join("catalog.xml"))
        .args(["--nonet", "--noout", "--schema"])
        .arg(dir.join("Schema_VFPR12_v1.2.3.xsd"))
        .args(files)
        .output()
        .expect("xmllint is installed (libxml2-utils)");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The code an authenticator app holding `secret` (base32) shows at the
/// server's time: what a user types at the login's second step.
pub fn authenticator_code(secret: &str, clock: &Clock) -> String {
    let secret = sportello_domain::totp::decode_secret(secret).expect("a base32 secret");
    sportello_domain::totp::code_at(&secret, clock.now_ms().div_euclid(1000))
}

/// The demo operator's login body, with its authenticator's code now. A
/// code is taken once: log in once per step (tests keep the token).
pub fn demo_operator_login(clock: &Clock) -> serde_json::Value {
    serde_json::json!({
        "username": demo::DEMO_OPERATOR,
        "password": demo::DEMO_OPERATOR_PASSWORD,
        "code": authenticator_code(demo::DEMO_OPERATOR_AUTHENTICATOR, clock),
    })
}

/// An updater signing key made for a test, as `tauri signer generate` makes
/// one: `public` is what the desktop's configuration holds (base64 of the
/// public key file), `sign` gives what the bundler writes to `<bundle>.sig`
/// (base64 of the signature file).
pub struct UpdaterKey {
    pub public: String,
    public_key: minisign::PublicKey,
    secret_key: minisign::SecretKey,
}

impl UpdaterKey {
    pub fn generate() -> UpdaterKey {
        use base64::Engine;
        let pair = minisign::KeyPair::generate_unencrypted_keypair().expect("a key pair");
        let file = pair.pk.to_box().expect("a public key file").into_string();
        UpdaterKey {
            public: base64::engine::general_purpose::STANDARD.encode(file),
            public_key: pair.pk,
            secret_key: pair.sk,
        }
    }

    pub fn sign(&self, bytes: &[u8]) -> String {
        use base64::Engine;
        let signature = minisign::sign(
            Some(&self.public_key),
            &self.secret_key,
            std::io::Cursor::new(bytes),
            Some("signed by a test"),
            Some("signature from tauri secret key"),
        )
        .expect("a signature");
        base64::engine::general_purpose::STANDARD.encode(signature.to_string())
    }
}

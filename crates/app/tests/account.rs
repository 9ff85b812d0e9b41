//! The desktop's account flows against a real server: a registration's
//! temporary password opens nothing until the definitive one is chosen, and
//! then the copy syncs; the sessions list names this computer, ending another
//! device leaves this one logged in, and ending this one logs out.

mod support;

use sportello_app::desktop::DeskApp;
use sportello_app::secrets::MemorySecrets;
use sportello_app::{Desk, SessionStatus};
use sportello_domain::api::accounts::{ChangePassword, RegisterByContract};
use sportello_server::demo::{DEMO_PASSWORD, DEMO_USERNAME};
use sportello_server::testkit;
use std::sync::Arc;
use std::time::Duration;
use support::{logged_in, Fixture, Shown};

fn fresh_app(f: &Fixture) -> DeskApp {
    let desk = Desk::new(&f.base(), Arc::new(MemorySecrets::default()));
    DeskApp::new(desk, f.dir.path().join("desk"), Arc::new(Shown::default()))
}

async fn synced(app: &DeskApp) -> bool {
    for _ in 0..400 {
        let status = app.sync_view().await.status;
        if status.last_sync.is_some() && status.progress.is_none() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_temporary_password_syncs_nothing_until_the_definitive_one_is_chosen() {
    let f = Fixture::start().await;
    let state = &f.server.as_ref().unwrap().state;
    testkit::add_customer(state, &f.clock, "30001", "company", "07654320154", "55501").await;
    let app = fresh_app(&f);
    let registered = app
        .register(&RegisterByContract {
            contract_no: "55501".into(),
            module_no: "1".into(),
            tax_code: "07654320154".into(),
            email: "ufficio@pec.ferramentabianchi.example".into(),
            language: None,
        })
        .await
        .unwrap();
    assert_eq!(registered.sent_to, "u***@pec.ferramentabianchi.example");
    testkit::mail_sent(state).await;
    let mail = testkit::outbox(f.dir.path()).pop().unwrap();
    let text = mail.body_text(0).unwrap().into_owned();
    let temporary = text
        .lines()
        .find_map(|l| l.strip_prefix("Password temporanea: "))
        .unwrap()
        .trim()
        .to_owned();

    let challenge = app.login("30001", &temporary).await.unwrap();
    let me = app.verify_code(&challenge.challenge_id, &f.code().await).await.unwrap();
    assert!(me.must_change_password);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.sync_view().await.status.last_sync,
        None,
        "no sync on a temporary password"
    );

    let change = ChangePassword {
        current_password: temporary,
        new_password: "cipresso in collina 77".into(),
    };
    let me = app.change_password(&change).await.unwrap();
    assert!(!me.must_change_password);
    assert!(synced(&app).await, "the copy syncs once the password is definitive");
    assert!(matches!(
        app.session_status().await.unwrap(),
        SessionStatus::LoggedIn { .. }
    ));
}

#[tokio::test]
async fn ending_another_device_keeps_this_one_and_ending_this_one_logs_out() {
    let f = Fixture::start().await;
    let app = logged_in(&f).await;
    let other = f.token(DEMO_USERNAME, DEMO_PASSWORD).await;
    let sessions = app.sessions().await.unwrap();
    assert_eq!(sessions.len(), 2);
    let here = sessions.iter().find(|s| s.current).unwrap();
    assert_eq!(here.device, sportello_app::api::device_name());
    let there = sessions.iter().find(|s| !s.current).unwrap();

    let left = app.end_session(&there.id, false).await.unwrap();
    assert_eq!(
        left.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [here.id.as_str()]
    );
    let refused = f.http.get(f.url("/home")).bearer_auth(&other).send().await.unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert!(app.end_session("no-such-session", false).await.is_err());

    assert!(app.end_session(&here.id, false).await.unwrap().is_empty());
    assert!(matches!(app.session_status().await.unwrap(), SessionStatus::LoggedOut));
}

/// Files under the app's folder whose name ends with `suffix`.
fn files_ending(dir: &std::path::Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                files_ending(&path, suffix)
            } else if path.to_string_lossy().ends_with(suffix) {
                vec![path]
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// At logout the account's local copy and documents go, unless the user
/// keeps a copy on this computer; the copy is the user's alone meanwhile.
#[tokio::test]
async fn logging_out_removes_the_local_copy_unless_the_user_keeps_it() {
    let f = Fixture::start().await;
    let desk = f.dir.path().join("desk");
    let app = logged_in(&f).await;
    let window = sportello_app::browse::Window { offset: 0, limit: 1 };
    let invoice = app.invoices(&Default::default(), window).await.unwrap().rows[0].clone();
    app.invoice_file(invoice.id, sportello_app::export::InvoiceFormat::Pdf)
        .await
        .unwrap();
    let caches = files_ending(&desk, ".db");
    assert_eq!(caches.len(), 1, "{caches:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&caches[0]), 0o600);
        assert_eq!(mode(caches[0].parent().unwrap()), 0o700);
    }
    app.logout(true).await.unwrap();
    assert_eq!(files_ending(&desk, ".db").len(), 1, "kept when the user chose to");
    assert_eq!(files_ending(&desk, ".pdf").len(), 1);

    let app = logged_in(&f).await;
    app.logout(false).await.unwrap();
    assert!(
        files_ending(&desk, ".db").is_empty(),
        "the local copy went with the session"
    );
    assert!(files_ending(&desk, ".db-wal").is_empty());
    assert!(files_ending(&desk, ".pdf").is_empty(), "and the documents");
}

/// S1 with step-up: new bank details go to the server at once with the
/// password; offline they are refused as unreachable and nothing, least of
/// all the password, is kept in the outbox or anywhere in the app's files.
#[tokio::test]
async fn new_bank_details_go_online_only_with_the_password_and_never_to_disk() {
    let mut f = Fixture::start().await;
    let app = logged_in(&f).await;
    assert!(synced(&app).await);
    let context = app.self_service().await.unwrap();
    let effective_from = f.clock.today() + chrono::Days::new(3);
    let request = |password: Option<&str>| sportello_domain::api::requests::NewRequest::IbanChange {
        contract_id: context.contracts[0].id,
        new_iban: "IT51W0306912011000000123456".into(),
        foreign: false,
        effective_from,
        message: None,
        current_password: password.map(str::to_owned),
    };
    let wrong = app.change_iban(&request(None), "not my password").await.unwrap_err();
    assert_eq!(wrong.to_wire().fields.unwrap()["current_password"], "wrong");
    let filed = app.change_iban(&request(None), DEMO_PASSWORD).await.unwrap();
    assert!(filed.summary.code.starts_with("RIC-"), "{}", filed.summary.code);

    // Through the outbox the password is taken out before it is stored: the
    // server then asks for it, and the queue holds nothing secret.
    let queued = app.file_request(&request(Some(DEMO_PASSWORD))).await.unwrap();
    assert!(!queued.body.to_string().contains(DEMO_PASSWORD), "{}", queued.body);

    f.stop_server().await;
    let offline = app.change_iban(&request(None), DEMO_PASSWORD).await.unwrap_err();
    assert_eq!(offline.code(), sportello_domain::ErrorCode::ServerUnreachable);
    let mut leaks = Vec::new();
    for entry in walkdir(f.dir.path().join("desk")) {
        if std::fs::read(&entry).is_ok_and(|bytes| {
            bytes
                .windows(DEMO_PASSWORD.len())
                .any(|w| w == DEMO_PASSWORD.as_bytes())
        }) {
            leaks.push(entry);
        }
    }
    assert!(leaks.is_empty(), "the password is in {leaks:?}");
}

fn walkdir(root: std::path::PathBuf) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

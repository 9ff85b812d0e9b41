//! Start-up from the local copy: a restarted app answers "logged in" from
//! its cache while the server has not answered anything, and a session the
//! server ended meanwhile sends the user back to the login page.

mod support;

use sportello_app::desktop::DeskApp;
use sportello_app::secrets::MemorySecrets;
use sportello_app::{Desk, SessionStatus};
use sportello_server::demo::{DEMO_PASSWORD, DEMO_USERNAME};
use std::sync::Arc;
use std::time::Duration;
use support::{Fixture, Shown};

fn desk_app(f: &Fixture, secrets: &Arc<MemorySecrets>) -> DeskApp {
    let desk = Desk::new(&f.base(), secrets.clone());
    DeskApp::new(desk, f.dir.path().join("desk"), Arc::new(Shown::default()))
}

async fn synced(app: &DeskApp) {
    for _ in 0..400 {
        let status = app.sync_view().await.status;
        if status.last_sync.is_some() && status.progress.is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the sync did not finish");
}

/// A first run of the app on this computer: logged in and synced, then closed.
async fn logged_in_once(f: &Fixture) -> Arc<MemorySecrets> {
    let secrets = Arc::new(MemorySecrets::default());
    let first = desk_app(f, &secrets);
    let challenge = first.login(DEMO_USERNAME, DEMO_PASSWORD).await.unwrap();
    first
        .verify_code(&challenge.challenge_id, &f.code().await)
        .await
        .unwrap();
    synced(&first).await;
    secrets
}

/// Takes the server's address and accepts connections there without ever answering.
async fn silent_server_at(addr: std::net::SocketAddr) -> tokio::task::JoinHandle<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    })
}

#[tokio::test]
async fn a_restart_answers_from_the_local_copy_and_an_ended_session_asks_for_login() {
    let mut f = Fixture::start().await;
    let secrets = logged_in_once(&f).await;

    // The server's address answers nothing at all: the old start-up waited for
    // it (30 s for the request to time out); the local copy answers now.
    f.stop_server().await;
    let silent = silent_server_at(f.addr).await;
    let restarted = desk_app(&f, &secrets);
    let status = tokio::time::timeout(Duration::from_secs(10), restarted.session_status())
        .await
        .expect("no network call stands before the answer")
        .unwrap();
    match status {
        SessionStatus::LoggedIn { me } => assert_eq!(me.username, DEMO_USERNAME),
        other => panic!("{other:?}"),
    }
    let home = restarted.home().await.unwrap();
    assert!(
        home.situation.overdue_total.is_positive(),
        "the home page's figures are there"
    );
    silent.abort();
    drop(restarted);

    // Back online, but every session of the user ended on the server meanwhile.
    f.restart_server().await;
    let state = &f.server.as_ref().unwrap().state;
    let user = state.store.user_by_username(DEMO_USERNAME).await.unwrap().unwrap();
    state
        .store
        .revoke_user_sessions(user.id, None, "test", state.clock.now_ms())
        .await
        .unwrap();
    let again = desk_app(&f, &secrets);
    assert!(matches!(
        again.session_status().await.unwrap(),
        SessionStatus::LoggedIn { .. }
    ));
    for _ in 0..400 {
        if again.sync_view().await.status.needs_login {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the ended session never asked for a login");
}

/// What the sync has done since the app started: its last round, if any.
async fn last_sync(app: &DeskApp) -> Option<chrono::DateTime<chrono::Utc>> {
    app.sync_view().await.status.last_sync
}

#[tokio::test]
async fn a_start_from_the_local_copy_holds_the_refresh_back_until_the_first_screen_is_shown() {
    let f = Fixture::start().await;
    let secrets = logged_in_once(&f).await;

    let restarted = desk_app(&f, &secrets);
    assert!(matches!(
        restarted.session_status().await.unwrap(),
        SessionStatus::LoggedIn { .. }
    ));
    // The window is still painting: no round has run, though the server is right there.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(last_sync(&restarted).await, None, "the refresh waited for the window");
    restarted.first_screen_shown();
    synced(&restarted).await;
    drop(restarted);

    // A window that never says so (it opened on another section) is waited for a moment only.
    let unseen = desk_app(&f, &secrets);
    assert!(matches!(
        unseen.session_status().await.unwrap(),
        SessionStatus::LoggedIn { .. }
    ));
    synced(&unseen).await;
}

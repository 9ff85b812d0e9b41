//! The desktop session against a real server on 127.0.0.1: log in with the
//! e-mailed code, survive a restart through the stored refresh token, refresh
//! an expired access token, log out, and a server that is down.
//! The keyring is the in-memory store here; the real Secret Service is proven
//! by the end-to-end suite.

use chrono::TimeDelta;
use sportello_app::secrets::MemorySecrets;
use sportello_app::{Desk, SecretStore, SessionStatus};
use sportello_domain::ErrorCode;
use sportello_server::{demo, testkit, Clock, RunningServer};
use std::sync::Arc;

struct Fixture {
    server: RunningServer,
    clock: Clock,
    // Holds the server's folder for the test's length.
    _dir: tempfile::TempDir,
    secrets: Arc<MemorySecrets>,
}

impl Fixture {
    async fn start() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let (server, clock) = testkit::demo_server(dir.path(), None).await;
        Fixture {
            server,
            clock,
            _dir: dir,
            secrets: Arc::new(MemorySecrets::default()),
        }
    }

    fn desk(&self) -> Desk {
        Desk::new(&self.server.base_url(), self.secrets.clone())
    }

    async fn latest_code(&self) -> String {
        testkit::code_sent(&self.server.state).await
    }

    fn stored(&self) -> Option<String> {
        self.secrets.get(&self.server.base_url()).unwrap()
    }

    async fn logged_in_desk(&self) -> Desk {
        let desk = self.desk();
        let challenge = desk.login(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await.unwrap();
        desk.verify_code(&challenge.challenge_id, &self.latest_code().await)
            .await
            .unwrap();
        desk
    }
}

#[tokio::test]
async fn login_keeps_only_the_refresh_token_in_the_secret_store_and_survives_a_restart() {
    let f = Fixture::start().await;
    let desk = f.desk();
    assert_eq!(desk.status().await.unwrap(), SessionStatus::LoggedOut);
    let challenge = desk.login(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await.unwrap();
    let me = desk
        .verify_code(&challenge.challenge_id, &f.latest_code().await)
        .await
        .unwrap();
    assert_eq!(me.display_name, "Mario Rossi");
    let first = f.stored().expect("refresh token in the secret store");
    assert!(first.starts_with("spr_"));
    let home = desk.home().await.unwrap();
    assert_eq!(home.contracts.active_count, 2);

    // A new process: nothing in memory, the refresh token in the store.
    drop(desk);
    let restarted = f.desk();
    assert!(matches!(restarted.status().await.unwrap(), SessionStatus::LoggedIn { me } if me.username == "10093"));
    let rotated = f.stored().unwrap();
    assert_ne!(rotated, first, "the refresh token rotated and the new one was stored");
    assert_eq!(restarted.home().await.unwrap(), home);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_transparently() {
    let f = Fixture::start().await;
    let desk = f.logged_in_desk().await;
    let before = f.stored().unwrap();
    f.clock.advance(TimeDelta::minutes(16));
    assert_eq!(desk.home().await.unwrap().me.username, "10093");
    assert_ne!(f.stored().unwrap(), before);
}

#[tokio::test]
async fn concurrent_calls_with_an_expired_token_refresh_once_and_keep_the_session() {
    let f = Fixture::start().await;
    let desk = f.logged_in_desk().await;
    f.clock.advance(TimeDelta::minutes(16));
    let (a, b, c) = tokio::join!(desk.home(), desk.home(), desk.status());
    assert!(
        a.is_ok() && b.is_ok() && c.is_ok(),
        "a double refresh would have looked like token theft"
    );
    assert!(desk.home().await.is_ok());
}

#[tokio::test]
async fn logout_forgets_the_token_here_and_on_the_server() {
    let f = Fixture::start().await;
    let desk = f.logged_in_desk().await;
    let token = f.stored().unwrap();
    desk.logout().await.unwrap();
    assert_eq!(f.stored(), None);
    assert_eq!(desk.status().await.unwrap(), SessionStatus::LoggedOut);
    assert_eq!(desk.home().await.unwrap_err().code(), ErrorCode::SessionExpired);
    // The server ended the session too: the old token is worthless.
    f.secrets.set(&f.server.base_url(), &token).unwrap();
    assert_eq!(f.desk().status().await.unwrap(), SessionStatus::LoggedOut);
    assert_eq!(f.stored(), None, "a rejected token is removed from the store");
}

#[tokio::test]
async fn login_errors_keep_their_codes() {
    let f = Fixture::start().await;
    let desk = f.desk();
    let error = desk.login(demo::DEMO_USERNAME, "not the password").await.unwrap_err();
    assert_eq!(error.to_wire().code, ErrorCode::InvalidCredentials);
    let challenge = desk.login(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await.unwrap();
    let error = desk.verify_code(&challenge.challenge_id, "000000").await;
    if f.latest_code().await != "000000" {
        assert_eq!(error.unwrap_err().code(), ErrorCode::InvalidCode);
    }
    assert_eq!(f.stored(), None);
}

#[tokio::test]
async fn a_server_that_is_down_is_reported_as_unreachable_and_the_session_is_kept() {
    let f = Fixture::start().await;
    let desk = f.logged_in_desk().await;
    let url = f.server.base_url();
    let token = f.stored().unwrap();
    f.server.shutdown().await;
    let restarted = Desk::new(&url, f.secrets.clone());
    assert_eq!(
        restarted.status().await.unwrap_err().code(),
        ErrorCode::ServerUnreachable
    );
    assert_eq!(
        restarted.login("10093", "x").await.unwrap_err().code(),
        ErrorCode::ServerUnreachable
    );
    assert_eq!(
        f.secrets.get(&url).unwrap(),
        Some(token),
        "being offline does not log you out"
    );
    drop(desk);
}

/// "Send the code again" from the desktop: too soon is refused with how long
/// to wait, later a new challenge arrives, its code logs in and the first
/// code no longer does.
#[tokio::test]
async fn a_new_code_replaces_the_one_that_did_not_arrive() {
    let f = Fixture::start().await;
    let desk = f.desk();
    let first = desk.login(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await.unwrap();
    let first_code = f.latest_code().await;
    let Err(sportello_app::AppError::Api(too_soon)) = desk.resend_code(&first.challenge_id).await else {
        panic!("a new code right after the first is refused");
    };
    assert_eq!(too_soon.code, ErrorCode::RateLimited);
    let wait = too_soon.fields.as_ref().and_then(|f| f.get("retry_after"));
    assert_eq!(
        wait.map(String::as_str),
        Some("30"),
        "the window counts down from what the server says"
    );

    f.clock.advance(TimeDelta::seconds(30));
    let second = desk.resend_code(&first.challenge_id).await.unwrap();
    assert_ne!(second.challenge_id, first.challenge_id);
    assert_eq!(second.sent_to, first.sent_to);
    let second_code = f.latest_code().await;
    let Err(sportello_app::AppError::Api(old)) = desk.verify_code(&first.challenge_id, &first_code).await else {
        panic!("the first code no longer works");
    };
    assert_eq!(old.code, ErrorCode::CodeExpired);
    let me = desk.verify_code(&second.challenge_id, &second_code).await.unwrap();
    assert_eq!(me.display_name, "Mario Rossi");
}

//! On PostgreSQL an instance keeps who an access token belongs to for a
//! second. A change to it is refused at once by the instance that made it
//! and, from the change's own notice, by every other instance: here both
//! instances keep what they read for an hour, so whatever they stop
//! answering they stopped because of a notice, not because time ran out.
//! On SQLite nothing is kept, and the same answers hold.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sportello_server::{AppState, Config, RunningServer};

/// The other instance, in this process, on the same database with its own
/// data folder.
struct Other {
    server: RunningServer,
    _dir: tempfile::TempDir,
}

impl Other {
    async fn start(t: &TestServer) -> Other {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::in_dir(dir.path());
        config.database_url = t.database_url.clone();
        let state = AppState::open(config, t.clock.clone()).await.unwrap();
        let server = sportello_server::start(state).await.unwrap();
        for running in [&t.server, &server] {
            keep_for_an_hour(running).await;
        }
        Other { server, _dir: dir }
    }

    async fn status(&self, t: &TestServer, path: &str, token: &str) -> StatusCode {
        t.http
            .get(format!("{}/api/v1{path}", self.server.base_url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// The other instance's answer once it changed from `before`, within
    /// five seconds (the notice takes about a millisecond).
    async fn changes_from(&self, t: &TestServer, path: &str, token: &str, before: StatusCode) -> StatusCode {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let now = self.status(t, path, token).await;
            if now != before || std::time::Instant::now() > deadline {
                return now;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}

/// On PostgreSQL: waits for the instance's listener, then keeps entries an hour.
async fn keep_for_an_hour(server: &RunningServer) {
    let principals = &server.state.store.principals;
    if server.state.store.engine != sportello_server::store::Engine::Postgres {
        return;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !principals.is_live() {
        assert!(std::time::Instant::now() < deadline, "the instance listens for notices");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    principals.set_ttl_ms(3_600_000);
}

/// Whether `server` answers `token` from what it keeps.
fn kept(t: &TestServer, server: &RunningServer, token: &str) -> bool {
    let hash = sportello_server::secrets::sha256_hex(token);
    server.state.store.principals.get(&hash, t.clock.now_ms()).is_some()
}

async fn a_logout_is_refused_at_once_here_and_as_soon_as_noticed_there(t: TestServer) {
    let other = Other::start(&t).await;
    let (access, refresh) = t.demo_tokens().await;
    assert_eq!(t.get("/contracts", &access).await.status(), StatusCode::OK);
    assert_eq!(other.status(&t, "/contracts", &access).await, StatusCode::OK);
    let postgres = t.server.state.store.engine == sportello_server::store::Engine::Postgres;
    assert_eq!(
        (kept(&t, &t.server, &access), kept(&t, &other.server, &access)),
        (postgres, postgres),
        "both instances keep the token on PostgreSQL only"
    );

    let logout = t.post("/auth/logout", json!({"refresh_token": refresh})).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        t.get("/contracts", &access).await.status(),
        StatusCode::UNAUTHORIZED,
        "refused by the instance that logged out, on the very next request"
    );
    assert_eq!(
        other.changes_from(&t, "/contracts", &access, StatusCode::OK).await,
        StatusCode::UNAUTHORIZED,
        "refused by the other instance, which keeps entries an hour"
    );
    other.server.shutdown().await;
}

async fn a_deleted_sub_user_and_a_new_password_end_their_tokens_everywhere(t: TestServer) {
    let other = Other::start(&t).await;
    let (access, _) = t.demo_tokens().await;
    let form = json!({"first_name": "Lia", "last_name": "Rossi", "email": "lia@example.it", "language": "it"});
    assert_eq!(
        t.post_as("/sub-users", &access, form).await.status(),
        StatusCode::CREATED
    );
    let temporary = line_value(&t.last_mail().await.2, "Password temporanea");
    let sub = t.first_login("10093.1", &temporary, "la nebbia agli irti colli").await;
    assert_eq!(other.status(&t, "/contracts", &sub).await, StatusCode::OK);

    // Deleted through the other instance: this one hears of it.
    let deleted = t
        .http
        .delete(format!("{}/api/v1/sub-users/10093.1", other.server.base_url()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(other.status(&t, "/contracts", &sub).await, StatusCode::UNAUTHORIZED);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while t.get("/contracts", &sub).await.status() == StatusCode::OK {
        assert!(
            std::time::Instant::now() < deadline,
            "this instance hears of the deletion"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(t.get("/contracts", &sub).await.status(), StatusCode::UNAUTHORIZED);

    // A new password ends the user's other sessions on every instance.
    let (elsewhere, _) = t.demo_tokens().await;
    assert_eq!(other.status(&t, "/contracts", &elsewhere).await, StatusCode::OK);
    let change = json!({"current_password": demo_password(), "new_password": "Sempre caro mi fu quest'ermo colle"});
    let changed = t.call(Method::POST, "/me/password", &access, Some(change)).await;
    assert_eq!(
        changed.status(),
        StatusCode::NO_CONTENT,
        "{}",
        changed.text().await.unwrap()
    );
    assert_eq!(
        other.changes_from(&t, "/contracts", &elsewhere, StatusCode::OK).await,
        StatusCode::UNAUTHORIZED
    );
    other.server.shutdown().await;
}

fn demo_password() -> &'static str {
    sportello_server::demo::DEMO_PASSWORD
}

on_both_engines!(
    a_logout_is_refused_at_once_here_and_as_soon_as_noticed_there,
    a_deleted_sub_user_and_a_new_password_end_their_tokens_everywhere,
);

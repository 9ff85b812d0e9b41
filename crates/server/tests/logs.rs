//! Nothing secret reaches the server's log: not the password, the e-mailed
//! code, nor any token, even at the most verbose level.

mod common;

use common::TestServer;
use serde_json::{json, Value};
use sportello_server::demo::DEMO_PASSWORD;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_log_holds_no_password_code_or_token() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_env_filter("sportello_server=trace,tower_http=trace,axum=trace,sqlx=trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let t = TestServer::start().await;
    assert_eq!(t.login("10093", "a wrong password").await.status(), 401);
    let challenge = t.demo_challenge().await;
    let code = t.latest_code().await;
    let tokens: Value = t.verify(&challenge, &code).await.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(t.get("/home", &access).await.status(), 200);
    let rotated: Value = t
        .post("/auth/refresh", json!({"refresh_token": refresh}))
        .await
        .json()
        .await
        .unwrap();
    let new_refresh = rotated["refresh_token"].as_str().unwrap().to_owned();
    t.post("/auth/logout", json!({"refresh_token": new_refresh})).await;

    // Reset: its code, its link and the new password stay out of the log too.
    let operator = t.ops_token().await;
    t.post("/auth/password-reset", json!({"username": "10093"})).await;
    let (_, _, reset_text) = t.last_mail().await;
    let reset_code = sportello_server::testkit::code_in(&reset_text);
    let link = common::link_token(&reset_text);
    let new_password = "un pino marittimo a Cervia";
    let done = t
        .post(
            "/auth/password-reset/complete",
            json!({"token": link, "new_password": new_password}),
        )
        .await;
    assert_eq!(done.status(), 204);

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("login code sent") && log.contains("logged out"),
        "the log was captured:\n{log}"
    );
    for secret in [
        DEMO_PASSWORD,
        "a wrong password",
        &code,
        &access,
        &refresh,
        &new_refresh,
        &operator,
        &reset_code,
        &link,
        new_password,
    ] {
        assert!(!log.contains(secret), "the log holds a secret");
    }
    // The login e-mail carries the code and no other secret.
    let mail = t
        .outbox()
        .await
        .into_iter()
        .find(|m| m.subject().unwrap().contains("codice di accesso"))
        .unwrap();
    let raw = String::from_utf8_lossy(mail.raw_message()).into_owned();
    assert!(raw.contains(&code));
    for secret in [DEMO_PASSWORD, &access, &refresh, &challenge] {
        assert!(!raw.contains(secret), "the e-mail holds a secret");
    }
}

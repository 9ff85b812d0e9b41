//! Sessions and devices: the user's active sessions with their device and
//! address, one ended from another device, all ended at once, an absolute
//! lifetime however often a session refreshes, a notice for a login from a
//! new device, and an event stream that closes with its session; both engines.

mod common;

use chrono::TimeDelta;
use common::{error_code, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_server::demo::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USERNAME};
use std::time::Duration;

/// The demo user logged in from `device`: (access, refresh).
async fn log_in_from(t: &TestServer, device: &str) -> (String, String) {
    let challenge = t.demo_challenge().await;
    let code = t.latest_code().await;
    let tokens: Value = reqwest::Client::new()
        .post(t.url("/auth/verify"))
        .header("X-Device-Name", device)
        .json(&json!({"challenge_id": challenge, "code": code}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = |k: &str| tokens[k].as_str().unwrap().to_owned();
    (text("access_token"), text("refresh_token"))
}

/// `DELETE /me/sessions/{id}` as the holder of `token`.
async fn end_session(t: &TestServer, token: &str, id: &str) -> reqwest::Response {
    t.call(reqwest::Method::DELETE, &format!("/me/sessions/{id}"), token, None)
        .await
}

/// The id of the session `token` sees first (the last used).
async fn first_session_id(t: &TestServer, token: &str) -> String {
    t.json("/me/sessions", token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn refresh(t: &TestServer, refresh_token: &str) -> reqwest::Response {
    t.post("/auth/refresh", json!({"refresh_token": refresh_token})).await
}

async fn sessions_list_their_devices_and_one_is_ended_from_another(t: TestServer) {
    let (office, _) = log_in_from(&t, "Ufficio-PC").await;
    let mails_before = t.outbox().await.len();
    let (laptop, laptop_refresh) = log_in_from(&t, "Portatile\tdi Mario").await;

    // A login from a device never used before is told to the account's address.
    let mails = t.outbox().await;
    assert_eq!(mails.len(), mails_before + 2, "the code, then the notice");
    let (to, subject, text) = t.last_mail().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        (DEMO_EMAIL, "Nuovo accesso a Sportello da un altro dispositivo")
    );
    assert!(
        text.contains("«Portatiledi Mario»") && text.contains("127.0.0.1"),
        "{text}"
    );

    let listed: Vec<Value> = t.json("/me/sessions", &office).await.as_array().unwrap().clone();
    let shown: Vec<(&str, bool, &str, &str)> = listed
        .iter()
        .map(|s| {
            (
                s["device"].as_str().unwrap(),
                s["current"].as_bool().unwrap(),
                s["address"].as_str().unwrap(),
                s["place"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            ("Portatiledi Mario", false, "127.0.0.1", "local"),
            ("Ufficio-PC", true, "127.0.0.1", "local")
        ],
        "last used first, control characters dropped"
    );

    // "Log out this device", from the office: the laptop's tokens stop at once.
    let laptop_id = listed[0]["id"].as_str().unwrap();
    let ended = end_session(&t, &office, laptop_id).await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    assert_eq!(t.get("/home", &laptop).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        error_code(refresh(&t, &laptop_refresh).await).await.1,
        "session_expired"
    );
    assert_eq!(t.json("/me/sessions", &office).await.as_array().unwrap().len(), 1);

    // Ended already, made up, or another user's: not found.
    for id in [laptop_id, "no-such-session", &"x".repeat(100)] {
        let again = end_session(&t, &office, id).await;
        assert_eq!(
            error_code(again).await,
            (StatusCode::NOT_FOUND, "not_found".into()),
            "{id}"
        );
    }
    let other = t.other_customer().await;
    let office_id = first_session_id(&t, &office).await;
    let foreign = end_session(&t, &other, &office_id).await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    assert_eq!(t.get("/home", &office).await.status(), StatusCode::OK);

    // "Log out everywhere" ends this session too.
    let (third, _) = log_in_from(&t, "Ufficio-PC").await;
    assert_eq!(t.json("/me/sessions", &third).await.as_array().unwrap().len(), 2);
    let all = t
        .call(reqwest::Method::POST, "/me/sessions/end-all", &third, None)
        .await;
    assert_eq!(all.status(), StatusCode::NO_CONTENT);
    for token in [&office, &third] {
        assert_eq!(t.get("/home", token).await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(t.login(DEMO_USERNAME, DEMO_PASSWORD).await.status(), StatusCode::OK);
}

async fn a_session_ends_ninety_days_after_its_login_however_often_it_refreshes(t: TestServer) {
    let (_, mut refresh_token) = log_in_from(&t, "Ufficio-PC").await;
    for _ in 0..3 {
        t.clock.advance(TimeDelta::days(25));
        let renewed: Value = refresh(&t, &refresh_token).await.json().await.unwrap();
        refresh_token = renewed["refresh_token"]
            .as_str()
            .expect("refreshed within 90 days")
            .to_owned();
    }
    t.clock.advance(TimeDelta::days(15) + TimeDelta::seconds(1));
    assert_eq!(error_code(refresh(&t, &refresh_token).await).await.1, "session_expired");
}

async fn the_event_stream_closes_when_its_session_ends(t: TestServer) {
    let (office, _) = log_in_from(&t, "Ufficio-PC").await;
    let (laptop, _) = log_in_from(&t, "Portatile").await;
    let mut stream = reqwest::Client::new()
        .get(t.url("/events"))
        .bearer_auth(&laptop)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let laptop_id = first_session_id(&t, &office).await;
    let ended = end_session(&t, &office, &laptop_id).await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(_chunk) = stream.chunk().await.unwrap_or(None) {}
    })
    .await;
    assert!(closed.is_ok(), "the stream of an ended session closes");
}

on_both_engines!(
    sessions_list_their_devices_and_one_is_ended_from_another,
    a_session_ends_ninety_days_after_its_login_however_often_it_refreshes,
    the_event_stream_closes_when_its_session_ends,
);

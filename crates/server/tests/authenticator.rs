//! The second factor by authenticator app (RFC 6238): a customer turns it
//! on from the profile with its password and a first code, then logs in
//! with the app's code (each taken once) or a recovery code (each once),
//! and turns it off again; operators must log in with one.

mod common;

use chrono::TimeDelta;
use common::{error_code, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_domain::api::ops::OperatorRole;
use sportello_server::audit::Origin;
use sportello_server::demo::{DEMO_PASSWORD, DEMO_USERNAME};
use sportello_server::{ops, testkit};

/// Turns the demo user's authenticator on; returns (secret, recovery codes).
async fn turn_on(t: &TestServer, token: &str) -> (String, Vec<String>) {
    let setup = with_password(t, "/me/authenticator/setup", token).await;
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let code = testkit::authenticator_code(&secret, &t.clock);
    let enabled = t
        .post_as("/me/authenticator/enable", token, json!({"code": code}))
        .await;
    assert_eq!(enabled.status(), StatusCode::OK);
    let codes: Value = enabled.json().await.unwrap();
    let codes = codes["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (secret, codes)
}

/// A step-up call with the demo password; its JSON answer.
async fn with_password(t: &TestServer, path: &str, token: &str) -> Value {
    let response = t.post_as(path, token, json!({"current_password": DEMO_PASSWORD})).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

/// Step 1 of a login of the demo user: the challenge.
async fn challenge(t: &TestServer) -> Value {
    let response = t.login(DEMO_USERNAME, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn turning_it_on_asks_the_password_and_a_first_code(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let status = t.json("/me/authenticator", &token).await;
    assert_eq!(
        status,
        json!({"enabled": false, "enabled_at": null, "recovery_codes_left": 0})
    );

    let missing = t
        .post_as("/me/authenticator/setup", &token, json!({"current_password": ""}))
        .await;
    assert_eq!(
        error_code(missing).await,
        (StatusCode::BAD_REQUEST, "bad_request".into())
    );
    let wrong = t
        .post_as(
            "/me/authenticator/setup",
            &token,
            json!({"current_password": "not mine at all"}),
        )
        .await;
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["fields"]["current_password"], "wrong");

    let none_waiting = t
        .post_as("/me/authenticator/enable", &token, json!({"code": "123456"}))
        .await;
    let body: Value = none_waiting.json().await.unwrap();
    assert_eq!(body["fields"]["code"], "no_setup");

    let setup = with_password(&t, "/me/authenticator/setup", &token).await;
    let secret = setup["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let uri = setup["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/") && uri.contains(&format!("secret={secret}")),
        "{uri}"
    );
    assert!(uri.contains(DEMO_USERNAME), "{uri}");

    // A code of another secret, or of two minutes ago, is refused; the login is unchanged.
    let stale = {
        t.clock.advance(TimeDelta::seconds(-120));
        let code = testkit::authenticator_code(secret, &t.clock);
        t.clock.advance(TimeDelta::seconds(120));
        code
    };
    let refused = t
        .post_as("/me/authenticator/enable", &token, json!({"code": stale}))
        .await;
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["fields"]["code"], "wrong");
    assert_eq!(challenge(&t).await["factor"], "email_code");

    let mails_before = t.outbox().await.len();
    let code = testkit::authenticator_code(secret, &t.clock);
    let codes: Value = t
        .post_as("/me/authenticator/enable", &token, json!({"code": code}))
        .await
        .json()
        .await
        .unwrap();
    let codes = codes["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.as_str().unwrap().len() == 11), "{codes:?}");
    let status = t.json("/me/authenticator", &token).await;
    assert_eq!(status["enabled"], true);
    assert_eq!(status["recovery_codes_left"], 10);
    assert!(status["enabled_at"].is_string());

    let (to, subject, text) = t.last_mail().await;
    assert_eq!(t.outbox().await.len(), mails_before + 1, "one notice");
    assert_eq!(to, sportello_server::demo::DEMO_EMAIL);
    assert!(subject.contains("Verifica in due passaggi"), "{subject}");
    assert!(text.contains("è stata attivata"), "{text}");

    let again = t
        .post_as(
            "/me/authenticator/setup",
            &token,
            json!({"current_password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(error_code(again).await, (StatusCode::CONFLICT, "conflict".into()));
    let audit = t.server.state.store.audit_log(0, 1000).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "authenticator_enabled"));
}

async fn a_login_then_asks_the_apps_code_and_takes_each_once(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let (secret, _) = turn_on(&t, &token).await;
    // The enabling code's step is spent: the next login uses the app's next code.
    t.clock.advance(TimeDelta::seconds(30));

    let mails_before = t.outbox().await.len();
    let first = challenge(&t).await;
    assert_eq!(first["factor"], "authenticator");
    assert_eq!(first["sent_to"], Value::Null);
    assert_eq!(t.outbox().await.len(), mails_before, "no e-mailed code");
    let id = first["challenge_id"].as_str().unwrap();

    let malformed = t.verify(id, "12345").await;
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["fields"]["code"], "authenticator");
    let wrong = t.verify(id, "000000").await;
    assert_eq!(
        error_code(wrong).await,
        (StatusCode::UNAUTHORIZED, "invalid_code".into())
    );

    let code = testkit::authenticator_code(&secret, &t.clock);
    assert_eq!(t.verify(id, &code).await.status(), StatusCode::OK);

    // The same code again, in a new login, is refused (RFC 6238 §5.2) …
    let second = challenge(&t).await;
    let id = second["challenge_id"].as_str().unwrap();
    let replayed = t.verify(id, &code).await;
    assert_eq!(
        error_code(replayed).await,
        (StatusCode::UNAUTHORIZED, "invalid_code".into())
    );
    // … and the app's next code opens it.
    t.clock.advance(TimeDelta::seconds(30));
    let next = testkit::authenticator_code(&secret, &t.clock);
    assert_eq!(t.verify(id, &next).await.status(), StatusCode::OK);
}

async fn a_recovery_code_stands_in_once_and_the_owner_is_told(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let (_, codes) = turn_on(&t, &token).await;
    let id = challenge(&t).await["challenge_id"].as_str().unwrap().to_owned();
    // Typed in capitals and without the dash, as people do.
    let typed = codes[3].replace('-', "").to_uppercase();
    assert_eq!(t.verify(&id, &typed).await.status(), StatusCode::OK);
    let (_, _, text) = t.last_mail().await;
    assert!(text.contains("codice di recupero (ne restano 9)"), "{text}");

    let id = challenge(&t).await["challenge_id"].as_str().unwrap().to_owned();
    let reused = t.verify(&id, &codes[3]).await;
    assert_eq!(
        error_code(reused).await,
        (StatusCode::UNAUTHORIZED, "invalid_code".into())
    );
    assert_eq!(t.verify(&id, &codes[4]).await.status(), StatusCode::OK);
    let (token, _) = (t.json("/me/authenticator", &token).await, ());
    assert_eq!(token["recovery_codes_left"], 8);
}

async fn new_codes_void_the_old_and_turning_it_off_brings_back_the_email(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let (_, old) = turn_on(&t, &token).await;
    let wrong = t
        .post_as(
            "/me/authenticator/recovery-codes",
            &token,
            json!({"current_password": "nope nope nope"}),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let renewed = with_password(&t, "/me/authenticator/recovery-codes", &token).await;
    let fresh = renewed["codes"][0].as_str().unwrap().to_owned();
    let id = challenge(&t).await["challenge_id"].as_str().unwrap().to_owned();
    let void = t.verify(&id, &old[0]).await;
    assert_eq!(
        error_code(void).await,
        (StatusCode::UNAUTHORIZED, "invalid_code".into())
    );
    assert_eq!(t.verify(&id, &fresh).await.status(), StatusCode::OK);

    let refused = t
        .post_as(
            "/me/authenticator/disable",
            &token,
            json!({"current_password": "nope nope nope"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(challenge(&t).await["factor"], "authenticator", "still on");
    let off = t
        .post_as(
            "/me/authenticator/disable",
            &token,
            json!({"current_password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(off.status(), StatusCode::NO_CONTENT);
    let (_, _, text) = t.last_mail().await;
    assert!(text.contains("è stata disattivata"), "{text}");
    let back = challenge(&t).await;
    assert_eq!(back["factor"], "email_code");
    assert!(back["sent_to"].is_string());
    let id = back["challenge_id"].as_str().unwrap();
    assert_eq!(t.verify(id, &t.latest_code().await).await.status(), StatusCode::OK);
    let status = t.json("/me/authenticator", &token).await;
    assert_eq!(status["enabled"], false);
    let gone = t
        .post_as(
            "/me/authenticator/disable",
            &token,
            json!({"current_password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

/// Operators: the code is part of the login, a wrong or reused one answers
/// like a wrong password and counts towards the pause, a recovery code
/// works once, and an operator without an authenticator cannot log in.
async fn operators_must_log_in_with_an_authenticator(t: TestServer) {
    let password = "scrivania ordinata 2026";
    let (_, enrolment) = ops::create_operator(
        &t.server.state,
        &Origin::cli(),
        "desk2",
        "Desk",
        OperatorRole::Desk,
        password,
    )
    .await
    .unwrap();
    let login = |code: String| {
        t.post(
            "/ops/login",
            json!({"username": "desk2", "password": password, "code": code}),
        )
    };

    let wrong = login("000000".into()).await;
    let unknown = t
        .post(
            "/ops/login",
            json!({"username": "nessuno", "password": password, "code": "000000"}),
        )
        .await;
    let (wrong, unknown) = (error_code(wrong).await, error_code(unknown).await);
    assert_eq!(wrong, unknown, "a wrong code answers like an unknown name");
    assert_eq!(wrong, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()));

    let code = testkit::authenticator_code(&enrolment.secret, &t.clock);
    assert_eq!(login(code.clone()).await.status(), StatusCode::OK);
    let replayed = login(code).await;
    assert_eq!(
        error_code(replayed).await,
        (StatusCode::UNAUTHORIZED, "invalid_credentials".into())
    );
    // Three failures in a row pause the name: the pause holds for the app's next code too.
    assert_eq!(login("111111".into()).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login("222222".into()).await.status(), StatusCode::UNAUTHORIZED);
    t.clock.advance(TimeDelta::seconds(30));
    let paused = login(testkit::authenticator_code(&enrolment.secret, &t.clock)).await;
    assert_eq!(paused.status(), StatusCode::TOO_MANY_REQUESTS);
    t.clock.advance(TimeDelta::hours(2));

    let recovery = enrolment.recovery_codes[0].clone();
    assert_eq!(login(recovery.clone()).await.status(), StatusCode::OK);
    let reused = login(recovery).await;
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);

    // An operator created before authenticators were required.
    let hash = sportello_server::passwords::hash(password);
    t.server
        .state
        .store
        .insert_operator("legacy", &hash, "Legacy", "desk", t.clock.now_ms())
        .await
        .unwrap();
    let refused = t
        .post(
            "/ops/login",
            json!({"username": "legacy", "password": password, "code": "123456"}),
        )
        .await;
    let (status, body) = (refused.status(), refused.json::<Value>().await.unwrap());
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["message"].as_str().unwrap().contains("operator-authenticator"),
        "{body}"
    );

    let audit = t.server.state.store.audit_log(0, 1000).await.unwrap();
    let failed = audit
        .iter()
        .filter(|a| a.action == "operator_login_failed" && a.details == "authenticator code")
        .count();
    assert!(failed >= 2, "{failed}");
    assert!(audit
        .iter()
        .any(|a| a.action == "recovery_code_used" && a.actor == "operator:desk2"));
}

on_both_engines!(
    turning_it_on_asks_the_password_and_a_first_code,
    a_login_then_asks_the_apps_code_and_takes_each_once,
    a_recovery_code_stands_in_once_and_the_owner_is_told,
    new_codes_void_the_old_and_turning_it_off_brings_back_the_email,
    operators_must_log_in_with_an_authenticator,
);

//! Recovery of a locked or forgotten login (A5), password reset by code or
//! link (A6), password rules and rate limits, over real HTTP on both engines.

mod common;

use chrono::TimeDelta;
use common::{error_code, line_value, link_token, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_server::demo::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_TAX_CODE, DEMO_USERNAME};

const NEW_PASSWORD: &str = "gabbiano sul molo di Ostia";

fn recovery() -> Value {
    json!({"contract_no": "84963", "module_no": "1", "tax_code": DEMO_TAX_CODE})
}

async fn lock(t: &TestServer) {
    for n in 1..=3 {
        t.login(DEMO_USERNAME, &format!("wrong password {n}")).await;
    }
    assert_eq!(
        error_code(t.login(DEMO_USERNAME, DEMO_PASSWORD).await).await.1,
        "rate_limited"
    );
}

async fn recovery_with_contract_data_unlocks_with_a_new_password_and_ends_old_sessions(t: TestServer) {
    let (old_access, old_refresh) = t.demo_tokens().await;
    lock(&t).await;

    let response = t.post("/auth/recover", recovery()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let started: Value = response.json().await.unwrap();
    let (to, subject, text) = t.last_mail().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        (DEMO_EMAIL, "Reimpostazione della password di Sportello")
    );
    assert_eq!(
        line_value(&text, "il tuo nome utente è"),
        DEMO_USERNAME,
        "a forgotten username is in the mail"
    );
    let code = sportello_server::testkit::code_in(&text);

    let reset = json!({"reset_id": started["reset_id"], "code": code, "new_password": NEW_PASSWORD});
    assert_eq!(
        t.post("/auth/password-reset/complete", reset).await.status(),
        StatusCode::NO_CONTENT
    );

    assert_eq!(
        t.get("/home", &old_access).await.status(),
        StatusCode::UNAUTHORIZED,
        "old sessions end"
    );
    let refresh = t.post("/auth/refresh", json!({"refresh_token": old_refresh})).await;
    assert_eq!(error_code(refresh).await.1, "session_expired");
    assert_eq!(
        error_code(t.login(DEMO_USERNAME, DEMO_PASSWORD).await).await.1,
        "invalid_credentials"
    );
    let (access, _) = t.tokens_for(DEMO_USERNAME, NEW_PASSWORD).await;
    assert_eq!(
        t.get("/home", &access).await.status(),
        StatusCode::OK,
        "unlocked, no forced change"
    );
}

/// Data that match no registered customer (a wrong module, another tax
/// code, a customer of the book that never registered) answer exactly as the
/// right data do, and so does the code step with their reset id; only the
/// account's registered address receives anything.
async fn recovery_reveals_nothing_about_data_that_do_not_match(t: TestServer) {
    t.add_customer("30001", "company", common::OTHER_VAT, "55501").await;
    let never_registered = json!({"contract_no": "55501", "module_no": "1", "tax_code": common::OTHER_VAT});
    let wrong_module = json!({"contract_no": "84963", "module_no": "2", "tax_code": DEMO_TAX_CODE});
    let wrong_tax = json!({"contract_no": "84963", "module_no": "1", "tax_code": common::OTHER_VAT});
    let mut answers = Vec::new();
    for data in [never_registered, wrong_module, wrong_tax, recovery()] {
        let response = t.post("/auth/recover", data).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        answers.push((
            status,
            body.as_object().unwrap().keys().cloned().collect::<Vec<_>>(),
            body,
        ));
    }
    for (status, keys, _) in &answers {
        assert_eq!((*status, keys.clone()), (StatusCode::OK, vec!["reset_id".to_owned()]));
    }
    let mails = t.outbox().await;
    assert_eq!(mails.len(), 1, "only the registered customer got an e-mail");
    assert_eq!(mails[0].to().unwrap().first().unwrap().address().unwrap(), DEMO_EMAIL);

    // The code step: a made-up reset id is a wrong code, then too many, as a real one.
    let code = t.latest_code().await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for (_, _, body) in &answers {
        let mut seen = Vec::new();
        for _ in 0..6 {
            let attempt = json!({"reset_id": body["reset_id"], "code": wrong, "new_password": NEW_PASSWORD});
            seen.push(error_code(t.post("/auth/password-reset/complete", attempt).await).await);
        }
        let mut expected = vec![(StatusCode::UNAUTHORIZED, "invalid_code".to_owned()); 5];
        expected.push((StatusCode::FORBIDDEN, "too_many_attempts".to_owned()));
        assert_eq!(seen, expected, "{body}");
    }

    let missing = json!({"contract_no": " ", "module_no": "1", "tax_code": DEMO_TAX_CODE});
    let response = t.post("/auth/recover", missing).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["contract_no"],
        "required"
    );
}

async fn reset_by_username_reveals_nothing_and_its_link_works_once(t: TestServer) {
    let unknown: Value = t
        .post("/auth/password-reset", json!({"username": "99999"}))
        .await
        .json()
        .await
        .unwrap();
    let known: Value = t
        .post("/auth/password-reset", json!({"username": DEMO_USERNAME}))
        .await
        .json()
        .await
        .unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&unknown),
        keys(&known),
        "same shape whether or not the user exists"
    );
    assert_eq!(t.outbox().await.len(), 1, "only the real user got an e-mail");

    let token = link_token(&t.last_mail().await.2);
    for (password, problem) in [
        ("short one", "too_short"),
        ("1qaz2wsx3edc4rfv", "common"),
        ("my 10093 password", "contains_username"),
    ] {
        let response = t
            .post(
                "/auth/password-reset/complete",
                json!({"token": token, "new_password": password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{password}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["fields"]["new_password"],
            problem,
            "{password}"
        );
    }
    let too_long = "x".repeat(129);
    let response = t
        .post(
            "/auth/password-reset/complete",
            json!({"token": token, "new_password": too_long}),
        )
        .await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["new_password"],
        "too_long"
    );

    // Refused passwords did not spend the link.
    let accept = json!({"token": token, "new_password": NEW_PASSWORD});
    assert_eq!(
        t.post("/auth/password-reset/complete", accept.clone()).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.last_mail().await.1,
        "La password di Sportello è cambiata",
        "a reset is told too"
    );
    assert_eq!(
        error_code(t.post("/auth/password-reset/complete", accept).await)
            .await
            .1,
        "code_expired"
    );
    t.tokens_for(DEMO_USERNAME, NEW_PASSWORD).await;
}

/// The seeds' "Password dimenticata?": the account's e-mail (PEC), in any
/// case, instead of the username; an unknown address answers the same.
async fn reset_by_e_mail_address_sends_the_code_of_the_account_it_belongs_to(t: TestServer) {
    let unknown: Value = t
        .post("/auth/password-reset", json!({"username": "nessuno@pec.example.it"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t.outbox().await.len(), 0, "no e-mail for an address no account has");
    let started: Value = t
        .post("/auth/password-reset", json!({"username": DEMO_EMAIL.to_uppercase()}))
        .await
        .json()
        .await
        .unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&unknown),
        keys(&started),
        "same shape whether or not the address exists"
    );
    let (to, _, text) = t.last_mail().await;
    assert_eq!(to, DEMO_EMAIL);
    assert!(
        text.contains(&format!("il tuo nome utente è: {DEMO_USERNAME}")),
        "{text}"
    );
    let code = t.latest_code().await;
    let complete = json!({"reset_id": started["reset_id"], "code": code, "new_password": NEW_PASSWORD});
    assert_eq!(
        t.post("/auth/password-reset/complete", complete).await.status(),
        StatusCode::NO_CONTENT
    );
    t.tokens_for(DEMO_USERNAME, NEW_PASSWORD).await;
}

async fn reset_codes_expire_and_allow_five_tries(t: TestServer) {
    let started: Value = t
        .post("/auth/password-reset", json!({"username": DEMO_USERNAME}))
        .await
        .json()
        .await
        .unwrap();
    let code = t.latest_code().await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let attempt = |c: &str| json!({"reset_id": started["reset_id"], "code": c, "new_password": NEW_PASSWORD});
    for _ in 0..5 {
        let response = t.post("/auth/password-reset/complete", attempt(wrong)).await;
        assert_eq!(
            error_code(response).await,
            (StatusCode::UNAUTHORIZED, "invalid_code".into())
        );
    }
    let sixth = t.post("/auth/password-reset/complete", attempt(&code)).await;
    assert_eq!(
        error_code(sixth).await,
        (StatusCode::FORBIDDEN, "too_many_attempts".into())
    );

    let started: Value = t
        .post("/auth/password-reset", json!({"username": DEMO_USERNAME}))
        .await
        .json()
        .await
        .unwrap();
    let code = t.latest_code().await;
    t.clock.advance(TimeDelta::minutes(30) + TimeDelta::seconds(1));
    let late = json!({"reset_id": started["reset_id"], "code": code, "new_password": NEW_PASSWORD});
    assert_eq!(
        error_code(t.post("/auth/password-reset/complete", late).await).await.1,
        "code_expired"
    );
    t.tokens_for(DEMO_USERNAME, DEMO_PASSWORD).await;
}

async fn a_new_reset_voids_the_previous_code(t: TestServer) {
    let first: Value = t
        .post("/auth/password-reset", json!({"username": DEMO_USERNAME}))
        .await
        .json()
        .await
        .unwrap();
    let first_code = t.latest_code().await;
    t.post("/auth/password-reset", json!({"username": DEMO_USERNAME})).await;
    let stale = json!({"reset_id": first["reset_id"], "code": first_code, "new_password": NEW_PASSWORD});
    assert_eq!(
        error_code(t.post("/auth/password-reset/complete", stale).await).await.1,
        "code_expired"
    );
}

async fn registration_recovery_and_reset_are_rate_limited(t: TestServer) {
    t.start_of_window(600);
    for _ in 0..5 {
        t.post("/auth/password-reset", json!({"username": "Someone"})).await;
    }
    let sixth = t.post("/auth/password-reset", json!({"username": "someone"})).await;
    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(sixth.headers().get("retry-after").is_some());

    let wrong = json!({"contract_no": "12345", "module_no": "1", "tax_code": DEMO_TAX_CODE, "email": "a@pec.it"});
    for _ in 0..5 {
        t.post("/auth/register", wrong.clone()).await;
    }
    assert_eq!(
        t.post("/auth/register", wrong).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    t.clock.advance(TimeDelta::minutes(10));
    assert_eq!(
        t.post("/auth/password-reset", json!({"username": "someone"}))
            .await
            .status(),
        StatusCode::OK
    );
}

async fn changing_the_password_checks_the_current_one_and_keeps_this_session_only(t: TestServer) {
    let (other_access, _) = t.demo_tokens().await;
    let (access, _) = t.demo_tokens().await;
    let wrong = json!({"current_password": "not the password", "new_password": NEW_PASSWORD});
    let response = t.post_as("/me/password", &access, wrong).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["current_password"],
        "wrong"
    );
    let same = json!({"current_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD});
    let response = t.post_as("/me/password", &access, same).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["new_password"],
        "same_as_current"
    );

    let good = json!({"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD});
    assert_eq!(
        t.post_as("/me/password", &access, good).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(t.get("/home", &access).await.status(), StatusCode::OK);
    assert_eq!(t.get("/home", &other_access).await.status(), StatusCode::UNAUTHORIZED);
    let (to, subject, text) = t.last_mail().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        (DEMO_EMAIL, "La password di Sportello è cambiata"),
        "the account's address is told"
    );
    assert!(text.contains("è stata cambiata dal profilo"), "{text}");
}

on_both_engines!(
    recovery_with_contract_data_unlocks_with_a_new_password_and_ends_old_sessions,
    recovery_reveals_nothing_about_data_that_do_not_match,
    reset_by_username_reveals_nothing_and_its_link_works_once,
    reset_by_e_mail_address_sends_the_code_of_the_account_it_belongs_to,
    reset_codes_expire_and_allow_five_tries,
    a_new_reset_voids_the_previous_code,
    registration_recovery_and_reset_are_rate_limited,
    changing_the_password_checks_the_current_one_and_keeps_this_session_only,
);

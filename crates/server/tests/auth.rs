//! Login with password and e-mailed code, lockout, refresh rotation and logout,
//! over real HTTP against a fresh SQLite database.

mod common;

use chrono::TimeDelta;
use common::{error_code, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_server::demo::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USERNAME};
use sportello_server::store::mailq::MailState;

async fn login_with_password_and_emailed_code_reaches_the_home(t: TestServer) {
    let response = t.login(DEMO_USERNAME, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let challenge: Value = response.json().await.unwrap();
    assert_eq!(challenge["sent_to"], "s***@pec.studiorossi.example");

    let mails = t.outbox().await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to().unwrap().first().unwrap().address().unwrap(), DEMO_EMAIL);
    assert_eq!(mail.subject().unwrap(), "Il tuo codice di accesso a Sportello");
    assert!(mail.message_id().is_some(), "an RFC 5322 message has a Message-ID");
    let code = sportello_server::testkit::code_in(&mail.body_text(0).unwrap());

    let response = t.verify(challenge["challenge_id"].as_str().unwrap(), &code).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    assert!(access.starts_with("spa_"));
    assert!(tokens["refresh_token"].as_str().unwrap().starts_with("spr_"));

    let me: Value = t.get("/me", access).await.json().await.unwrap();
    assert_eq!(
        me,
        json!({"username": "10093", "display_name": "Mario Rossi",
        "customer_name": "Studio Odontoiatrico Rossi S.r.l.", "language": "it", "must_change_password": false,
        "rights": ["requests", "shop", "bank"]})
    );
}

/// The status, error code and Retry-After of a login's answer.
async fn refusal(response: reqwest::Response) -> (StatusCode, String, Option<String>) {
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, code) = error_code(response).await;
    (status, code, retry)
}

async fn three_wrong_passwords_pause_a_username_known_or_not_alike_and_the_pause_lifts(t: TestServer) {
    let unknown = error_code(t.login("nobody", DEMO_PASSWORD).await).await;
    let wrong = error_code(t.login(DEMO_USERNAME, "wrong password 1").await).await;
    assert_eq!(unknown, wrong, "unknown user and wrong password look alike");
    assert_eq!(wrong, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()));
    for n in 2..=3 {
        let known = refusal(t.login(DEMO_USERNAME, &format!("wrong password {n}")).await).await;
        let other = refusal(t.login("nobody", &format!("wrong password {n}")).await).await;
        assert_eq!(known, (StatusCode::UNAUTHORIZED, "invalid_credentials".into(), None));
        assert_eq!(other, known, "the lock's own attempt answers like any wrong password");
    }

    // Paused: even the right password is refused, with the same answer as for a name nobody has.
    let paused = refusal(t.login(DEMO_USERNAME, DEMO_PASSWORD).await).await;
    assert_eq!(
        paused,
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into(), Some("60".into()))
    );
    assert_eq!(refusal(t.login("nobody", DEMO_PASSWORD).await).await, paused);
    assert_eq!(
        t.outbox().await.len(),
        1,
        "one notice, to the real account's owner only"
    );
    let (to, subject, text) = t.last_mail().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        (DEMO_EMAIL, "Accesso a Sportello sospeso per troppi tentativi")
    );
    assert!(
        text.contains("sospeso per 1 minuto;") && text.contains("sportello://reset?token="),
        "{text}"
    );

    // The pause lifts by itself; the next one of the same day lasts twice as long.
    t.clock.advance(TimeDelta::seconds(61));
    for n in 4..=6 {
        t.login(DEMO_USERNAME, &format!("wrong password {n}")).await;
    }
    let longer = refusal(t.login(DEMO_USERNAME, DEMO_PASSWORD).await).await;
    assert_eq!(longer.2.as_deref(), Some("120"));
    t.clock.advance(TimeDelta::seconds(121));
    assert_eq!(t.login(DEMO_USERNAME, DEMO_PASSWORD).await.status(), StatusCode::OK);
}

/// The back office's `admin unlock` lifts a pause at once.
async fn an_operator_unlock_lifts_a_pause(t: TestServer) {
    for n in 1..=3 {
        t.login(DEMO_USERNAME, &format!("wrong password {n}")).await;
    }
    assert_eq!(
        t.login(DEMO_USERNAME, DEMO_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    sportello_server::throttle::lift(&t.server.state, DEMO_USERNAME)
        .await
        .unwrap();
    assert_eq!(t.login(DEMO_USERNAME, DEMO_PASSWORD).await.status(), StatusCode::OK);
}

async fn a_successful_login_resets_the_wrong_password_count(t: TestServer) {
    for _ in 0..2 {
        assert_eq!(
            error_code(t.login(DEMO_USERNAME, "nope nope nope").await).await.1,
            "invalid_credentials"
        );
    }
    assert_eq!(t.login(DEMO_USERNAME, DEMO_PASSWORD).await.status(), StatusCode::OK);
    for _ in 0..2 {
        assert_eq!(
            error_code(t.login(DEMO_USERNAME, "nope nope nope").await).await.1,
            "invalid_credentials"
        );
    }
}

async fn a_wrong_code_leaves_tries_and_the_right_one_still_works(t: TestServer) {
    let challenge = t.demo_challenge().await;
    let code = t.latest_code().await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let response = t.verify(&challenge, wrong).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_code");
    assert_eq!(body["fields"]["attempts_left"], "4");
    assert_eq!(t.verify(&challenge, &code).await.status(), StatusCode::OK);
}

async fn the_sixth_try_is_refused_even_with_the_right_code(t: TestServer) {
    let challenge = t.demo_challenge().await;
    let code = t.latest_code().await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        let body: Value = t.verify(&challenge, wrong).await.json().await.unwrap();
        assert_eq!(
            (
                body["code"].as_str().unwrap(),
                body["fields"]["attempts_left"].as_str().unwrap()
            ),
            ("invalid_code", left.to_string().as_str())
        );
    }
    assert_eq!(
        error_code(t.verify(&challenge, &code).await).await,
        (StatusCode::FORBIDDEN, "too_many_attempts".into())
    );
}

async fn an_expired_code_is_refused(t: TestServer) {
    let challenge = t.demo_challenge().await;
    let code = t.latest_code().await;
    t.clock.advance(TimeDelta::minutes(10) + TimeDelta::seconds(1));
    assert_eq!(
        error_code(t.verify(&challenge, &code).await).await,
        (StatusCode::UNAUTHORIZED, "code_expired".into())
    );
}

async fn a_code_works_once(t: TestServer) {
    let challenge = t.demo_challenge().await;
    let code = t.latest_code().await;
    assert_eq!(t.verify(&challenge, &code).await.status(), StatusCode::OK);
    assert_eq!(error_code(t.verify(&challenge, &code).await).await.1, "code_expired");
}

async fn a_code_belongs_to_its_challenge(t: TestServer) {
    let first = t.demo_challenge().await;
    let first_code = t.latest_code().await;
    let second = t.demo_challenge().await;
    let second_code = t.latest_code().await;
    if first_code != second_code {
        assert_eq!(error_code(t.verify(&second, &first_code).await).await.1, "invalid_code");
    }
    assert_eq!(
        error_code(t.verify("no-such-challenge", &second_code).await).await.1,
        "code_expired"
    );
    assert_eq!(t.verify(&first, &first_code).await.status(), StatusCode::OK);
}

async fn malformed_requests_get_a_bad_request_in_the_error_shape(t: TestServer) {
    let response = t
        .http
        .post(t.url("/auth/login"))
        .header("content-type", "application/json")
        .body("{\"username\":")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(response).await,
        (StatusCode::BAD_REQUEST, "bad_request".into())
    );
    let body: Value = t.login("", "").await.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
    assert_eq!(body["fields"], json!({"username": "required", "password": "required"}));
    let challenge = t.demo_challenge().await;
    for code in ["12345", "1234567", "12a456", ""] {
        assert_eq!(
            error_code(t.verify(&challenge, code).await).await.1,
            "bad_request",
            "{code:?}"
        );
    }
    assert_eq!(
        error_code(t.login(DEMO_USERNAME, &"x".repeat(5000)).await).await.1,
        "invalid_credentials"
    );
    assert_eq!(
        error_code(t.http.get(t.url("/nowhere")).send().await.unwrap()).await,
        (StatusCode::NOT_FOUND, "not_found".into())
    );
}

async fn protected_endpoints_need_a_live_access_token(t: TestServer) {
    assert_eq!(
        error_code(t.http.get(t.url("/home")).send().await.unwrap()).await,
        (StatusCode::UNAUTHORIZED, "unauthorized".into())
    );
    assert_eq!(error_code(t.get("/home", "spa_forged").await).await.1, "unauthorized");
    let (access, _) = t.demo_tokens().await;
    assert_eq!(t.get("/home", &access).await.status(), StatusCode::OK);
    t.clock.advance(TimeDelta::minutes(15) + TimeDelta::seconds(1));
    assert_eq!(error_code(t.get("/home", &access).await).await.1, "unauthorized");
}

async fn refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_family(t: TestServer) {
    let (_, first_refresh) = t.demo_tokens().await;
    let rotated: Value = t
        .post("/auth/refresh", json!({"refresh_token": first_refresh}))
        .await
        .json()
        .await
        .unwrap();
    let second_refresh = rotated["refresh_token"].as_str().unwrap().to_owned();
    let second_access = rotated["access_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(t.get("/home", &second_access).await.status(), StatusCode::OK);

    // The old token comes back: someone copied it. The whole family dies.
    let reuse = t.post("/auth/refresh", json!({"refresh_token": first_refresh})).await;
    assert_eq!(
        error_code(reuse).await,
        (StatusCode::UNAUTHORIZED, "session_expired".into())
    );
    assert_eq!(
        error_code(t.post("/auth/refresh", json!({"refresh_token": second_refresh})).await)
            .await
            .1,
        "session_expired"
    );
    assert_eq!(error_code(t.get("/home", &second_access).await).await.1, "unauthorized");
}

async fn a_refresh_token_expires_after_thirty_days(t: TestServer) {
    let (_, refresh) = t.demo_tokens().await;
    t.clock.advance(TimeDelta::days(30) + TimeDelta::seconds(1));
    assert_eq!(
        error_code(t.post("/auth/refresh", json!({"refresh_token": refresh})).await)
            .await
            .1,
        "session_expired"
    );
}

async fn logout_ends_the_session_and_is_idempotent(t: TestServer) {
    let (access, refresh) = t.demo_tokens().await;
    let (other_access, _) = t.demo_tokens().await;
    assert_eq!(
        t.post("/auth/logout", json!({"refresh_token": refresh})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(error_code(t.get("/home", &access).await).await.1, "unauthorized");
    assert_eq!(
        error_code(t.post("/auth/refresh", json!({"refresh_token": refresh})).await)
            .await
            .1,
        "session_expired"
    );
    assert_eq!(
        t.post("/auth/logout", json!({"refresh_token": refresh})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.get("/home", &other_access).await.status(),
        StatusCode::OK,
        "other sessions live on"
    );
}

async fn logins_and_code_checks_are_rate_limited_per_account_and_per_address(t: TestServer) {
    t.start_of_window(60);
    for _ in 0..3 {
        assert_eq!(
            error_code(t.login("guess", "a password").await).await.1,
            "invalid_credentials"
        );
    }
    let limited = t.login("GUESS", "a password").await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "usernames are counted case-blind"
    );
    let wait: i64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["fields"]["retry_after"].as_str()),
        (Some("rate_limited"), Some(wait.to_string().as_str()))
    );

    // The address has a budget of its own across usernames: 20 wrong
    // passwords, 3 spent (a refused attempt checks no password and counts none).
    for n in 0..17 {
        assert_eq!(
            error_code(t.login(&format!("user{n}"), "a password").await).await.1,
            "invalid_credentials"
        );
    }
    assert_eq!(
        error_code(t.login("fresh", "a password").await).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Requests with the right password are limited too: 10 a minute per account.
    t.clock.advance(TimeDelta::seconds(61));
    for _ in 0..10 {
        assert_eq!(t.login(DEMO_USERNAME, DEMO_PASSWORD).await.status(), StatusCode::OK);
    }
    assert_eq!(
        t.login(DEMO_USERNAME, DEMO_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    for _ in 0..30 {
        assert_eq!(
            error_code(t.verify("no-such-challenge", "123456").await).await.1,
            "code_expired"
        );
    }
    assert_eq!(
        error_code(t.verify("no-such-challenge", "123456").await).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );

    t.clock.advance(TimeDelta::seconds(60));
    assert_eq!(
        t.login(DEMO_USERNAME, DEMO_PASSWORD).await.status(),
        StatusCode::OK,
        "a new window"
    );
}

/// The login code goes through the mail queue: with the mail server down the
/// login still answers at once, and the code arrives, once, when it is back.
async fn a_login_answers_while_the_mail_server_is_down_and_the_code_follows(t: TestServer) {
    let outbox = t.dir.path().join("outbox");
    let parked = t.dir.path().join("outbox-parked");
    std::fs::rename(&outbox, &parked).unwrap();
    std::fs::write(&outbox, "not a folder").unwrap();

    let challenge = t.demo_challenge().await;
    let store = &t.server.state.store;
    let pending = || store.mail_queue(MailState::Pending, None, 10);
    for _ in 0..200 {
        if pending().await.unwrap()[0].attempts > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let waiting = pending().await.unwrap();
    assert_eq!(waiting.len(), 1, "one code message queued");
    assert!(
        waiting[0].attempts >= 1 && waiting[0].sent_at.is_none(),
        "tried, and waiting for a retry"
    );

    std::fs::remove_file(&outbox).unwrap();
    std::fs::rename(&parked, &outbox).unwrap();
    t.clock.advance(TimeDelta::seconds(5));
    let code = t.latest_code().await;
    assert_eq!(t.outbox().await.len(), 1, "sent once");
    assert_eq!(t.verify(&challenge, &code).await.status(), StatusCode::OK);
}

async fn code_checks_are_limited_per_account_across_challenges(t: TestServer) {
    // 20 wrong codes in 10 minutes, spread over four challenges of 5 tries each.
    for _ in 0..4 {
        let challenge = t.demo_challenge().await;
        let wrong = if t.latest_code().await == "000000" {
            "111111"
        } else {
            "000000"
        };
        for _ in 0..5 {
            assert_eq!(error_code(t.verify(&challenge, wrong).await).await.1, "invalid_code");
        }
    }
    let challenge = t.demo_challenge().await;
    let right = t.latest_code().await;
    assert_eq!(
        error_code(t.verify(&challenge, &right).await).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits for the window"
    );
}

/// "Send the code again": not before 30 s, a new challenge whose code is
/// e-mailed while the old code stops working; three a quarter-hour per account.
async fn a_code_is_sent_again_on_request_and_the_old_one_stops_working(t: TestServer) {
    let resend = |id: &str| t.post("/auth/resend", json!({"challenge_id": id}));
    // The per-account budget is a fixed quarter-hour window: start at the
    // beginning of one, so that none ends in the middle of the test.
    t.start_of_window(900);
    let first = t.demo_challenge().await;
    let first_code = t.latest_code().await;
    let (status, code, retry) = refusal(resend(&first).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    assert_eq!(retry.as_deref(), Some("30"), "the first code has just been sent");
    assert_eq!(t.outbox().await.len(), 1, "nothing sent while too soon");

    t.clock.advance(TimeDelta::seconds(30));
    let response = resend(&first).await;
    assert_eq!(response.status(), StatusCode::OK);
    let second: Value = response.json().await.unwrap();
    let second_id = second["challenge_id"].as_str().unwrap().to_owned();
    assert_ne!(second_id, first);
    assert_eq!(second["sent_to"], "s***@pec.studiorossi.example");
    let mails = t.outbox().await;
    assert_eq!(mails.len(), 2, "one new e-mail");
    assert_eq!(mails[1].subject().unwrap(), "Il tuo codice di accesso a Sportello");
    let second_code = t.latest_code().await;
    assert_eq!(
        error_code(t.verify(&first, &first_code).await).await.1,
        "code_expired",
        "the old code no longer works"
    );
    assert_eq!(
        error_code(resend(&first).await).await.1,
        "code_expired",
        "nor can it be sent again"
    );

    // Three codes a quarter of an hour per account: the fourth waits.
    let mut id = second_id.clone();
    for _ in 0..2 {
        t.clock.advance(TimeDelta::seconds(31));
        let next: Value = resend(&id).await.json().await.unwrap();
        id = next["challenge_id"].as_str().unwrap().to_owned();
    }
    t.clock.advance(TimeDelta::seconds(31));
    let (status, code, retry) = refusal(resend(&id).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    assert!(retry.is_some());
    assert_eq!(t.outbox().await.len(), 4);
    let last_code = t.latest_code().await;
    assert_eq!(
        t.verify(&id, &last_code).await.status(),
        StatusCode::OK,
        "the newest code logs in"
    );
    assert_eq!(
        error_code(t.verify(&second_id, &second_code).await).await.1,
        "code_expired"
    );

    assert_eq!(error_code(resend("no-such-challenge").await).await.1, "code_expired");
    assert_eq!(error_code(resend(&"x".repeat(5000)).await).await.1, "code_expired");
}

/// Two "send the code again" at once for one challenge: one new code, one
/// e-mail; the other is told the code has ended. The old challenge ends in
/// the commit that writes the new one with its e-mail.
async fn two_resends_at_once_send_one_code(t: TestServer) {
    t.start_of_window(900);
    let first = t.demo_challenge().await;
    t.clock.advance(TimeDelta::seconds(30));
    let body = json!({"challenge_id": first});
    let (a, b) = tokio::join!(t.post("/auth/resend", body.clone()), t.post("/auth/resend", body));
    let (ok, refused): (Vec<_>, Vec<_>) = [a, b].into_iter().partition(|r| r.status() == StatusCode::OK);
    assert_eq!((ok.len(), refused.len()), (1, 1), "one new code");
    let refused = refused.into_iter().next().unwrap();
    assert_eq!(error_code(refused).await.1, "code_expired");
    assert_eq!(t.outbox().await.len(), 2, "the first code and one more");
}

on_both_engines!(
    a_code_is_sent_again_on_request_and_the_old_one_stops_working,
    two_resends_at_once_send_one_code,
    a_login_answers_while_the_mail_server_is_down_and_the_code_follows,
    code_checks_are_limited_per_account_across_challenges,
    logins_and_code_checks_are_rate_limited_per_account_and_per_address,
    login_with_password_and_emailed_code_reaches_the_home,
    three_wrong_passwords_pause_a_username_known_or_not_alike_and_the_pause_lifts,
    an_operator_unlock_lifts_a_pause,
    a_successful_login_resets_the_wrong_password_count,
    a_wrong_code_leaves_tries_and_the_right_one_still_works,
    the_sixth_try_is_refused_even_with_the_right_code,
    an_expired_code_is_refused,
    a_code_works_once,
    a_code_belongs_to_its_challenge,
    malformed_requests_get_a_bad_request_in_the_error_shape,
    protected_endpoints_need_a_live_access_token,
    refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_family,
    a_refresh_token_expires_after_thirty_days,
    logout_ends_the_session_and_is_idempotent,
);

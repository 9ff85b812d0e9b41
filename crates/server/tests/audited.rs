//! O1, X3: every audited change commits with its audit row. With the audit
//! log refusing writes, each of these changes answers 500 and leaves nothing
//! behind; once the log takes writes again, the same change is made and
//! audited once. Both engines.

mod common;

use chrono::TimeDelta;
use common::{failing_insert, repaired, TestServer};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;
use sportello_server::testkit;

/// The audit log refuses writes for the length of `call`, on a connection
/// of its own (a pooled one could keep the trigger in an old snapshot).
async fn while_audit_fails<F: std::future::Future<Output = Response>>(t: &TestServer, call: F) -> Response {
    let postgres = t.database_url.starts_with("postgres");
    let mut ddl = <sqlx::AnyConnection as sqlx::Connection>::connect(&t.database_url)
        .await
        .unwrap();
    sqlx::raw_sql(&failing_insert(postgres, "audit_log"))
        .execute(&mut ddl)
        .await
        .unwrap();
    let response = call.await;
    sqlx::raw_sql(&repaired(postgres, "audit_log"))
        .execute(&mut ddl)
        .await
        .unwrap();
    response
}

async fn count(t: &TestServer, sql: &str) -> i64 {
    t.server.state.store.scalar_for_tests(sql).await.unwrap()
}

async fn audited(t: &TestServer, action: &str) -> i64 {
    count(t, &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")).await
}

/// `call` fails while the log does, changes nothing (`unchanged` still
/// holds), then succeeds with one audit row `action`.
async fn stands_with_its_audit<C, F, U, G>(t: &TestServer, action: &str, call: C, unchanged: U)
where
    C: Fn() -> F,
    F: std::future::Future<Output = Response>,
    U: Fn() -> G,
    G: std::future::Future<Output = bool>,
{
    let audits = audited(t, action).await;
    let failed = while_audit_fails(t, call()).await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR, "{action}");
    assert!(unchanged().await, "{action} stood without its audit row");
    assert_eq!(audited(t, action).await, audits, "{action}");
    let done = call().await;
    assert!(done.status().is_success(), "{action}: {}", done.status());
    assert!(!unchanged().await, "{action} was not made on the retry");
    assert_eq!(audited(t, action).await, audits + 1, "{action} audited once");
}

async fn customer_changes_commit_with_their_audit_rows(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let (other, _) = t.demo_tokens().await;
    let t = &t;

    let profile = || t.call(Method::PATCH, "/profile", &access, Some(json!({"language": "en"})));
    let still_it = || async { t.json("/profile", &access).await["language"] == "it" };
    stands_with_its_audit(t, "update_profile", profile, still_it).await;

    let consent = || {
        let body = json!({"kind": "marketing", "granted": true});
        t.call(Method::PUT, "/profile/privacy", &access, Some(body))
    };
    let no_consent = || async { count(t, "SELECT COUNT(*) FROM consents").await == 0 };
    stands_with_its_audit(t, "consent", consent, no_consent).await;

    let first = t.json("/notifications", &access).await["items"][0]["id"].clone();
    let read_path = format!("/notifications/{first}/read");
    let read_one = || t.post_as(&read_path, &access, json!({}));
    let none_read = || async { count(t, "SELECT COUNT(*) FROM notification_reads").await == 0 };
    stands_with_its_audit(t, "read_notification", read_one, none_read).await;
    let read_all = || t.post_as("/notifications/read-all", &access, json!({}));
    let one_read = || async { count(t, "SELECT COUNT(*) FROM notification_reads").await == 1 };
    stands_with_its_audit(t, "read_all_notifications", read_all, one_read).await;

    let join = || t.post_as("/shop/agreements", &access, json!({"agreement_code": "ING-PC"}));
    let not_asked = || async {
        count(
            t,
            "SELECT COUNT(*) FROM agreement_requests WHERE agreement_code = 'ING-PC'",
        )
        .await
            == 0
    };
    stands_with_its_audit(t, "join_agreement", join, not_asked).await;

    let sessions = t.json("/me/sessions", &access).await;
    let others = sessions.as_array().unwrap().iter().filter(|s| s["current"] == false);
    let other_id = others.map(|s| s["id"].as_str().unwrap().to_owned()).next().unwrap();
    let end_path = format!("/me/sessions/{other_id}");
    let end_one = || t.call(Method::DELETE, &end_path, &access, None);
    let other_lives = || async { t.get("/home", &other).await.status() == StatusCode::OK };
    stands_with_its_audit(t, "end_session", end_one, other_lives).await;

    let end_all = || t.post_as("/me/sessions/end-all", &access, json!({}));
    let this_lives = || async { t.get("/home", &access).await.status() == StatusCode::OK };
    stands_with_its_audit(t, "end_all_sessions", end_all, this_lives).await;
}

async fn operator_changes_commit_with_their_audit_rows(t: TestServer) {
    let t = &t;
    let ops = t.ops_token().await;

    // An operator login: no token without its audit row. The clock moves
    // on between tries, for a fresh authenticator code.
    let tokens = "SELECT COUNT(*) FROM operator_tokens";
    let before = count(t, tokens).await;
    let login = || {
        t.clock.advance(TimeDelta::seconds(31));
        t.post("/ops/login", testkit::demo_operator_login(&t.clock))
    };
    let no_new_token = || async { count(t, tokens).await == before };
    stands_with_its_audit(t, "operator_login", login, no_new_token).await;

    let layout = json!({"record_length": 20, "fields": [
        {"name": "item", "start": 1, "length": 3, "type": "numeric", "padding": "zeros_left"}]});
    let path = "/ops/customers/10093/record-layout";
    let set_layout = || t.call(Method::PUT, path, &ops, Some(layout.clone()));
    let no_layout = || async { count(t, "SELECT COUNT(*) FROM record_layouts").await == 0 };
    stands_with_its_audit(t, "set_record_layout", set_layout, no_layout).await;

    let register = json!({"category": "private", "name": "Mario Rossi", "tax_code": "RSSMRA80A01H501U",
        "email": "mario.rossi@example.it", "language": "it"});
    assert_eq!(
        t.post("/auth/register-by-category", register).await.status(),
        StatusCode::CREATED
    );
    let pending = t.all_items("/ops/registrations", &ops).await;
    let customer = pending[0]["id"].clone();
    let decide = format!("/ops/registrations/{customer}/decision");
    let mails = || async { t.outbox().await.len() };
    let mails_before = mails().await;
    let approve = || t.post_as(&decide, &ops, json!({"approve": true}));
    let still_pending = || async {
        count(
            t,
            &format!("SELECT COUNT(*) FROM customers WHERE id = {customer} AND status = 'pending'"),
        )
        .await
            == 1
    };
    stands_with_its_audit(t, "approve_registration", approve, still_pending).await;
    let notices = format!("SELECT COUNT(*) FROM notifications WHERE customer_id = {customer}");
    assert_eq!(count(t, &notices).await, 1, "the welcome notice once");
    assert_eq!(mails().await, mails_before + 1, "the credentials e-mailed once");

    let logout = || t.post_as("/ops/logout", &ops, json!({}));
    let still_in = || async { t.get("/ops/registrations", &ops).await.status() == StatusCode::OK };
    stands_with_its_audit(t, "operator_logout", logout, still_in).await;
}

on_both_engines!(
    customer_changes_commit_with_their_audit_rows,
    operator_changes_commit_with_their_audit_rows,
);

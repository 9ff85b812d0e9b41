//! Rate limits that hold for a company's whole fleet of instances: the
//! windows live in the database, overlong keys never reach them, a flood of
//! distinct keys is swept, and behind a trusted proxy the client is the
//! address the proxy saw.

mod common;

use chrono::TimeDelta;
use common::{error_code, Engine, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_server::demo::{DEMO_PASSWORD, DEMO_USERNAME};
use sportello_server::limits::Scope;
use sportello_server::store::Store;

/// POSTs `body` to `path`, through a proxy that saw `forwarded_for` when given.
async fn post(url: &str, path: &str, body: Value, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(format!("{url}{path}")).json(&body);
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    request.send().await.unwrap()
}

async fn login(url: &str, username: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let body = json!({"username": username, "password": "a password"});
    post(url, "/auth/login", body, forwarded_for).await
}

/// Counts `count` distinct keys of one scope, all within their budget.
async fn flood(t: &TestServer, prefix: &str, count: usize) {
    for n in 0..count {
        let key = format!("{prefix}-{n}");
        let counted = t.server.state.limiter.check(&t.clock, Scope::LoginAccount, &key).await;
        assert_eq!(counted.unwrap(), Ok(()));
    }
}

/// Real-clock windows are a minute long: start the test well inside one.
async fn away_from_a_window_end() {
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second > 45 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
    }
}

async fn an_overlong_username_is_refused_before_any_limiter(t: TestServer) {
    let before = t.server.state.store.window_count().await.unwrap();
    let response = t.login(&"u".repeat(100_000), "a password").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["fields"]["username"], "too_long", "{body}");
    assert_eq!(
        t.server.state.store.window_count().await.unwrap(),
        before + 1,
        "only the address's window was counted, not the overlong key"
    );
    assert_eq!(
        error_code(t.login(&"u".repeat(254), "a password").await).await.1,
        "invalid_credentials",
        "the longest key allowed is an ordinary wrong login"
    );
}

async fn a_flood_of_distinct_keys_leaves_a_bounded_table(t: TestServer) {
    let state = &t.server.state;
    // Align on a minute so all flood keys share one window.
    t.clock
        .advance(TimeDelta::seconds(60 - t.clock.now().timestamp().rem_euclid(60)));
    let before = state.store.window_count().await.unwrap();
    flood(&t, "flood", 2000).await;
    assert_eq!(state.store.window_count().await.unwrap(), before + 2000);
    t.clock.advance(TimeDelta::seconds(60));
    flood(&t, "later", 1000).await;
    assert_eq!(
        state.store.window_count().await.unwrap(),
        1000,
        "the ended windows were swept; only the current minute's keys are kept"
    );
}

on_both_engines!(
    an_overlong_username_is_refused_before_any_limiter,
    a_flood_of_distinct_keys_leaves_a_bounded_table,
);

/// Two server processes behind one PostgreSQL count one budget: three wrong
/// passwords for a username spread over both pause it on either.
#[tokio::test]
async fn two_instances_enforce_one_login_budget() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::fresh_database(Engine::Postgres, dir.path()).await;
    let a = common::process("demo", &database_url, dir.path(), &[]).await;
    let b = common::process("serve", &database_url, dir.path(), &[]).await;
    away_from_a_window_end().await;
    for n in 0..3 {
        let url = if n % 2 == 0 { &a.url } else { &b.url };
        assert_eq!(
            error_code(login(url, "guess", None).await).await.1,
            "invalid_credentials",
            "attempt {n}"
        );
    }
    for url in [&a.url, &b.url] {
        let limited = login(url, "guess", None).await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(limited.headers().get("retry-after").is_some());
    }
}

/// Behind a trusted proxy the client is the address in `X-Forwarded-For`:
/// one attacker spends only its own budget, and the audit log names the
/// customer's address. Without the setting the header is ignored.
#[tokio::test]
async fn behind_a_trusted_proxy_limits_and_audit_use_the_forwarded_address() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::fresh_database(Engine::Sqlite, dir.path()).await;
    let proxied = common::process(
        "demo",
        &database_url,
        dir.path(),
        &[("SPORTELLO_TRUSTED_PROXIES", "127.0.0.1, ::1")],
    )
    .await;
    away_from_a_window_end().await;
    for n in 0..20 {
        let attacker = login(&proxied.url, &format!("guess{n}"), Some("203.0.113.66")).await;
        assert_eq!(error_code(attacker).await.1, "invalid_credentials", "attempt {n}");
    }
    assert_eq!(
        login(&proxied.url, "guess-more", Some("203.0.113.66")).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker's address spent its budget"
    );
    let forged = login(&proxied.url, "guess-more", Some("198.51.100.7, 203.0.113.66")).await;
    assert_eq!(
        forged.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "what the attacker writes left of the proxy's entry changes nothing"
    );

    let customer = Some("198.51.100.20");
    let credentials = json!({"username": DEMO_USERNAME, "password": DEMO_PASSWORD});
    let challenge: Value = post(&proxied.url, "/auth/login", credentials, customer)
        .await
        .json()
        .await
        .unwrap();
    let challenge_id = challenge["challenge_id"]
        .as_str()
        .expect("the customer is not limited by the attacker");
    let code = common::wait_for_code(dir.path()).await;
    let answer = json!({"challenge_id": challenge_id, "code": code});
    let verified = post(&proxied.url, "/auth/verify", answer, customer).await;
    assert_eq!(verified.status(), StatusCode::OK);
    let store = Store::open(&database_url).await.unwrap();
    let audit = store.audit_log(0, 1000).await.unwrap();
    let logged_in = audit.iter().find(|a| a.action == "login").expect("a login audit row");
    assert_eq!(logged_in.client, "198.51.100.20");
    drop(proxied);

    let direct = common::process("serve", &database_url, dir.path(), &[]).await;
    away_from_a_window_end().await;
    for n in 0..20 {
        let spoofing = login(&direct.url, &format!("spoof{n}"), Some(&format!("203.0.113.{n}"))).await;
        assert_eq!(error_code(spoofing).await.1, "invalid_credentials", "attempt {n}");
    }
    assert_eq!(
        login(&direct.url, "spoof-more", Some("203.0.113.200")).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "with no trusted proxy a forged header does not buy a fresh budget"
    );
}

/// Proxies are trusted by range, forwarded entries may carry a port or IPv6
/// brackets, and an IPv6 client is one budget per /64: walking through the
/// addresses of its network buys no fresh attempts, while a neighbour in
/// another /64 keeps its own.
#[tokio::test]
async fn an_ipv6_network_shares_one_budget_behind_a_range_of_proxies() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::fresh_database(Engine::Sqlite, dir.path()).await;
    let proxied = common::process(
        "serve",
        &database_url,
        dir.path(),
        &[("SPORTELLO_TRUSTED_PROXIES", "127.0.0.0/8, ::1/128")],
    )
    .await;
    away_from_a_window_end().await;
    for n in 0..20 {
        let hop = format!("[2001:db8:1:2::{n:x}]:5555");
        let attempt = login(&proxied.url, &format!("walk{n}"), Some(&hop)).await;
        assert_eq!(error_code(attempt).await.1, "invalid_credentials", "attempt {n}");
    }
    let next = login(&proxied.url, "walk-more", Some("2001:db8:1:2:ffff::1")).await;
    assert_eq!(
        next.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "another address of the same /64 is the same client"
    );
    let neighbour = login(&proxied.url, "other", Some("[2001:db8:1:3::1]")).await;
    assert_eq!(error_code(neighbour).await.1, "invalid_credentials", "another /64");
    for port in [61000, 61001] {
        let hop = format!("198.51.100.9:{port}");
        let with_port = login(&proxied.url, "ipv4", Some(&hop)).await;
        assert_eq!(
            error_code(with_port).await.1,
            "invalid_credentials",
            "an IPv4 client with a port"
        );
    }
}

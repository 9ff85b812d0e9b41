//! A failed login costs the same whoever it names: one Argon2 verification
//! for an unknown username as for a wrong password, none for a paused name
//! known or not; and a loose statistical bound on their times. One test in
//! its own binary, so that no other test's logins touch the count.

mod common;

use common::{Engine, TestServer};
use reqwest::StatusCode;
use sportello_server::demo::DEMO_USERNAME;
use sportello_server::passwords::verifications;
use std::time::{Duration, Instant};

/// The answer's status, the Argon2 verifications and the time one login took.
async fn attempt(t: &TestServer, username: &str, password: &str) -> (StatusCode, u64, Duration) {
    let before = verifications();
    let started = Instant::now();
    let status = t.login(username, password).await.status();
    (status, verifications() - before, started.elapsed())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn failures_cost_the_same(t: TestServer) {
    // Unknown name and wrong password: one verification each, the same answer.
    assert_eq!(
        attempt(&t, "nobody-0", "a wrong password").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for n in 1..=8 {
        let (status, work, took) = attempt(&t, &format!("nobody-{n}"), "a wrong password").await;
        assert_eq!((status, work), (StatusCode::UNAUTHORIZED, 1), "unknown name");
        unknown.push(took);
        let (status, work, took) = attempt(&t, DEMO_USERNAME, "a wrong password").await;
        assert_eq!((status, work), (StatusCode::UNAUTHORIZED, 1), "wrong password");
        wrong.push(took);
        // Keeps the name below its pause, so that every sample is a full check.
        sportello_server::throttle::lift(&t.server.state, DEMO_USERNAME)
            .await
            .unwrap();
    }
    let (unknown, wrong) = (median(unknown), median(wrong));
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!(
        (0.5..=2.0).contains(&ratio),
        "median unknown {unknown:?} vs wrong password {wrong:?}"
    );

    // Paused names, known or not: refused before any verification.
    for name in [DEMO_USERNAME, "nobody-paused"] {
        for _ in 0..3 {
            attempt(&t, name, "a wrong password").await;
        }
        let (status, work, _) = attempt(&t, name, "a wrong password").await;
        assert_eq!((status, work), (StatusCode::TOO_MANY_REQUESTS, 0), "{name}");
    }
}

#[tokio::test]
async fn a_failed_login_costs_the_same_whoever_it_names() {
    failures_cost_the_same(TestServer::start_on(Engine::Sqlite).await).await;
    failures_cost_the_same(TestServer::start_on(Engine::Postgres).await).await;
}

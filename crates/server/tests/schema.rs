//! The OpenAPI document against the running server: schemathesis (installed
//! by `make deps`) generates requests from docs/openapi.json and sends them
//! with a customer's token and with an operator's, within a time budget;
//! no answer may be a server error, carry a status code or a content type
//! the document does not list, or break its schema.

mod common;

use common::TestServer;
use std::path::PathBuf;
use std::time::Instant;

/// Where `make deps` installs schemathesis (`SPORTELLO_TOOLS` to move it).
fn schemathesis() -> PathBuf {
    let tools = std::env::var("SPORTELLO_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/sportello-tools"));
    tools.join("bin/schemathesis")
}

/// What a client generated from the document relies on.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// Operations left out, tried by their own tests: those that end the
/// caller's own session (the rest of the run would be unauthorized), and
/// the fulfilment by PDF, whose body the tool cannot make.
const LEFT_OUT: &str =
    "^/api/v1/(auth/logout|auth/refresh|me/sessions|ops/logout|ops/login|ops/operators/[^/]+/disable|ops/order-items/[^/]+/pdf)";

async fn run(t: &TestServer, document: &std::path::Path, token: &str, only: &str, seconds: u32) -> (bool, String) {
    let output = tokio::process::Command::new(schemathesis())
        // Its reports and example database stay in the test's folder.
        .current_dir(t.dir.path())
        .arg("run")
        .arg(document)
        .args(["--url", &t.server.base_url()])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,fuzzing"])
        .args(["--include-path-regex", only])
        .args(["--exclude-path-regex", LEFT_OUT])
        .args(["--max-time", &seconds.to_string()])
        .args(["--workers", "2", "--seed", "20261206", "--no-color"])
        .output()
        .await
        .unwrap_or_else(|e| panic!("{} does not run ({e}): run `make deps`", schemathesis().display()));
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// The report's failures, without the tool's own tracebacks.
fn failures(text: &str) -> String {
    text.lines()
        .skip_while(|l| !l.contains("FAILURES"))
        .filter(|l| !l.starts_with("    ") || l.trim_start().len() < 300)
        .take(400)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_answer_is_one_the_document_describes() {
    let t = TestServer::start().await;
    let (customer, _) = t.demo_tokens().await;
    let operator = t.ops_token().await;
    let document = t.dir.path().join("openapi.json");
    std::fs::write(&document, sportello_server::http::openapi::document_json()).unwrap();
    let started = Instant::now();
    let (customers_ok, customers) = run(&t, &document, &customer, "^/api/v1/(?!ops/)", 80).await;
    let (operators_ok, operators) = run(&t, &document, &operator, "^/api/v1/ops/", 45).await;
    let summary = |text: &str| {
        text.lines()
            .skip_while(|l| !l.contains("SUMMARY"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    eprintln!(
        "schemathesis in {} s\n-- customer --\n{}\n-- operator --\n{}",
        started.elapsed().as_secs(),
        summary(&customers),
        summary(&operators)
    );
    assert!(customers_ok, "with a customer's token:\n{}", failures(&customers));
    assert!(operators_ok, "with an operator's token:\n{}", failures(&operators));
}

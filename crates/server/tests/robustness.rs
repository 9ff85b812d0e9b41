//! The server stays up and bounded: a handler that panics answers a 500 and
//! the next request is served; a request past its deadline is stopped with
//! an answer in the one error shape; SIGTERM stops the process cleanly.

mod common;

use axum::routing::get;
use axum::Router;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

fn bounded() -> Router {
    let router = Router::new()
        .route("/boom", get(|| async { panic!("a bug in a handler") as &'static str }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route("/fine", get(|| async { "fine" }));
    sportello_server::http::harden(router, Duration::from_millis(200))
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_server_goes_on() {
    let url = serve(bounded()).await;
    let boom = reqwest::get(format!("{url}/boom")).await.unwrap();
    assert_eq!(boom.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = boom.json().await.unwrap();
    assert_eq!(body["code"], "internal");
    assert!(
        !body["message"].as_str().unwrap().contains("bug"),
        "no internals on the wire: {body}"
    );
    for _ in 0..3 {
        let fine = reqwest::get(format!("{url}/fine")).await.unwrap();
        assert_eq!(fine.text().await.unwrap(), "fine");
    }
}

#[tokio::test]
async fn a_request_past_its_deadline_is_stopped_with_an_answer() {
    let url = serve(bounded()).await;
    let started = Instant::now();
    let slow = reqwest::get(format!("{url}/slow")).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(4), "stopped at the deadline");
    assert_eq!(slow.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(slow.json::<Value>().await.unwrap()["code"], "server_unreachable");
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sportello-server"))
        .arg("serve")
        .env("SPORTELLO_BIND", format!("127.0.0.1:{port}"))
        .env("SPORTELLO_DATA_DIR", dir.path())
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/api/v1/health");
    let mut up = false;
    for _ in 0..200 {
        if reqwest::get(&health).await.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(up, "the server started");
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut status = None;
    for _ in 0..200 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let status = status.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the server did not stop on SIGTERM")
    });
    assert_eq!(
        status.code(),
        Some(0),
        "a clean exit, not death by the signal: {status:?}"
    );
}

/// A client that sends half a request's headers and then nothing (one of
/// many holding connections open) is cut off at the header deadline, and
/// everyone else is served meanwhile.
#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let database = common::fresh_database(common::Engine::Sqlite, dir.path()).await;
    let server = common::process(
        "serve",
        &database,
        dir.path(),
        &[("SPORTELLO_HEADER_TIMEOUT_MS", "300")],
    )
    .await;
    let address = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/api/v1")
        .to_owned();
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        stalled.push(stream);
    }
    let health = reqwest::get(format!("{}/health", server.url)).await.unwrap();
    assert!(health.status().is_success(), "served beside the stalled connections");
    let started = Instant::now();
    for mut stream in stalled {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "the server closed the connection");
        let answer = String::from_utf8_lossy(&rest);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "closed, or told the request timed out: {answer}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

/// JSON nested deeper than any request needs is a 400 in the one error
/// shape, read in one pass before any parsing: the server goes on.
#[tokio::test]
async fn json_nested_without_end_is_refused() {
    let t = common::TestServer::start().await;
    let depth = 100_000;
    let body = format!(
        r#"{{"username":"a","password":"b","x":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let response = t
        .http
        .post(t.url("/auth/login"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "bad_request");
    assert!(error["message"].as_str().unwrap().contains("nested"), "{error}");
    assert_eq!(
        t.login("a", "b").await.status(),
        StatusCode::UNAUTHORIZED,
        "still serving"
    );
}

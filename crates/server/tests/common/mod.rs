//! A real server on 127.0.0.1:0 with a fresh SQLite file and an outbox folder.
#![allow(dead_code)]

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use sportello_server::testkit;
use sportello_server::{demo, Clock, RunningServer};

#[derive(Clone, Copy, Debug)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(TestServer)` as two tests, one per storage engine.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::common::{Engine, TestServer};
            #[tokio::test]
            async fn sqlite() {
                super::$name(TestServer::start_on(Engine::Sqlite).await).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(TestServer::start_on(Engine::Postgres).await).await
            }
        }
    )*};
}

/// A fresh database: a file in `dir` for SQLite, a new database in the test
/// cluster (`SPORTELLO_TEST_POSTGRES_URL`, started by `make test`) for PostgreSQL.
pub async fn fresh_database(engine: Engine, dir: &std::path::Path) -> String {
    use sqlx::Connection;
    match engine {
        Engine::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("sportello.db").display()),
        Engine::Postgres => {
            let admin = std::env::var("SPORTELLO_TEST_POSTGRES_URL").expect(
                "SPORTELLO_TEST_POSTGRES_URL: run `make test`, which starts a PostgreSQL cluster (scripts/pg.sh)",
            );
            let name = format!("sportello_test_{:016x}", rand::random::<u64>());
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
            let (server, _) = admin.rsplit_once('/').unwrap();
            format!("{server}/{name}")
        }
    }
}

pub struct TestServer {
    pub database_url: String,
    pub server: RunningServer,
    pub http: Client,
    pub clock: Clock,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::start_on(Engine::Sqlite).await
    }

    pub async fn start_on(engine: Engine) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database(engine, dir.path()).await;
        let (server, clock) = testkit::demo_server(dir.path(), Some(database_url.clone())).await;
        TestServer {
            database_url,
            server,
            http: Client::new(),
            clock,
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server.base_url())
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.http.post(self.url(path)).json(&body).send().await.unwrap()
    }

    pub async fn get(&self, path: &str, access_token: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post("/auth/login", json!({"username": username, "password": password}))
            .await
    }

    /// Logs the demo user in and returns the challenge id.
    pub async fn demo_challenge(&self) -> String {
        let response = self.login(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()["challenge_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn verify(&self, challenge_id: &str, code: &str) -> Response {
        self.post("/auth/verify", json!({"challenge_id": challenge_id, "code": code}))
            .await
    }

    /// Full login of any user; returns (access token, refresh token).
    pub async fn tokens_for(&self, username: &str, password: &str) -> (String, String) {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), StatusCode::OK);
        let challenge = response.json::<Value>().await.unwrap()["challenge_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let response = self.verify(&challenge, &self.latest_code()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        (
            body["access_token"].as_str().unwrap().to_owned(),
            body["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    /// Full login; returns (access token, refresh token).
    pub async fn demo_tokens(&self) -> (String, String) {
        let challenge = self.demo_challenge().await;
        let response = self.verify(&challenge, &self.latest_code()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        (
            body["access_token"].as_str().unwrap().to_owned(),
            body["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    /// A 200 answer's JSON.
    pub async fn json(&self, path: &str, token: &str) -> Value {
        let response = self.get(path, token).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    /// Every item of a list, following its cursors; `path` already has a query string.
    pub async fn all_items(&self, path: &str, token: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut page = self.json(path, token).await;
        loop {
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            let Some(cursor) = page["next_cursor"].as_str() else {
                return items;
            };
            page = self.json(&format!("{path}&cursor={cursor}"), token).await;
        }
    }

    pub fn outbox(&self) -> Vec<mail_parser::Message<'static>> {
        testkit::outbox(self.dir.path())
    }

    /// The 6-digit code of the newest e-mail.
    pub fn latest_code(&self) -> String {
        testkit::latest_code(self.dir.path())
    }
}

pub async fn error_code(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (status, body["code"].as_str().unwrap().to_owned())
}

/// Whole cents of a money string ("-12.34" → -1234).
pub fn cents(v: &Value) -> i64 {
    let text = v.as_str().expect("money is a string on the wire");
    let (units, dec) = text.split_once('.').expect("two decimals");
    assert_eq!(dec.len(), 2, "{text}");
    let magnitude = units.trim_start_matches('-').parse::<i64>().unwrap() * 100 + dec.parse::<i64>().unwrap();
    if units.starts_with('-') {
        -magnitude
    } else {
        magnitude
    }
}

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
    /// The demo operator's token, kept: its authenticator's code is good
    /// for one login per 30-second step.
    ops_token: tokio::sync::OnceCell<String>,
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
            ops_token: tokio::sync::OnceCell::new(),
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
        let response = self.verify(&challenge, &self.latest_code().await).await;
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
        let response = self.verify(&challenge, &self.latest_code().await).await;
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

    /// Every item of a list, following its cursors.
    pub async fn all_items(&self, path: &str, token: &str) -> Vec<Value> {
        let next = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut page = self.json(path, token).await;
        loop {
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            let Some(cursor) = page["next_cursor"].as_str() else {
                return items;
            };
            page = self.json(&format!("{path}{next}cursor={cursor}"), token).await;
        }
    }

    /// The messages sent, once the mail queue has sent what it holds.
    pub async fn outbox(&self) -> Vec<mail_parser::Message<'static>> {
        testkit::mail_sent(&self.server.state).await;
        testkit::outbox(self.dir.path())
    }

    /// The 6-digit code of the newest e-mail.
    /// Moves the clock to the start of a rate-limit window `secs` long, so
    /// that no fixed window ends in the middle of a test.
    pub fn start_of_window(&self, secs: i64) {
        let into = self.clock.now().timestamp().rem_euclid(secs);
        self.clock.advance(chrono::TimeDelta::seconds(secs - into));
    }

    pub async fn latest_code(&self) -> String {
        testkit::mail_sent(&self.server.state).await;
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

/// A valid VAT number of a company that is not the demo's.
pub const OTHER_VAT: &str = "07654320154";
/// A valid personal tax code.
pub const PERSON_CF: &str = "RSSMRA80A01H501U";

impl TestServer {
    /// A request with a bearer token (customer or operator) and an optional JSON body.
    pub async fn call(&self, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> Response {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn post_as(&self, path: &str, token: &str, body: Value) -> Response {
        self.call(reqwest::Method::POST, path, token, Some(body)).await
    }

    /// The demo operator's token (role admin).
    pub async fn ops_token(&self) -> String {
        self.ops_token.get_or_init(|| self.ops_login()).await.clone()
    }

    /// A new operator login, for a test that moved the clock past the kept
    /// token's life (the moved clock also gives a code not used before).
    pub async fn ops_login(&self) -> String {
        let response = self.post("/ops/login", testkit::demo_operator_login(&self.clock)).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A customer of the leasing book with one active contract and no Sportello
    /// user yet; returns (customer id, contract id).
    pub async fn add_customer(&self, code: &str, kind: &str, tax_code: &str, contract_no: &str) -> (i64, i64) {
        testkit::add_customer(&self.server.state, &self.clock, code, kind, tax_code, contract_no).await
    }

    /// The newest e-mail: (recipient, subject, text).
    pub async fn last_mail(&self) -> (String, String, String) {
        let mail = self.outbox().await.pop().expect("an e-mail");
        (
            mail.to().unwrap().first().unwrap().address().unwrap().to_owned(),
            mail.subject().unwrap().to_owned(),
            mail.body_text(0).unwrap().into_owned(),
        )
    }

    /// Invites customer `code` (already in the book) and logs it in with a
    /// definitive password; returns its access token.
    pub async fn invite_and_log_in(&self, code: &str) -> String {
        let ops = self.ops_token().await;
        let invite = json!({"customer_code": code, "email": "amministrazione@pec.bianchi.example"});
        assert_eq!(
            self.post_as("/ops/invitations", &ops, invite).await.status(),
            StatusCode::CREATED
        );
        let temporary = line_value(&self.last_mail().await.2, "Password temporanea");
        self.first_login(code, &temporary, "cipresso in collina 77").await
    }

    /// Another customer of the book (30001, one contract), logged in; returns its access token.
    pub async fn other_customer(&self) -> String {
        self.add_customer("30001", "company", OTHER_VAT, "55501").await;
        self.invite_and_log_in("30001").await
    }

    /// Logs in with a temporary password and replaces it; returns the new session's access token.
    pub async fn first_login(&self, username: &str, temporary: &str, definitive: &str) -> String {
        let (access, _) = self.tokens_for(username, temporary).await;
        let change = json!({"current_password": temporary, "new_password": definitive});
        let response = self.post_as("/me/password", &access, change).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        access
    }
}

/// The value after "<label>: " on a line of an e-mail.
pub fn line_value(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(label)
                .map(|v| v.trim_start_matches(':').trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no {label:?} in {text}"))
}

/// The `token` parameter of the `sportello://` link in an e-mail.
pub fn link_token(text: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("sportello://"))
        .unwrap_or_else(|| panic!("no link in {text}"));
    link.split(['?', '&'])
        .find_map(|p| p.strip_prefix("token="))
        .expect("a token parameter")
        .to_owned()
}

/// A `sportello-server` process on loopback, killed with SIGKILL when dropped.
pub struct Process {
    child: std::process::Child,
    /// `http://127.0.0.1:port/api/v1`
    pub url: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `sportello-server <command>` on a free port of 127.0.0.1 with the
/// given database and data folder, plus `env` settings; returns once it answers.
// The process is waited for when the `Process` that holds it is dropped.
#[allow(clippy::zombie_processes)]
pub async fn process(command: &str, database_url: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> Process {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_sportello-server"))
        .arg(command)
        .env("SPORTELLO_BIND", format!("127.0.0.1:{port}"))
        .env("SPORTELLO_DATABASE_URL", database_url)
        .env("SPORTELLO_DATA_DIR", dir)
        .env("RUST_LOG", "error")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1");
    for _ in 0..400 {
        if reqwest::get(format!("{url}/health"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Process { child, url };
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("sportello-server {command} did not start");
}

/// The code of the first e-mail under `dir`, once a server process's mail
/// queue has sent it (in-process servers use `testkit::code_sent`).
pub async fn wait_for_code(dir: &std::path::Path) -> String {
    for _ in 0..400 {
        if !testkit::outbox(dir).is_empty() {
            return testkit::latest_code(dir);
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no e-mail reached the outbox");
}

/// SQL that makes every insert into `table` fail, as a disk or constraint
/// error would in the middle of a transaction.
pub fn failing_insert(postgres: bool, table: &str) -> String {
    if postgres {
        format!(
            "CREATE OR REPLACE FUNCTION injected_fault() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER injected_fault BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION injected_fault();"
        )
    } else {
        format!(
            "CREATE TRIGGER injected_fault BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
        )
    }
}

pub fn repaired(postgres: bool, table: &str) -> String {
    if postgres {
        format!("DROP TRIGGER injected_fault ON {table};")
    } else {
        "DROP TRIGGER injected_fault;".into()
    }
}

/// Kills `server` (SIGKILL) `round * 7 % 39` ms after `request` was sent,
/// spreading a campaign's kills over the request's life; true when the
/// request died with the server.
pub async fn kill_during(
    server: Process,
    round: usize,
    request: tokio::task::JoinHandle<reqwest::Result<Response>>,
) -> bool {
    tokio::time::sleep(std::time::Duration::from_millis((round * 7 % 39) as u64)).await;
    drop(server);
    !request.await.unwrap().is_ok_and(|r| r.status().is_success())
}

/// Sends again while the key's first request still holds it (409), as a
/// client retries; the status that ends it.
pub async fn retry_while_held<F, Fut>(mut send: F) -> StatusCode
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    for _ in 0..50 {
        let status = send().await.status();
        if status != StatusCode::CONFLICT {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    StatusCode::CONFLICT
}

//! Test helpers of the app's integration tests: a demo server on 127.0.0.1
//! and plain HTTP calls to check what it holds.
#![allow(dead_code)]

pub mod proxy;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_app::cache::Cache;
use sportello_app::desktop::DeskApp;
use sportello_app::notifier::{Notice, Notifier};
use sportello_app::secrets::MemorySecrets;
use sportello_app::sync::SyncEngine;
use sportello_app::Desk;
use sportello_server::{demo, testkit, Clock, RunningServer};
use std::sync::{Arc, Mutex};

/// Keeps what would have gone to the desktop, for the assertions.
#[derive(Default)]
pub struct Shown(Mutex<Vec<Notice>>);

impl Notifier for Shown {
    fn show(&self, notice: Notice) {
        self.0.lock().unwrap().push(notice);
    }
}

impl Shown {
    pub fn take(&self) -> Vec<Notice> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

pub struct Fixture {
    pub server: Option<RunningServer>,
    pub addr: std::net::SocketAddr,
    pub clock: Clock,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    /// The demo operator's token, kept: an authenticator code is good for one login.
    ops_token: tokio::sync::OnceCell<String>,
}

impl Fixture {
    pub async fn start() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let (server, clock) = testkit::demo_server(dir.path(), None).await;
        Fixture {
            addr: server.addr,
            server: Some(server),
            clock,
            dir,
            http: reqwest::Client::new(),
            ops_token: tokio::sync::OnceCell::new(),
        }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base())
    }

    /// The code of the newest e-mail, once the server's mail queue sent it.
    pub async fn code(&self) -> String {
        testkit::code_sent(&self.server.as_ref().expect("running").state).await
    }

    pub async fn stop_server(&mut self) {
        self.server.take().expect("running").shutdown().await;
    }

    pub async fn restart_server(&mut self) {
        let server = testkit::restart(self.dir.path(), None, self.addr, self.clock.clone()).await;
        self.server = Some(server);
    }

    /// A desk logged in as `username` against `base` (the server or a proxy).
    pub async fn desk(&self, base: &str, username: &str, password: &str) -> Arc<Desk> {
        let desk = Desk::new(base, Arc::new(MemorySecrets::default()));
        let challenge = desk.login(username, password).await.unwrap();
        desk.verify_code(&challenge.challenge_id, &self.code().await)
            .await
            .unwrap();
        Arc::new(desk)
    }

    pub async fn engine(&self, desk: Arc<Desk>, file: &str) -> (Arc<SyncEngine>, Arc<Shown>) {
        let cache = Cache::open(&self.dir.path().join(file)).await.unwrap();
        let shown = Arc::new(Shown::default());
        (Arc::new(SyncEngine::new(desk, cache, shown.clone())), shown)
    }

    /// POSTs JSON without a token (login, operator login) and returns the answer.
    pub async fn post_anonymous(&self, path: &str, body: Value) -> Value {
        let response = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        response.json().await.unwrap()
    }

    pub async fn token(&self, username: &str, password: &str) -> String {
        let login = self
            .post_anonymous("/auth/login", json!({"username": username, "password": password}))
            .await;
        let code = self.code().await;
        let tokens = self
            .post_anonymous(
                "/auth/verify",
                json!({"challenge_id": login["challenge_id"], "code": code}),
            )
            .await;
        tokens["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn ops_token(&self) -> String {
        self.ops_token
            .get_or_init(|| async {
                let session = self
                    .post_anonymous("/ops/login", testkit::demo_operator_login(&self.clock))
                    .await;
                session["access_token"].as_str().unwrap().to_owned()
            })
            .await
            .clone()
    }

    pub async fn get(&self, path: &str, token: &str) -> Value {
        let response = self.http.get(self.url(path)).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Every item of a paged list, as the server has it.
    pub async fn all(&self, path: &str, token: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut page = self.get(path, token).await;
        loop {
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            let Some(cursor) = page["next_cursor"].as_str() else {
                return items;
            };
            page = self.get(&format!("{path}&cursor={cursor}"), token).await;
        }
    }
}

/// The demo customer logged in on a fresh desktop, first sync done.
pub async fn logged_in(f: &Fixture) -> DeskApp {
    logged_in_as(f, demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await
}

/// A customer logged in on a fresh desktop, first sync done.
pub async fn logged_in_as(f: &Fixture, username: &str, password: &str) -> DeskApp {
    logged_in_showing(f, username, password, Arc::new(Shown::default())).await
}

/// A customer logged in, the desktop's notices kept in `shown`.
pub async fn logged_in_showing(f: &Fixture, username: &str, password: &str, shown: Arc<Shown>) -> DeskApp {
    let desk = Desk::new(&f.base(), Arc::new(MemorySecrets::default()));
    let app = DeskApp::new(desk, f.dir.path().join("desk"), shown);
    let challenge = app.login(username, password).await.unwrap();
    app.verify_code(&challenge.challenge_id, &f.code().await).await.unwrap();
    for _ in 0..1_200 {
        let status = app.sync_view().await.status;
        if status.last_sync.is_some() && status.progress.is_none() {
            return app;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the first sync did not end in 60 s");
}

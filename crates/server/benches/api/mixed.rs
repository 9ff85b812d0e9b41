//! The mixed load on two instances behind one PostgreSQL, beside a trivial
//! handler on the same servers.

use super::*;

/// Users for the login part of the mixed load: each account may try ten
/// logins a minute, so the load spreads its logins over several.
const LOGIN_USERS: usize = 40;
const LOGIN_PASSWORD: &str = "pioggia di novembre 2026";

/// A mixed load on two instances behind one PostgreSQL, each with its own
/// data folder: lists and pages, the home and the bell, downloads of a file
/// stored in the database, new requests (writes with their audit row,
/// e-mail and change-feed entry) and logins (a password check each), sent
/// alternately to either instance from addresses behind a trusted proxy.
/// Beside it, the same clients on a trivial handler (`/health`) of the same
/// two servers: the ratio holds on a noisy machine.
pub(crate) async fn mixed_load(a: &sportello_server::RunningServer, token: &str) {
    let dir_b = tempfile::tempdir().unwrap();
    let mut config = (*a.state.config).clone();
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.data_dir = dir_b.path().to_path_buf();
    let b = sportello_server::start(AppState::open(config, Clock::default()).await.unwrap())
        .await
        .unwrap();
    let bases = [format!("{}/api/v1", a.base_url()), format!("{}/api/v1", b.base_url())];
    let logins = login_users(&a.state).await;
    let http = reqwest::Client::new();
    let file: Value = http
        .post(format!("{}/attachments?name=contratto.pdf", bases[0]))
        .bearer_auth(token)
        .body(bench_pdf(200_000))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let file = file["id"].as_str().unwrap().to_owned();
    analyze(&a.state.config.database_url()).await;
    let trivial = drive(&http, &bases, |_| Call::Read("/health"), token).await;
    let mixed = drive(&http, &bases, |i| mixed_call(i, &file, &logins), token).await;
    for (label, figures) in [
        ("trivial handler (/health), baseline", &trivial),
        ("mixed load", &mixed),
    ] {
        println!(
            "two instances, {label}: {} requests in {} s from {MIXED_CLIENTS} clients = {:.0} requests/s; p50 {:.1} ms, p99 {:.1} ms",
            figures.count,
            LOAD_FOR.as_secs(),
            figures.per_second(),
            figures.p50_ms,
            figures.p99_ms
        );
    }
    println!("mix: {}", mixed.mix());
    Figure {
        name: "mixed load (logins, lists, requests, downloads), two instances behind one PostgreSQL",
        ours: throughput(mixed.per_second(), mixed.p99_ms),
        baseline: throughput(trivial.per_second(), trivial.p99_ms),
        ratio: mixed.per_second() / trivial.per_second().max(1e-6),
        target: "≥ 2,000 req/s, p99 ≤ 50 ms",
    }
    .record();
    b.shutdown().await;
}

/// The statistics a running server's autovacuum keeps: the earlier parts
/// of the bench grew tables (requests, notifications, idempotency keys) that
/// the fleet's load had left nearly empty, and a plan made for an empty
/// table (a scan of the requests for each notification) is not what a
/// company's server runs.
async fn analyze(database_url: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
    sqlx::query("ANALYZE").execute(&mut conn).await.unwrap();
}

async fn login_users(state: &AppState) -> Vec<String> {
    let fleet = state.store.user_by_username(FLEET_USERNAME).await.unwrap().unwrap();
    let hash = sportello_server::passwords::hash(LOGIN_PASSWORD);
    let mut names = Vec::new();
    for n in 0..LOGIN_USERS {
        let username = format!("bench-login-{n}");
        let user = sportello_server::store::users::NewUser {
            customer_id: fleet.customer_id,
            username: &username,
            password_hash: &hash,
            display_name: "Bench",
            email: "bench@example.it",
            language: "it",
        };
        state.store.insert_user(&user, state.clock.now_ms()).await.unwrap();
        names.push(username);
    }
    names
}

fn bench_pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((0..size - bytes.len()).map(|i| (i % 251) as u8));
    bytes
}

#[derive(Clone)]
enum Call {
    Read(&'static str),
    Download(String),
    Login(String),
    NewRequest,
}

impl Call {
    fn kind(&self) -> &'static str {
        match self {
            Call::Read(path) => path,
            Call::Download(_) => "download",
            Call::Login(_) => "login",
            Call::NewRequest => "new request",
        }
    }
}

/// The i-th call of a client: one login in 300, a new request in 20, a
/// download in 10, and reads (lists, pages, the home, the bell) for the rest.
fn mixed_call(i: usize, file: &str, logins: &[String]) -> Call {
    const READS: [&str; 5] = [
        "/schedule?limit=50",
        "/invoices?limit=50",
        "/contracts?limit=20",
        "/home",
        "/notifications",
    ];
    match i {
        i if i % 300 == 7 => Call::Login(logins[(i / 300) % logins.len()].clone()),
        i if i % 20 == 3 => Call::NewRequest,
        i if i % 10 == 5 => Call::Download(format!("/attachments/{file}")),
        i => Call::Read(READS[i % READS.len()]),
    }
}

struct Figures {
    count: usize,
    p50_ms: f64,
    p99_ms: f64,
    /// Each kind of call's latencies, sorted.
    kinds: std::collections::BTreeMap<&'static str, Vec<Duration>>,
}

impl Figures {
    fn per_second(&self) -> f64 {
        self.count as f64 / LOAD_FOR.as_secs_f64()
    }

    /// How many of each kind, with their p50 and p99.
    fn mix(&self) -> String {
        let parts: Vec<String> = self
            .kinds
            .iter()
            .map(|(k, took)| {
                format!(
                    "{} {k} (p50 {:.1} ms, p99 {:.1} ms)",
                    took.len(),
                    percentile(took, 0.50),
                    percentile(took, 0.99)
                )
            })
            .collect();
        parts.join(", ")
    }
}

/// `MIXED_CLIENTS` clients sending `call(i)` alternately to the two instances for
/// `LOAD_FOR`; every answer must be a success.
async fn drive(http: &reqwest::Client, bases: &[String; 2], call: impl Fn(usize) -> Call, token: &str) -> Figures {
    let deadline = Instant::now() + LOAD_FOR;
    let call = &call;
    let sent = futures_util::future::join_all((0..MIXED_CLIENTS).map(|worker| async move {
        let mut seen = Vec::new();
        let mut i = worker;
        while Instant::now() < deadline {
            let what = call(i);
            let base = &bases[i % 2];
            let started = Instant::now();
            let response = match &what {
                Call::Read(path) => http.get(format!("{base}{path}")).bearer_auth(token).send().await,
                Call::Download(path) => http.get(format!("{base}{path}")).bearer_auth(token).send().await,
                Call::Login(username) => {
                    http.post(format!("{base}/auth/login"))
                        .header(
                            "X-Forwarded-For",
                            format!("10.{}.{}.{}", i % 250, (i / 250) % 250, worker + 1),
                        )
                        .json(&serde_json::json!({"username": username, "password": LOGIN_PASSWORD}))
                        .send()
                        .await
                }
                Call::NewRequest => http
                    .post(format!("{base}/requests"))
                    .bearer_auth(token)
                    .header("Idempotency-Key", format!("bench-{worker}-{i}"))
                    .json(
                        &serde_json::json!({"kind": "free", "type_code": "other", "message": format!("Richiesta {i}")}),
                    )
                    .send()
                    .await,
            }
            .unwrap();
            let status = response.status();
            let _ = response.bytes().await.unwrap();
            assert!(status.is_success(), "{} answered {status}", what.kind());
            seen.push((what.kind(), started.elapsed()));
            i += MIXED_CLIENTS;
        }
        seen
    }))
    .await;
    let mut kinds: std::collections::BTreeMap<&'static str, Vec<Duration>> = std::collections::BTreeMap::new();
    let mut all: Vec<Duration> = Vec::new();
    for (kind, took) in sent.into_iter().flatten() {
        kinds.entry(kind).or_default().push(took);
        all.push(took);
    }
    all.sort();
    kinds.values_mut().for_each(|took| took.sort());
    Figures {
        count: all.len(),
        p50_ms: percentile(&all, 0.50),
        p99_ms: percentile(&all, 0.99),
        kinds,
    }
}

/// The `p` quantile of sorted latencies, in milliseconds.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

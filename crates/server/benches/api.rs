//! `make bench`: figures for the leasing book's API on SQLite and PostgreSQL.
//! Seeds the fleet profile, then drives the schedule list from concurrent
//! clients on 127.0.0.1 for a bounded time. Prints; asserts nothing.

use serde_json::Value;
use sportello_server::bench::{thousands, throughput, Figure};
use sportello_server::fleet::{seed_fleet, FLEET_PASSWORD, FLEET_USERNAME};
use sportello_server::{demo, testkit, AppState, Clock, Config};
use std::time::{Duration, Instant};

#[path = "api/mixed.rs"]
mod mixed;
use mixed::mixed_load;

const CONTRACTS: u32 = 1_000;
const CLIENTS: usize = 8;
/// The two instances' clients. The machine is saturated at this many: more
/// (32 tried) add queueing to the p99 and nothing to the throughput.
const MIXED_CLIENTS: usize = 8;
const LOAD_FOR: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() {
    let mut engines = vec![("SQLite", None)];
    match std::env::var("SPORTELLO_BENCH_POSTGRES_URL") {
        Ok(url) => engines.push(("PostgreSQL", Some(url))),
        Err(_) => println!("(PostgreSQL skipped: SPORTELLO_BENCH_POSTGRES_URL is not set; `make bench` sets it)"),
    }
    if only_two_instances() {
        engines.retain(|(_, url)| url.is_some());
    }
    for (name, admin_url) in engines {
        bench_engine(name, admin_url).await;
    }
}

/// `SPORTELLO_BENCH_PART=two-instances`: only the PostgreSQL figures of two
/// instances (event delivery, the mixed load), for a quicker run.
fn only_two_instances() -> bool {
    part().is_some_and(|p| p == "two-instances")
}

/// `SPORTELLO_BENCH_PART=lists` (or any part): without the book import's
/// figures, the longest part of the run.
fn part() -> Option<String> {
    std::env::var("SPORTELLO_BENCH_PART").ok()
}

/// The same size of book loaded as the company would send it (a feed file,
/// checked and applied in one transaction), beside the bulk seed above as the
/// baseline, then sent again (every record unchanged).
async fn import_figures(engine: &str, state: &AppState, clock: &Clock, bulk: Duration, bulk_lines: usize) {
    use sportello_server::audit::Origin;
    use sportello_server::book::{files::Format, import, sample};
    let records = sample::records("30700", CONTRACTS, 42, clock.today());
    let text = sample::json_lines(&records);
    for pass in ["first load", "same file again"] {
        let started = Instant::now();
        let report = import(state, &Origin::cli(), "fleet.jsonl", &text, Format::JsonLines, false)
            .await
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        let took = started.elapsed();
        let rate = f64::from(report.records) / took.as_secs_f64();
        let bulk_rate = bulk_lines as f64 / bulk.as_secs_f64();
        println!(
            "book import, {pass}: {} records ({} MiB) in {:.2} s; {} created, {} unchanged",
            report.records,
            text.len() / (1024 * 1024),
            took.as_secs_f64(),
            report.created,
            report.unchanged,
        );
        Figure {
            name: &format!(
                "book feed import, {pass} ({} records), {engine}",
                thousands(f64::from(report.records))
            ),
            ours: format!("{} records/s", thousands(rate)),
            baseline: format!("{} rows/s (bulk seed)", thousands(bulk_rate)),
            ratio: rate / bulk_rate,
            target: "—",
        }
        .record();
    }
}

/// This run's own database on the bench's PostgreSQL.
fn bench_database() -> String {
    format!("sportello_bench_{}", std::process::id())
}

async fn fresh_postgres(admin: &str) -> String {
    use sqlx::Connection;
    let name = bench_database();
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}

/// Drops this run's database, so runs do not pile up in the cluster.
async fn drop_postgres(admin: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", bench_database()))
        .execute(&mut conn)
        .await
        .unwrap();
}

async fn bench_engine(name: &str, admin_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::in_dir(dir.path());
    // The mixed load's logins come from many addresses, as behind a load balancer.
    config.trusted_proxies = "127.0.0.1".into();
    if let Some(admin) = &admin_url {
        config.database_url = fresh_postgres(admin).await;
    }
    let clock = Clock::default();
    let state = AppState::open(config, clock.clone()).await.unwrap();
    demo::seed(&state.store, clock.today(), clock.now_ms()).await.unwrap();
    let started = Instant::now();
    let summary = seed_fleet(&state.store, clock.today(), CONTRACTS, 42, clock.now_ms())
        .await
        .unwrap();
    let seed_time = started.elapsed();
    println!("\n== {name}");
    println!(
        "fleet seed: {} contracts, {} schedule rows, {} invoices in {:.2} s",
        summary.contracts,
        summary.schedule_rows,
        summary.invoices,
        seed_time.as_secs_f64()
    );

    if part().is_none() {
        import_figures(name, &state, &clock, seed_time, summary.schedule_rows).await;
    }

    let server = sportello_server::start(state).await.unwrap();
    let base = format!("{}/api/v1", server.base_url());
    let http = reqwest::Client::new();
    let token = log_in(&http, &server, FLEET_USERNAME, FLEET_PASSWORD).await;

    for limit in [50, 500] {
        let body = http
            .get(format!("{base}/schedule?limit={limit}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        println!("schedule page of {limit} rows: {} bytes of JSON", body.len());
    }
    // Pages spread over the whole schedule: collect cursors first.
    let mut cursors = vec![String::new()];
    let mut page: Value = http
        .get(format!("{base}/schedule?limit=50"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    while let Some(cursor) = page["next_cursor"].as_str().map(str::to_owned) {
        if cursors.len() >= 200 {
            break;
        }
        cursors.push(format!("&cursor={cursor}"));
        page = http
            .get(format!("{base}/schedule?limit=50&cursor={cursor}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    }
    list_figures(name, &http, &base, &token, &cursors).await;
    if admin_url.is_some() {
        two_instance_delivery(&server, &base, &token).await;
        // The mixed load is a customer of a usual size's (the demo's few
        // contracts); the fleet's lists are measured above.
        let demo = log_in(&http, &server, demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
        mixed_load(&server, &demo).await;
    }
    server.shutdown().await;
    if let Some(admin) = &admin_url {
        drop_postgres(admin).await;
    }
}

/// An access token for `username`, through both steps of the login.
async fn log_in(
    http: &reqwest::Client,
    server: &sportello_server::RunningServer,
    username: &str,
    password: &str,
) -> String {
    let base = format!("{}/api/v1", server.base_url());
    let challenge: Value = http
        .post(format!("{base}/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tokens: Value = http
        .post(format!("{base}/auth/verify"))
        .json(&serde_json::json!({"challenge_id": challenge["challenge_id"], "code": testkit::code_sent(&server.state).await}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// A change written through one instance, timed to an event stream on the
/// same instance (the baseline) and on a second instance behind the same
/// PostgreSQL, which only its `LISTEN` can wake (its poll is turned off).
async fn two_instance_delivery(a: &sportello_server::RunningServer, base_a: &str, token: &str) {
    use sportello_server::audit::Origin;
    let mut config = (*a.state.config).clone();
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.feed_poll_ms = 600_000;
    let b = sportello_server::start(AppState::open(config, Clock::default()).await.unwrap())
        .await
        .unwrap();
    let base_b = format!("{}/api/v1", b.base_url());
    let mut same = Stream::open(base_a, token).await;
    let mut other = Stream::open(&base_b, token).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut near, mut far) = (Vec::new(), Vec::new());
    for n in 0..30 {
        let sent = Instant::now();
        let (text, origin) = (format!("Avviso {n}"), Origin::cli());
        let broadcast = sportello_server::notifications::broadcast(&a.state, &origin, "Avviso", &text);
        sportello_server::store::unit::scope(None, broadcast).await.0.unwrap();
        let written = sent.elapsed();
        same.next_change().await;
        near.push(sent.elapsed() - written);
        other.next_change().await;
        far.push(sent.elapsed() - written);
    }
    let (near, far) = (median(&mut near), median(&mut far));
    Figure {
        name: "a change to the event stream of another instance (LISTEN/NOTIFY), median of 30",
        ours: format!("{:.1} ms", far * 1000.0),
        baseline: format!("{:.1} ms (same instance)", near * 1000.0),
        ratio: far / near.max(1e-6),
        target: "—",
    }
    .record();
    b.shutdown().await;
}

fn median(d: &mut [Duration]) -> f64 {
    d.sort();
    d[d.len() / 2].as_secs_f64()
}

/// A customer's `/events` stream, read one change at a time.
struct Stream {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl Stream {
    async fn open(base: &str, token: &str) -> Stream {
        let response = reqwest::Client::new()
            .get(format!("{base}/events"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        Stream {
            body: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    async fn next_change(&mut self) {
        use futures_util::StreamExt;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if block.lines().any(|l| l == "event: change") {
                    return;
                }
            }
            let chunk = self.body.next().await.expect("the stream stays open").unwrap();
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// `CLIENTS` clients reading `path(i)` for `LOAD_FOR`: (requests/s, p50 ms, p99 ms).
async fn load(http: &reqwest::Client, base: &str, token: &str, path: impl Fn(usize) -> String) -> (f64, f64, f64) {
    let deadline = Instant::now() + LOAD_FOR;
    let path = &path;
    let sent = futures_util::future::join_all((0..CLIENTS).map(|worker| async move {
        let mut latencies = Vec::new();
        let mut i = worker;
        while Instant::now() < deadline {
            let sent = Instant::now();
            let response = http
                .get(format!("{base}{}", path(i)))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            let _ = response.bytes().await.unwrap();
            latencies.push(sent.elapsed());
            i += CLIENTS;
        }
        latencies
    }))
    .await;
    let mut all: Vec<Duration> = sent.into_iter().flatten().collect();
    all.sort();
    let rate = all.len() as f64 / LOAD_FOR.as_secs_f64();
    (rate, mixed::percentile(&all, 0.50), mixed::percentile(&all, 0.99))
}

/// The fleet's schedule list, pages spread over the whole schedule, beside
/// a trivial handler of the same server driven by the same clients.
async fn list_figures(engine: &str, http: &reqwest::Client, base: &str, token: &str, cursors: &[String]) {
    let trivial = load(http, base, token, |_| "/health".into()).await;
    let list = load(http, base, token, |i| {
        format!("/schedule?limit=50{}", cursors[i % cursors.len()])
    })
    .await;
    for (label, (rate, p50, p99)) in [("trivial handler (/health)", trivial), ("schedule list", list)] {
        println!("{label}: {rate:.0} requests/s from {CLIENTS} clients; p50 {p50:.1} ms, p99 {p99:.1} ms");
    }
    Figure {
        name: &format!("schedule list, 50 rows a page, fleet customer, {engine}"),
        ours: throughput(list.0, list.2),
        baseline: throughput(trivial.0, trivial.2),
        ratio: list.0 / trivial.0,
        target: "≥ 5,000 req/s, p99 ≤ 20 ms",
    }
    .record();
}

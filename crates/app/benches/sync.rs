//! `make bench`: the desktop sync on the fleet profile (1,000 contracts since
//! 2008) against a server on 127.0.0.1 (SQLite): first sync time and rows/s,
//! idle resync time, cache ingest rows/s, and memory. Prints; asserts nothing.

mod support;

use chrono::Utc;
use sportello_app::cache::Cache;
use sportello_app::secrets::MemorySecrets;
use sportello_app::sync::SyncEngine;
use sportello_app::Desk;
use sportello_server::{fleet, testkit};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{memory, Quiet};

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (server, clock) = testkit::demo_server(dir.path(), None).await;
    fleet::seed_fleet(&server.state.store, clock.today(), 1_000, 42, clock.now_ms())
        .await
        .unwrap();
    let desk = Desk::new(&server.base_url(), Arc::new(MemorySecrets::default()));
    let challenge = desk.login(fleet::FLEET_USERNAME, fleet::FLEET_PASSWORD).await.unwrap();
    desk.verify_code(&challenge.challenge_id, &testkit::latest_code(dir.path()))
        .await
        .unwrap();
    let cache = Cache::open(&dir.path().join("fleet.db")).await.unwrap();
    let engine = SyncEngine::new(Arc::new(desk), cache.clone(), Arc::new(Quiet));

    let rss_before = memory("VmRSS:");
    let started = Instant::now();
    engine.sync_once().await.unwrap();
    let first = started.elapsed();
    let rows = cache.meta("first_sync.rows").await.unwrap().unwrap_or_default();
    let rows: f64 = rows.parse().unwrap_or(f64::NAN);
    println!("\n== desktop sync, fleet profile (1,000 contracts), server and app in one process");
    println!(
        "first sync: {rows:.0} rows in {:.2} s = {:.0} rows/s",
        first.as_secs_f64(),
        rows / first.as_secs_f64()
    );
    println!(
        "memory: RSS {rss_before:.0} MiB before, peak {:.0} MiB (VmHWM, server included)",
        memory("VmHWM:")
    );

    let mut idle: Vec<Duration> = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let round = engine.sync_once().await.unwrap();
        idle.push(started.elapsed());
        assert!(round.not_modified || round.changes == 0);
    }
    idle.sort();
    println!(
        "idle resync (304): median {:.1} ms, max {:.1} ms over 20",
        ms(idle[10]),
        ms(idle[19])
    );

    let schedule = cache.schedule().await.unwrap();
    let target = Cache::open(&dir.path().join("ingest.db")).await.unwrap();
    let started = Instant::now();
    for page in schedule.chunks(500) {
        let mut ingest = target.begin().await.unwrap();
        ingest.schedule(page).await.unwrap();
        ingest.commit().await.unwrap();
    }
    let took = started.elapsed();
    println!(
        "cache ingest: {} schedule rows in pages of 500 in {:.2} s = {:.0} rows/s",
        schedule.len(),
        took.as_secs_f64(),
        schedule.len() as f64 / took.as_secs_f64()
    );
    let file = std::fs::metadata(dir.path().join("fleet.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "cache file: {:.1} MiB ({})",
        file as f64 / 1_048_576.0,
        Utc::now().date_naive()
    );
    server.shutdown().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

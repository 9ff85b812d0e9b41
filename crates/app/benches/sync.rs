//! `make bench`: the desktop sync on the fleet profile (1,000 contracts since
//! 2008) against a server on 127.0.0.1 (SQLite): first sync time and rows/s,
//! idle resync time, cache ingest rows/s, memory, and how long a collection
//! the company sends takes to reach the copy. Prints; asserts nothing.

mod support;

use chrono::Utc;
use sportello_app::cache::Cache;
use sportello_app::notifier::{Notice, Notifier, OpenTarget};
use sportello_app::secrets::MemorySecrets;
use sportello_app::sync::{SyncEngine, ROWS_PER_COMMIT};
use sportello_app::Desk;
use sportello_domain::api::schedule::ScheduleItem;
use sportello_server::bench::{thousands, Figure};
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
    let desk = Arc::new(Desk::new(&server.base_url(), Arc::new(MemorySecrets::default())));
    let challenge = desk.login(fleet::FLEET_USERNAME, fleet::FLEET_PASSWORD).await.unwrap();
    desk.verify_code(&challenge.challenge_id, &testkit::code_sent(&server.state).await)
        .await
        .unwrap();
    let cache = Cache::open(&dir.path().join("fleet.db")).await.unwrap();
    let engine = SyncEngine::new(desk.clone(), cache.clone(), Arc::new(Quiet));

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
    let baseline = raw_inserts(&dir.path().join("raw.db"), &schedule).await;
    let target = Cache::open(&dir.path().join("ingest.db")).await.unwrap();
    // As the first sync writes them: a transaction per ROWS_PER_COMMIT
    // rows, each batch in key order (the copy hands them out by due date).
    let batches: Vec<Vec<ScheduleItem>> = schedule
        .chunks(ROWS_PER_COMMIT)
        .map(|batch| {
            let mut batch = batch.to_vec();
            batch.sort_by_key(|i| i.id);
            batch
        })
        .collect();
    let started = Instant::now();
    for batch in &batches {
        let mut ingest = target.begin().await.unwrap();
        ingest.schedule(batch).await.unwrap();
        ingest.commit().await.unwrap();
    }
    let took = started.elapsed();
    let rows_per_s = |d: Duration| schedule.len() as f64 / d.as_secs_f64();
    Figure {
        name: &format!(
            "cache ingest, {} schedule rows in the first sync's transactions of {}",
            thousands(schedule.len() as f64),
            thousands(ROWS_PER_COMMIT as f64)
        ),
        ours: format!("{} rows/s", thousands(rows_per_s(took))),
        baseline: format!(
            "{} rows/s (plain INSERT loop, one transaction)",
            thousands(rows_per_s(baseline))
        ),
        ratio: baseline.as_secs_f64() / took.as_secs_f64(),
        target: "≥ 500,000 rows/s",
    }
    .record();
    Figure {
        name: &format!("first sync, fleet profile ({} rows) over 127.0.0.1", thousands(rows)),
        ours: format!(
            "{:.2} s = {} rows/s",
            first.as_secs_f64(),
            thousands(rows / first.as_secs_f64())
        ),
        baseline: format!(
            "{:.2} s (the same number of rows, plain INSERT loop)",
            baseline.as_secs_f64() * rows / schedule.len() as f64
        ),
        ratio: first.as_secs_f64() / (baseline.as_secs_f64() * rows / schedule.len() as f64),
        target: "≤ 2 s (≥ 90,000 rows/s)",
    }
    .record();
    let file = std::fs::metadata(dir.path().join("fleet.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "cache file: {:.1} MiB ({})",
        file as f64 / 1_048_576.0,
        Utc::now().date_naive()
    );
    book_delivery(&server, desk, cache).await;
    server.shutdown().await;
}

/// Tells the benchmark when a notice is shown, and what it opens.
struct Arrivals(tokio::sync::mpsc::UnboundedSender<OpenTarget>);

impl Notifier for Arrivals {
    fn show(&self, notice: Notice) {
        let _ = self.0.send(notice.open);
    }
}

/// A collection the company sends, timed from its import's commit to the
/// desktop's notice of it (by then the line is paid in the copy), with the
/// desktop following the event stream as the app does; beside it, as the
/// baseline, a company broadcast on the same path.
async fn book_delivery(server: &sportello_server::RunningServer, desk: Arc<Desk>, cache: Cache) {
    use sportello_domain::book::{BookRecord, CollectionRecord};
    use sportello_server::audit::Origin;
    use sportello_server::book::sample;
    let state = &server.state;
    let today = state.clock.today();
    let import = |records: Vec<BookRecord>| async move {
        let text = sample::json_lines(&records);
        let format = sportello_server::book::files::Format::JsonLines;
        sportello_server::book::import(state, &Origin::cli(), "feed.jsonl", &text, format, false)
            .await
            .map_err(|e| format!("{e:?}"))
            .unwrap();
    };
    let records: Vec<BookRecord> = sample::records(fleet::FLEET_USERNAME, 3, 9, today)
        .into_iter()
        .filter(|r| !matches!(r, BookRecord::Customer(_)))
        .collect();
    import(records.clone()).await;
    let (shown, mut arrivals) = tokio::sync::mpsc::unbounded_channel();
    let engine = Arc::new(SyncEngine::new(desk, cache, Arc::new(Arrivals(shown))));
    engine.sync_once().await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(engine.clone().run(stopped));
    tokio::time::sleep(Duration::from_millis(500)).await;
    while arrivals.try_recv().is_ok() {}
    let (mut baseline, mut collections) = (Vec::new(), Vec::new());
    for (n, line) in sample::lines_to_come(&records, today).into_iter().take(10).enumerate() {
        let sent = Instant::now();
        let (origin, text) = (Origin::cli(), format!("Avviso {n}"));
        let broadcast = sportello_server::notifications::broadcast(state, &origin, "Avviso", &text);
        sportello_server::store::unit::scope(None, broadcast).await.0.unwrap();
        let committed = sent.elapsed();
        arrivals.recv().await.unwrap();
        baseline.push(sent.elapsed() - committed);
        let collection = BookRecord::Collection(CollectionRecord {
            reference: format!("BENCH-{n}"),
            line: line.reference.clone(),
            amount: line.amount,
            collected_on: today,
            method: line.payment_method,
            deleted: false,
        });
        let sent = Instant::now();
        import(vec![collection]).await;
        let committed = sent.elapsed();
        while arrivals.recv().await.unwrap() != OpenTarget::Payments {}
        collections.push(sent.elapsed() - committed);
    }
    let _ = stop.send(true);
    let _ = running.await;
    baseline.sort();
    collections.sort();
    let (base, took) = (baseline[baseline.len() / 2], collections[collections.len() / 2]);
    println!(
        "collection to the desktop's copy, after the import committed: median {:.0} ms, max {:.0} ms over {} \
         (target 2,000 ms); a broadcast on the same path {:.0} ms (baseline), ratio {:.1}x",
        ms(took),
        ms(*collections.last().unwrap()),
        collections.len(),
        ms(base),
        ms(took) / ms(base).max(0.001)
    );
}

/// The baseline for storing rows: the schedule's columns written by a plain
/// `INSERT` loop in one transaction (the JSON bodies made beforehand), with
/// the same driver and the same SQLite settings as the cache.
async fn raw_inserts(path: &std::path::Path, items: &[ScheduleItem]) -> Duration {
    use sqlx::{Connection, Executor};
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
    conn.execute(
        "CREATE TABLE schedule (id INTEGER PRIMARY KEY, contract_id INTEGER, due_on TEXT, status TEXT,
         amount_cents INTEGER, paid_cents INTEGER, advance INTEGER, body TEXT)",
    )
    .await
    .unwrap();
    let bodies: Vec<String> = items.iter().map(|i| serde_json::to_string(i).unwrap()).collect();
    let started = Instant::now();
    let mut tx = conn.begin().await.unwrap();
    for (i, body) in items.iter().zip(bodies) {
        sqlx::query("INSERT INTO schedule VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(i.id)
            .bind(i.contract_id)
            .bind(i.due_on.to_string())
            .bind(i.status.as_str())
            .bind(i.amount.cents())
            .bind(i.paid.cents())
            .bind(0_i64)
            .bind(body)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    started.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

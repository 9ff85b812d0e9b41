//! The fleet profile in the real window: its whole schedule scrolls with a
//! bounded number of DOM nodes. `make bench` runs the ignored benchmark
//! below in release: start-up time to the painted home page from a warm
//! cache, and the memory of every app process.

use super::harness::{click, wait_for, wait_for_within, Harness};
use super::{log_in_as, serial};
use sportello_server::fleet::{seed_fleet, FleetSummary, FLEET_PASSWORD, FLEET_USERNAME};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

async fn seeded(h: &Harness, contracts: u32) -> FleetSummary {
    let state = h.state();
    seed_fleet(&state.store, state.clock.today(), contracts, 42, state.clock.now_ms())
        .await
        .unwrap()
}

async fn first_sync_done(driver: &WebDriver) {
    wait_for_within(
        driver,
        "main[data-last-sync]:not([data-last-sync=''])",
        Duration::from_secs(600),
    )
    .await;
}

async fn dom_nodes(driver: &WebDriver) -> u64 {
    driver
        .execute("return document.getElementsByTagName('*').length;", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap()
}

/// Scrolls the schedule from top to bottom a screenful at a time; answers
/// the most DOM nodes seen and the last row's due date.
/// Scrolls to the bottom; returns the most DOM nodes seen and the last row shown once
/// it is `expected` (or whatever is last when 20 s ran out).
async fn scroll_schedule_to_the_end(driver: &WebDriver, expected: &str) -> (u64, String) {
    let mut most = dom_nodes(driver).await;
    loop {
        let at_end: bool = driver
            .execute(
                "const b = document.querySelector('[data-testid=schedule] [role=rowgroup][tabindex]');
                 b.scrollTop += b.clientHeight * 4;
                 return b.scrollTop + b.clientHeight >= b.scrollHeight - 1;",
                vec![],
            )
            .await
            .unwrap()
            .convert()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        most = most.max(dom_nodes(driver).await);
        if at_end {
            break;
        }
    }
    // The last page arrives from the cache; then the last row shows the oldest line.
    // A reload of the window (a sync round) may land in between: keep at the end until it shows.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let last: Option<String> = driver
            .execute(
                "const rows = [...document.querySelectorAll('[data-testid=schedule-row]')];
                 const last = rows.sort((a, b) => a.getAttribute('aria-rowindex') - b.getAttribute('aria-rowindex')).pop();
                 return last && last.querySelector('[role=cell]') ? last.getAttribute('aria-rowindex') : null;",
                vec![],
            )
            .await
            .unwrap()
            .convert()
            .unwrap();
        match last {
            Some(index) if index == expected || Instant::now() >= deadline => return (most, index),
            _ => {}
        }
        assert!(Instant::now() < deadline, "the last rows never arrived");
        driver
            .execute(
                "const b = document.querySelector('[data-testid=schedule] [role=rowgroup][tabindex]'); b.scrollTop = b.scrollHeight;",
                vec![],
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fleet_schedule_scrolls_to_its_end_with_a_bounded_dom() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let fleet = seeded(&h, 150).await;
    let driver = h.launch().await;
    log_in_as(&h, &driver, FLEET_USERNAME, FLEET_PASSWORD).await;
    first_sync_done(&driver).await;
    click(&driver, "[data-testid=nav-payments]").await;
    let table = wait_for(&driver, "[data-testid=schedule]:not([data-total=''])").await;
    assert_eq!(
        table.attr("data-total").await.unwrap().unwrap(),
        fleet.schedule_rows.to_string(),
        "every line of the server's schedule"
    );
    // aria-rowindex counts the header as row 1.
    let expected = (fleet.schedule_rows + 1).to_string();
    let (most, last_index) = scroll_schedule_to_the_end(&driver, &expected).await;
    assert!(
        most <= 1_500,
        "{most} DOM nodes while scrolling {} rows",
        fleet.schedule_rows
    );
    assert_eq!(last_index, expected, "the last row is reachable");
    driver.quit().await.unwrap();
}

/// Process ids of the app and everything it started (WebKit's web and network processes).
fn app_processes() -> Vec<u32> {
    let parents: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let name = stat[stat.find('(')? + 1..stat.rfind(')')?].to_owned();
            let ppid = stat[stat.rfind(')')? + 2..].split(' ').nth(1)?.parse().ok()?;
            Some((pid, ppid, name))
        })
        .collect();
    let mut found: Vec<u32> = parents
        .iter()
        .filter(|(_, _, n)| n == "sportello")
        .map(|(p, _, _)| *p)
        .collect();
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|(_, pp, _)| *pp == parent).map(|(p, _, _)| *p));
        i += 1;
    }
    found
}

/// Proportional set size of the app's processes together, in MiB, and each one's.
fn pss_mib() -> (f64, String) {
    let mut total = 0;
    let mut each = Vec::new();
    for pid in app_processes() {
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let kib: u64 = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|l| l.starts_with("Pss:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0);
        total += kib;
        each.push(format!("{} {:.1}", name.trim(), kib as f64 / 1024.0));
    }
    (total as f64 / 1024.0, each.join(", "))
}

/// When the `sportello` process started, in ms since the epoch (from /proc, 10 ms ticks).
fn app_started_ms() -> f64 {
    let pid = app_processes()[0];
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let ticks: f64 = stat[stat.rfind(')').unwrap() + 2..]
        .split(' ')
        .nth(19)
        .unwrap()
        .parse()
        .unwrap();
    let boot: f64 = std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())
        .unwrap();
    // USER_HZ is 100 on Linux.
    (boot + ticks / 100.0) * 1000.0
}

async fn painted_at(driver: &WebDriver) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mark: Option<f64> = driver
            .execute("return window.sportelloHomePaintedAt ?? null;", vec![])
            .await
            .unwrap()
            .convert()
            .unwrap();
        if let Some(mark) = mark {
            return mark;
        }
        assert!(Instant::now() < deadline, "the home page never painted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Empties the kernel's page cache so the next start reads everything from disk.
fn drop_file_cache() -> bool {
    let _ = std::process::Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: `make bench` runs it in release"]
async fn bench_start_up_and_memory_on_the_fleet() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let fleet = seeded(&h, 1_000).await;
    let driver = h.launch().await;
    log_in_as(&h, &driver, FLEET_USERNAME, FLEET_PASSWORD).await;
    first_sync_done(&driver).await;
    driver.quit().await.unwrap();

    // Cold: the operating system's file cache emptied before each start (needs root).
    let mut cold_ms = Vec::new();
    for _ in 0..5 {
        if !drop_file_cache() {
            break;
        }
        let driver = h.launch().await;
        cold_ms.push(painted_at(&driver).await - app_started_ms());
        driver.quit().await.unwrap();
    }
    let (mut start_ms, mut page_ms) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let driver = h.launch().await;
        let painted = painted_at(&driver).await;
        start_ms.push(painted - app_started_ms());
        let origin: f64 = driver
            .execute("return performance.timeOrigin;", vec![])
            .await
            .unwrap()
            .convert()
            .unwrap();
        page_ms.push(painted - origin);
        driver.quit().await.unwrap();
    }
    let driver = h.launch().await;
    painted_at(&driver).await;
    first_sync_done(&driver).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let home_pss = pss_mib();
    click(&driver, "[data-testid=nav-payments]").await;
    wait_for(&driver, "[data-testid=schedule]:not([data-total=''])").await;
    let (most_nodes, _) = scroll_schedule_to_the_end(&driver, &(fleet.schedule_rows + 1).to_string()).await;
    let scrolled_pss = pss_mib();
    println!(
        "fleet: {} schedule rows, {} invoices, {} contracts",
        fleet.schedule_rows, fleet.invoices, fleet.contracts
    );
    println!(
        "start-up to the painted home page, warm file cache: median {:.0} ms (runs: {:?})",
        median(start_ms.clone()),
        start_ms.iter().map(|m| m.round() as i64).collect::<Vec<_>>()
    );
    if cold_ms.is_empty() {
        println!("cold start-up: not measured (emptying the file cache needs root)");
    } else {
        println!(
            "start-up to the painted home page, cold file cache: median {:.0} ms (runs: {:?})",
            median(cold_ms.clone()),
            cold_ms.iter().map(|m| m.round() as i64).collect::<Vec<_>>()
        );
    }
    println!(
        "PSS of all app processes: {:.1} MiB on the home page ({}), {:.1} MiB after scrolling the whole schedule ({})",
        home_pss.0, home_pss.1, scrolled_pss.0, scrolled_pss.1
    );
    println!(
        "of which from the page's start to the painted home page: median {:.0} ms",
        median(page_ms)
    );
    println!("most DOM nodes while scrolling: {most_nodes}");
    driver.quit().await.unwrap();
}

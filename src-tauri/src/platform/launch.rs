//! How long ago this process started, for the start-up time in the log.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

static FALLBACK: OnceLock<Instant> = OnceLock::new();

/// Called first thing in `run`: where the operating system cannot tell when the
/// process started, the start-up is counted from here.
pub fn begin() {
    FALLBACK.get_or_init(Instant::now);
}

/// Time since the process was created: on Linux from /proc (which includes loading
/// GTK and WebKit before `main`), elsewhere since [`begin`].
pub fn age() -> Duration {
    #[cfg(target_os = "linux")]
    if let Some(age) = proc_age() {
        return age;
    }
    FALLBACK.get_or_init(Instant::now).elapsed()
}

#[cfg(target_os = "linux")]
fn proc_age() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Field 22, counted after the parenthesised command name, which may hold spaces.
    let ticks: f64 = stat[stat.rfind(')')? + 2..].split(' ').nth(19)?.parse().ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // USER_HZ is 100 on every Linux the app runs on.
    Duration::try_from_secs_f64(uptime - ticks / 100.0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_age_grows_and_is_that_of_this_test_process() {
        begin();
        let first = age();
        std::thread::sleep(Duration::from_millis(30));
        let second = age();
        assert!(second > first, "{second:?} after {first:?}");
        // The test binary started moments ago, not at boot.
        assert!(second < Duration::from_secs(600), "{second:?}");
    }
}

//! What the desktop benchmarks share: a notifier that shows nothing, and
//! the process's memory as Linux reports it.

use sportello_app::notifier::{Notice, Notifier};

pub struct Quiet;

impl Notifier for Quiet {
    fn show(&self, _: Notice) {}
}

/// A line of /proc/self/status, in MiB (Linux).
pub fn memory(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

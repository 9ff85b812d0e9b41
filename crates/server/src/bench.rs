//! `make bench`'s table: each figure beside the baseline measured in the
//! same run (so the ratio holds on a noisy machine) and its target. Every
//! benchmark prints its rows as it measures them and, when `make bench`
//! names a file in `SPORTELLO_BENCH_TABLE`, appends them there as
//! tab-separated lines; `scripts/bench-table.sh` makes the table of them.

use std::io::Write;

/// One row: what was measured, ours, the baseline's, how many times ours
/// is the baseline's (in the figure's own unit), and the target.
pub struct Figure<'a> {
    pub name: &'a str,
    pub ours: String,
    pub baseline: String,
    pub ratio: f64,
    pub target: &'a str,
}

impl Figure<'_> {
    /// Prints the row and adds it to the run's table.
    pub fn record(&self) {
        println!(
            "| {} | {} | {} | {:.2}x | {} |",
            self.name, self.ours, self.baseline, self.ratio, self.target
        );
        let Ok(path) = std::env::var("SPORTELLO_BENCH_TABLE") else {
            return;
        };
        let line = [
            self.name,
            &self.ours,
            &self.baseline,
            &format!("{:.2}x", self.ratio),
            self.target,
        ]
        .map(|cell| cell.replace(['\t', '\n'], " "))
        .join("\t");
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "{line}"));
        if let Err(e) = appended {
            eprintln!("the bench table {path} could not be written: {e}");
        }
    }
}

/// Requests a second and the 99th percentile, as a cell.
pub fn throughput(per_second: f64, p99_ms: f64) -> String {
    format!("{} req/s, p99 {p99_ms:.1} ms", thousands(per_second))
}

/// A whole number with thin groups of thousands ("62,084").
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0.0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(62084.4), "62,084");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(-1500.0), "-1,500");
        assert_eq!(throughput(1754.2, 9.61), "1,754 req/s, p99 9.6 ms");
    }
}

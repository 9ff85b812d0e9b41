//! The desktop's notion of today. Due dates fall in Italy, so "today" is the
//! date in Europe/Rome, read afresh on every call: a line that falls due
//! while the app is open (or offline) turns overdue on the right day.

use chrono::{NaiveDate, TimeDelta, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

static OFFSET_DAYS: AtomicI64 = AtomicI64::new(0);

pub fn today_in_rome() -> NaiveDate {
    let now = Utc::now() + TimeDelta::days(OFFSET_DAYS.load(Ordering::Relaxed));
    now.with_timezone(&chrono_tz::Europe::Rome).date_naive()
}

/// Moves the app's today by `days`: for tests that cross midnight without waiting.
pub fn move_days(days: i64) {
    OFFSET_DAYS.fetch_add(days, Ordering::Relaxed);
}

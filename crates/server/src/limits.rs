//! Rate limits for the endpoints that guess secrets (login, code check):
//! fixed windows per account and per client address, on the server's clock.
//! In memory: one server process. Several instances behind a balancer would
//! need the counters in the shared database instead.

use crate::clock::Clock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    LoginAccount,
    LoginAddress,
    VerifyAddress,
    /// Code checks per account, across all its challenges.
    VerifyAccount,
    /// Per contract (or tax code) being registered.
    RegisterAccount,
    RegisterAddress,
    /// Per username or contract asking for a reset or recovery.
    ResetAccount,
    ResetAddress,
    /// Reset codes and e-mail confirmation codes, per address.
    CodeAddress,
}

impl Scope {
    /// (requests allowed, window in seconds)
    fn budget(self) -> (u32, i64) {
        match self {
            Scope::LoginAccount => (10, 60),
            Scope::LoginAddress => (30, 60),
            Scope::VerifyAddress => (30, 60),
            Scope::VerifyAccount => (20, 600),
            Scope::RegisterAccount => (5, 600),
            Scope::RegisterAddress => (20, 600),
            Scope::ResetAccount => (5, 600),
            Scope::ResetAddress => (20, 600),
            Scope::CodeAddress => (30, 60),
        }
    }
}

/// Per scope and key: when the current window started and how many requests it has seen.
type Windows = HashMap<(Scope, String), (i64, u32)>;

#[derive(Clone, Default)]
pub struct Limiter {
    windows: Arc<Mutex<Windows>>,
}

impl Limiter {
    /// Counts a request; `Err(seconds)` says how long until the window reopens.
    pub fn check(&self, clock: &Clock, scope: Scope, key: &str) -> Result<(), i64> {
        let (allowed, window) = scope.budget();
        let now = clock.now().timestamp();
        let start = now - now.rem_euclid(window);
        let mut windows = self.windows.lock().expect("not poisoned");
        if windows.len() > 100_000 {
            windows.retain(|_, (started, _)| *started == start);
        }
        let entry = windows.entry((scope, key.to_lowercase())).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        if entry.1 >= allowed {
            return Err(start + window - now);
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn a_window_allows_its_budget_then_refuses_until_it_ends() {
        let (clock, limiter) = (Clock::default(), Limiter::default());
        clock.advance(TimeDelta::seconds(60 - clock.now().timestamp().rem_euclid(60)));
        for _ in 0..10 {
            assert!(limiter.check(&clock, Scope::LoginAccount, "10093").is_ok());
        }
        let wait = limiter.check(&clock, Scope::LoginAccount, "10093").unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(
            limiter.check(&clock, Scope::LoginAccount, "other").is_ok(),
            "keys are separate"
        );
        assert!(
            limiter.check(&clock, Scope::LoginAddress, "10093").is_ok(),
            "scopes are separate"
        );
        clock.advance(TimeDelta::seconds(wait));
        assert!(limiter.check(&clock, Scope::LoginAccount, "10093").is_ok());
    }
}

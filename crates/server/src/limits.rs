//! Rate limits for the endpoints that guess secrets (login, code check):
//! fixed windows per account and per client address, on the server's clock.
//! The windows live in the database (`rate_limits`), so several instances
//! behind one PostgreSQL enforce one budget; keys are stored hashed, and
//! windows that ended are swept, so a flood of distinct keys costs a
//! bounded table, not the server's memory.

use crate::clock::Clock;
use crate::store::{Store, StoreResult};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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
    /// Uploads, per user (customer or operator).
    Upload,
    /// Login codes sent again, per account.
    ResendAccount,
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
            Scope::Upload => (60, 600),
            Scope::ResendAccount => (3, 900),
        }
    }
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::LoginAccount => "login_account",
            Scope::LoginAddress => "login_address",
            Scope::VerifyAddress => "verify_address",
            Scope::VerifyAccount => "verify_account",
            Scope::RegisterAccount => "register_account",
            Scope::RegisterAddress => "register_address",
            Scope::ResetAccount => "reset_account",
            Scope::ResetAddress => "reset_address",
            Scope::CodeAddress => "code_address",
            Scope::Upload => "upload",
            Scope::ResendAccount => "resend_account",
        }
    }
}

/// Windows that ended are swept once every this many checks.
const SWEEP_EVERY: u64 = 1000;

#[derive(Clone)]
pub struct Limiter {
    store: Store,
    checks: Arc<AtomicU64>,
}

impl Limiter {
    pub fn new(store: Store) -> Limiter {
        Limiter {
            store,
            checks: Arc::default(),
        }
    }

    /// Counts a request; `Ok(Err(seconds))` says how long until the window reopens.
    pub async fn check(&self, clock: &Clock, scope: Scope, key: &str) -> StoreResult<Result<(), i64>> {
        let (allowed, window) = scope.budget();
        self.count(clock, scope.as_str(), key, i64::from(allowed), window).await
    }

    /// `check` with a budget of `allowed` requests a `window` (seconds) set by the caller.
    pub async fn count(
        &self,
        clock: &Clock,
        scope: &str,
        key: &str,
        allowed: i64,
        window: i64,
    ) -> StoreResult<Result<(), i64>> {
        let now = clock.now().timestamp();
        let start = now - now.rem_euclid(window);
        let key_hash = crate::secrets::sha256_hex(&key.to_lowercase());
        let hits = self.store.hit_window(scope, &key_hash, start, start + window).await?;
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.store.sweep_windows(now).await?;
        }
        if hits > allowed {
            return Ok(Err(start + window - now));
        }
        Ok(Ok(()))
    }
}

impl Store {
    /// Counts one hit in the window that starts at `start`; returns the
    /// window's hits, this one included. One statement, so concurrent hits
    /// on any instance are all counted.
    pub async fn hit_window(&self, scope: &str, key_hash: &str, start: i64, end: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO rate_limits (scope, key_hash, window_start, window_end, hits) VALUES ($1, $2, $3, $4, 1)
             ON CONFLICT (scope, key_hash) DO UPDATE SET
                 hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END,
                 window_start = excluded.window_start, window_end = excluded.window_end
             RETURNING hits",
        )
        .bind(scope)
        .bind(key_hash)
        .bind(start)
        .bind(end)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Drops the windows that ended before `now` (seconds).
    pub async fn sweep_windows(&self, now: i64) -> StoreResult<u64> {
        let gone = sqlx::query("DELETE FROM rate_limits WHERE window_end <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(gone.rows_affected())
    }

    /// How many windows are kept (for tests of the sweep).
    pub async fn window_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits")
            .fetch_one(&self.pool)
            .await?)
    }
}

//! Who recent access tokens belong to, kept for a second on PostgreSQL so a
//! burst of requests (a desktop's sync reads a dozen pages) looks its token
//! up once instead of on every request.
//!
//! Nothing may answer from here after the state it reflects has changed:
//! - a write on this instance forgets everything before its answer leaves
//!   (`forget_all`, called by the HTTP layer after every request that is not
//!   a read), so the caller's next request is checked anew;
//! - a change to a user, session or token sends a notice on
//!   `PRINCIPALS_CHANNEL` in its own transaction (`changed`), and every
//!   instance forgets everything when the notice arrives, within a
//!   millisecond of the commit;
//! - a lookup that began before a forget is not kept (the generation moved);
//! - an instance whose listener is not connected keeps nothing, and no entry
//!   outlives `ttl_ms` or its token's expiry.
//!
//! SQLite (one instance, a lookup without a network) keeps nothing.

use super::auth::Principal;
use super::StoreResult;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

/// The channel of the notices that end every instance's entries.
pub const PRINCIPALS_CHANNEL: &str = "sportello_principals";

/// At most this many tokens are kept; past it everything is forgotten.
const MOST: usize = 10_000;

#[derive(Default)]
pub struct Principals {
    /// Set while this instance's listener is connected.
    live: AtomicBool,
    /// Moves on every forget: a lookup that saw another keeps nothing.
    generation: AtomicU64,
    /// How long an entry answers, in milliseconds (0: nothing is kept).
    ttl_ms: AtomicI64,
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    principal: Principal,
    token_expires_at: i64,
    kept_at: i64,
}

impl Principals {
    pub fn new(ttl_ms: i64) -> Principals {
        let principals = Principals::default();
        principals.ttl_ms.store(ttl_ms, Ordering::Relaxed);
        principals
    }

    pub fn set_ttl_ms(&self, ttl_ms: i64) {
        self.ttl_ms.store(ttl_ms, Ordering::Relaxed);
        self.forget_all();
    }

    /// The principal of `token_hash`, if kept and still good at `now`.
    pub fn get(&self, token_hash: &str, now: i64) -> Option<Principal> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let ttl = self.ttl_ms.load(Ordering::Relaxed);
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(token_hash)
            .filter(|e| e.token_expires_at > now && now >= e.kept_at && now - e.kept_at < ttl)
            .map(|e| e.principal.clone())
    }

    /// The generation to hand back to `keep` after a lookup.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps what a lookup begun at `generation` found, unless something was
    /// forgotten since.
    pub fn keep(&self, token_hash: &str, principal: &Principal, token_expires_at: i64, now: i64, generation: u64) {
        if !self.live.load(Ordering::Acquire) || self.ttl_ms.load(Ordering::Relaxed) <= 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the lock that `forget_all` takes, so a forget either
        // comes before this check or clears what is kept here.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= MOST {
            entries.clear();
        }
        entries.insert(
            token_hash.to_owned(),
            Entry {
                principal: principal.clone(),
                token_expires_at,
                kept_at: now,
            },
        );
    }

    pub fn forget_all(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// Whether this instance hears the notices: without them nothing is kept.
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
        self.forget_all();
    }
}

/// Announces, in the transaction that makes it, a change to who a token
/// belongs to or whether it still works (a session ended, a password
/// changed, a user's rights or existence): delivered at commit.
pub(crate) async fn changed(conn: &mut sqlx::AnyConnection) -> StoreResult<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM (SELECT pg_notify($1, '')) AS forget")
            .bind(PRINCIPALS_CHANNEL)
            .fetch_one(conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            user_id: 1,
            customer_id: 2,
            session_id: "s".into(),
            username: "u".into(),
            must_change_password: 0,
            parent_id: None,
            rights: String::new(),
        }
    }

    fn live() -> Principals {
        let p = Principals::new(1_000);
        p.set_live(true);
        p
    }

    #[test]
    fn an_entry_answers_until_its_time_or_its_token_ends() {
        let p = live();
        p.keep("t", &principal(), 5_000, 1_000, p.generation());
        assert!(p.get("t", 1_999).is_some());
        assert!(p.get("t", 2_000).is_none(), "kept a second");
        p.keep("t", &principal(), 1_500, 1_000, p.generation());
        assert!(p.get("t", 1_500).is_none(), "the token expired");
        assert!(p.get("other", 1_000).is_none());
    }

    #[test]
    fn a_lookup_that_began_before_a_forget_is_not_kept() {
        let p = live();
        let began = p.generation();
        p.forget_all();
        p.keep("t", &principal(), 5_000, 1_000, began);
        assert!(p.get("t", 1_000).is_none());
        p.keep("t", &principal(), 5_000, 1_000, p.generation());
        assert!(p.get("t", 1_000).is_some());
        p.forget_all();
        assert!(p.get("t", 1_000).is_none());
    }

    #[test]
    fn nothing_is_kept_without_the_notices() {
        let p = Principals::new(1_000);
        p.keep("t", &principal(), 5_000, 1_000, p.generation());
        assert!(p.get("t", 1_000).is_none());
        let p = live();
        p.keep("t", &principal(), 5_000, 1_000, p.generation());
        p.set_live(false);
        assert!(p.get("t", 1_000).is_none(), "a lost listener forgets");
    }
}

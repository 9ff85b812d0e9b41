//! A5 without an oracle: wrong passwords are counted per username as typed
//! (known or not) and per client address. Past the limit the key is refused
//! with the same 429 and `Retry-After` whoever it names, for a while that
//! doubles with each lock of the same day and lifts by itself: nobody can
//! lock another customer out for good, and the answer says nothing about
//! which usernames exist. The owner of a real account learns of a lock by
//! e-mail, with the way to recover it; a recovery or reset lifts it at once.

use crate::{AppState, ServerError};
use std::net::IpAddr;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const SWEEP_ONE_IN: u32 = 500;

/// What a login attempt is counted against.
#[derive(Clone, Copy)]
enum Key<'a> {
    /// A customer's username, or an operator's with the "ops:" prefix.
    Username(&'a str),
    Address(IpAddr),
}

impl Key<'_> {
    fn scope(self) -> &'static str {
        match self {
            Key::Username(_) => "username",
            Key::Address(_) => "address",
        }
    }

    /// Usernames are compared as the login compares them: trimmed, any case.
    fn hash(self) -> String {
        let text = match self {
            Key::Username(name) => name.trim().to_lowercase(),
            Key::Address(ip) => crate::netaddr::limit_key(ip),
        };
        crate::secrets::sha256_hex(&text)
    }

    fn allowed(self, state: &AppState) -> i64 {
        match self {
            Key::Username(_) => state.config.auth.max_failed_logins,
            Key::Address(_) => state.config.auth.max_failed_logins_per_address,
        }
    }
}

/// Refuses an attempt while its username or its address is locked, before
/// any password is checked (so the refusal takes the same time for all).
pub async fn check(state: &AppState, username: &str, client: IpAddr) -> Result<(), ServerError> {
    let now = state.clock.now_ms();
    let mut until = 0;
    for key in [Key::Username(username), Key::Address(client)] {
        until = until.max(state.store.locked_until(key.scope(), &key.hash()).await?);
    }
    if until > now {
        return Err(ServerError::RateLimited((until - now + 999) / 1000));
    }
    Ok(())
}

/// Counts a wrong password (or an unknown username) against both keys;
/// true when this attempt locked the username.
pub async fn failed(state: &AppState, username: &str, client: IpAddr) -> Result<bool, ServerError> {
    let mut locked_name = false;
    for key in [Key::Username(username), Key::Address(client)] {
        let locked = count(state, key).await?;
        locked_name |= locked && matches!(key, Key::Username(_));
    }
    Ok(locked_name)
}

async fn count(state: &AppState, key: Key<'_>) -> Result<bool, ServerError> {
    let now = state.clock.now_ms();
    let (scope, hash) = (key.scope(), key.hash());
    let seen = state.store.add_failure(scope, &hash, now, now - DAY_MS).await?;
    // Now and then, the day-old episodes go: a flood of names costs a bounded table.
    if rand::random::<u32>().is_multiple_of(SWEEP_ONE_IN) {
        state.store.sweep_failures(now - DAY_MS, now).await?;
    }
    let allowed = key.allowed(state);
    if seen.failures < allowed {
        return Ok(false);
    }
    let secs = lock_secs(state, seen.locks);
    tracing::info!(scope, secs, "login key locked");
    Ok(state.store.lock_key(scope, &hash, allowed, now + secs * 1000).await?)
}

/// The first lock lasts `login_lock_secs`, each further one twice the last,
/// up to `login_lock_max_secs`.
fn lock_secs(state: &AppState, locks_before: i64) -> i64 {
    let auth = &state.config.auth;
    let factor = 1_i64 << locks_before.clamp(0, 20);
    auth.login_lock_secs
        .saturating_mul(factor)
        .min(auth.login_lock_max_secs)
}

/// A good login, a new password or an operator's unlock forgets the
/// username's failures (the address keeps its own).
pub async fn lift(state: &AppState, username: &str) -> Result<(), ServerError> {
    let key = Key::Username(username);
    state.store.clear_failures(key.scope(), &key.hash()).await?;
    Ok(())
}

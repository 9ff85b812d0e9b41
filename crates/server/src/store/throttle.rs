//! The rows of the login throttle (`login_failures`); the policy is in
//! `crate::throttle`. Every change is one statement, so attempts on any
//! instance behind one database are all counted.

use super::{Store, StoreResult};

/// A key's count after one more failure.
#[derive(Debug, sqlx::FromRow)]
pub struct Failures {
    pub failures: i64,
    pub locks: i64,
}

impl Store {
    /// Until when (ms) the key is locked; 0 when it is not.
    pub async fn locked_until(&self, scope: &str, key_hash: &str) -> StoreResult<i64> {
        let until: Option<i64> =
            sqlx::query_scalar("SELECT locked_until FROM login_failures WHERE scope = $1 AND key_hash = $2")
                .bind(scope)
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(until.unwrap_or(0))
    }

    /// Counts one more failure; an episode whose last failure is older than
    /// `episode_start` (ms) starts again from nothing.
    pub async fn add_failure(
        &self,
        scope: &str,
        key_hash: &str,
        now: i64,
        episode_start: i64,
    ) -> StoreResult<Failures> {
        Ok(sqlx::query_as(
            "INSERT INTO login_failures (scope, key_hash, failures, locks, locked_until, last_failure)
             VALUES ($1, $2, 1, 0, 0, $3)
             ON CONFLICT (scope, key_hash) DO UPDATE SET
                 failures = CASE WHEN login_failures.last_failure < $4 THEN 1 ELSE login_failures.failures + 1 END,
                 locks = CASE WHEN login_failures.last_failure < $4 THEN 0 ELSE login_failures.locks END,
                 last_failure = $3
             RETURNING failures, locks",
        )
        .bind(scope)
        .bind(key_hash)
        .bind(now)
        .bind(episode_start)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Locks the key until `until` (ms) if it still holds `failures` or more;
    /// true for the one caller (on any instance) whose statement locked it.
    pub async fn lock_key(&self, scope: &str, key_hash: &str, failures: i64, until: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE login_failures SET failures = 0, locks = locks + 1, locked_until = $4
             WHERE scope = $1 AND key_hash = $2 AND failures >= $3",
        )
        .bind(scope)
        .bind(key_hash)
        .bind(failures)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets a key's failures (a good login, a new password, an operator's unlock).
    pub async fn clear_failures(&self, scope: &str, key_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE scope = $1 AND key_hash = $2")
            .bind(scope)
            .bind(key_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Drops the episodes that ended before `episode_start` (ms) and hold no lock.
    pub async fn sweep_failures(&self, episode_start: i64, now: i64) -> StoreResult<u64> {
        let gone = sqlx::query("DELETE FROM login_failures WHERE last_failure < $1 AND locked_until <= $2")
            .bind(episode_start)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(gone.rows_affected())
    }
}

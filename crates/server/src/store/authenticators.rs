//! Authenticator secrets and recovery codes (second factor, RFC 6238), for
//! users and operators alike, keyed by an owner string.

use super::{Store, StoreResult};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuthenticatorRow {
    pub secret: String,
    pub enabled_at: Option<i64>,
}

impl Store {
    pub async fn authenticator(&self, owner: &str) -> StoreResult<Option<AuthenticatorRow>> {
        Ok(
            sqlx::query_as("SELECT secret, enabled_at FROM authenticators WHERE owner = $1")
                .bind(owner)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Keeps a new secret waiting for its first code; replaces an earlier
    /// waiting one, never one already turned on (false then).
    pub async fn put_pending_authenticator(&self, owner: &str, secret: &str, now: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO authenticators (owner, secret, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (owner) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0
             WHERE authenticators.enabled_at IS NULL",
        )
        .bind(owner)
        .bind(secret)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Turns on the waiting `secret` (the one whose code was checked), with
    /// the step of that code spent and a fresh set of recovery codes; the
    /// request's audit row and notice commit with it. False when the secret
    /// changed or was turned on meanwhile.
    pub async fn enable_authenticator(
        &self,
        owner: &str,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE authenticators SET enabled_at = $3, last_step = $4
             WHERE owner = $1 AND secret = $2 AND enabled_at IS NULL",
        )
        .bind(owner)
        .bind(secret)
        .bind(now)
        .bind(step)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        replace_recovery_codes(&mut tx, owner, recovery_hashes).await?;
        self.commit(tx, &[], now).await?;
        Ok(true)
    }

    /// An operator's authenticator, on at once (it is given by an admin,
    /// who hands the secret over), replacing any earlier one.
    pub async fn put_enabled_authenticator(
        &self,
        owner: &str,
        secret: &str,
        recovery_hashes: &[String],
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM authenticators WHERE owner = $1")
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO authenticators (owner, secret, enabled_at, created_at) VALUES ($1, $2, $3, $3)")
            .bind(owner)
            .bind(secret)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        replace_recovery_codes(&mut tx, owner, recovery_hashes).await?;
        self.commit(tx, &[], now).await
    }

    /// Takes the step of an accepted code, provided no code of that step or
    /// a later one was taken before (RFC 6238 §5.2); false otherwise.
    pub async fn take_authenticator_step(&self, owner: &str, step: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE authenticators SET last_step = $2
             WHERE owner = $1 AND enabled_at IS NOT NULL AND last_step < $2",
        )
        .bind(owner)
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Spends a recovery code; false when unknown or spent already.
    pub async fn take_recovery_code(&self, owner: &str, hash: &str, now: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 WHERE owner = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(owner)
        .bind(hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn recovery_codes_left(&self, owner: &str) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE owner = $1 AND used_at IS NULL")
                .bind(owner)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// A new set of recovery codes for a turned-on authenticator, the old
    /// ones void; commits with the request's audit row and notice.
    pub async fn renew_recovery_codes(&self, owner: &str, recovery_hashes: &[String], now: i64) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let on: Option<i64> =
            sqlx::query_scalar("SELECT enabled_at FROM authenticators WHERE owner = $1 AND enabled_at IS NOT NULL")
                .bind(owner)
                .fetch_optional(&mut *tx)
                .await?;
        if on.is_none() {
            return Ok(false);
        }
        replace_recovery_codes(&mut tx, owner, recovery_hashes).await?;
        self.commit(tx, &[], now).await?;
        Ok(true)
    }

    /// Turns the authenticator off and voids its recovery codes; commits
    /// with the request's audit row and notice. False when none was on.
    pub async fn remove_authenticator(&self, owner: &str, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM authenticators WHERE owner = $1")
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        replace_recovery_codes(&mut tx, owner, &[]).await?;
        self.commit(tx, &[], now).await?;
        Ok(true)
    }
}

async fn replace_recovery_codes(conn: &mut sqlx::AnyConnection, owner: &str, hashes: &[String]) -> StoreResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE owner = $1")
        .bind(owner)
        .execute(&mut *conn)
        .await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (owner, code_hash) VALUES ($1, $2)")
            .bind(owner)
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

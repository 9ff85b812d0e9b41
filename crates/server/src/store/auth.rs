//! Login challenges, sessions and tokens. Only hashes of codes and tokens are stored.

use super::{Store, StoreResult};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChallengeRow {
    pub user_id: i64,
    pub code_hash: String,
    pub expires_at: i64,
    pub attempts: i64,
    pub consumed_at: Option<i64>,
    /// "email_code" or "authenticator".
    pub factor: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RefreshRow {
    pub session_id: String,
    pub user_id: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub session_revoked_at: Option<i64>,
    pub session_started_at: i64,
}

pub struct NewChallenge<'a> {
    pub id: &'a str,
    pub user_id: i64,
    /// The e-mailed code's hash; empty when the authenticator gives the code.
    pub code_hash: &'a str,
    pub factor: &'a str,
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub device: &'a str,
    pub client: &'a str,
}

#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub device: String,
    pub client: String,
    pub created_at: i64,
    pub last_used_at: i64,
}

/// An access token's principal and expiry, as read.
#[derive(sqlx::FromRow)]
struct Access {
    #[sqlx(flatten)]
    principal: Principal,
    expires_at: i64,
}

/// Who an access token belongs to.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Principal {
    pub user_id: i64,
    pub customer_id: i64,
    pub session_id: String,
    pub username: String,
    /// Still on a temporary password: only the password change is allowed.
    pub must_change_password: i64,
    /// Set for sub-users (A9).
    pub parent_id: Option<i64>,
    /// A sub-user's rights as stored (see `Principal::may`).
    pub rights: String,
}

impl Principal {
    /// Whether this user may do what `right` covers: a main user always.
    pub fn may(&self, right: sportello_domain::api::accounts::Right) -> bool {
        sportello_domain::api::accounts::Right::of_user(self.parent_id.is_some(), &self.rights).contains(&right)
    }
}

pub struct NewTokens<'a> {
    pub session_id: &'a str,
    pub access_hash: &'a str,
    pub access_expires_at: i64,
    pub refresh_hash: &'a str,
    pub refresh_expires_at: i64,
}

impl Store {
    /// A login's second step, committed with the request's e-mailed code.
    /// A new login challenge; with `replacing`, that challenge ends in the
    /// same commit (a code sent again), and nothing is written if it had
    /// already ended (answers false).
    pub async fn insert_challenge(
        &self,
        c: &NewChallenge<'_>,
        replacing: Option<&str>,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        if let Some(old) = replacing {
            let ended =
                sqlx::query("UPDATE login_challenges SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL")
                    .bind(old)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            if ended.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
        }
        sqlx::query(
            "INSERT INTO login_challenges (id, user_id, code_hash, factor, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.id)
        .bind(c.user_id)
        .bind(c.code_hash)
        .bind(c.factor)
        .bind(expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], now).await?;
        Ok(true)
    }

    pub async fn challenge(&self, id: &str) -> StoreResult<Option<ChallengeRow>> {
        if !crate::secrets::is_id(id) {
            return Ok(None);
        }
        Ok(sqlx::query_as(
            "SELECT user_id, code_hash, expires_at, attempts, consumed_at, factor, created_at FROM login_challenges WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Counts a try and returns how many there have been, atomically, so that
    /// concurrent guesses cannot exceed the limit.
    pub async fn count_challenge_attempt(&self, id: &str) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("UPDATE login_challenges SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Marks the code used; false when another request used it first.
    pub async fn consume_challenge(&self, id: &str, now: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE login_challenges SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A new session, committed with the request's audit row and notices.
    pub async fn create_session(&self, s: &NewSession<'_>, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, device, client, last_used_at) VALUES ($1, $2, $3, $4, $5, $3)",
        )
        .bind(s.id)
        .bind(s.user_id)
        .bind(now)
        .bind(s.device)
        .bind(s.client)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], now).await
    }

    /// Whether this is a device the user never logged in from, while having
    /// logged in before from another (any session, ended or not).
    pub async fn is_new_device(&self, user_id: i64, device: &str) -> StoreResult<bool> {
        let (sessions, same): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN device = $2 THEN 1 ELSE 0 END), 0) FROM sessions WHERE user_id = $1",
        )
        .bind(user_id)
        .bind(device)
        .fetch_one(&self.pool)
        .await?;
        Ok(sessions > 0 && same == 0)
    }

    /// Whether the user ever logged in (a session, ended or not).
    pub async fn ever_logged_in(&self, user_id: i64) -> StoreResult<bool> {
        let seen: Option<i64> = sqlx::query_scalar("SELECT 1 FROM sessions WHERE user_id = $1 LIMIT 1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(seen.is_some())
    }

    /// The user's sessions not ended, last used first; at most 100.
    pub async fn active_sessions(&self, user_id: i64) -> StoreResult<Vec<SessionRow>> {
        Ok(sqlx::query_as(
            "SELECT id, device, client, created_at, last_used_at FROM sessions
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY last_used_at DESC, id LIMIT 100",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether a session stands: not ended, and holding a token still valid
    /// at `now` (ms), an access token or a refresh token.
    pub async fn session_alive(&self, session_id: &str, now: i64) -> StoreResult<bool> {
        let alive: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sessions s WHERE s.id = $1 AND s.revoked_at IS NULL AND (
                 EXISTS (SELECT 1 FROM access_tokens a WHERE a.session_id = s.id AND a.expires_at > $2)
                 OR EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.session_id = s.id AND r.used_at IS NULL AND r.expires_at > $2))",
        )
        .bind(session_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(alive.is_some())
    }

    /// A session of this user, if it is one of theirs and still active.
    pub async fn own_session(&self, user_id: i64, session_id: &str) -> StoreResult<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
                .bind(session_id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    pub async fn insert_tokens(&self, t: &NewTokens<'_>, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE sessions SET last_used_at = $2 WHERE id = $1")
            .bind(t.session_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO access_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3)")
            .bind(t.access_hash)
            .bind(t.session_id)
            .bind(t.access_expires_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, session_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(t.refresh_hash)
        .bind(t.session_id)
        .bind(t.refresh_expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn refresh_token(&self, hash: &str) -> StoreResult<Option<RefreshRow>> {
        Ok(sqlx::query_as(
            "SELECT r.session_id, s.user_id, r.expires_at, r.used_at, s.revoked_at AS session_revoked_at,
                    s.created_at AS session_started_at
             FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = $1",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Marks a refresh token rotated; false when it already was (a reuse).
    pub async fn use_refresh_token(&self, hash: &str, now: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL")
            .bind(hash)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a session: its refresh tokens stop working and its access tokens are deleted.
    pub async fn revoke_session(&self, session_id: &str, reason: &str, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL")
            .bind(session_id)
            .bind(now)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM access_tokens WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        super::principals::changed(&mut tx).await?;
        self.commit(tx, &[], now).await
    }

    /// Who the access token hashed as `access_hash` belongs to, if it still
    /// works at `now`: from the entries kept a second on PostgreSQL, or read.
    pub async fn principal(&self, access_hash: &str, now: i64) -> StoreResult<Option<Principal>> {
        if let Some(principal) = self.principals.get(access_hash, now) {
            return Ok(Some(principal));
        }
        let generation = self.principals.generation();
        let found: Option<Access> = sqlx::query_as(
            "SELECT s.user_id, u.customer_id, s.id AS session_id, u.username, u.must_change_password, u.parent_id, u.rights,
                    a.expires_at
             FROM access_tokens a
             JOIN sessions s ON s.id = a.session_id
             JOIN users u ON u.id = s.user_id
             WHERE a.token_hash = $1 AND a.expires_at > $2 AND s.revoked_at IS NULL AND u.deleted_at IS NULL",
        )
        .bind(access_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.map(|access| {
            self.principals
                .keep(access_hash, &access.principal, access.expires_at, now, generation);
            access.principal
        }))
    }
}

//! E6: the consents' history (`consents`).

use super::{Store, StoreResult};

#[derive(Debug, sqlx::FromRow)]
pub struct ConsentRow {
    pub kind: String,
    pub granted: i64,
    pub decided_at: i64,
}

impl Store {
    /// The user's latest consent changes, newest first.
    pub async fn consent_history(&self, user_id: i64, limit: i64) -> StoreResult<Vec<ConsentRow>> {
        Ok(sqlx::query_as(
            "SELECT kind, granted, decided_at FROM consents WHERE user_id = $1 ORDER BY decided_at DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The latest decision of each kind the user ever decided.
    pub async fn consents_now(&self, user_id: i64) -> StoreResult<Vec<ConsentRow>> {
        Ok(sqlx::query_as(
            "SELECT c.kind, c.granted, c.decided_at FROM consents c
             WHERE c.user_id = $1 AND c.id = (SELECT MAX(l.id) FROM consents l WHERE l.user_id = c.user_id AND l.kind = c.kind)",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn record_consent(
        &self,
        user_id: i64,
        kind: &str,
        granted: bool,
        client: &str,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO consents (user_id, kind, granted, decided_at, client) VALUES ($1, $2, $3, $4, $5)")
            .bind(user_id)
            .bind(kind)
            .bind(i64::from(granted))
            .bind(now)
            .bind(client)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[], now).await
    }
}

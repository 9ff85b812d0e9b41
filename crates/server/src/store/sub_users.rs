//! Sub-users (A9): `<parent>.<n>`, their rights, their deletion for good.

use super::accounts::{revoke_sessions, TemporaryPassword};
use super::feed::Change;
use super::{Store, StoreResult};
use sportello_domain::api::sync::Entity;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SubUserRow {
    pub id: i64,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub secondary_email: Option<String>,
    pub language: String,
    pub rights: String,
}

pub struct SubUserFields<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub secondary_email: Option<&'a str>,
    pub language: &'a str,
    /// As stored: `Right::join`.
    pub rights: &'a str,
}

impl Store {
    const SUB_USER_COLUMNS: &'static str =
        "id, username, first_name, last_name, email, secondary_email, language, rights";

    /// A page of a main user's sub-users by id, after `after_id`.
    pub async fn sub_users(&self, parent_id: i64, after_id: i64, limit: i64) -> StoreResult<Vec<SubUserRow>> {
        let sql = format!(
            "SELECT {} FROM users WHERE parent_id = $1 AND deleted_at IS NULL AND id > $2 ORDER BY id LIMIT $3",
            Self::SUB_USER_COLUMNS
        );
        Ok(sqlx::query_as(&sql)
            .bind(parent_id)
            .bind(after_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn sub_user_by_id(&self, parent_id: i64, id: i64) -> StoreResult<Option<SubUserRow>> {
        let sql = format!(
            "SELECT {} FROM users WHERE parent_id = $1 AND id = $2 AND deleted_at IS NULL",
            Self::SUB_USER_COLUMNS
        );
        Ok(sqlx::query_as(&sql)
            .bind(parent_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn sub_user(&self, parent_id: i64, username: &str) -> StoreResult<Option<SubUserRow>> {
        let sql = format!(
            "SELECT {} FROM users WHERE parent_id = $1 AND username = $2 AND deleted_at IS NULL",
            Self::SUB_USER_COLUMNS
        );
        Ok(sqlx::query_as(&sql)
            .bind(parent_id)
            .bind(username)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Creates `<parent>.<n>` with the next n never used (deleted sub-users keep theirs).
    pub async fn insert_sub_user(
        &self,
        parent_id: i64,
        f: &SubUserFields<'_>,
        temp: &TemporaryPassword<'_>,
        now: i64,
    ) -> StoreResult<(i64, String)> {
        let mut tx = self.begin_write().await?;
        let (customer_id, parent): (i64, String) =
            sqlx::query_as("SELECT customer_id, username FROM users WHERE id = $1")
                .bind(parent_id)
                .fetch_one(&mut *tx)
                .await?;
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE parent_id = $1")
            .bind(parent_id)
            .fetch_one(&mut *tx)
            .await?;
        let username = format!("{parent}.{}", used + 1);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (customer_id, username, password_hash, display_name, email, language, created_at,
                 parent_id, first_name, last_name, secondary_email, must_change_password, password_expires_at, rights)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13) RETURNING id",
        )
        .bind(customer_id)
        .bind(&username)
        .bind(temp.hash)
        .bind(format!("{} {}", f.first_name, f.last_name))
        .bind(f.email)
        .bind(f.language)
        .bind(now)
        .bind(parent_id)
        .bind(f.first_name)
        .bind(f.last_name)
        .bind(f.secondary_email)
        .bind(temp.expires_at)
        .bind(f.rights)
        .fetch_one(&mut *tx)
        .await?;
        let change = Change::upsert(Some(customer_id), Entity::SubUser, &username);
        let created = crate::store::unit::Created { id, code: username };
        self.commit_created(tx, &[change], &created, now).await?;
        Ok((id, created.code))
    }

    pub async fn update_sub_user(
        &self,
        row: &SubUserRow,
        customer_id: i64,
        f: &SubUserFields<'_>,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE users SET first_name = $2, last_name = $3, display_name = $4, email = $5, secondary_email = $6,
                 language = $7, rights = $8 WHERE id = $1",
        )
        .bind(row.id)
        .bind(f.first_name)
        .bind(f.last_name)
        .bind(format!("{} {}", f.first_name, f.last_name))
        .bind(f.email)
        .bind(f.secondary_email)
        .bind(f.language)
        .bind(f.rights)
        .execute(&mut *tx)
        .await?;
        super::principals::changed(&mut tx).await?;
        // The sub-user's own window learns its new rights with its profile.
        let changes = [
            Change::upsert(Some(customer_id), Entity::SubUser, &row.username),
            Change::upsert(Some(customer_id), Entity::Profile, row.id),
        ];
        self.commit(tx, &changes, now).await
    }

    /// Deletes a sub-user for good: it cannot log in, its sessions end, and
    /// its username is never given again.
    pub async fn delete_sub_user(&self, row: &SubUserRow, customer_id: i64, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET deleted_at = $2 WHERE id = $1")
            .bind(row.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        revoke_sessions(&mut tx, row.id, None, "user_deleted", now).await?;
        let change = Change::delete(Some(customer_id), Entity::SubUser, &row.username);
        self.commit(tx, &[change], now).await
    }
}

//! Customers and their users.

use super::{Store, StoreResult};
use sportello_domain::api::accounts::Right;
use sportello_domain::api::auth::Me;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub customer_id: i64,
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub email: String,
    pub language: String,
    pub failed_logins: i64,
    pub locked_at: Option<i64>,
    pub parent_id: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    pub secondary_email: Option<String>,
    pub must_change_password: i64,
    pub password_expires_at: Option<i64>,
    /// E-mail copies of the service desk's replies and status changes (1: on).
    pub desk_emails: i64,
}

pub struct NewCustomer<'a> {
    /// The customer number; the main user logs in with it.
    pub code: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub tax_code: &'a str,
    pub email: &'a str,
}

/// Where a customer's invoices go and what address they carry.
pub struct Billing<'a> {
    pub street: &'a str,
    pub postcode: &'a str,
    pub city: &'a str,
    pub province: Option<&'a str>,
    pub country: &'a str,
    /// The 7-character SDI recipient code, "0000000" when delivered by PEC.
    pub sdi_code: &'a str,
    pub pec: Option<&'a str>,
}

pub struct NewUser<'a> {
    pub customer_id: i64,
    pub username: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
    pub language: &'a str,
}

/// Whose password is set: a user that exists, or the main user the same
/// commit creates (an invitation, a first registration by contract).
pub enum Holder<'a> {
    Existing(i64),
    New(NewUser<'a>),
}

pub(crate) async fn insert_user_in(conn: &mut sqlx::AnyConnection, u: &NewUser<'_>, now: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (customer_id, username, password_hash, display_name, email, language, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(u.customer_id)
    .bind(u.username)
    .bind(u.password_hash)
    .bind(u.display_name)
    .bind(u.email)
    .bind(u.language)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

/// Users that can act: not deleted, not waiting for an operator's approval.
const USER_COLUMNS: &str = "id, customer_id, username, password_hash, display_name, email, language, failed_logins,
    locked_at, parent_id, first_name, last_name, secondary_email, must_change_password, password_expires_at, desk_emails";

#[derive(sqlx::FromRow)]
struct MeRow {
    username: String,
    display_name: String,
    customer_name: String,
    language: String,
    must_change_password: i64,
    parent_id: Option<i64>,
    rights: String,
}

impl Store {
    pub async fn insert_customer(&self, c: &NewCustomer<'_>, now: i64) -> StoreResult<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO customers (code, kind, name, tax_code, email, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id",
        )
        .bind(c.code)
        .bind(c.kind)
        .bind(c.name)
        .bind(c.tax_code)
        .bind(c.email)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn set_billing(&self, customer_id: i64, b: &Billing<'_>) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        set_billing_in(&mut conn, customer_id, b).await
    }

    /// A user on its own: the demo and the fleet generator.
    pub async fn insert_user(&self, u: &NewUser<'_>, now: i64) -> StoreResult<i64> {
        let mut conn = self.pool.acquire().await?;
        insert_user_in(&mut conn, u, now).await
    }

    pub async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1 AND deleted_at IS NULL AND active = 1");
        Ok(sqlx::query_as(&sql).bind(username).fetch_optional(&self.pool).await?)
    }

    /// The users whose primary address is `email` (case ignored): a person may
    /// hold several logins, one per customer, at one address.
    pub async fn users_by_email(&self, email: &str) -> StoreResult<Vec<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE LOWER(email) = LOWER($1) AND deleted_at IS NULL AND active = 1
             ORDER BY id LIMIT 20"
        );
        Ok(sqlx::query_as(&sql).bind(email).fetch_all(&self.pool).await?)
    }

    /// The user who filed a request, while the login still exists.
    pub async fn request_author(&self, request_id: i64) -> StoreResult<Option<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = (SELECT user_id FROM requests WHERE id = $1)
             AND deleted_at IS NULL AND active = 1"
        );
        Ok(sqlx::query_as(&sql).bind(request_id).fetch_optional(&self.pool).await?)
    }

    pub async fn user(&self, id: i64) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL AND active = 1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    /// Clears the failure count and lock columns of a user (with `throttle::lift`, the back office's unlock).
    pub async fn unlock_user(&self, username: &str, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET failed_logins = 0, locked_at = NULL WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        self.commit(tx, &[], now).await?;
        Ok(true)
    }

    pub async fn me(&self, user_id: i64) -> StoreResult<Option<Me>> {
        let row: Option<MeRow> = sqlx::query_as(
            "SELECT u.username, u.display_name, c.name AS customer_name, u.language, u.must_change_password,
                    u.parent_id, u.rights
             FROM users u JOIN customers c ON c.id = u.customer_id WHERE u.id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Me {
            rights: Right::of_user(r.parent_id.is_some(), &r.rights),
            username: r.username,
            display_name: r.display_name,
            customer_name: r.customer_name,
            language: r.language,
            must_change_password: r.must_change_password != 0,
        }))
    }

    pub async fn count_users(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }
}

/// The customer's billing data, inside the caller's transaction.
pub(crate) async fn set_billing_in(
    conn: &mut sqlx::AnyConnection,
    customer_id: i64,
    b: &Billing<'_>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE customers SET street = $2, postcode = $3, city = $4, province = $5, country = $6, sdi_code = $7,
             pec = $8 WHERE id = $1",
    )
    .bind(customer_id)
    .bind(b.street)
    .bind(b.postcode)
    .bind(b.city)
    .bind(b.province)
    .bind(b.country)
    .bind(b.sdi_code)
    .bind(b.pec)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

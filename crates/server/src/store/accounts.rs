//! Users' passwords, one-time account tokens and profiles; sub-users in
//! `sub_users`, registrations and agreement requests in `registrations`.

use super::feed::Change;
use super::users::{insert_user_in, Holder};
use super::{Store, StoreResult};
use sportello_domain::api::sync::Entity;

pub use super::registrations::{PendingCustomer, PendingRow};
pub use super::sub_users::{SubUserFields, SubUserRow};

/// What a user changes in Settings.
pub struct Settings<'a> {
    pub display_name: &'a str,
    pub language: &'a str,
    pub secondary_email: Option<&'a str>,
    /// The customer's invoices on paper too (main user only).
    pub paper_invoices: Option<bool>,
    /// E-mail copies of the desk's replies and status changes.
    pub desk_emails: bool,
}

/// A customer as registration and recovery see it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: i64,
    pub code: Option<String>,
    pub kind: String,
    pub category: String,
    pub name: String,
    pub tax_code: String,
    pub status: String,
}

impl CustomerRow {
    /// Legal persons must use a PEC (A2).
    pub fn is_legal_person(&self) -> bool {
        self.kind == "company" || self.category == "company"
    }
}

const CUSTOMER_COLUMNS: &str = "c.id, c.code, c.kind, c.category, c.name, c.tax_code, c.status";

/// The main (not sub-) user of a customer, whether or not it can log in yet.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MainUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub language: String,
    pub display_name: String,
    pub must_change_password: i64,
    pub active: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountToken {
    pub id: String,
    pub user_id: i64,
    pub purpose: String,
    pub code_hash: Option<String>,
    pub new_email: Option<String>,
    pub expires_at: i64,
    pub attempts: i64,
    pub used_at: Option<i64>,
}

/// A one-time token to store (invitation link, reset code and link, e-mail
/// change code), as hashes. Owned, so that it can wait in the request's
/// unit for the commit of the change it belongs to (`unit::Effect::Token`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccountToken {
    pub id: String,
    pub user_id: i64,
    pub purpose: &'static str,
    pub link_hash: Option<String>,
    pub code_hash: Option<String>,
    pub new_email: Option<String>,
    pub expires_at: i64,
}

pub(super) async fn revoke_sessions(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    keep: Option<&str>,
    reason: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE sessions SET revoked_at = $3, revoked_reason = $4
         WHERE user_id = $1 AND revoked_at IS NULL AND id <> $2",
    )
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .bind(now)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    super::principals::changed(conn).await
}

/// Stores a token inside the caller's transaction, voiding the user's unused
/// ones of the same purpose.
pub(crate) async fn insert_token(conn: &mut sqlx::AnyConnection, t: &NewAccountToken, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE account_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(t.user_id)
        .bind(t.purpose)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO account_tokens (id, user_id, purpose, link_hash, code_hash, new_email, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&t.id)
    .bind(t.user_id)
    .bind(t.purpose)
    .bind(&t.link_hash)
    .bind(&t.code_hash)
    .bind(&t.new_email)
    .bind(t.expires_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A temporary password: the first login must replace it.
pub struct TemporaryPassword<'a> {
    pub hash: &'a str,
    pub expires_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProfileRow {
    pub username: String,
    pub display_name: String,
    pub customer_name: String,
    pub language: String,
    pub email: String,
    pub secondary_email: Option<String>,
    pub paper_invoices: i64,
    pub desk_emails: i64,
    pub parent_username: Option<String>,
    pub must_change_password: i64,
    pub rights: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub province: Option<String>,
    pub country: String,
}

impl Store {
    /// The customer of contract `contract_no`/`module_no`, with the contract's id.
    pub async fn customer_by_contract(
        &self,
        contract_no: &str,
        module_no: &str,
    ) -> StoreResult<Option<(CustomerRow, i64)>> {
        let found: Option<(i64, i64)> =
            sqlx::query_as("SELECT customer_id, id FROM contracts WHERE contract_no = $1 AND module_no = $2")
                .bind(contract_no)
                .bind(module_no)
                .fetch_optional(&self.pool)
                .await?;
        let Some((customer_id, contract_id)) = found else {
            return Ok(None);
        };
        Ok(self.customer(customer_id).await?.map(|c| (c, contract_id)))
    }

    pub async fn customer(&self, id: i64) -> StoreResult<Option<CustomerRow>> {
        let sql = format!("SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    pub async fn customer_by_code(&self, code: &str) -> StoreResult<Option<CustomerRow>> {
        let sql = format!("SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.code = $1");
        Ok(sqlx::query_as(&sql).bind(code).fetch_optional(&self.pool).await?)
    }

    pub async fn customer_by_tax_code(&self, tax_code: &str) -> StoreResult<Option<CustomerRow>> {
        let sql =
            format!("SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.tax_code = $1 AND c.status <> 'rejected'");
        Ok(sqlx::query_as(&sql).bind(tax_code).fetch_optional(&self.pool).await?)
    }

    pub async fn main_user(&self, customer_id: i64) -> StoreResult<Option<MainUser>> {
        Ok(sqlx::query_as(
            "SELECT id, username, email, language, display_name, must_change_password, active FROM users
             WHERE customer_id = $1 AND parent_id IS NULL AND deleted_at IS NULL ORDER BY id LIMIT 1",
        )
        .bind(customer_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// When the customer's latest registration still in force was made.
    pub async fn latest_registration(&self, customer_id: i64) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MAX(created_at) FROM registrations WHERE customer_id = $1 AND superseded_at IS NULL",
        )
        .bind(customer_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Gives a user a temporary password, with what it comes with (`Along`),
    /// committed with what the request deferred: the invitation link's
    /// token, the e-mail carrying both, the audit row, the notices. Either
    /// all of them are written, or none; false (nothing written) when the
    /// registration it approves is no longer pending. What the request
    /// deferred as functions of the user (its welcome) name `holder`.
    pub async fn set_temporary_password(
        &self,
        holder: &Holder<'_>,
        email: &str,
        temp: &TemporaryPassword<'_>,
        along: Along,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let user_id = match holder {
            Holder::Existing(id) => *id,
            Holder::New(user) => insert_user_in(&mut tx, user, now).await?,
        };
        if let Along::Approval { customer_id } = along {
            if !activate_pending(&mut tx, customer_id, "active").await? {
                return Ok(false);
            }
        }
        if let Along::ContractRegistration {
            customer_id,
            contract_id,
        } = along
        {
            sqlx::query("UPDATE registrations SET superseded_at = $2 WHERE customer_id = $1 AND superseded_at IS NULL")
                .bind(customer_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO registrations (customer_id, contract_id, email, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(customer_id)
            .bind(contract_id)
            .bind(email)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE users SET password_hash = $2, email = $3, must_change_password = 1, password_expires_at = $4,
                 failed_logins = 0, locked_at = NULL, active = 1 WHERE id = $1",
        )
        .bind(user_id)
        .bind(temp.hash)
        .bind(email)
        .bind(temp.expires_at)
        .execute(&mut *tx)
        .await?;
        super::principals::changed(&mut tx).await?;
        let created = super::unit::Created {
            id: user_id,
            code: String::new(),
        };
        self.commit_created(tx, &[], &created, now).await?;
        Ok(true)
    }

    /// A new definitive password, lifting any lock: spends the token it was
    /// reset with (false, and nothing written, when that was spent already),
    /// ends the user's other sessions but `keep`, and commits with the
    /// request's notice and audit row.
    pub async fn replace_password(
        &self,
        user_id: i64,
        hash: &str,
        token: Option<&str>,
        keep: Option<&str>,
        reason: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        if let Some(id) = token {
            let spent = sqlx::query("UPDATE account_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if spent.rows_affected() != 1 {
                return Ok(false);
            }
        }
        sqlx::query(
            "UPDATE users SET password_hash = $2, must_change_password = 0, password_expires_at = NULL,
                 failed_logins = 0, locked_at = NULL WHERE id = $1",
        )
        .bind(user_id)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
        revoke_sessions(&mut tx, user_id, keep, reason, now).await?;
        self.commit(tx, &[], now).await?;
        Ok(true)
    }

    /// Ends every session of a user except `keep`.
    pub async fn revoke_user_sessions(
        &self,
        user_id: i64,
        keep: Option<&str>,
        reason: &str,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        revoke_sessions(&mut tx, user_id, keep, reason, now).await?;
        self.commit(tx, &[], now).await
    }

    /// Stores a one-time token in a transaction of its own (the command line).
    pub async fn insert_account_token(&self, t: &NewAccountToken, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        insert_token(&mut tx, t, now).await?;
        tx.commit().await?;
        Ok(())
    }

    const TOKEN_COLUMNS: &'static str = "id, user_id, purpose, code_hash, new_email, expires_at, attempts, used_at";

    pub async fn account_token(&self, id: &str) -> StoreResult<Option<AccountToken>> {
        if !crate::secrets::is_id(id) {
            return Ok(None);
        }
        let sql = format!("SELECT {} FROM account_tokens WHERE id = $1", Self::TOKEN_COLUMNS);
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    pub async fn account_token_by_link(&self, link_hash: &str) -> StoreResult<Option<AccountToken>> {
        let sql = format!(
            "SELECT {} FROM account_tokens WHERE link_hash = $1",
            Self::TOKEN_COLUMNS
        );
        Ok(sqlx::query_as(&sql).bind(link_hash).fetch_optional(&self.pool).await?)
    }

    /// Counts a code attempt; returns the attempts so far.
    pub async fn count_token_attempt(&self, id: &str) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("UPDATE account_tokens SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn profile(&self, user_id: i64) -> StoreResult<Option<ProfileRow>> {
        Ok(sqlx::query_as(
            "SELECT u.username, u.display_name, c.name AS customer_name, u.language, u.email, u.secondary_email,
                    c.paper_invoices, u.desk_emails, p.username AS parent_username, u.must_change_password, u.rights,
                    c.street, c.postcode, c.city, c.province, c.country
             FROM users u JOIN customers c ON c.id = u.customer_id LEFT JOIN users p ON p.id = u.parent_id
             WHERE u.id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The profile's settings, and how the customer's invoices are delivered
    /// when `paper` says so, in one transaction with its announcement.
    pub async fn update_settings(&self, user_id: i64, customer_id: i64, u: &Settings<'_>, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE users SET display_name = $2, language = $3, secondary_email = $4, desk_emails = $5 WHERE id = $1",
        )
        .bind(user_id)
        .bind(u.display_name)
        .bind(u.language)
        .bind(u.secondary_email)
        .bind(i64::from(u.desk_emails))
        .execute(&mut *tx)
        .await?;
        if let Some(paper) = u.paper_invoices {
            sqlx::query("UPDATE customers SET paper_invoices = $2 WHERE id = $1")
                .bind(customer_id)
                .bind(i64::from(paper))
                .execute(&mut *tx)
                .await?;
        }
        let change = Change::upsert(Some(customer_id), Entity::Profile, user_id);
        self.commit(tx, &[change], now).await
    }

    /// The confirmed new primary address: spends its token (false, and
    /// nothing written, when spent already), ends the user's other sessions
    /// but `keep` (ASVS 3.3.3), and commits with the request's notice to the
    /// old address and its audit row.
    pub async fn set_user_email(
        &self,
        who: (i64, i64),
        token: &str,
        email: &str,
        keep: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let (user_id, customer_id) = who;
        let mut tx = self.begin_write().await?;
        let spent = sqlx::query("UPDATE account_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
            .bind(token)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if spent.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("UPDATE users SET email = $2 WHERE id = $1")
            .bind(user_id)
            .bind(email)
            .execute(&mut *tx)
            .await?;
        revoke_sessions(&mut tx, user_id, Some(keep), "email_changed", now).await?;
        let change = Change::upsert(Some(customer_id), Entity::Profile, user_id);
        self.commit(tx, &[change], now).await?;
        Ok(true)
    }
}

/// What else the commit of a temporary password records.
#[derive(Clone, Copy, Debug)]
pub enum Along {
    Nothing,
    /// A registration by contract, for the wait before a repeat.
    ContractRegistration {
        customer_id: i64,
        contract_id: Option<i64>,
    },
    /// The approval of a registration by category: the customer turns active.
    Approval {
        customer_id: i64,
    },
}

/// Moves a pending registration's customer to `status`; false when it was
/// not pending.
pub(super) async fn activate_pending(
    conn: &mut sqlx::AnyConnection,
    customer_id: i64,
    status: &str,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE customers SET status = $2 WHERE id = $1 AND status = 'pending'")
        .bind(customer_id)
        .bind(status)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

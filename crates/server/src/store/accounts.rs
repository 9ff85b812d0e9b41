//! Registration, one-time account tokens, profile and sub-users.

use super::feed::Change;
use super::users::{insert_user_in, Holder};
use super::{Store, StoreResult};
use sportello_domain::api::sync::Entity;

/// What a user changes in Settings.
pub struct Settings<'a> {
    pub display_name: &'a str,
    pub language: &'a str,
    pub secondary_email: Option<&'a str>,
    /// The customer's invoices on paper too (main user only).
    pub paper_invoices: Option<bool>,
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

async fn revoke_sessions(
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
    Ok(())
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
    pub parent_username: Option<String>,
    pub must_change_password: i64,
    pub rights: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub province: Option<String>,
    pub country: String,
}

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

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PendingRow {
    pub id: i64,
    pub customer_id: i64,
    pub customer_code: Option<String>,
    pub customer_name: String,
    pub category: String,
    pub agreement_code: Option<String>,
    pub created_at: i64,
}

/// A registration by category (A3), as `insert_pending_customer` stores it.
pub struct PendingCustomer<'a> {
    pub customer: &'a super::users::NewCustomer<'a>,
    pub category: &'a str,
    pub display_name: &'a str,
    pub language: &'a str,
    pub billing: Option<&'a super::users::Billing<'a>>,
    pub agreement: Option<&'a str>,
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
                    c.paper_invoices, p.username AS parent_username, u.must_change_password, u.rights,
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
        sqlx::query("UPDATE users SET display_name = $2, language = $3, secondary_email = $4 WHERE id = $1")
            .bind(user_id)
            .bind(u.display_name)
            .bind(u.language)
            .bind(u.secondary_email)
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

    /// A3: a customer registered by category, its main user inactive until
    /// approved, with its billing data and its request to join an agreement
    /// when given: one commit with the request's deferred effects (which may
    /// name the new customer's code: `Created.code`).
    pub async fn insert_pending_customer(&self, c: &PendingCustomer<'_>, now: i64) -> StoreResult<(i64, i64, String)> {
        let (category, display_name, language) = (c.category, c.display_name, c.language);
        let c_billing = c.billing;
        let agreement = c.agreement;
        let c = c.customer;
        let mut tx = self.begin_write().await?;
        let customer_id: i64 = sqlx::query_scalar(
            "INSERT INTO customers (kind, name, tax_code, email, created_at, category, status)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending') RETURNING id",
        )
        .bind(c.kind)
        .bind(c.name)
        .bind(c.tax_code)
        .bind(c.email)
        .bind(now)
        .bind(category)
        .fetch_one(&mut *tx)
        .await?;
        // Customers registered online are numbered from 600000, apart from the leasing book's numbers.
        let code = (600_000 + customer_id).to_string();
        sqlx::query("UPDATE customers SET code = $2 WHERE id = $1")
            .bind(customer_id)
            .bind(&code)
            .execute(&mut *tx)
            .await?;
        let user_id: i64 = sqlx::query_scalar(
            "INSERT INTO users (customer_id, username, password_hash, display_name, email, language, created_at, active)
             VALUES ($1, $2, '!', $3, $4, $5, $6, 0) RETURNING id",
        )
        .bind(customer_id)
        .bind(&code)
        .bind(display_name)
        .bind(c.email)
        .bind(language)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO registrations (customer_id, email, created_at) VALUES ($1, $2, $3)")
            .bind(customer_id)
            .bind(c.email)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if let Some(b) = c_billing {
            super::users::set_billing_in(&mut tx, customer_id, b).await?;
        }
        if let Some(agreement) = agreement {
            sqlx::query(
                "INSERT INTO agreement_requests (customer_id, agreement_code, status, created_at)
                 VALUES ($1, $2, 'pending', $3)",
            )
            .bind(customer_id)
            .bind(agreement)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let created = super::unit::Created {
            id: customer_id,
            code: code.clone(),
        };
        self.commit_created(tx, &[], &created, now).await?;
        Ok((customer_id, user_id, code))
    }

    /// The agreement (convenzione) a customer belongs to, if any.
    pub async fn customer_agreement(&self, customer_id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT agreement_code FROM customers WHERE id = $1")
            .bind(customer_id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn agreement_exists(&self, code: &str) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agreements WHERE code = $1")
            .bind(code)
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 1)
    }

    pub async fn insert_agreement_request(&self, customer_id: i64, agreement: &str, now: i64) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agreement_requests (customer_id, agreement_code, status, created_at)
             VALUES ($1, $2, 'pending', $3) RETURNING id",
        )
        .bind(customer_id)
        .bind(agreement)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let created = super::unit::Created {
            id,
            code: agreement.to_owned(),
        };
        self.commit_created(tx, &[], &created, now).await?;
        Ok(id)
    }

    /// Up to `limit` registrations waiting, oldest first, after the id `after`.
    pub async fn pending_registrations(&self, after: i64, limit: i64) -> StoreResult<Vec<PendingRow>> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.id AS customer_id, c.code AS customer_code, c.name AS customer_name, c.category,
                    (SELECT MIN(a.agreement_code) FROM agreement_requests a
                      WHERE a.customer_id = c.id AND a.status = 'pending') AS agreement_code, c.created_at
             FROM customers c WHERE c.status = 'pending' AND c.id > $1 ORDER BY c.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Up to `limit` agreement requests waiting, oldest first, after the id `after`.
    pub async fn pending_agreement_requests(&self, after: i64, limit: i64) -> StoreResult<Vec<PendingRow>> {
        Ok(sqlx::query_as(
            "SELECT a.id, c.id AS customer_id, c.code AS customer_code, c.name AS customer_name, c.category,
                    a.agreement_code, a.created_at
             FROM agreement_requests a JOIN customers c ON c.id = a.customer_id
             WHERE a.status = 'pending' AND a.id > $1 ORDER BY a.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Moves a pending customer to `active` or `rejected`; false if it was not pending.
    /// Rejects a pending registration, with the request's deferred effects;
    /// false when it was not pending. (An approval comes with the user's
    /// temporary password: `Along::Approval`.)
    pub async fn reject_registration(&self, customer_id: i64, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        if !activate_pending(&mut tx, customer_id, "rejected").await? {
            return Ok(false);
        }
        self.commit(tx, &[], now).await?;
        Ok(true)
    }

    /// Decides an agreement request; on approval the customer joins the
    /// agreement. Returns the customer, or None if it was not pending.
    pub async fn decide_agreement(&self, request_id: i64, approve: bool, now: i64) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let status = if approve { "approved" } else { "rejected" };
        let row: Option<(i64, String)> = sqlx::query_as(
            "UPDATE agreement_requests SET status = $2, decided_at = $3 WHERE id = $1 AND status = 'pending'
             RETURNING customer_id, agreement_code",
        )
        .bind(request_id)
        .bind(status)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((customer_id, agreement)) = row else {
            return Ok(None);
        };
        if approve {
            sqlx::query("UPDATE customers SET agreement_code = $2 WHERE id = $1")
                .bind(customer_id)
                .bind(agreement)
                .execute(&mut *tx)
                .await?;
        }
        let change = Change::upsert(Some(customer_id), Entity::Profile, customer_id);
        self.commit(tx, &[change], now).await?;
        Ok(Some(customer_id))
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
async fn activate_pending(conn: &mut sqlx::AnyConnection, customer_id: i64, status: &str) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE customers SET status = $2 WHERE id = $1 AND status = 'pending'")
        .bind(customer_id)
        .bind(status)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

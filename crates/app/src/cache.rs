//! The local cache: one SQLite file per account (WAL), migrated on open.
//! Pages from the server are ingested in one transaction each, with the
//! statements prepared once per connection; the app reads from here first,
//! so it shows data at once and keeps showing it offline.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sportello_domain::api::assets::AssetItem;
use sportello_domain::api::contracts::{ContractDetail, PlanEntry};
use sportello_domain::api::invoices::InvoiceItem;
use sportello_domain::api::notifications::Notification;
use sportello_domain::api::requests::RequestDetail;
use sportello_domain::api::schedule::ScheduleItem;
use sportello_domain::api::sync::{BookFingerprints, Fingerprint, FINGERPRINT_MODULUS};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::time::Duration;
use upsert::{upsert, Value::Int, Value::NullInt, Value::Text};

mod upsert;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("local cache: {0}")]
    Db(#[from] sqlx::Error),
    #[error("local cache migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("local cache holds unreadable data: {0}")]
    Json(#[from] serde_json::Error),
    #[error("local cache folder: {0}")]
    Io(#[from] std::io::Error),
}

pub type CacheResult<T> = Result<T, CacheError>;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone)]
pub struct Cache {
    pool: SqlitePool,
}

/// The collections a full sync fills, in the order it fills them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    Contracts,
    Schedule,
    Invoices,
    Assets,
    Requests,
    Notifications,
}

impl Collection {
    pub const ALL: [Collection; 6] = [
        Collection::Contracts,
        Collection::Schedule,
        Collection::Invoices,
        Collection::Assets,
        Collection::Requests,
        Collection::Notifications,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Collection::Contracts => "contracts",
            Collection::Schedule => "schedule",
            Collection::Invoices => "invoices",
            Collection::Assets => "assets",
            Collection::Requests => "requests",
            Collection::Notifications => "notifications",
        }
    }
}

fn json<T: Serialize>(value: &T) -> CacheResult<String> {
    Ok(serde_json::to_string(value)?)
}

impl Cache {
    pub async fn open(path: &Path) -> CacheResult<Cache> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
            crate::files::set_mode(dir, 0o700)?;
        }
        // The copy is the user's alone; SQLite gives its journal the same mode.
        std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        crate::files::set_mode(path, 0o600)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        MIGRATIONS.run(&pool).await?;
        Ok(Cache { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn meta(&self, key: &str) -> CacheResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> CacheResult<()> {
        set_meta(&mut *self.pool.acquire().await?, key, value).await
    }

    pub async fn document<T: DeserializeOwned>(&self, key: &str) -> CacheResult<Option<T>> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM documents WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }

    /// Whether a document is stored, without reading it.
    pub async fn has_document(&self, key: &str) -> CacheResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM documents WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    pub async fn put_document<T: Serialize>(&self, key: &str, value: &T) -> CacheResult<()> {
        sqlx::query(
            "INSERT INTO documents (key, body) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET body = excluded.body",
        )
        .bind(key)
        .bind(json(value)?)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Opens an ingest: rows and the sync's bookkeeping land together or not at all.
    pub async fn begin(&self) -> CacheResult<Ingest> {
        Ok(Ingest {
            tx: self.pool.begin().await?,
        })
    }

    pub async fn count(&self, collection: Collection) -> CacheResult<i64> {
        let sql = format!("SELECT COUNT(*) FROM {}", collection.name());
        Ok(sqlx::query_scalar(&sql).fetch_one(&self.pool).await?)
    }

    pub async fn plan_row_count(&self) -> CacheResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM plan_rows")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn bodies<T: DeserializeOwned>(&self, sql: &str) -> CacheResult<Vec<T>> {
        let bodies: Vec<String> = sqlx::query_scalar(sql).fetch_all(&self.pool).await?;
        bodies.iter().map(|b| Ok(serde_json::from_str(b)?)).collect()
    }

    pub async fn contracts(&self) -> CacheResult<Vec<ContractDetail>> {
        self.bodies("SELECT body FROM contracts ORDER BY id").await
    }

    pub async fn schedule(&self) -> CacheResult<Vec<ScheduleItem>> {
        self.bodies("SELECT body FROM schedule ORDER BY due_on DESC, id DESC")
            .await
    }

    /// One line of the schedule, read by its key.
    pub async fn schedule_line(&self, id: i64) -> CacheResult<Option<ScheduleItem>> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM schedule WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }

    pub async fn invoices(&self) -> CacheResult<Vec<InvoiceItem>> {
        self.bodies("SELECT body FROM invoices ORDER BY issued_on DESC, id DESC")
            .await
    }

    pub async fn assets(&self) -> CacheResult<Vec<AssetItem>> {
        self.bodies("SELECT body FROM assets ORDER BY id").await
    }

    pub async fn requests(&self) -> CacheResult<Vec<RequestDetail>> {
        self.bodies("SELECT body FROM requests ORDER BY last_action_at DESC, id DESC")
            .await
    }

    pub async fn notifications(&self) -> CacheResult<Vec<Notification>> {
        self.bodies("SELECT body FROM notifications ORDER BY id DESC").await
    }

    pub async fn plan(&self, contract_id: i64) -> CacheResult<Vec<PlanEntry>> {
        let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM plan_rows WHERE contract_id = ? ORDER BY seq")
            .bind(contract_id)
            .fetch_all(&self.pool)
            .await?;
        bodies.iter().map(|b| Ok(serde_json::from_str(b)?)).collect()
    }

    /// The copy's counts and checksums, computed as the server computes its own.
    pub async fn fingerprints(&self) -> CacheResult<BookFingerprints> {
        let term = sportello_domain::api::sync::fingerprint_sql;
        let status = "CASE status WHEN 'active' THEN 1 WHEN 'extinct' THEN 2 ELSE 3 END";
        let queries = [
            format!(
                "SELECT COUNT(*), COALESCE(SUM({}), 0) FROM contracts",
                term("id", status, "amount_cents")
            ),
            format!(
                "SELECT COUNT(*), COALESCE(SUM({}), 0) FROM schedule",
                term("id", "amount_cents", "paid_cents")
            ),
            format!(
                "SELECT COUNT(*), COALESCE(SUM({}), 0) FROM invoices",
                term("id", "total_cents", "0")
            ),
            format!(
                "SELECT COUNT(*), COALESCE(SUM({}), 0) FROM assets",
                term("id", "value_cents", "future_cents")
            ),
        ];
        let mut out = Vec::with_capacity(4);
        for sql in queries {
            let (count, sum): (i64, i64) = sqlx::query_as(&sql).fetch_one(&self.pool).await?;
            out.push(Fingerprint {
                count,
                checksum: sum.rem_euclid(FINGERPRINT_MODULUS),
            });
        }
        let [contracts, schedule, invoices, assets]: [Fingerprint; 4] = out.try_into().expect("four collections");
        Ok(BookFingerprints {
            contracts,
            schedule,
            invoices,
            assets,
        })
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

async fn set_meta(conn: &mut sqlx::SqliteConnection, key: &str, value: &str) -> CacheResult<()> {
    sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}

/// One ingest transaction.
pub struct Ingest {
    tx: Transaction<'static, Sqlite>,
}

impl Ingest {
    pub async fn commit(self) -> CacheResult<()> {
        Ok(self.tx.commit().await?)
    }

    pub async fn set_meta(&mut self, key: &str, value: &str) -> CacheResult<()> {
        set_meta(&mut self.tx, key, value).await
    }

    pub async fn contract(&mut self, c: &ContractDetail) -> CacheResult<()> {
        sqlx::query(
            "INSERT INTO contracts (id, status, end_on, amount_cents, body) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, end_on = excluded.end_on,
                 amount_cents = excluded.amount_cents, body = excluded.body",
        )
        .bind(c.id)
        .bind(c.status.as_str())
        .bind(c.end_on.to_string())
        .bind(c.amount.cents())
        .bind(json(c)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Replaces a contract's plan.
    pub async fn plan(&mut self, contract_id: i64, rows: &[PlanEntry]) -> CacheResult<()> {
        sqlx::query("DELETE FROM plan_rows WHERE contract_id = ?")
            .bind(contract_id)
            .execute(&mut *self.tx)
            .await?;
        let rows = (1_i64..)
            .zip(rows)
            .map(|(seq, row)| Ok(vec![Int(contract_id), Int(seq), Text(json(row)?)]))
            .collect::<CacheResult<_>>()?;
        upsert(&mut self.tx, "plan_rows", &["contract_id", "seq", "body"], rows, false).await
    }

    pub async fn schedule(&mut self, items: &[ScheduleItem]) -> CacheResult<()> {
        let rows = items
            .iter()
            .map(|i| {
                let advance = i.reason == sportello_domain::api::schedule::ScheduleReason::Advance;
                Ok(vec![
                    Int(i.id),
                    Int(i.contract_id),
                    Text(i.due_on.to_string()),
                    Text(i.status.as_str().into()),
                    Int(i.amount.cents()),
                    Int(i.paid.cents()),
                    Int(i64::from(advance)),
                    Text(json(i)?),
                ])
            })
            .collect::<CacheResult<_>>()?;
        let columns = [
            "id",
            "contract_id",
            "due_on",
            "status",
            "amount_cents",
            "paid_cents",
            "advance",
            "body",
        ];
        upsert(&mut self.tx, "schedule", &columns, rows, true).await
    }

    pub async fn invoices(&mut self, items: &[InvoiceItem]) -> CacheResult<()> {
        let rows = items
            .iter()
            .map(|i| {
                Ok(vec![
                    Int(i.id),
                    Text(i.issued_on.to_string()),
                    NullInt(i.contract_id),
                    Text(i.kind.as_str().into()),
                    Int(i.total.cents()),
                    Text(json(i)?),
                ])
            })
            .collect::<CacheResult<_>>()?;
        let columns = ["id", "issued_on", "contract_id", "kind", "total_cents", "body"];
        upsert(&mut self.tx, "invoices", &columns, rows, true).await
    }

    pub async fn assets(&mut self, items: &[AssetItem]) -> CacheResult<()> {
        let rows = items
            .iter()
            .map(|a| {
                Ok(vec![
                    Int(a.id),
                    Int(a.contract_id),
                    Int(a.financial_value.cents()),
                    Int(a.future_value.cents()),
                    Text(json(a)?),
                ])
            })
            .collect::<CacheResult<_>>()?;
        let columns = ["id", "contract_id", "value_cents", "future_cents", "body"];
        upsert(&mut self.tx, "assets", &columns, rows, true).await
    }

    pub async fn request(&mut self, r: &RequestDetail) -> CacheResult<()> {
        sqlx::query(
            "INSERT INTO requests (id, last_action_at, status, body) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET last_action_at = excluded.last_action_at, status = excluded.status,
                 body = excluded.body",
        )
        .bind(r.summary.id)
        .bind(r.summary.last_action_at.to_rfc3339())
        .bind(r.summary.status.as_str())
        .bind(json(r)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Upserts notifications; returns the ids that were not in the cache before.
    pub async fn notifications(&mut self, items: &[Notification]) -> CacheResult<Vec<i64>> {
        let mut new = Vec::new();
        for n in items {
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM notifications WHERE id = ?")
                .bind(n.id)
                .fetch_optional(&mut *self.tx)
                .await?;
            if known.is_none() {
                new.push(n.id);
            }
            sqlx::query(
                "INSERT INTO notifications (id, read, body) VALUES (?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET read = excluded.read, body = excluded.body",
            )
            .bind(n.id)
            .bind(i64::from(n.read))
            .bind(json(n)?)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(new)
    }

    pub async fn document<T: Serialize>(&mut self, key: &str, value: &T) -> CacheResult<()> {
        sqlx::query(
            "INSERT INTO documents (key, body) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET body = excluded.body",
        )
        .bind(key)
        .bind(json(value)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Removes a contract with its plan (the server no longer shows it).
    pub async fn delete_contract(&mut self, id: i64) -> CacheResult<()> {
        for sql in [
            "DELETE FROM plan_rows WHERE contract_id = ?",
            "DELETE FROM contracts WHERE id = ?",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Removes the rows of a collection whose ids are not in `keep` (after
    /// the collection was fetched again whole).
    pub async fn sweep(&mut self, collection: Collection, keep: &std::collections::BTreeSet<i64>) -> CacheResult<u64> {
        let sql = format!("SELECT id FROM {}", collection.name());
        let ids: Vec<i64> = sqlx::query_scalar(&sql).fetch_all(&mut *self.tx).await?;
        let mut removed = 0;
        for id in ids.into_iter().filter(|id| !keep.contains(id)) {
            if collection == Collection::Contracts {
                self.delete_contract(id).await?;
            } else {
                self.delete(collection, id).await?;
            }
            removed += 1;
        }
        Ok(removed)
    }

    /// A tombstone: the server deleted the row.
    pub async fn delete(&mut self, collection: Collection, id: i64) -> CacheResult<()> {
        let sql = format!("DELETE FROM {} WHERE id = ?", collection.name());
        sqlx::query(&sql).bind(id).execute(&mut *self.tx).await?;
        Ok(())
    }
}

//! Bulk loading for generated books (the fleet profile, benchmarks): one
//! transaction, multi-row INSERTs, ids assigned by the caller.

use super::{Engine, Store, StoreResult};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Transaction};

/// A value of a bulk row: the portable types only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Int(i64),
    Text(String),
    NullText(Option<String>),
    NullInt(Option<i64>),
}

/// Parameters per statement, well under every engine's limit.
const MAX_PARAMS: usize = 900;

pub struct BulkWriter {
    tx: Transaction<'static, Any>,
    engine: Engine,
    pool: sqlx::AnyPool,
}

pub(crate) fn bind<'q>(query: Query<'q, Any, AnyArguments<'q>>, value: Val) -> Query<'q, Any, AnyArguments<'q>> {
    match value {
        Val::Int(v) => query.bind(v),
        Val::Text(v) => query.bind(v),
        Val::NullText(v) => query.bind(v),
        Val::NullInt(v) => query.bind(v),
    }
}

impl Store {
    pub async fn bulk(&self) -> StoreResult<BulkWriter> {
        Ok(BulkWriter {
            tx: self.begin_write().await?,
            engine: self.engine,
            pool: self.pool.clone(),
        })
    }

    /// The next free id of a table.
    pub async fn next_id(&self, table: &str) -> StoreResult<i64> {
        let max: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX(id) FROM {table}"))
            .fetch_one(&self.pool)
            .await?;
        Ok(max.unwrap_or(0) + 1)
    }
}

impl BulkWriter {
    /// Takes `count` consecutive FatturaPA progressives in the load's own
    /// transaction; returns the first.
    pub async fn take_progressives(&mut self, count: i64) -> StoreResult<i64> {
        Ok(super::invoices::take_progressives(&mut self.tx, count).await? - count + 1)
    }

    pub async fn insert(&mut self, table: &str, columns: &[&str], rows: Vec<Vec<Val>>) -> StoreResult<()> {
        let per_statement = (MAX_PARAMS / columns.len()).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_statement).collect();
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            let mut n = 0;
            for (r, row) in chunk.iter().enumerate() {
                assert_eq!(row.len(), columns.len(), "a value for every column");
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..row.len() {
                    n += 1;
                    sql.push_str(&if c == 0 { format!("${n}") } else { format!(", ${n}") });
                }
                sql.push(')');
            }
            let mut query = sqlx::query(&sql);
            for value in chunk.into_iter().flatten() {
                query = bind(query, value);
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Commits; on PostgreSQL, moves the identity sequences past the ids
    /// given, then refreshes the planner's statistics: right after a bulk
    /// load they describe empty tables, and PostgreSQL sorted all 62,000
    /// schedule lines for every page (55 ms) instead of walking the index
    /// (0.3 ms); and marks the new pages all-visible, so that a covering
    /// index answers alone (the overdue total read 360 table pages for 460
    /// lines). Not on SQLite: its statistics (STAT4) make it prepare a
    /// statement again each time a range's bound value changes, a tenth of
    /// a schedule page's time, and its plans need none.
    pub async fn commit(mut self, tables_with_ids: &[&str]) -> StoreResult<()> {
        if self.engine == Engine::Postgres {
            for table in tables_with_ids {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                );
                sqlx::query(&sql).execute(&mut *self.tx).await?;
            }
        }
        self.tx.commit().await?;
        if self.engine == Engine::Postgres {
            sqlx::query("VACUUM (ANALYZE)").execute(&self.pool).await?;
        }
        Ok(())
    }
}

//! Keyset pages of the lists read newest first by (time, id): a page costs
//! the same wherever it starts, and a row that moves while a reader pages
//! moves to the front, where the change feed announces it anyway.

use super::{Store, StoreResult};

/// Where a page starts (after this (time in ms, id), None: at the newest)
/// and how many rows it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keyset {
    pub after: Option<(i64, i64)>,
    pub limit: u32,
}

impl Keyset {
    /// The first `limit` rows.
    pub fn first(limit: u32) -> Keyset {
        Keyset { after: None, limit }
    }
}

/// What a list is filtered by: one customer's rows (None: every customer's)
/// and one status (None: any).
#[derive(Clone, Copy, Debug, Default)]
pub struct Scope<'a> {
    pub customer_id: Option<i64>,
    pub status: Option<&'a str>,
}

impl Store {
    /// `limit + 1` rows of `table` newest first by (`time`, id), so the caller
    /// knows whether another page follows. The conditions are written only
    /// when they apply, so that each shape of the query uses its index.
    pub(crate) async fn newest_first<T>(
        &self,
        table: &str,
        columns: &str,
        time: &str,
        scope: Scope<'_>,
        page: Keyset,
    ) -> StoreResult<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let mut conditions = Vec::new();
        let mut next = 0;
        let mut param = || {
            next += 1;
            format!("${next}")
        };
        if scope.customer_id.is_some() {
            conditions.push(format!("customer_id = {}", param()));
        }
        if scope.status.is_some() {
            conditions.push(format!("status = {}", param()));
        }
        if page.after.is_some() {
            let (t, t_again, id) = (param(), param(), param());
            conditions.push(format!("({time} < {t} OR ({time} = {t_again} AND id < {id}))"));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let limit = param();
        let sql = format!("SELECT {columns} FROM {table} {filter} ORDER BY {time} DESC, id DESC LIMIT {limit}");
        let mut query = sqlx::query_as::<_, T>(&sql);
        if let Some(customer_id) = scope.customer_id {
            query = query.bind(customer_id);
        }
        if let Some(status) = scope.status {
            query = query.bind(status.to_owned());
        }
        if let Some((t, id)) = page.after {
            query = query.bind(t).bind(t).bind(id);
        }
        Ok(query.bind(i64::from(page.limit) + 1).fetch_all(&self.pool).await?)
    }
}

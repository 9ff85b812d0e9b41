//! Whole lists read in order for the exports, a chunk of rows to a statement.

use super::{as_of, count_of, InvoiceFilter, ListQuery, ScheduleFilter};
use crate::cache::{Cache, CacheError};
use chrono::NaiveDate;
use sportello_domain::api::assets::AssetItem;
use sportello_domain::api::invoices::InvoiceItem;
use sportello_domain::api::schedule::ScheduleItem;
use sqlx::Arguments;

/// How many rows an export reads in one statement: memory stays flat (a
/// few MiB of JSON), and the statements are few.
const EXPORT_CHUNK: i64 = 4_000;

impl Cache {
    /// Every row of a list in order, handed to `each` with its position
    /// (from 1) and the list's size. The rows come `EXPORT_CHUNK` to a
    /// statement as one JSON array (a row at a time, each crossed sqlx's
    /// worker channel with a thread switch: a third of an export's time),
    /// all from one read transaction, so a sync writing meanwhile changes
    /// nothing of what is read.
    async fn each_of<T, E>(&self, list: ListQuery, mut each: impl FnMut(T, u32, u32) -> Result<(), E>) -> Result<u32, E>
    where
        T: serde::de::DeserializeOwned,
        E: From<CacheError>,
    {
        let mut tx = self.pool().begin().await.map_err(CacheError::from)?;
        let total = count_of(&mut *tx, &list).await?;
        let (table, clause, order) = (list.table, list.conditions.clause(), &list.order);
        let sql = format!(
            "SELECT group_concat(body, ',' ORDER BY {order})
             FROM (SELECT * FROM {table} {clause} ORDER BY {order} LIMIT ? OFFSET ?)"
        );
        let mut seen = 0;
        loop {
            let mut args = list.conditions.args.clone();
            args.add(EXPORT_CHUNK).expect("an integer encodes");
            args.add(i64::from(seen)).expect("an integer encodes");
            let chunk: Option<String> = sqlx::query_scalar_with(&sql, args)
                .fetch_one(&mut *tx)
                .await
                .map_err(CacheError::from)?;
            let rows: Vec<T> = match chunk {
                Some(bodies) => serde_json::from_str(&format!("[{bodies}]")).map_err(CacheError::from)?,
                None => Vec::new(),
            };
            let last = rows.len() < EXPORT_CHUNK as usize;
            for row in rows {
                seen += 1;
                each(row, seen, total)?;
            }
            if last {
                return Ok(seen);
            }
        }
    }

    /// B3: the schedule as the screen filters and orders it, row by row.
    pub async fn each_schedule_row<E: From<CacheError>>(
        &self,
        filter: &ScheduleFilter,
        today: NaiveDate,
        mut each: impl FnMut(ScheduleItem, u32, u32) -> Result<(), E>,
    ) -> Result<u32, E> {
        self.each_of(ListQuery::schedule(filter, today), |item, done, total| {
            each(as_of(item, today), done, total)
        })
        .await
    }

    pub async fn each_invoice<E: From<CacheError>>(
        &self,
        filter: &InvoiceFilter,
        each: impl FnMut(InvoiceItem, u32, u32) -> Result<(), E>,
    ) -> Result<u32, E> {
        self.each_of(ListQuery::invoices(filter), each).await
    }

    pub async fn each_asset<E: From<CacheError>>(
        &self,
        contract_id: Option<i64>,
        each: impl FnMut(AssetItem, u32, u32) -> Result<(), E>,
    ) -> Result<u32, E> {
        self.each_of(ListQuery::assets(contract_id), each).await
    }
}

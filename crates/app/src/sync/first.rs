//! The first sync: everything once, several pages to a transaction, each
//! transaction committed with the bookmark of its last page so an
//! interrupted sync goes on from where it stopped.

use super::{bookmark, get, notifications_before, refresh_request, Progress, SyncEngine, PAGE};
use crate::api::with_query;
use crate::cache::{CacheResult, Collection, Ingest};
use crate::notifier;
use crate::AppError;
use chrono::Utc;
use futures_util::{stream, StreamExt, TryStreamExt};
use sportello_domain::api::assets::{AssetItem, AssetsQuery};
use sportello_domain::api::contracts::{ContractDetail, ContractsQuery, PlanEntry, PlanQuery};
use sportello_domain::api::invoices::{InvoiceItem, InvoicesQuery};
use sportello_domain::api::notifications::Notification;
use sportello_domain::api::operations as op;
use sportello_domain::api::requests::RequestsQuery;
use sportello_domain::api::schedule::{ScheduleItem, ScheduleQuery};
use std::collections::BTreeSet;

/// Rows a first sync's transaction takes before it commits with its
/// bookmark. SQLite writes each page of the file a transaction touched once,
/// at its commit, and the lines of one page of the schedule fall all over
/// the table and its four indexes: a transaction a page rewrote most of them
/// every 500 rows. The pages are fetched first and written together, so no
/// write lock is held while the network answers.
pub const ROWS_PER_COMMIT: usize = 5_000;

/// Contracts whose detail and plan are fetched at the same time.
const CONTRACTS_AT_ONCE: usize = 8;

/// What one page of a collection brought, fetched and not yet written.
enum Rows {
    Contracts(Vec<(ContractDetail, Vec<PlanEntry>)>),
    Schedule(Vec<ScheduleItem>),
    Invoices(Vec<InvoiceItem>),
    Assets(Vec<AssetItem>),
    Notifications(Vec<Notification>),
    /// Requests (their ids), written one by one as they were read, each
    /// with its thread.
    Written(Vec<i64>),
}

impl Rows {
    /// How many rows the page counts for a first sync's progress.
    fn count(&self) -> usize {
        match self {
            Rows::Contracts(contracts) => contracts.iter().map(|(_, plan)| 1 + plan.len()).sum(),
            Rows::Schedule(items) => items.len(),
            Rows::Invoices(items) => items.len(),
            Rows::Assets(items) => items.len(),
            Rows::Notifications(items) => items.len(),
            Rows::Written(ids) => ids.len(),
        }
    }

    /// The ids of the page's items (a contract's, not its plan rows').
    fn ids(&self) -> Vec<i64> {
        match self {
            Rows::Contracts(contracts) => contracts.iter().map(|(detail, _)| detail.id).collect(),
            Rows::Schedule(items) => items.iter().map(|i| i.id).collect(),
            Rows::Invoices(items) => items.iter().map(|i| i.id).collect(),
            Rows::Assets(items) => items.iter().map(|i| i.id).collect(),
            Rows::Notifications(items) => items.iter().map(|n| n.id).collect(),
            Rows::Written(ids) => ids.clone(),
        }
    }

    /// Pages of schedule lines or invoices joined and sorted by id: the
    /// server sends them by date, and a transaction that inserts in key
    /// order touches each page of the table once (a third faster).
    fn joined(pages: Vec<Rows>) -> Vec<Rows> {
        let mut joined: Vec<Rows> = Vec::new();
        for page in pages {
            match (joined.last_mut(), page) {
                (Some(Rows::Schedule(rows)), Rows::Schedule(more)) => rows.extend(more),
                (Some(Rows::Invoices(rows)), Rows::Invoices(more)) => rows.extend(more),
                (_, page) => joined.push(page),
            }
        }
        for rows in &mut joined {
            match rows {
                Rows::Schedule(items) => items.sort_by_key(|i| i.id),
                Rows::Invoices(items) => items.sort_by_key(|i| i.id),
                _ => {}
            }
        }
        joined
    }

    async fn write(&self, ingest: &mut Ingest) -> CacheResult<()> {
        match self {
            Rows::Contracts(contracts) => {
                for (detail, plan) in contracts {
                    ingest.contract(detail).await?;
                    ingest.plan(detail.id, plan).await?;
                }
            }
            Rows::Schedule(items) => ingest.schedule(items).await?,
            Rows::Invoices(items) => ingest.invoices(items).await?,
            Rows::Assets(items) => ingest.assets(items).await?,
            Rows::Notifications(items) => {
                ingest.notifications(items).await?;
            }
            Rows::Written(_) => {}
        }
        Ok(())
    }
}

/// What one page brought: its rows and where the next page starts.
struct Pulled {
    rows: Rows,
    next: Option<String>,
}

impl SyncEngine {
    fn report_progress(&self, rows: i64, total: i64) {
        let percent = if total > 0 {
            (rows.min(total) * 100 / total) as u8
        } else {
            100
        };
        self.status
            .send_modify(|s| s.progress = Some(Progress { rows, total, percent }));
    }

    /// Downloads everything once. The feed's cursor is taken first, so what
    /// changes meanwhile comes again as a delta; each page is committed with
    /// its bookmark, so an interrupted sync goes on from the last page.
    pub(super) async fn first_sync(&self) -> Result<(), AppError> {
        if self.cache.meta("first_sync.cursor").await?.is_none() {
            let summary = get(&self.desk, &op::notifications::SUMMARY.call(&[])).await?;
            let mut ingest = self.cache.begin().await?;
            ingest.set_meta("first_sync.total", &summary.rows().to_string()).await?;
            ingest.set_meta("first_sync.rows", "0").await?;
            ingest
                .set_meta("first_sync.cursor", &summary.cursor.to_string())
                .await?;
            ingest.commit().await?;
        }
        // Progress is told as each page arrives, and kept with the rows.
        let total = self.meta_i64("first_sync.total").await?;
        let mut done = self.meta_i64("first_sync.rows").await?;
        for collection in Collection::ALL {
            let key = format!("first_sync.{}", collection.name());
            let mut next = self.cache.meta(&key).await?.unwrap_or_default();
            while next != "done" {
                let (batch_start, mut pages) = (done, Vec::new());
                while next != "done" && done - batch_start < ROWS_PER_COMMIT as i64 {
                    let page = self.pull_page(collection, &next).await?;
                    next = page.next.clone().unwrap_or_else(|| "done".into());
                    done += i64::try_from(page.rows.count()).unwrap_or(0);
                    self.report_progress(done, total);
                    pages.push(page.rows);
                }
                let mut ingest = self.cache.begin().await?;
                for rows in Rows::joined(pages) {
                    rows.write(&mut ingest).await?;
                }
                ingest.set_meta("first_sync.rows", &done.to_string()).await?;
                ingest.set_meta(&key, &next).await?;
                ingest.commit().await?;
            }
        }
        self.refresh_documents().await?;
        crate::shop::refresh(&self.desk, &self.cache).await?;
        let cursor = self
            .cache
            .meta("first_sync.cursor")
            .await?
            .unwrap_or_else(|| "0".into());
        let mut ingest = self.cache.begin().await?;
        ingest.set_meta("cursor", &cursor).await?;
        ingest.set_meta("first_sync.complete", "1").await?;
        ingest.commit().await?;
        let unread = self.cache.notifications().await?.iter().filter(|n| !n.read).count();
        if let Some(notice) = notifier::unread_summary(unread, &self.language().await?) {
            self.notifier.show(notice);
        }
        Ok(())
    }

    /// Fetches one collection again whole and drops the rows the server no
    /// longer has; what the screens show stays readable meanwhile.
    pub(super) async fn refetch(&self, collection: Collection) -> Result<(), AppError> {
        let mut seen = BTreeSet::new();
        let mut cursor = String::new();
        loop {
            let page = self.pull_page(collection, &cursor).await?;
            let mut ingest = self.cache.begin().await?;
            page.rows.write(&mut ingest).await?;
            ingest.commit().await?;
            seen.extend(page.rows.ids());
            match page.next {
                Some(next) => cursor = next,
                None => break,
            }
        }
        let mut ingest = self.cache.begin().await?;
        ingest.sweep(collection, &seen).await?;
        ingest.commit().await?;
        Ok(())
    }

    /// One page of a collection, read from the server: its rows (written
    /// by the caller), the ids it held and the next page's bookmark.
    async fn pull_page(&self, collection: Collection, cursor: &str) -> Result<Pulled, AppError> {
        let desk = &self.desk;
        match collection {
            Collection::Contracts => {
                let query = ContractsQuery {
                    limit: Some(100),
                    cursor: bookmark(cursor),
                    ..ContractsQuery::default()
                };
                let page = get(desk, &with_query(op::contracts::LIST.call(&[]), &query)?).await?;
                // A contract's detail and plan are two requests: several
                // contracts are asked for at once, so the round trips overlap
                // (in the page's order all the same).
                // A contract gone meanwhile is left out; its removal comes as a delta.
                let fetches: Vec<_> = page.items.iter().map(|item| self.contract_with_plan(item.id)).collect();
                let contracts: Vec<Option<(ContractDetail, Vec<PlanEntry>)>> =
                    stream::iter(fetches).buffered(CONTRACTS_AT_ONCE).try_collect().await?;
                let rows = Rows::Contracts(contracts.into_iter().flatten().collect());
                Ok(Pulled {
                    rows,
                    next: page.next_cursor,
                })
            }
            Collection::Schedule => {
                let query = ScheduleQuery {
                    limit: Some(PAGE),
                    cursor: bookmark(cursor),
                    ..ScheduleQuery::default()
                };
                let page = get(desk, &with_query(op::schedule::LIST.call(&[]), &query)?).await?;
                Ok(Pulled {
                    rows: Rows::Schedule(page.items),
                    next: page.next_cursor,
                })
            }
            Collection::Invoices => {
                // Up to a year ahead: documents may carry a future issue date.
                let query = InvoicesQuery {
                    to: Some(Utc::now().date_naive() + chrono::Days::new(366)),
                    limit: Some(PAGE),
                    cursor: bookmark(cursor),
                    ..InvoicesQuery::default()
                };
                let page = get(desk, &with_query(op::invoices::LIST.call(&[]), &query)?).await?;
                Ok(Pulled {
                    rows: Rows::Invoices(page.items),
                    next: page.next_cursor,
                })
            }
            Collection::Assets => {
                let query = AssetsQuery {
                    limit: Some(PAGE),
                    cursor: bookmark(cursor),
                    ..AssetsQuery::default()
                };
                let page = get(desk, &with_query(op::assets::LIST.call(&[]), &query)?).await?;
                Ok(Pulled {
                    rows: Rows::Assets(page.items),
                    next: page.next_cursor,
                })
            }
            Collection::Requests => {
                let query = RequestsQuery {
                    status: None,
                    limit: Some(PAGE),
                    cursor: bookmark(cursor),
                };
                let page = get(desk, &with_query(op::requests::LIST.call(&[]), &query)?).await?;
                for summary in &page.items {
                    refresh_request(desk, &self.cache, summary.id).await?;
                }
                let rows = Rows::Written(page.items.iter().map(|r| r.id).collect());
                Ok(Pulled {
                    rows,
                    next: page.next_cursor,
                })
            }
            Collection::Notifications => {
                let before = cursor.parse().ok();
                let list = get(desk, &notifications_before(before)?).await?;
                let next = list.next_before.map(|id| id.to_string());
                Ok(Pulled {
                    rows: Rows::Notifications(list.items),
                    next,
                })
            }
        }
    }

    pub(super) async fn plan(&self, contract_id: i64) -> Result<Vec<PlanEntry>, AppError> {
        let mut rows = Vec::new();
        let mut cursor = String::new();
        loop {
            let query = PlanQuery {
                limit: Some(PAGE),
                cursor: bookmark(&cursor),
            };
            let call = with_query(op::contracts::PLAN.call(&[&contract_id]), &query)?;
            let page = get(&self.desk, &call).await?;
            rows.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = next,
                None => return Ok(rows),
            }
        }
    }
}

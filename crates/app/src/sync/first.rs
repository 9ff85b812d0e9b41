//! The first sync: everything once, page by page, each page committed with
//! its bookmark so an interrupted sync goes on from where it stopped.

use super::{bookmark, get, notifications_before, refresh_request, Progress, SyncEngine, PAGE};
use crate::api::with_query;
use crate::cache::{Collection, Ingest};
use crate::notifier;
use crate::AppError;
use chrono::Utc;
use sportello_domain::api::assets::AssetsQuery;
use sportello_domain::api::contracts::{ContractsQuery, PlanEntry, PlanQuery};
use sportello_domain::api::invoices::InvoicesQuery;
use sportello_domain::api::operations as op;
use sportello_domain::api::requests::RequestsQuery;
use sportello_domain::api::schedule::ScheduleQuery;
use std::collections::BTreeSet;

/// What one page brought: its rows' ids and where the next page starts.
struct Pulled {
    ids: Vec<i64>,
    next: Option<String>,
}

impl Pulled {
    fn of(ids: impl Iterator<Item = i64>, next: Option<String>) -> Pulled {
        Pulled {
            ids: ids.collect(),
            next,
        }
    }
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

    async fn count_if(&self, counting: bool, ingest: &mut Ingest, rows: usize) -> Result<(), AppError> {
        if counting {
            self.count_rows(ingest, rows).await?;
        }
        Ok(())
    }

    /// Counts `rows` more in the same transaction as the rows themselves.
    async fn count_rows(&self, ingest: &mut Ingest, rows: usize) -> Result<(), AppError> {
        let done = self.meta_i64("first_sync.rows").await? + i64::try_from(rows).unwrap_or(0);
        ingest.set_meta("first_sync.rows", &done.to_string()).await?;
        let total = self.meta_i64("first_sync.total").await?;
        self.report_progress(done, total);
        Ok(())
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
        for collection in Collection::ALL {
            let key = format!("first_sync.{}", collection.name());
            let mut next = self.cache.meta(&key).await?.unwrap_or_default();
            while next != "done" {
                next = self
                    .pull_page(collection, &next, true)
                    .await?
                    .next
                    .unwrap_or_else(|| "done".into());
                let mut ingest = self.cache.begin().await?;
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
            let page = self.pull_page(collection, &cursor, false).await?;
            seen.extend(page.ids);
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

    /// One page of a collection: the ids it held and the next page's bookmark.
    /// `counting` adds its rows to a first sync's progress.
    async fn pull_page(&self, collection: Collection, cursor: &str, counting: bool) -> Result<Pulled, AppError> {
        let desk = &self.desk;
        match collection {
            Collection::Contracts => {
                let query = ContractsQuery {
                    limit: Some(100),
                    cursor: bookmark(cursor),
                    ..ContractsQuery::default()
                };
                let page = get(desk, &with_query(op::contracts::LIST.call(&[]), &query)?).await?;
                for item in &page.items {
                    let detail = get(desk, &op::contracts::DETAIL.call(&[&item.id])).await?;
                    let plan = self.plan(item.id).await?;
                    let mut ingest = self.cache.begin().await?;
                    ingest.contract(&detail).await?;
                    ingest.plan(item.id, &plan).await?;
                    self.count_if(counting, &mut ingest, 1 + plan.len()).await?;
                    ingest.commit().await?;
                }
                Ok(Pulled::of(page.items.iter().map(|i| i.id), page.next_cursor))
            }
            Collection::Schedule => {
                let query = ScheduleQuery {
                    limit: Some(PAGE),
                    cursor: bookmark(cursor),
                    ..ScheduleQuery::default()
                };
                let page = get(desk, &with_query(op::schedule::LIST.call(&[]), &query)?).await?;
                let mut ingest = self.cache.begin().await?;
                ingest.schedule(&page.items).await?;
                self.count_if(counting, &mut ingest, page.items.len()).await?;
                ingest.commit().await?;
                Ok(Pulled::of(page.items.iter().map(|i| i.id), page.next_cursor))
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
                let mut ingest = self.cache.begin().await?;
                ingest.invoices(&page.items).await?;
                self.count_if(counting, &mut ingest, page.items.len()).await?;
                ingest.commit().await?;
                Ok(Pulled::of(page.items.iter().map(|i| i.id), page.next_cursor))
            }
            Collection::Assets => {
                let query = AssetsQuery {
                    limit: Some(PAGE),
                    cursor: bookmark(cursor),
                    ..AssetsQuery::default()
                };
                let page = get(desk, &with_query(op::assets::LIST.call(&[]), &query)?).await?;
                let mut ingest = self.cache.begin().await?;
                ingest.assets(&page.items).await?;
                self.count_if(counting, &mut ingest, page.items.len()).await?;
                ingest.commit().await?;
                Ok(Pulled::of(page.items.iter().map(|i| i.id), page.next_cursor))
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
                let mut ingest = self.cache.begin().await?;
                self.count_if(counting, &mut ingest, page.items.len()).await?;
                ingest.commit().await?;
                Ok(Pulled::of(page.items.iter().map(|r| r.id), page.next_cursor))
            }
            Collection::Notifications => {
                let before = cursor.parse().ok();
                let list = get(desk, &notifications_before(before)?).await?;
                let mut ingest = self.cache.begin().await?;
                ingest.notifications(&list.items).await?;
                self.count_if(counting, &mut ingest, list.items.len()).await?;
                ingest.commit().await?;
                Ok(Pulled::of(
                    list.items.iter().map(|n| n.id),
                    list.next_before.map(|id| id.to_string()),
                ))
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

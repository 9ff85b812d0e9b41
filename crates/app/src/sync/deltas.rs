//! Deltas: the change feed applied from the cache's cursor, each page in
//! one transaction with its cursor.

use super::*;
use sportello_domain::api::operations as op;
use sportello_domain::api::sync::ChangesQuery;

impl SyncEngine {
    /// Applies the change feed from the cursor; returns (changes, idle).
    pub(super) async fn deltas(&self) -> Result<(usize, bool), AppError> {
        let mut applied = 0;
        loop {
            let cursor = self.meta_i64("cursor").await?;
            // The ETag is only good for the cursor it was answered at.
            let remembered = self.cache.meta("changes.etag").await?;
            let etag = remembered
                .as_deref()
                .and_then(|v| v.strip_prefix(&format!("{cursor} ")));
            let changes = ChangesQuery {
                after: Some(cursor),
                limit: Some(i64::from(PAGE)),
            };
            let call = with_query(op::notifications::CHANGES.call(&[]), &changes)?;
            match fetch(&self.desk, &call, etag).await? {
                Fetched::NotModified => return Ok((applied, applied == 0)),
                Fetched::Fresh(page, tag) => {
                    if page.items.is_empty() {
                        if let Some(tag) = tag {
                            self.cache.set_meta("changes.etag", &format!("{cursor} {tag}")).await?;
                        }
                        return Ok((applied, false));
                    }
                    applied += page.items.len();
                    self.apply(&page).await?;
                }
            }
        }
    }

    /// Fetches what a page of changes names, then stores it with the new cursor in one transaction.
    async fn apply(&self, page: &ChangePage) -> Result<(), AppError> {
        let desk = &self.desk;
        let ids = |entity: Entity| -> BTreeSet<i64> {
            page.items
                .iter()
                .filter(|c| c.entity == entity)
                .filter_map(|c| c.entity_id.parse().ok())
                .collect()
        };
        let touches = |entity: Entity| page.items.iter().any(|c| c.entity == entity);
        let mut requests = Vec::new();
        for id in ids(Entity::Request) {
            requests.push((id, get_if_any(desk, &op::requests::DETAIL.call(&[&id])).await?));
        }
        let mut invoices = Vec::new();
        for id in ids(Entity::Invoice) {
            invoices.push((id, get_if_any(desk, &op::invoices::ITEM.call(&[&id])).await?));
        }
        let mut contracts = Vec::new();
        for id in ids(Entity::Contract) {
            contracts.push((id, self.contract_with_plan(id).await?));
        }
        let line_ids = ids(Entity::ScheduleLine);
        // A nightly load touches thousands of lines: the whole schedule in pages is cheaper.
        let whole_schedule = line_ids.len() > ONE_BY_ONE;
        let mut lines = Vec::new();
        if !whole_schedule {
            for id in line_ids {
                lines.push((id, get_if_any(desk, &op::schedule::ITEM.call(&[&id])).await?));
            }
        }
        let mut assets = Vec::new();
        for id in ids(Entity::Asset) {
            assets.push((id, get_if_any(desk, &op::assets::ITEM.call(&[&id])).await?));
        }
        let notifications: Option<NotificationList> = match touches(Entity::Notification) {
            true => Some(get(desk, &notifications_before(None)?).await?),
            false => None,
        };
        let book = [Entity::Invoice, Entity::Contract, Entity::ScheduleLine, Entity::Asset];
        if touches(Entity::Profile) || touches(Entity::SubUser) || book.into_iter().any(touches) {
            self.refresh_documents().await?;
        }
        // A notification may tell of an approved agreement, which changes the prices.
        if [Entity::Order, Entity::Quote, Entity::Wallet, Entity::Notification]
            .into_iter()
            .any(touches)
        {
            crate::shop::refresh(desk, &self.cache).await?;
        }
        if whole_schedule {
            self.refetch(Collection::Schedule).await?;
        }
        let mut ingest = self.cache.begin().await?;
        for (id, detail) in &requests {
            match detail {
                Some(d) => ingest.request(d).await?,
                None => ingest.delete(Collection::Requests, *id).await?,
            }
        }
        for (id, item) in &invoices {
            match item {
                Some(i) => ingest.invoices(std::slice::from_ref(i)).await?,
                None => ingest.delete(Collection::Invoices, *id).await?,
            }
        }
        for (id, found) in &contracts {
            match found {
                Some((detail, plan)) => {
                    ingest.contract(detail).await?;
                    ingest.plan(*id, plan).await?;
                }
                None => ingest.delete_contract(*id).await?,
            }
        }
        for (id, item) in &lines {
            match item {
                Some(i) => ingest.schedule(std::slice::from_ref(i)).await?,
                None => ingest.delete(Collection::Schedule, *id).await?,
            }
        }
        for (id, item) in &assets {
            match item {
                Some(a) => ingest.assets(std::slice::from_ref(a)).await?,
                None => ingest.delete(Collection::Assets, *id).await?,
            }
        }
        let new_ids = match &notifications {
            Some(list) => ingest.notifications(&list.items).await?,
            None => Vec::new(),
        };
        ingest.set_meta("cursor", &page.cursor.to_string()).await?;
        ingest.commit().await?;
        if let Some(list) = notifications {
            let new: Vec<Notification> = list.items.into_iter().filter(|n| new_ids.contains(&n.id)).collect();
            let language = self.language().await?;
            for notice in notifier::notices(&new, &language) {
                self.notifier.show(notice);
            }
        }
        Ok(())
    }

    /// A contract's detail and whole plan, or None when it is no longer the customer's.
    pub(super) async fn contract_with_plan(
        &self,
        id: i64,
    ) -> Result<Option<(ContractDetail, Vec<PlanEntry>)>, AppError> {
        match get_if_any(&self.desk, &op::contracts::DETAIL.call(&[&id])).await? {
            Some(detail) => Ok(Some((detail, self.plan(id).await?))),
            None => Ok(None),
        }
    }
}

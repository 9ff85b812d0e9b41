//! What the screens read: pages of the cache's lists, filtered and sorted in
//! SQL so that a list of 60,000 rows never crosses the IPC bridge whole.
//! A contract's own views (its plan, its payoff) are in `contracts`.

mod contracts;
mod messages;
mod rows;

pub use messages::{MessageFilter, MessageKind, MessagesView};

use crate::cache::{Cache, CacheResult};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sportello_domain::amortization::RowKind;
use sportello_domain::api::assets::AssetItem;
use sportello_domain::api::contracts::{ContractDetail, ContractStatus, PlanEntry};
use sportello_domain::api::invoices::InvoiceItem;
use sportello_domain::api::notifications::Notification;
use sportello_domain::api::requests::{PayoffInstallment, PayoffQuote, RequestDetail, RequestSummary};
use sportello_domain::api::schedule::{ScheduleItem, ScheduleReason};
use sportello_domain::situation::{PaymentStatus, ScheduleLine, Situation};
use sportello_domain::Money;
use sqlx::sqlite::SqliteArguments;
use sqlx::Arguments;
use ts_rs::TS;

/// The most rows one page may ask for: a screenful many times over.
pub const MAX_PAGE: u32 = 500;

/// A window onto a list: `offset` rows skipped, at most `limit` returned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct Window {
    pub offset: u32,
    pub limit: u32,
}

impl Window {
    fn limit(self) -> i64 {
        i64::from(self.limit.clamp(1, MAX_PAGE))
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Sort {
    /// Newest first, as the company's statements list them.
    #[default]
    Desc,
    Asc,
}

impl Sort {
    fn sql(self) -> &'static str {
        match self {
            Sort::Desc => "DESC",
            Sort::Asc => "ASC",
        }
    }
}

/// B1: the schedule's orders. A customer looks first for what is overdue and
/// what falls due next, so that is where the list opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ScheduleOrder {
    /// Lines still owed from the oldest due date (overdue, then upcoming),
    /// then the settled ones from the newest.
    #[default]
    Attention,
    Desc,
    Asc,
}

impl ScheduleOrder {
    /// `attention` is an indexed column of the cache (migration 0005), so the
    /// first page of a 60,000-line fleet is read off the index, not sorted.
    fn sql(self) -> &'static str {
        match self {
            ScheduleOrder::Attention => "attention, id",
            ScheduleOrder::Desc => "due_on DESC, id DESC",
            ScheduleOrder::Asc => "due_on ASC, id ASC",
        }
    }
}

/// B1: the schedule's filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct ScheduleFilter {
    #[ts(type = "number | null")]
    pub contract_id: Option<i64>,
    pub status: Option<PaymentStatus>,
    #[serde(default)]
    pub sort: ScheduleOrder,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ScheduleView {
    /// Rows matching the filter, all pages together.
    pub total: u32,
    /// B1 "saldo scaduto": the overdue balance of the chosen contract(s).
    pub overdue_total: Money,
    pub rows: Vec<ScheduleItem>,
}

/// B4: invoices and credit notes issued in a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct InvoiceFilter {
    #[ts(type = "number | null")]
    pub contract_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub sort: Sort,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct InvoicesView {
    pub total: u32,
    pub rows: Vec<InvoiceItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AssetsView {
    pub total: u32,
    pub rows: Vec<AssetItem>,
}

/// C1: one entry of the contract selector, "<product> - <status> - expires <date>".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ContractOption {
    #[ts(type = "number")]
    pub id: i64,
    /// As printed everywhere: "number/module".
    pub contract_no: String,
    pub product: String,
    pub status: ContractStatus,
    pub end_on: NaiveDate,
}

/// C2 and C4: a contract's page with its whole plan (a few hundred rows at most).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ContractView {
    pub contract: ContractDetail,
    pub plan: Vec<PlanEntry>,
}

/// H4: the bell's badge and preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct NotificationsView {
    pub unread: u32,
    pub latest: Vec<Notification>,
}

/// Builds `WHERE` clauses and their arguments together, so that a filter can
/// never be spliced into the SQL text.
#[derive(Default)]
struct Conditions {
    sql: Vec<&'static str>,
    args: SqliteArguments<'static>,
}

impl Conditions {
    fn add<T>(&mut self, clause: &'static str, value: Option<T>)
    where
        T: 'static + Send + sqlx::Encode<'static, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        if let Some(value) = value {
            self.sql.push(clause);
            self.args.add(value).expect("a plain value encodes");
        }
    }

    /// A clause without a value.
    fn always(&mut self, clause: &'static str) {
        self.sql.push(clause);
    }

    fn clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.sql.join(" AND "))
        }
    }
}

/// A line as it stands on `today`: status, balance and overdue balance
/// come from its amount and what was collected, by the domain's rule.
fn as_of(mut item: ScheduleItem, today: NaiveDate) -> ScheduleItem {
    let line = ScheduleLine {
        due_on: item.due_on,
        amount: item.amount,
        paid: item.paid,
        is_advance: item.reason == ScheduleReason::Advance,
    };
    item.status = line.status(today);
    item.balance = line.balance();
    item.overdue_balance = line.overdue_balance(today);
    item
}

fn parse_all<T: serde::de::DeserializeOwned>(bodies: Vec<String>) -> CacheResult<Vec<T>> {
    bodies.iter().map(|b| Ok(serde_json::from_str(b)?)).collect()
}

fn count(total: i64) -> u32 {
    u32::try_from(total).unwrap_or(u32::MAX)
}

/// A list's query: the screen's filter and order, to read a page of or whole.
struct ListQuery {
    /// A fixed name from this file, never user input.
    table: &'static str,
    conditions: Conditions,
    order: String,
}

impl ListQuery {
    /// The status is derived from the line's figures on `today`, as the domain's rule says.
    fn schedule(filter: &ScheduleFilter, today: NaiveDate) -> ListQuery {
        let mut conditions = Conditions::default();
        conditions.add("contract_id = ?", filter.contract_id);
        let today = Some(today.to_string());
        match filter.status {
            None => {}
            Some(PaymentStatus::Paid) => conditions.always("paid_cents >= amount_cents"),
            Some(PaymentStatus::Overdue) => conditions.add("paid_cents < amount_cents AND due_on < ?", today),
            Some(PaymentStatus::Due) => conditions.add("paid_cents < amount_cents AND due_on >= ?", today),
        }
        ListQuery {
            table: "schedule",
            conditions,
            order: filter.sort.sql().to_owned(),
        }
    }

    fn invoices(filter: &InvoiceFilter) -> ListQuery {
        let mut conditions = Conditions::default();
        conditions.add("contract_id = ?", filter.contract_id);
        conditions.add("issued_on >= ?", filter.from.map(|d| d.to_string()));
        conditions.add("issued_on <= ?", filter.to.map(|d| d.to_string()));
        let sort = filter.sort.sql();
        ListQuery {
            table: "invoices",
            conditions,
            order: format!("issued_on {sort}, id {sort}"),
        }
    }

    fn assets(contract_id: Option<i64>) -> ListQuery {
        let mut conditions = Conditions::default();
        conditions.add("contract_id = ?", contract_id);
        ListQuery {
            table: "assets",
            conditions,
            order: "contract_id, id".to_owned(),
        }
    }
}

/// How many rows a list has, read through `db` (the pool, or an export's transaction).
async fn count_of<'e>(db: impl sqlx::SqliteExecutor<'e>, list: &ListQuery) -> CacheResult<u32> {
    let total: i64 = sqlx::query_scalar_with(
        &format!("SELECT COUNT(*) FROM {} {}", list.table, list.conditions.clause()),
        list.conditions.args.clone(),
    )
    .fetch_one(db)
    .await?;
    Ok(count(total))
}

impl Cache {
    async fn page_of<T: serde::de::DeserializeOwned>(
        &self,
        list: &ListQuery,
        window: Window,
    ) -> CacheResult<(u32, Vec<T>)> {
        let total = count_of(self.pool(), list).await?;
        let mut args = list.conditions.args.clone();
        args.add(window.limit()).expect("an integer encodes");
        args.add(i64::from(window.offset)).expect("an integer encodes");
        let bodies: Vec<String> = sqlx::query_scalar_with(
            &format!(
                "SELECT body FROM {} {} ORDER BY {} LIMIT ? OFFSET ?",
                list.table,
                list.conditions.clause(),
                list.order
            ),
            args,
        )
        .fetch_all(self.pool())
        .await?;
        Ok((total, parse_all(bodies)?))
    }

    pub async fn schedule_page(
        &self,
        filter: &ScheduleFilter,
        window: Window,
        today: NaiveDate,
    ) -> CacheResult<ScheduleView> {
        let (total, rows) = self
            .page_of::<ScheduleItem>(&ListQuery::schedule(filter, today), window)
            .await?;
        Ok(ScheduleView {
            total,
            overdue_total: self.overdue_total(filter.contract_id, today).await?,
            rows: rows.into_iter().map(|item| as_of(item, today)).collect(),
        })
    }

    /// Summed in whole cents, which SQLite adds exactly.
    async fn overdue_total(&self, contract_id: Option<i64>, today: NaiveDate) -> CacheResult<Money> {
        let mut conditions = Conditions::default();
        conditions.add("contract_id = ?", contract_id);
        conditions.add("paid_cents < amount_cents AND due_on < ?", Some(today.to_string()));
        let cents: i64 = sqlx::query_scalar_with(
            &format!(
                "SELECT COALESCE(SUM(amount_cents - paid_cents), 0) FROM schedule {}",
                conditions.clause()
            ),
            conditions.args,
        )
        .fetch_one(self.pool())
        .await?;
        Ok(Money::from_cents(cents))
    }

    /// H1 from the copy on `today`: the lines of the active contracts.
    pub async fn situation(&self, today: NaiveDate) -> CacheResult<Situation> {
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT s.due_on, s.amount_cents, s.paid_cents, s.advance FROM schedule s
             JOIN contracts c ON c.id = s.contract_id WHERE c.status = 'active'",
        )
        .fetch_all(self.pool())
        .await?;
        let lines: Vec<ScheduleLine> = rows
            .into_iter()
            .filter_map(|(due_on, amount, paid, advance)| {
                Some(ScheduleLine {
                    due_on: due_on.parse().ok()?,
                    amount: Money::from_cents(amount),
                    paid: Money::from_cents(paid),
                    is_advance: advance != 0,
                })
            })
            .collect();
        Ok(Situation::compute(today, &lines))
    }

    pub async fn invoices_page(&self, filter: &InvoiceFilter, window: Window) -> CacheResult<InvoicesView> {
        let (total, rows) = self.page_of(&ListQuery::invoices(filter), window).await?;
        Ok(InvoicesView { total, rows })
    }

    /// What was paid against each invoice number, from the schedule rows it bills.
    pub async fn paid_by_invoice(&self) -> CacheResult<std::collections::HashMap<String, Money>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT json_extract(body, '$.invoice_number'), json_extract(body, '$.paid') FROM schedule \
             WHERE json_extract(body, '$.invoice_number') IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await?;
        let mut paid = std::collections::HashMap::new();
        for (number, amount) in rows {
            let amount: Money = serde_json::from_value(serde_json::Value::String(amount))?;
            let sum = paid.entry(number).or_insert(Money::ZERO);
            *sum = *sum + amount;
        }
        Ok(paid)
    }

    pub async fn assets_page(&self, contract_id: Option<i64>, window: Window) -> CacheResult<AssetsView> {
        let (total, rows) = self.page_of(&ListQuery::assets(contract_id), window).await?;
        Ok(AssetsView { total, rows })
    }

    /// One item of a collection by its id. ``table` is a fixed name from this file, never user input.
    async fn by_id<T: serde::de::DeserializeOwned>(&self, table: &str, id: i64) -> CacheResult<Option<T>> {
        let body: Option<String> = sqlx::query_scalar(&format!("SELECT body FROM {table} WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        body.map(|b| Ok(serde_json::from_str(&b)?)).transpose()
    }

    pub async fn invoice(&self, id: i64) -> CacheResult<Option<InvoiceItem>> {
        self.by_id("invoices", id).await
    }

    pub async fn request_list(&self) -> CacheResult<Vec<RequestSummary>> {
        Ok(self.requests().await?.into_iter().map(|r| r.summary).collect())
    }

    pub async fn request_detail(&self, id: i64) -> CacheResult<Option<RequestDetail>> {
        self.by_id("requests", id).await
    }

    pub async fn notifications_view(&self, latest: u32) -> CacheResult<NotificationsView> {
        let unread: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE read = 0")
            .fetch_one(self.pool())
            .await?;
        let bodies = sqlx::query_scalar("SELECT body FROM notifications ORDER BY id DESC LIMIT ?")
            .bind(i64::from(latest))
            .fetch_all(self.pool())
            .await?;
        Ok(NotificationsView {
            unread: count(unread),
            latest: parse_all(bodies)?,
        })
    }

    /// Marks notifications read here once the server took the change (`None`: all of them).
    pub async fn mark_read(&self, id: Option<i64>) -> CacheResult<()> {
        let sql = "UPDATE notifications SET read = 1, body = json_set(body, '$.read', json('true'))";
        match id {
            Some(id) => {
                sqlx::query(&format!("{sql} WHERE id = ?"))
                    .bind(id)
                    .execute(self.pool())
                    .await?
            }
            None => sqlx::query(sql).execute(self.pool()).await?,
        };
        Ok(())
    }
}

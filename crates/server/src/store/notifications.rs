//! Notifications with per-user read state. A notification with no customer
//! is a company broadcast that every customer sees.

use super::bulk::Val;
use super::feed::Change;
use super::filters::Where;
use super::{Store, StoreResult};
use sportello_domain::api::sync::Entity;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub kind: String,
    pub request_id: Option<i64>,
    pub request_code: Option<String>,
    pub order_id: Option<i64>,
    pub quote_id: Option<i64>,
    pub invoice_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read: i64,
}

/// Visible to a user: broadcasts and the notifications of the user's customer.
const VISIBLE: &str = "(n.customer_id IS NULL OR n.customer_id = $1)";

/// A page's row, with the unread count computed once for the statement.
#[derive(sqlx::FromRow)]
struct PageRow {
    #[sqlx(flatten)]
    row: NotificationRow,
    unread: i64,
}

/// How many notifications the user can see and has not read.
fn unread_sql(customer: &str, user: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM notifications n WHERE {} AND NOT EXISTS
         (SELECT 1 FROM notification_reads x WHERE x.notification_id = n.id AND x.user_id = {user})",
        VISIBLE.replace("$1", customer)
    )
}

impl Store {
    pub async fn insert_notification(
        &self,
        customer_id: Option<i64>,
        kind: &str,
        request_id: Option<i64>,
        title: &str,
        body: &str,
        now: i64,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let n = super::unit::NewNotification {
            customer_id,
            kind: kind.to_owned(),
            request_id,
            order_id: None,
            quote_id: None,
            contract_id: None,
            title: title.to_owned(),
            body: body.to_owned(),
        };
        let change = insert_in(&mut tx, &n, now).await?;
        let id: i64 = change.entity_id.parse().unwrap_or_default();
        let created = super::unit::Created {
            id,
            code: String::new(),
        };
        self.commit_created(tx, &[change], &created, now).await?;
        Ok(id)
    }

    /// A notification in a transaction of its own (outside a request unit).
    pub async fn insert_notification_row(&self, n: &super::unit::NewNotification, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let change = insert_in(&mut tx, n, now).await?;
        self.commit(tx, &[change], now).await
    }

    /// Newest first, ids below `before` (0: from the newest), with how many
    /// of all the user's notifications are unread: one statement, one snapshot.
    /// The request's code and the read mark are subqueries of the page's
    /// rows, so the statement walks the notifications' index backwards and
    /// stops at the page's end whatever the size of the requests table.
    pub async fn notifications(
        &self,
        customer_id: i64,
        user_id: i64,
        before: i64,
        limit: i64,
    ) -> StoreResult<(Vec<NotificationRow>, i64)> {
        let mut w = Where::new(&VISIBLE.replace("$1", "?"), [Val::Int(customer_id)]);
        if before != 0 {
            w.and("n.id < ?", [Val::Int(before)]);
        }
        let user = w.then(Val::Int(user_id));
        let unread = unread_sql(&w.then(Val::Int(customer_id)), &w.then(Val::Int(user_id)));
        let sql = format!(
            "SELECT n.id, n.kind, n.request_id, (SELECT r.code FROM requests r WHERE r.id = n.request_id) AS request_code,
                    n.order_id, n.quote_id, n.invoice_id, n.contract_id, n.title, n.body, n.created_at,
                    CASE WHEN EXISTS (SELECT 1 FROM notification_reads x WHERE x.notification_id = n.id AND x.user_id = {user})
                         THEN 1 ELSE 0 END AS read,
                    ({unread}) AS unread
             FROM notifications n
             WHERE {} ORDER BY n.id DESC LIMIT {limit}",
            w.sql
        );
        let rows: Vec<PageRow> = w.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?;
        let unread = match rows.first() {
            Some(row) => row.unread,
            None => self.unread_count(customer_id, user_id).await?,
        };
        Ok((rows.into_iter().map(|r| r.row).collect(), unread))
    }

    pub async fn unread_count(&self, customer_id: i64, user_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(&unread_sql("$1", "$2"))
            .bind(customer_id)
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Marks one notification read; false if the user cannot see it.
    pub async fn mark_read(&self, customer_id: i64, user_id: i64, id: i64, now: i64) -> StoreResult<bool> {
        let sql = format!("SELECT COUNT(*) FROM notifications n WHERE {VISIBLE} AND n.id = $2");
        let mut tx = self.begin_write().await?;
        let visible: i64 = sqlx::query_scalar(&sql)
            .bind(customer_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if visible == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES ($1, $2, $3)
             ON CONFLICT (notification_id, user_id) DO NOTHING",
        )
        .bind(id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], now).await?;
        Ok(true)
    }

    /// Marks every visible notification read; returns how many were unread.
    pub async fn mark_all_read(&self, customer_id: i64, user_id: i64, now: i64) -> StoreResult<u64> {
        let sql = format!(
            "INSERT INTO notification_reads (notification_id, user_id, read_at)
             SELECT n.id, $2, $3 FROM notifications n WHERE {VISIBLE}
             ON CONFLICT (notification_id, user_id) DO NOTHING"
        );
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(&sql)
            .bind(customer_id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[], now).await?;
        Ok(done.rows_affected())
    }
}

/// A notification inside the caller's transaction; returns the change that
/// announces it.
pub(crate) async fn insert_in(
    conn: &mut sqlx::AnyConnection,
    n: &super::unit::NewNotification,
    now: i64,
) -> StoreResult<Change> {
    Ok(insert_row(conn, n, now).await?.1)
}

/// A notification inside the caller's transaction: its id and its change.
async fn insert_row(
    conn: &mut sqlx::AnyConnection,
    n: &super::unit::NewNotification,
    now: i64,
) -> StoreResult<(i64, Change)> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notifications (customer_id, kind, request_id, order_id, quote_id, title, body, created_at,
             contract_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(n.customer_id)
    .bind(&n.kind)
    .bind(n.request_id)
    .bind(n.order_id)
    .bind(n.quote_id)
    .bind(&n.title)
    .bind(&n.body)
    .bind(now)
    .bind(n.contract_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((id, Change::upsert(n.customer_id, Entity::Notification, id)))
}

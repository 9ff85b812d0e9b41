//! SQL of the book feed: rows keyed by the company's identifiers, written
//! only where they differ from what is stored, inside the import's one
//! transaction. A keyed upsert reads the stored row, compares it column by
//! column with the record and then inserts, updates or leaves it.

use super::bulk::{bind, Val};
use super::StoreResult;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// What a keyed upsert did, with the row's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created(i64),
    Updated(i64),
    Unchanged(i64),
}

impl Outcome {
    pub fn id(self) -> i64 {
        match self {
            Outcome::Created(id) | Outcome::Updated(id) | Outcome::Unchanged(id) => id,
        }
    }

    pub fn changed(self) -> bool {
        !matches!(self, Outcome::Unchanged(_))
    }
}

/// Reads a row's columns as the template's kinds of value.
fn read(row: &AnyRow, offset: usize, template: &[Val]) -> StoreResult<Vec<Val>> {
    template
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let at = offset + i;
            Ok(match kind {
                Val::Int(_) => Val::Int(row.try_get(at)?),
                Val::Text(_) => Val::Text(row.try_get(at)?),
                Val::NullText(_) => Val::NullText(row.try_get(at)?),
                Val::NullInt(_) => Val::NullInt(row.try_get(at)?),
            })
        })
        .collect()
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The row a keyed upsert writes: what finds it, what it must hold, and
/// what only a new row gets (creation time, register numbers).
pub struct Keyed<'a> {
    pub table: &'a str,
    pub keys: Vec<(&'a str, Val)>,
    pub columns: &'a [&'a str],
    pub values: Vec<Val>,
    pub insert_only: Vec<(&'a str, Val)>,
}

/// Inserts or updates the row of `table` whose `keys` match, with `columns` set to `values`.
pub async fn upsert(conn: &mut AnyConnection, row: Keyed<'_>) -> StoreResult<Outcome> {
    let Keyed {
        table,
        keys,
        columns,
        values,
        insert_only,
    } = row;
    let filter = keys
        .iter()
        .enumerate()
        .map(|(i, (k, _))| format!("{k} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    let select = format!("SELECT id, {} FROM {table} WHERE {filter}", columns.join(", "));
    let mut query = sqlx::query(&select);
    for (_, v) in &keys {
        query = bind(query, v.clone());
    }
    if let Some(row) = query.fetch_optional(&mut *conn).await? {
        let id: i64 = row.try_get(0)?;
        if read(&row, 1, &values)? == values {
            return Ok(Outcome::Unchanged(id));
        }
        let set = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("UPDATE {table} SET {set} WHERE id = $1");
        let mut update = sqlx::query(&sql).bind(id);
        for v in values {
            update = bind(update, v);
        }
        update.execute(&mut *conn).await?;
        return Ok(Outcome::Updated(id));
    }
    let names: Vec<&str> = keys
        .iter()
        .map(|(k, _)| *k)
        .chain(columns.iter().copied())
        .chain(insert_only.iter().map(|(k, _)| *k))
        .collect();
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({}) RETURNING id",
        names.join(", "),
        placeholders(1, names.len())
    );
    let mut query = sqlx::query_scalar(&insert);
    let all = keys
        .into_iter()
        .map(|(_, v)| v)
        .chain(values)
        .chain(insert_only.into_iter().map(|(_, v)| v));
    for v in all {
        query = match v {
            Val::Int(x) => query.bind(x),
            Val::Text(x) => query.bind(x),
            Val::NullText(x) => query.bind(x),
            Val::NullInt(x) => query.bind(x),
        };
    }
    Ok(Outcome::Created(query.fetch_one(&mut *conn).await?))
}

/// Replaces the rows of `table` that belong to `parent` when they differ
/// from `rows` (in `order_by` order); returns whether anything changed.
pub async fn replace_children(
    conn: &mut AnyConnection,
    table: &str,
    parent: (&str, i64),
    order_by: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
) -> StoreResult<bool> {
    let select = format!(
        "SELECT {} FROM {table} WHERE {} = $1 ORDER BY {order_by}",
        columns.join(", "),
        parent.0
    );
    let stored = sqlx::query(&select).bind(parent.1).fetch_all(&mut *conn).await?;
    if stored.len() == rows.len() {
        let mut same = true;
        for (row, wanted) in stored.iter().zip(&rows) {
            if read(row, 0, wanted)? != *wanted {
                same = false;
                break;
            }
        }
        if same {
            return Ok(false);
        }
    }
    sqlx::query(&format!("DELETE FROM {table} WHERE {} = $1", parent.0))
        .bind(parent.1)
        .execute(&mut *conn)
        .await?;
    let insert = format!(
        "INSERT INTO {table} ({}, {}) VALUES ({})",
        parent.0,
        columns.join(", "),
        placeholders(1, columns.len() + 1)
    );
    for row in rows {
        let mut query = sqlx::query(&insert).bind(parent.1);
        for v in row {
            query = bind(query, v);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(true)
}

/// The id of a row found by one text key.
pub async fn id_by(conn: &mut AnyConnection, table: &str, column: &str, key: &str) -> StoreResult<Option<i64>> {
    Ok(
        sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE {column} = $1"))
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// A contract's id and customer by "contract_no/module_no".
pub async fn contract_by_key(conn: &mut AnyConnection, no: &str, module: &str) -> StoreResult<Option<(i64, i64)>> {
    Ok(
        sqlx::query_as("SELECT id, customer_id FROM contracts WHERE contract_no = $1 AND module_no = $2")
            .bind(no)
            .bind(module)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Sets a line's collected amount to the sum of its collections; returns
/// the line's (contract, amount, paid before, paid now).
pub async fn settle_line(conn: &mut AnyConnection, entry_id: i64) -> StoreResult<(i64, i64, i64, i64)> {
    let (contract_id, amount, before): (i64, i64, i64) =
        sqlx::query_as("SELECT contract_id, amount_cents, paid_cents FROM schedule_entries WHERE id = $1")
            .bind(entry_id)
            .fetch_one(&mut *conn)
            .await?;
    let now: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM payments WHERE entry_id = $1")
            .bind(entry_id)
            .fetch_one(&mut *conn)
            .await?;
    if now != before {
        sqlx::query("UPDATE schedule_entries SET paid_cents = $2 WHERE id = $1")
            .bind(entry_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok((contract_id, amount, before, now))
}

/// Whether the customer has anyone who logs in (no desktop can hold a copy otherwise).
pub async fn has_users(conn: &mut AnyConnection, customer_id: i64) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE customer_id = $1")
        .bind(customer_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// A notification inside the import's transaction.
pub async fn notify(
    conn: &mut AnyConnection,
    customer_id: i64,
    kind: &str,
    invoice_id: Option<i64>,
    title: &str,
    body: &str,
    now: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notifications (customer_id, kind, invoice_id, title, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(customer_id)
    .bind(kind)
    .bind(invoice_id)
    .bind(title)
    .bind(body)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

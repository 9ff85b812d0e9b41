//! Rows written many to a statement, as one JSON array that SQLite takes
//! apart itself (`json_each`). Each statement is a round trip to the
//! connection's worker thread, which costs more than SQLite's own work; and
//! the driver looks up every placeholder's name by walking the statement's
//! list of names, so a hundred rows of eight placeholders spent more time
//! binding (quadratic in the placeholders) than inserting. One text bound per
//! batch avoids both.

use super::CacheResult;
use sqlx::SqliteConnection;

/// Rows a statement: a page of the sync, or two.
const ROWS_PER_STATEMENT: usize = 1_000;

pub(super) enum Value {
    Int(i64),
    NullInt(Option<i64>),
    Text(String),
}

impl From<Value> for serde_json::Value {
    fn from(value: Value) -> serde_json::Value {
        match value {
            Value::Int(v) => v.into(),
            Value::NullInt(v) => v.map_or(serde_json::Value::Null, Into::into),
            Value::Text(v) => v.into(),
        }
    }
}

/// Inserts `rows` into `table`'s `columns`; a row whose first column (the
/// key) is already there is updated in place, unless `replace` is false
/// (the rows are new, as after a delete).
pub(super) async fn upsert(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
    replace: bool,
) -> CacheResult<()> {
    let conflict = if replace {
        let set: Vec<String> = columns[1..].iter().map(|c| format!("{c} = excluded.{c}")).collect();
        format!(" ON CONFLICT ({}) DO UPDATE SET {}", columns[0], set.join(", "))
    } else {
        String::new()
    };
    // A JSON integer comes out an INTEGER, a string TEXT and null NULL: the
    // values keep the types they were bound with before.
    let values: Vec<String> = (0..columns.len())
        .map(|n| format!("json_extract(value, '$[{n}]')"))
        .collect();
    // `WHERE true`: SQLite's grammar needs it between a SELECT and ON CONFLICT.
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT {} FROM json_each(?) WHERE true{conflict}",
        columns.join(", "),
        values.join(", ")
    );
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<serde_json::Value> = rows
            .by_ref()
            .take(ROWS_PER_STATEMENT)
            .map(|row| serde_json::Value::Array(row.into_iter().map(Into::into).collect()))
            .collect();
        let batch = serde_json::to_string(&batch)?;
        sqlx::query(&sql).bind(batch).execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    async fn rows(conn: &mut SqliteConnection) -> Vec<(i64, String)> {
        sqlx::query_as("SELECT id, body FROM t ORDER BY id")
            .fetch_all(conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn rows_beyond_one_statement_are_all_written_and_a_known_key_is_updated_in_place() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, body TEXT)")
            .execute(&mut conn)
            .await
            .unwrap();
        let row = |id: i64, body: &str| {
            vec![
                Value::Int(id),
                Value::NullInt((id % 2 == 0).then_some(id)),
                Value::Text(body.into()),
            ]
        };
        let first: Vec<_> = (1..=2_500).map(|id| row(id, "first")).collect();
        upsert(&mut conn, "t", &["id", "n", "body"], first, true).await.unwrap();
        upsert(
            &mut conn,
            "t",
            &["id", "n", "body"],
            vec![row(7, "again"), row(2_501, "new")],
            true,
        )
        .await
        .unwrap();
        let stored = rows(&mut conn).await;
        assert_eq!(stored.len(), 2_501);
        assert_eq!(stored[6], (7, "again".into()));
        assert_eq!(stored[1_999], (2_000, "first".into()));
        assert_eq!(stored[2_500], (2_501, "new".into()));
        let evens: i64 = sqlx::query_scalar("SELECT COUNT(n) FROM t")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(evens, 1_250, "the null values stay null");
        let types: Vec<(String, String, String)> =
            sqlx::query_as("SELECT DISTINCT typeof(id), typeof(n), typeof(body) FROM t WHERE n IS NOT NULL")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(types, [("integer".into(), "integer".into(), "text".into())]);

        // A body is stored as it was given, whatever it holds.
        let tricky = "{\"note\":\"l'\u{e8} \\\"quasi\\\" \\n\"}\n\t€ 𝄞 \u{1}";
        upsert(&mut conn, "t", &["id", "n", "body"], vec![row(9_000, tricky)], true)
            .await
            .unwrap();
        let body: String = sqlx::query_scalar("SELECT body FROM t WHERE id = 9000")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(body, tricky);

        let again = upsert(&mut conn, "t", &["id", "n", "body"], vec![row(7, "twice")], false).await;
        assert!(again.is_err(), "without replace a known key is refused");
    }
}

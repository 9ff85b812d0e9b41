//! Rows written many to a statement: each statement is a round trip to the
//! connection's worker thread, which costs more than SQLite's own work; 62,000
//! schedule rows in id order went in at 16,000 rows/s one a statement and at
//! 93,000 rows/s a hundred a statement.

use super::CacheResult;
use sqlx::SqliteConnection;

/// Rows a statement: 8 columns make 800 placeholders, well under SQLite's limit.
const ROWS_PER_STATEMENT: usize = 100;

pub(super) enum Value {
    Int(i64),
    NullInt(Option<i64>),
    Text(String),
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
    let tuple = format!("({})", vec!["?"; columns.len()].join(", "));
    let conflict = if replace {
        let set: Vec<String> = columns[1..].iter().map(|c| format!("{c} = excluded.{c}")).collect();
        format!(" ON CONFLICT ({}) DO UPDATE SET {}", columns[0], set.join(", "))
    } else {
        String::new()
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}{conflict}",
            columns.join(", "),
            vec![tuple.as_str(); chunk.len()].join(", ")
        );
        let mut query = sqlx::query(&sql);
        for value in chunk.into_iter().flatten() {
            query = match value {
                Value::Int(v) => query.bind(v),
                Value::NullInt(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
            };
        }
        query.execute(&mut *conn).await?;
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
        let first: Vec<_> = (1..=250).map(|id| row(id, "first")).collect();
        upsert(&mut conn, "t", &["id", "n", "body"], first, true).await.unwrap();
        upsert(
            &mut conn,
            "t",
            &["id", "n", "body"],
            vec![row(7, "again"), row(251, "new")],
            true,
        )
        .await
        .unwrap();
        let stored = rows(&mut conn).await;
        assert_eq!(stored.len(), 251);
        assert_eq!(stored[6], (7, "again".into()));
        assert_eq!(stored[199], (200, "first".into()));
        assert_eq!(stored[250], (251, "new".into()));
        let evens: i64 = sqlx::query_scalar("SELECT COUNT(n) FROM t")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(evens, 125, "the null values stay null");

        let again = upsert(&mut conn, "t", &["id", "n", "body"], vec![row(7, "twice")], false).await;
        assert!(again.is_err(), "without replace a known key is refused");
    }
}

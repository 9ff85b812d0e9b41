//! The home endpoint (H1, H2) against figures computed independently, in SQL,
//! straight from the database.

mod common;

use common::{cents, TestServer};
use serde_json::Value;
use sqlx::{AnyConnection, Connection};

async fn scalar_text(db: &mut AnyConnection, sql: &str, today: &str) -> Option<String> {
    sqlx::query_scalar::<_, Option<String>>(sql)
        .bind(today)
        .fetch_one(db)
        .await
        .unwrap()
}

async fn scalar_cents(db: &mut AnyConnection, sql: &str, today: &str) -> i64 {
    sqlx::query_scalar::<_, Option<i64>>(sql)
        .bind(today)
        .fetch_one(db)
        .await
        .unwrap()
        .unwrap_or(0)
}

const LINES: &str = "WITH l AS (
    SELECT e.due_on, e.kind, e.amount_cents AS amount,
           CAST(COALESCE((SELECT SUM(p.amount_cents) FROM payments p WHERE p.entry_id = e.id), 0) AS BIGINT) AS paid
    FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id WHERE c.status = 'active')";

async fn home_figures_equal_an_independent_computation_from_the_book(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let home: Value = t.get("/home", &access).await.json().await.unwrap();
    let today = t.clock.today().to_string();
    assert_eq!(home["situation"]["today"], today);

    let mut db = AnyConnection::connect(&t.database_url).await.unwrap();
    let overdue = scalar_cents(
        &mut db,
        &format!("{LINES} SELECT CAST(SUM(amount - paid) AS BIGINT) FROM l WHERE due_on < $1 AND paid < amount"),
        &today,
    )
    .await;
    let next_due = scalar_text(
        &mut db,
        &format!("{LINES} SELECT MIN(due_on) FROM l WHERE due_on >= $1 AND paid < amount"),
        &today,
    )
    .await;
    let next_payment = scalar_cents(
        &mut db,
        &format!("{LINES} SELECT CAST(SUM(amount - paid) AS BIGINT) FROM l WHERE due_on = (SELECT MIN(due_on) FROM l WHERE due_on >= $1 AND paid < amount)"),
        &today,
    )
    .await;
    let advances = scalar_cents(
        &mut db,
        &format!("{LINES} SELECT CAST(SUM(paid) AS BIGINT) FROM l WHERE kind = 'advance' AND $1 IS NOT NULL"),
        &today,
    )
    .await;

    let situation = &home["situation"];
    assert!(overdue > 0, "the demo has an overdue installment");
    assert_eq!(cents(&situation["overdue_total"]), overdue);
    assert_eq!(situation["next_due_on"].as_str().map(str::to_owned), next_due);
    assert_eq!(cents(&situation["next_payment"]), next_payment);
    assert_eq!(cents(&situation["advances_paid"]), advances);
    // Both active contracts' advances, as invoiced with 22 % VAT: 2,515.00 → 3,068.30 and 7,239.10 → 8,831.70.
    assert_eq!(advances, 306_830 + 883_170, "both active contracts' advances are paid");

    let contracts = &home["contracts"];
    assert_eq!(contracts["active_count"], 2, "the extinct contract is not counted");
    let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(
        "SELECT c.contract_no, (SELECT COUNT(*) FROM assets a WHERE a.contract_id = c.id), c.amount_cents, c.signed_on
         FROM contracts c WHERE c.status = 'active' ORDER BY c.signed_on DESC",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let shown: Vec<(String, i64, i64, String)> = contracts["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["contract_no"].as_str().unwrap().into(),
                c["assets_count"].as_i64().unwrap(),
                cents(&c["amount"]),
                c["signed_on"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(shown, rows);
    assert_eq!(shown.iter().map(|c| c.1).collect::<Vec<_>>(), vec![1, 5]);
}

async fn seeding_twice_changes_nothing(t: TestServer) {
    let store = &t.server.state.store;
    assert!(!sportello_server::demo::seed(store, t.clock.today(), t.clock.now_ms())
        .await
        .unwrap());
    assert_eq!(store.count_users().await.unwrap(), 1);
}

on_both_engines!(
    home_figures_equal_an_independent_computation_from_the_book,
    seeding_twice_changes_nothing,
);

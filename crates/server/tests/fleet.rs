//! The fleet generator on SQLite and PostgreSQL: what it reports is what it
//! stored, the API serves it, and ordinary writes work after the bulk load.

mod common;

use common::TestServer;
use serde_json::Value;
use sportello_domain::invoice::samples::sample_invoice;
use sportello_server::fleet::{seed_fleet, FLEET_PASSWORD, FLEET_USERNAME};
use sportello_server::store::invoices::NewInvoice;
use sqlx::{AnyConnection, Connection};

async fn count(db: &mut AnyConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

/// H1 computed by the domain over every line of the customer's active contracts.
async fn situation_of_every_line(db: &mut AnyConnection, customer: &str, today: chrono::NaiveDate) -> Value {
    use sportello_domain::situation::{ScheduleLine, Situation};
    use sportello_domain::Money;
    let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(&format!(
        "SELECT e.due_on, e.amount_cents, e.paid_cents, e.kind FROM schedule_entries e
         JOIN contracts c ON c.id = e.contract_id WHERE c.customer_id = {customer} AND c.status = 'active'"
    ))
    .fetch_all(db)
    .await
    .unwrap();
    let lines: Vec<ScheduleLine> = rows
        .into_iter()
        .map(|(due_on, amount, paid, kind)| ScheduleLine {
            due_on: due_on.parse().unwrap(),
            amount: Money::from_cents(amount),
            paid: Money::from_cents(paid),
            is_advance: kind == "advance",
        })
        .collect();
    serde_json::to_value(Situation::compute(today, &lines)).unwrap()
}

async fn a_generated_book_is_stored_served_and_leaves_the_ids_consistent(t: TestServer) {
    let store = &t.server.state.store;
    let summary = seed_fleet(store, t.clock.today(), 30, 7, t.clock.now_ms())
        .await
        .unwrap();
    assert_eq!(summary.contracts, 30);
    assert!(summary.schedule_rows >= 30 * 50 && summary.invoices > 0);
    let mut db = AnyConnection::connect(&t.database_url).await.unwrap();
    let fleet = "(SELECT id FROM customers WHERE name = 'Flotta Logistica Nord S.p.A.')";
    let entries = count(&mut db, &format!("SELECT COUNT(*) FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id WHERE c.customer_id = {fleet}")).await;
    assert_eq!(entries as usize, summary.schedule_rows);
    let invoices = count(
        &mut db,
        &format!("SELECT COUNT(*) FROM invoices WHERE customer_id = {fleet}"),
    )
    .await;
    assert_eq!(invoices as usize, summary.invoices);
    assert_eq!(
        count(&mut db, "SELECT COUNT(DISTINCT progressive) FROM invoices").await,
        count(&mut db, "SELECT COUNT(*) FROM invoices").await
    );

    let (token, _) = t.tokens_for(FLEET_USERNAME, FLEET_PASSWORD).await;
    let page: Value = t.get("/contracts?limit=500", &token).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 30);
    // A fleet's home counts every active contract and lists only the latest signed.
    let home: Value = t.get("/home", &token).await.json().await.unwrap();
    let active = count(
        &mut db,
        &format!("SELECT COUNT(*) FROM contracts WHERE customer_id = {fleet} AND status = 'active'"),
    )
    .await;
    assert!(
        active > 5,
        "the fleet has more active contracts than the home page lists"
    );
    assert_eq!(home["contracts"]["active_count"], active);
    assert_eq!(
        home["situation"],
        situation_of_every_line(&mut db, fleet, t.clock.today()).await,
        "the home reads a few lines of the book and adds them up as if it read them all"
    );
    assert_ne!(home["situation"]["overdue_total"], "0.00", "the fleet owes something");
    assert_ne!(home["situation"]["advances_paid"], "0.00");
    let newest: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT contract_no, signed_on FROM contracts WHERE customer_id = {fleet} AND status = 'active'
         ORDER BY signed_on DESC, id DESC LIMIT 5"
    ))
    .fetch_all(&mut db)
    .await
    .unwrap();
    let shown: Vec<(String, String)> = home["contracts"]["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["contract_no"].as_str().unwrap().into(),
                c["signed_on"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(shown, newest);
    let overdue: i64 = count(
        &mut db,
        &format!(
            "SELECT CAST(COALESCE(SUM(e.amount_cents), 0) AS BIGINT) FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id
             WHERE c.customer_id = {fleet} AND e.due_on < '{}' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.entry_id = e.id)",
            t.clock.today()
        ),
    )
    .await;
    let schedule: Value = t.get("/schedule?limit=1", &token).await.json().await.unwrap();
    let shown = schedule["overdue_total"]
        .as_str()
        .unwrap()
        .replace('.', "")
        .parse::<i64>()
        .unwrap();
    assert_eq!(shown, overdue);
    // Partial and excess payments: on advances, on overdue lines, on the next due date.
    let today = t.clock.today();
    let lines = format!("SELECT id FROM schedule_entries WHERE customer_id = {fleet}");
    for update in [
        format!("UPDATE schedule_entries SET paid_cents = amount_cents / 2 WHERE id IN ({lines} AND kind = 'advance' ORDER BY id LIMIT 3)"),
        format!("UPDATE schedule_entries SET paid_cents = amount_cents + 700 WHERE id IN ({lines} AND kind = 'advance' ORDER BY id DESC LIMIT 2)"),
        format!("UPDATE schedule_entries SET paid_cents = amount_cents / 3 WHERE id IN ({lines} AND due_on < '{today}' AND paid_cents = 0 ORDER BY id LIMIT 2)"),
        format!("UPDATE schedule_entries SET paid_cents = amount_cents + 900 WHERE id IN ({lines} AND due_on < '{today}' AND paid_cents = 0 ORDER BY id DESC LIMIT 1)"),
        format!("UPDATE schedule_entries SET paid_cents = amount_cents / 4 WHERE id IN ({lines} AND due_on >= '{today}' ORDER BY due_on, id LIMIT 1)"),
        format!("UPDATE schedule_entries SET paid_cents = amount_cents WHERE id IN ({lines} AND due_on >= '{today}' ORDER BY due_on, id DESC LIMIT 1)"),
    ] {
        let done = sqlx::query(&update).execute(&mut db).await.unwrap();
        assert!(done.rows_affected() > 0, "{update}");
    }
    let home: Value = t.get("/home", &token).await.json().await.unwrap();
    assert_eq!(
        home["situation"],
        situation_of_every_line(&mut db, fleet, today).await,
        "partial and excess payments count as the domain counts them"
    );

    // After the bulk load, ids and progressives keep counting from where it stopped.
    let lines = sample_invoice().lines;
    let invoice = NewInvoice {
        customer_id: 1,
        contract_id: None,
        kind: sportello_domain::invoice::DocumentKind::Invoice,
        number: Some("X/1"),
        issued_on: t.clock.today(),
        due_on: t.clock.today(),
        payment_method: sportello_domain::invoice::PaymentMethod::BankTransfer,
        reason: None,
        corrects_id: None,
        lines: &lines,
    };
    let id = store.insert_invoice(&invoice).await.unwrap();
    assert_eq!(id, count(&mut db, "SELECT MAX(id) FROM invoices").await);
}

on_both_engines!(a_generated_book_is_stored_served_and_leaves_the_ids_consistent);

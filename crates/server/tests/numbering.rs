//! Fiscal numbering and operator writes, once (B4, O1, X6): a document's
//! number and FatturaPA progressive are taken in its own transaction, so a
//! failure leaves no gap and two instances never take the same one; an
//! operator's retry with the same `Idempotency-Key` issues nothing twice.

mod common;

use common::{error_code, failing_insert, repaired, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_server::demo::DEMO_USERNAME;
use sqlx::{AnyConnection, Connection};
use std::collections::BTreeSet;

fn invoice(description: &str) -> Value {
    json!({"customer_code": DEMO_USERNAME, "kind": "invoice", "issued_on": "2026-11-20",
    "due_on": "2026-12-10", "payment_method": "bank_transfer",
    "lines": [{"description": description, "quantity": "1", "unit_price": "100.00", "vat_rate": "22"}]})
}

/// An operator's POST /ops/invoices with its Idempotency-Key; an error when
/// the server went away mid-request.
async fn try_publish(url: &str, token: &str, key: &str, body: &Value) -> reqwest::Result<reqwest::Response> {
    reqwest::Client::new()
        .post(format!("{url}/ops/invoices"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
}

async fn publish(url: &str, token: &str, key: &str, body: &Value) -> reqwest::Response {
    try_publish(url, token, key, body).await.unwrap()
}

/// The year's invoice numbers issued through Sportello ("2026/000123" → 123)
/// and every document's progressive.
async fn register(t: &TestServer) -> (Vec<u32>, Vec<i64>) {
    let mut db = AnyConnection::connect(&t.database_url).await.unwrap();
    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT number FROM invoices WHERE kind = 'invoice' AND number LIKE '2026/%' ORDER BY id")
            .fetch_all(&mut db)
            .await
            .unwrap();
    let progressives: Vec<i64> = sqlx::query_scalar("SELECT progressive FROM invoices ORDER BY progressive")
        .fetch_all(&mut db)
        .await
        .unwrap();
    let numbers = numbers.iter().map(|n| n[5..].parse().unwrap()).collect();
    (numbers, progressives)
}

/// The subjects of the e-mails about new documents in the outbox, once
/// `expected` have arrived (or after ten seconds).
async fn document_mails(t: &TestServer, expected: usize) -> Vec<String> {
    let mut mailed = Vec::new();
    for _ in 0..200 {
        mailed = sportello_server::testkit::outbox(t.dir.path())
            .iter()
            .filter_map(|m| m.subject().map(str::to_owned))
            .filter(|s| s.starts_with("Nuovo documento disponibile"))
            .collect();
        if mailed.len() >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    mailed
}

/// Makes every insert into `table` fail (or work again), on a connection of
/// the test's own.
async fn fault(t: &TestServer, table: &str, on: bool) {
    let postgres = t.database_url.starts_with("postgres");
    let sql = if on {
        failing_insert(postgres, table)
    } else {
        repaired(postgres, table)
    };
    let mut db = AnyConnection::connect(&t.database_url).await.unwrap();
    sqlx::raw_sql(&sql).execute(&mut db).await.unwrap();
}

/// Consecutive from their first, none twice.
fn assert_consecutive<T: Copy + Ord + std::fmt::Debug + Into<i64>>(what: &str, values: &[T]) {
    let sorted: BTreeSet<i64> = values.iter().map(|v| (*v).into()).collect();
    assert_eq!(sorted.len(), values.len(), "{what}: none twice in {values:?}");
    let (first, last) = (*sorted.first().unwrap(), *sorted.last().unwrap());
    assert_eq!(last - first + 1, values.len() as i64, "{what}: no gap in {values:?}");
}

async fn an_operators_retry_issues_one_document_and_a_failure_leaves_no_gap(t: TestServer) {
    let ops = t.ops_token().await;
    let url = t.url("");
    let url = url.trim_end_matches('/');
    let first = publish(url, &ops, "publish-1", &invoice("Spese di istruttoria")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = publish(url, &ops, "publish-1", &invoice("Spese di istruttoria")).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first, "the first answer");
    let other = publish(url, &ops, "publish-1", &invoice("Altro")).await;
    assert_eq!(
        error_code(other).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_mismatch".into())
    );

    // A fault after the number and the progressive were taken, inside the
    // document's transaction: both go back, the key stays free.
    fault(&t, "invoice_lines", true).await;
    let failed = publish(url, &ops, "publish-2", &invoice("Canone")).await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    fault(&t, "invoice_lines", false).await;
    let retried = publish(url, &ops, "publish-2", &invoice("Canone")).await;
    assert_eq!(
        retried.status(),
        StatusCode::CREATED,
        "the failed request freed its key"
    );
    let retried: Value = retried.json().await.unwrap();
    let n = |v: &Value| v["number"].as_str().unwrap()[5..].parse::<u32>().unwrap();
    assert_eq!(n(&retried), n(&first) + 1, "the failure left no hole in the year");
    let (numbers, progressives) = register(&t).await;
    assert_consecutive("numbers", &numbers);
    assert_consecutive("progressives", &progressives);

    let audits = t.server.state.store.audit_log(0, 10_000).await.unwrap();
    let published: Vec<&str> = audits
        .iter()
        .filter(|a| a.action == "publish_invoice")
        .map(|a| a.target.as_str())
        .collect();
    let expected = [first["number"].as_str().unwrap(), retried["number"].as_str().unwrap()];
    let expected: Vec<String> = expected.iter().map(|n| format!("invoice:{n}")).collect();
    assert_eq!(published, expected, "one audit row per document, naming its number");
    let mailed = document_mails(&t, 2).await;
    assert_eq!(mailed.len(), 2, "one e-mail per document: {mailed:?}");

    let broadcast = |key: &'static str| {
        let (t, ops) = (&t, ops.clone());
        async move {
            t.http
                .post(t.url("/ops/broadcasts"))
                .bearer_auth(ops)
                .header("Idempotency-Key", key)
                .json(&json!({"title": "Chiusura", "body": "Uffici chiusi il 24 dicembre."}))
                .send()
                .await
                .unwrap()
        }
    };
    let id: i64 = broadcast("broadcast-1").await.json().await.unwrap();
    let replay = broadcast("broadcast-1").await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<i64>().await.unwrap(), id);
    let audits = t.server.state.store.audit_log(0, 10_000).await.unwrap();
    assert_eq!(audits.iter().filter(|a| a.action == "broadcast").count(), 1);
}

/// Two server processes, each with its own data folder, issue documents at
/// the same time on one database: the year's numbers and the progressives
/// run on without a gap or a duplicate.
async fn two_instances_number_at_the_same_time_without_gap_or_duplicate(t: TestServer) {
    let ops = t.ops_token().await;
    let before = register(&t).await.0.len();
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = common::process("serve", &t.database_url, a_dir.path(), &[]).await;
    let b = common::process("serve", &t.database_url, b_dir.path(), &[]).await;
    let mut sent = Vec::new();
    for i in 0..24 {
        let url = if i % 2 == 0 { a.url.clone() } else { b.url.clone() };
        let ops = ops.clone();
        sent.push(async move {
            let body = invoice(&format!("Servizio {i}"));
            publish(&url, &ops, &format!("both-{i}"), &body).await.status()
        });
    }
    let statuses = futures_util::future::join_all(sent).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
    let (numbers, progressives) = register(&t).await;
    assert_eq!(numbers.len(), before + 24);
    assert_consecutive("numbers", &numbers);
    assert_consecutive("progressives", &progressives);
}

/// A confirmed top-up adds the credit and issues its invoice in one commit:
/// a fault while the invoice is written leaves the proof waiting and the
/// credit as it was; the operator's retry with the same key confirms it
/// once, with one invoice and one e-mail about it.
async fn a_confirmed_top_up_is_credited_with_its_invoice_or_not_at_all(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let receipt: Value = t
        .http
        .post(t.url("/attachments?name=bonifico.pdf"))
        .bearer_auth(&token)
        .body(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body =
        json!({"method": "prepaid_credit", "amount": "500.00", "attachment_id": receipt["id"], "reference": "TRN1"});
    let proof: Value = t
        .post_as("/shop/payment-proofs", &token, body)
        .await
        .json()
        .await
        .unwrap();
    let credit = || async { t.json("/shop/wallet", &token).await["credit"].clone() };
    let before = credit().await;
    let invoices_before = register(&t).await.1.len();
    let decide = |key: &'static str| {
        let (t, ops, path) = (&t, ops.clone(), format!("/ops/payment-proofs/{}/decision", proof["id"]));
        async move {
            t.http
                .post(t.url(&path))
                .bearer_auth(ops)
                .header("Idempotency-Key", key)
                .json(&json!({"approve": true}))
                .send()
                .await
                .unwrap()
        }
    };
    fault(&t, "invoice_lines", true).await;
    assert_eq!(decide("top-up").await.status(), StatusCode::INTERNAL_SERVER_ERROR);
    fault(&t, "invoice_lines", false).await;
    assert_eq!(credit().await, before, "no credit without its invoice");
    let waiting = t.all_items("/ops/payment-proofs?status=submitted", &ops).await;
    assert!(waiting.iter().any(|p| p["id"] == proof["id"]), "the proof still waits");

    let confirmed = decide("top-up").await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let confirmed: Value = confirmed.json().await.unwrap();
    assert_eq!(confirmed["status"], "confirmed");
    let replay = decide("top-up").await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap(), confirmed);
    let added = |v: &Value| v.as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
    assert_eq!(
        added(&credit().await) - added(&before),
        rust_decimal::Decimal::new(50_000, 2)
    );
    let (_, progressives) = register(&t).await;
    assert_eq!(progressives.len(), invoices_before + 1, "one invoice for the top-up");
    assert_consecutive("progressives", &progressives);
    let audits = t.server.state.store.audit_log(0, 10_000).await.unwrap();
    assert_eq!(audits.iter().filter(|a| a.action == "confirm_payment_proof").count(), 1);
}

on_both_engines!(
    a_confirmed_top_up_is_credited_with_its_invoice_or_not_at_all,
    an_operators_retry_issues_one_document_and_a_failure_leaves_no_gap,
    two_instances_number_at_the_same_time_without_gap_or_duplicate,
);

/// The server killed with SIGKILL at 20 points of publishing a document
/// (before, during and after its commit) and started again: the operator's
/// retry with the same key ends with one document each time, the year's
/// numbers and the progressives run on without a gap, and each customer
/// e-mail about a document is sent once.
async fn a_document_survives_the_server_killed_at_any_point(t: TestServer) {
    let ops = t.ops_token().await;
    let env = [
        ("SPORTELLO_IDEMPOTENCY_LEASE_MS", "300"),
        ("SPORTELLO_MAIL_LEASE_MS", "300"),
        ("SPORTELLO_MAIL_POLL_MS", "50"),
    ];
    let serve = || common::process("serve", &t.database_url, t.dir.path(), &env);
    let before = register(&t).await.0.len();
    let rounds = 20;
    let mut server = serve().await;
    let mut cut_short = 0;
    for round in 0..rounds {
        let key = format!("killed-{round}");
        let body = invoice(&format!("Servizio {round}"));
        let request = {
            let (url, ops, key, body) = (server.url.clone(), ops.clone(), key.clone(), body.clone());
            tokio::spawn(async move { try_publish(&url, &ops, &key, &body).await })
        };
        if common::kill_during(server, round, request).await {
            cut_short += 1;
        }
        server = serve().await;
        let status = common::retry_while_held(|| publish(&server.url, &ops, &key, &body)).await;
        assert_eq!(status, StatusCode::CREATED, "round {round}");
        let (numbers, progressives) = register(&t).await;
        assert_eq!(numbers.len(), before + round + 1, "round {round}: one document per key");
        assert_consecutive("numbers", &numbers);
        assert_consecutive("progressives", &progressives);
    }
    assert!(cut_short > 0, "some requests died with the server");
    let mailed = document_mails(&t, rounds).await;
    let distinct: BTreeSet<&String> = mailed.iter().collect();
    assert_eq!(
        (mailed.len(), distinct.len()),
        (rounds, rounds),
        "each document's e-mail once: {mailed:?}"
    );
}

on_both_engines!(a_document_survives_the_server_killed_at_any_point);

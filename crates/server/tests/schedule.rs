//! The payment schedule (B1) over HTTP on SQLite and PostgreSQL.

mod common;

use common::{cents, error_code, TestServer};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::{AnyConnection, Connection};

async fn the_whole_schedule_pages_newest_first_without_gaps_or_repeats(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let items = t.all_items("/schedule?limit=40", &token).await;
    let mut db = AnyConnection::connect(&t.database_url).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schedule_entries")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(items.len() as i64, stored);
    let keys: Vec<(String, i64)> = items
        .iter()
        .map(|i| (i["due_on"].as_str().unwrap().to_owned(), i["id"].as_i64().unwrap()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(keys, sorted, "newest first, each line once");
    for item in &items {
        let (amount, paid, balance) = (cents(&item["amount"]), cents(&item["paid"]), cents(&item["balance"]));
        assert_eq!(balance, (amount - paid).max(0));
        let overdue = item["status"] == "overdue";
        assert_eq!(cents(&item["overdue_balance"]), if overdue { balance } else { 0 });
        let reason = item["reason"].as_str().unwrap();
        assert_eq!(reason == "advance", item["installment_no"] == 0, "{item}");
    }
}

async fn status_filters_partition_the_schedule_and_agree_with_the_rule(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let all = t.all_items("/schedule?limit=40", &token).await;
    let mut total = 0;
    for status in ["due", "overdue", "paid"] {
        let items = t
            .all_items(&format!("/schedule?limit=40&status={status}"), &token)
            .await;
        assert!(items.iter().all(|i| i["status"] == status), "{status}");
        assert_eq!(
            items.len(),
            all.iter().filter(|i| i["status"] == status).count(),
            "{status}"
        );
        total += items.len();
    }
    assert_eq!(total, all.len());
    let page = t.json("/schedule?status=overdue", &token).await;
    let overdue: i64 = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| cents(&i["overdue_balance"]))
        .sum();
    assert!(overdue > 0);
    assert_eq!(cents(&page["overdue_total"]), overdue);
    let home = t.json("/home", &token).await;
    assert_eq!(
        page["overdue_total"], home["situation"]["overdue_total"],
        "one figure, two screens"
    );
    // The total is every page's: a page of other lines, and a page past the
    // oldest line, which has none.
    let paid = t.json("/schedule?status=paid&limit=1", &token).await;
    assert_eq!(paid["overdue_total"], page["overdue_total"], "a page of paid lines");
    use base64::Engine as _;
    let past_the_end = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("c1:1900-01-01|1");
    let empty = t.json(&format!("/schedule?cursor={past_the_end}"), &token).await;
    assert_eq!(empty["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(empty["overdue_total"], page["overdue_total"], "an empty page");
}

async fn the_contract_filter_shows_one_contract_and_refuses_others(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let contracts = t.json("/contracts", &token).await;
    let car = contracts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_no"] == "91207")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let items = t.all_items(&format!("/schedule?limit=40&contract={car}"), &token).await;
    assert_eq!(items.len(), 49, "advance, 47 installments, residual");
    assert!(
        items
            .iter()
            .all(|i| i["contract_no"] == "91207/1" && i["contract_id"] == car),
        "lines name the contract as printed: number/module"
    );
    let page = t.json(&format!("/schedule?contract={car}"), &token).await;
    assert!(
        cents(&page["overdue_total"]) > 0,
        "the car lease has the overdue installment"
    );
    let dental = contracts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_no"] == "84963")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let page = t.json(&format!("/schedule?contract={dental}"), &token).await;
    assert_eq!(page["overdue_total"], "0.00");

    assert_eq!(
        error_code(t.get("/schedule?contract=999999", &token).await).await,
        (StatusCode::NOT_FOUND, "not_found".into())
    );
    for (path, field) in [
        ("/schedule?contract=abc", "contract"),
        ("/schedule?status=late", "status"),
        ("/schedule?cursor=eA", "cursor"),
        ("/schedule?from=2020-01-01", "from"),
    ] {
        let body: Value = t.get(path, &token).await.json().await.unwrap();
        assert_eq!(body["code"], "bad_request", "{path}");
        assert!(body["fields"][field].is_string(), "{path}: {body}");
    }
}

async fn a_transfer_reported_marks_its_lines_until_collected_all_or_nothing(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let overdue = t.all_items("/schedule?status=overdue&limit=50", &token).await;
    let paid = t.all_items("/schedule?status=paid&limit=50", &token).await;
    assert!(!overdue.is_empty() && !paid.is_empty(), "the demo has both");
    let open = overdue[0]["id"].as_i64().unwrap();
    assert_eq!(overdue[0]["reported_at"], Value::Null);
    let item = |id: i64| {
        let token = token.clone();
        let t = &t;
        async move { t.json(&format!("/schedule/{id}"), &token).await }
    };
    let report = |ids: Vec<i64>, token: String| {
        let t = &t;
        async move {
            t.post_as("/schedule/reported", &token, serde_json::json!({ "line_ids": ids }))
                .await
        }
    };
    let cursor = t.json("/sync/summary", &token).await["cursor"].as_i64().unwrap();

    // A paid line, another customer's, none or too many: refused whole.
    let with_paid = report(vec![open, paid[0]["id"].as_i64().unwrap()], token.clone()).await;
    assert_eq!(
        error_code(with_paid).await,
        (StatusCode::BAD_REQUEST, "bad_request".into())
    );
    assert_eq!(item(open).await["reported_at"], Value::Null, "all or nothing");
    let other = t.other_customer().await;
    let foreign = report(vec![open], other).await;
    assert_eq!(foreign.status(), StatusCode::BAD_REQUEST);
    assert_eq!(report(vec![], token.clone()).await.status(), StatusCode::BAD_REQUEST);
    let many: Vec<i64> = (1..=501).collect();
    assert_eq!(report(many, token.clone()).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(item(open).await["reported_at"], Value::Null);

    let ids: Vec<i64> = overdue.iter().take(2).map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(
        report(ids.clone(), token.clone()).await.status(),
        StatusCode::NO_CONTENT
    );
    let first = item(open).await;
    assert!(first["reported_at"].is_string(), "{first}");
    assert_eq!(first["status"], "overdue", "still owed until the collection arrives");
    let changes = t.json(&format!("/changes?after={cursor}"), &token).await;
    let lines: Vec<&str> = changes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["entity"] == "schedule_line")
        .map(|c| c["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(lines.len(), ids.len(), "each line announced once: {changes}");
    t.clock.advance(chrono::TimeDelta::seconds(60));
    assert_eq!(report(vec![open], token.clone()).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        item(open).await["reported_at"],
        first["reported_at"],
        "the first report stays"
    );
}

on_both_engines!(
    a_transfer_reported_marks_its_lines_until_collected_all_or_nothing,
    the_whole_schedule_pages_newest_first_without_gaps_or_repeats,
    status_filters_partition_the_schedule_and_agree_with_the_rule,
    the_contract_filter_shows_one_contract_and_refuses_others,
);

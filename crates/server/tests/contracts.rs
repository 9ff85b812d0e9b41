//! Contracts (C1, C2) and the amortization plan (C4) over HTTP, on SQLite and
//! PostgreSQL: filters, paging to the end, every field, authorization, bad
//! input, ETags.

mod common;

use common::{cents, error_code, TestServer};
use reqwest::StatusCode;
use serde_json::Value;
use sportello_server::passwords;
use sportello_server::store::book::NewContract;
use sportello_server::store::users::{NewCustomer, NewUser};

async fn contract_id(t: &TestServer, token: &str, number: &str) -> i64 {
    let page = t.json("/contracts", token).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_no"] == number)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn the_contract_list_filters_by_status_and_pages_to_the_end(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let all = t.json("/contracts", &token).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    assert!(all["next_cursor"].is_null());
    let active = t.json("/contracts?status=active", &token).await;
    let statuses: Vec<&str> = active["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["active", "active"]);
    let extinct = t.json("/contracts?status=extinct", &token).await;
    assert_eq!(extinct["items"][0]["contract_no"], "70512");

    let mut seen = Vec::new();
    let mut path = "/contracts?limit=1".to_owned();
    loop {
        let page = t.json(&path, &token).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        seen.push(items[0]["id"].as_i64().unwrap());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/contracts?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<i64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, expected);
}

async fn the_detail_has_every_c2_field_and_the_outstanding_principal_of_today(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let id = contract_id(&t, &token, "84963").await;
    let c = t.json(&format!("/contracts/{id}"), &token).await;
    assert_eq!(
        (
            c["contract_no"].as_str(),
            c["module_no"].as_str(),
            c["product"].as_str()
        ),
        (Some("84963"), Some("1"), Some("Leasing strumentale"))
    );
    assert_eq!(
        (c["status"].as_str(), c["assets_count"].as_i64()),
        (Some("active"), Some(5))
    );
    assert_eq!(
        (
            c["amount"].as_str(),
            c["advance"].as_str(),
            c["residual_value"].as_str()
        ),
        (Some("25150.00"), Some("2515.00"), Some("251.50"))
    );
    assert_eq!(
        (
            c["periodicity"].as_str(),
            c["installments"].as_i64(),
            c["duration_months"].as_i64()
        ),
        (Some("monthly"), Some(87), Some(88))
    );
    assert_eq!(c["reference_rate"], "Euribor 3 m.l. (div.360)");
    assert_eq!(c["subsidy"], "Nessuna agevolazione");
    assert_eq!(c["beneficiary_code"], "B-001274");
    assert_eq!(c["iban"], "IT60X0542811101000000123456");
    for field in ["signed_on", "start_on", "end_on", "beneficiary", "installment_amount"] {
        assert!(c[field].is_string(), "{field}");
    }

    // Outstanding today = outstanding after the last plan row already due.
    let plan = t.json(&format!("/contracts/{id}/plan?limit=500"), &token).await;
    let today = t.clock.today().to_string();
    let due: Vec<&Value> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["due_on"].as_str().unwrap() <= today.as_str())
        .collect();
    assert_eq!(c["outstanding_today"], due.last().unwrap()["outstanding"]);
    assert_eq!(c["installment_amount"], plan["items"][1]["amount"]);
}

async fn the_plan_comes_25_rows_a_page_and_closes_to_the_cent(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let id = contract_id(&t, &token, "84963").await;
    let first = t.json(&format!("/contracts/{id}/plan"), &token).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 25);
    assert_eq!(first["total"], 89);
    let mut rows: Vec<Value> = Vec::new();
    let mut page = first;
    loop {
        rows.extend(page["items"].as_array().unwrap().iter().cloned());
        let Some(cursor) = page["next_cursor"].as_str().map(str::to_owned) else {
            break;
        };
        page = t.json(&format!("/contracts/{id}/plan?cursor={cursor}"), &token).await;
    }
    assert_eq!(rows.len(), 89);
    assert_eq!(
        (rows[0]["kind"].as_str(), rows[0]["number"].as_i64()),
        (Some("advance"), Some(0))
    );
    assert_eq!(
        (rows[88]["kind"].as_str(), rows[88]["number"].as_i64()),
        (Some("residual"), Some(88))
    );
    assert_eq!(rows.iter().map(|r| cents(&r["principal"])).sum::<i64>(), 2_515_000);
    for r in &rows {
        assert_eq!(cents(&r["amount"]), cents(&r["principal"]) + cents(&r["interest"]));
        let past = r["due_on"].as_str().unwrap() < t.clock.today().to_string().as_str();
        assert_eq!(r["collected_on"].is_string(), past, "{r}");
        assert!(r["payment_method"] == "sepa_direct_debit" || r["payment_method"] == "bank_transfer");
        assert!(r["accrual_start"].as_str().unwrap() <= r["accrual_end"].as_str().unwrap());
    }
}

async fn another_customers_contract_is_not_found_and_a_second_user_of_the_customer_sees_everything(t: TestServer) {
    let store = &t.server.state.store;
    let now = t.clock.now_ms();
    let hash = passwords::hash("another long password");
    let other = store
        .insert_customer(
            &NewCustomer {
                code: "20001",
                kind: "person",
                name: "Anna Bianchi",
                tax_code: "BNCNNA80A41H501X",
                email: "anna@example.it",
            },
            now,
        )
        .await
        .unwrap();
    store
        .insert_user(
            &NewUser {
                customer_id: other,
                username: "20001",
                password_hash: &hash,
                display_name: "Anna Bianchi",
                email: "anna@example.it",
                language: "it",
            },
            now,
        )
        .await
        .unwrap();
    store
        .insert_user(
            &NewUser {
                customer_id: 1,
                username: "10093.1",
                password_hash: &hash,
                display_name: "Luca Rossi",
                email: "luca@example.it",
                language: "it",
            },
            now,
        )
        .await
        .unwrap();
    let day = t.clock.today();
    let theirs = store
        .insert_contract(&NewContract {
            customer_id: other,
            contract_no: "99001",
            module_no: "1",
            product: "Leasing targato",
            status: "active",
            signed_on: day,
            start_on: day,
            end_on: day,
            amount: "1000.00".parse().unwrap(),
            advance: "0.00".parse().unwrap(),
            residual: "0.00".parse().unwrap(),
            beneficiary_code: "",
            beneficiary: "",
            iban: None,
            reference_rate: "",
            subsidy: "",
            periodicity: sportello_domain::amortization::Periodicity::Monthly,
            installments: 1,
            installment: "1000.00".parse().unwrap(),
            duration_months: 1,
        })
        .await
        .unwrap();

    let (demo_token, _) = t.demo_tokens().await;
    for path in [
        format!("/contracts/{theirs}"),
        format!("/contracts/{theirs}/plan"),
        "/contracts/999999".into(),
    ] {
        assert_eq!(
            error_code(t.get(&path, &demo_token).await).await,
            (StatusCode::NOT_FOUND, "not_found".into()),
            "{path}"
        );
    }
    let (their_token, _) = t.tokens_for("20001", "another long password").await;
    let theirs_list = t.json("/contracts", &their_token).await;
    assert_eq!(theirs_list["items"].as_array().unwrap().len(), 1);

    let (colleague, _) = t.tokens_for("10093.1", "another long password").await;
    assert_eq!(
        t.json("/contracts", &colleague).await,
        t.json("/contracts", &demo_token).await
    );
}

async fn bad_ids_filters_and_pages_get_a_clear_400(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    for (path, field) in [
        ("/contracts/abc", "id"),
        ("/contracts/0", "id"),
        ("/contracts/-3/plan", "id"),
        ("/contracts?status=closed", "status"),
        ("/contracts?stauts=active", "stauts"),
        ("/contracts?limit=0", "limit"),
        ("/contracts?limit=501", "limit"),
        ("/contracts?cursor=not-a-cursor", "cursor"),
        ("/contracts/1/plan?limit=ten", "limit"),
    ] {
        let response = t.get(path, &token).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "bad_request", "{path}");
        assert!(body["fields"][field].is_string(), "{path}: {body}");
    }
    assert_eq!(
        error_code(t.http.get(t.url("/contracts")).send().await.unwrap())
            .await
            .1,
        "unauthorized"
    );
}

async fn an_unchanged_resource_answers_304_to_its_etag(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let first = t.get("/contracts", &token).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    let again = t
        .http
        .get(t.url("/contracts"))
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    let other = t.get("/contracts?status=active", &token).await;
    assert_ne!(
        other.headers()["etag"].to_str().unwrap(),
        etag,
        "another filter, another tag"
    );
    let stale = t
        .http
        .get(t.url("/contracts"))
        .bearer_auth(&token)
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
}

on_both_engines!(
    the_contract_list_filters_by_status_and_pages_to_the_end,
    the_detail_has_every_c2_field_and_the_outstanding_principal_of_today,
    the_plan_comes_25_rows_a_page_and_closes_to_the_cent,
    another_customers_contract_is_not_found_and_a_second_user_of_the_customer_sees_everything,
    bad_ids_filters_and_pages_get_a_clear_400,
    an_unchanged_resource_answers_304_to_its_etag,
);

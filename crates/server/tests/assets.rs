//! Leased assets (L1) over HTTP on SQLite and PostgreSQL.

mod common;

use common::{error_code, TestServer};
use reqwest::StatusCode;

async fn assets_list_with_every_l1_column_and_a_contract_filter(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let all = t.json("/assets", &token).await;
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 7, "5 dental, 1 car, 1 on the extinct contract");
    let chair = items.iter().find(|a| a["code"] == "166029").unwrap();
    assert_eq!(
        chair["contract_no"], "84963/1",
        "the contract as printed: number/module"
    );
    assert_eq!(chair["asset_type"], "Beni mobili in leasing");
    assert_eq!(chair["description"], "POLTRONA PER TRATTAMENTI TEST PLUS CON ACCESSORI");
    assert_eq!(
        (chair["financial_value"].as_str(), chair["future_value"].as_str()),
        (Some("1500.00"), Some("15.00"))
    );
    let contract = t.json(&format!("/contracts/{}", chair["contract_id"]), &token).await;
    assert_eq!(chair["lease_end"], contract["end_on"]);

    let dental = t
        .json(&format!("/assets?contract={}", chair["contract_id"]), &token)
        .await;
    let codes: Vec<&str> = dental["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["166029", "166030", "166031", "166032", "166033"]);

    let first = t.json("/assets?limit=4", &token).await;
    let rest = t
        .json(
            &format!("/assets?limit=4&cursor={}", first["next_cursor"].as_str().unwrap()),
            &token,
        )
        .await;
    assert_eq!(
        first["items"].as_array().unwrap().len() + rest["items"].as_array().unwrap().len(),
        7
    );
    assert!(rest["next_cursor"].is_null());

    assert_eq!(
        error_code(t.get("/assets?contract=999999", &token).await).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        error_code(t.get("/assets?contract=x", &token).await).await.0,
        StatusCode::BAD_REQUEST
    );
}

on_both_engines!(assets_list_with_every_l1_column_and_a_contract_filter);

//! C3: a contract's documents, published by an operator with their PDF,
//! listed on the contract and downloaded by its customer only, over real
//! HTTP on both engines.

mod common;

use chrono::Days;
use common::{error_code, TestServer};
use reqwest::StatusCode;
use serde_json::Value;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Publishes `bytes` as a document of `contract`; `query` holds the rest.
async fn publish(t: &TestServer, ops: &str, query: &str, key: Option<&str>, bytes: &[u8]) -> reqwest::Response {
    let mut request = t
        .http
        .post(t.url(&format!("/ops/contract-documents?{query}")))
        .bearer_auth(ops)
        .body(bytes.to_vec());
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

fn query(contract: &str, kind: &str, title: &str, issued_on: &str) -> String {
    let title = title.replace(' ', "%20");
    format!("contract={contract}&kind={kind}&title={title}&issued_on={issued_on}&name=documento.pdf")
}

/// The demo's contract 84963/1, as its customer's contract page has it.
async fn dental(t: &TestServer, access: &str) -> Value {
    let list: Value = t.json("/contracts", access).await;
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_no"] == "84963")
        .expect("the demo contract")["id"]
        .clone();
    t.json(&format!("/contracts/{id}"), access).await
}

async fn documents_are_published_listed_on_the_contract_and_kept_to_their_customer(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let today = t.clock.today();
    assert_eq!(dental(&t, &access).await["documents"], Value::Array(vec![]));

    let older = query("84963/1", "sepa_mandate", "Mandato SEPA", "2024-05-16");
    let answer = publish(&t, &ops, &older, None, PDF).await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    let mandate: Value = answer.json().await.unwrap();
    assert_eq!(mandate["kind"], "sepa_mandate");
    assert_eq!(mandate["file"]["content_type"], "application/pdf");

    // Sent twice with the same key, it is published once.
    let newer = query(
        "84963/1",
        "insurance",
        "Certificato assicurativo 2026",
        &today.to_string(),
    );
    let first: Value = publish(&t, &ops, &newer, Some("doc-1"), PDF)
        .await
        .json()
        .await
        .unwrap();
    let again = publish(&t, &ops, &newer, Some("doc-1"), PDF).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        first,
        "the first answer, replayed"
    );

    let listed = dental(&t, &access).await["documents"].clone();
    let titles: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Certificato assicurativo 2026", "Mandato SEPA"],
        "newest first, once each"
    );
    assert_eq!(listed[1], mandate);

    let file = mandate["file"]["id"].as_str().unwrap();
    let download = t.get(&format!("/attachments/{file}"), &access).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.unwrap().as_ref(), PDF);
    let other = t.other_customer().await;
    assert_eq!(
        t.get(&format!("/attachments/{file}"), &other).await.status(),
        StatusCode::NOT_FOUND
    );

    // The clean-up of files nothing refers to keeps the company's documents.
    let store = &t.server.state.store;
    store.sweep_orphan_files(t.clock.now_ms() + 1).await.unwrap();
    assert_eq!(
        t.get(&format!("/attachments/{file}"), &access).await.status(),
        StatusCode::OK
    );
    let changes: Value = t.json("/changes?after=0&limit=500", &access).await;
    let contract_id = dental(&t, &access).await["id"].to_string();
    assert!(
        changes["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["entity"] == "contract" && c["entity_id"] == contract_id.as_str()),
        "the desktops are told to fetch the contract again"
    );

    // The customer is told once per document (the replay told nothing more),
    // and the notice opens the contract.
    let notices: Value = t.json("/notifications", &access).await;
    let about: Vec<&Value> = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "document")
        .collect();
    assert_eq!(about.len(), 2, "{notices}");
    assert_eq!(about[0]["contract_id"].to_string(), contract_id);
    assert!(about[0]["subject"]
        .as_str()
        .unwrap()
        .ends_with("– Nuovo documento del contratto 84963/1"));
    assert!(
        about[0]["body"]
            .as_str()
            .unwrap()
            .contains("«Certificato assicurativo 2026» (certificato assicurativo)"),
        "{}",
        about[0]["body"]
    );
    assert!(t.json("/notifications", &other).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["kind"] != "document"));
}

async fn a_bad_document_is_refused_and_nothing_is_written(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let tomorrow = (t.clock.today() + Days::new(1)).to_string();
    let field = |answer: reqwest::Response, name: &'static str| async move {
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
        let body: Value = answer.json().await.unwrap();
        body["fields"][name].as_str().unwrap_or_default().to_owned()
    };
    let future = publish(
        &t,
        &ops,
        &query("84963/1", "contract", "Contratto", &tomorrow),
        None,
        PDF,
    )
    .await;
    assert_eq!(field(future, "issued_on").await, "future");
    let unknown = publish(
        &t,
        &ops,
        &query("99999/9", "contract", "Contratto", "2024-05-16"),
        None,
        PDF,
    )
    .await;
    assert_eq!(field(unknown, "contract").await, "unknown");
    let unwritten = publish(
        &t,
        &ops,
        &query("84963", "contract", "Contratto", "2024-05-16"),
        None,
        PDF,
    )
    .await;
    assert_eq!(field(unwritten, "contract").await, "format");
    let untitled = publish(&t, &ops, &query("84963/1", "contract", "%20", "2024-05-16"), None, PDF).await;
    assert_eq!(field(untitled, "title").await, "length");
    let kind = publish(
        &t,
        &ops,
        &query("84963/1", "poster", "Contratto", "2024-05-16"),
        None,
        PDF,
    )
    .await;
    assert_eq!(kind.status(), StatusCode::BAD_REQUEST);
    let picture = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let png = publish(
        &t,
        &ops,
        &query("84963/1", "contract", "Contratto", "2024-05-16"),
        None,
        &picture,
    )
    .await;
    assert_eq!(
        error_code(png).await,
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_file_type".into())
    );
    let customer = publish(
        &t,
        &access,
        &query("84963/1", "contract", "Contratto", "2024-05-16"),
        None,
        PDF,
    )
    .await;
    assert_eq!(
        customer.status(),
        StatusCode::UNAUTHORIZED,
        "a customer's token is not an operator's"
    );
    assert_eq!(
        dental(&t, &access).await["documents"],
        Value::Array(vec![]),
        "nothing written"
    );
    let notices: Value = t.json("/notifications", &access).await;
    assert!(
        notices["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["kind"] != "document"),
        "no notice of a refused document"
    );
}

on_both_engines!(
    documents_are_published_listed_on_the_contract_and_kept_to_their_customer,
    a_bad_document_is_refused_and_nothing_is_written,
);

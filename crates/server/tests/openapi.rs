//! The OpenAPI document served by the API is the one committed in
//! docs/openapi.json and describes every endpoint.

use serde_json::Value;
use sportello_server::http::openapi::document_json;
use sportello_server::testkit;
use std::path::Path;

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = testkit::demo_server(dir.path(), None).await;
    let served: Value = reqwest::get(format!("{}/api/v1/openapi.json", server.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served["openapi"], "3.1.0");
    let paths: Vec<&str> = served["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/verify",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/home",
    ] {
        assert!(paths.contains(&path), "{path} is not described");
    }
    assert_eq!(served["components"]["schemas"]["Money"]["type"], "string");
    let mut operation_ids: Vec<&str> = served["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let count = operation_ids.len();
    operation_ids.sort();
    operation_ids.dedup();
    assert_eq!(operation_ids.len(), count, "operation ids are unique");

    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let committed: Option<Value> = std::fs::read_to_string(&committed_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    if committed.as_ref() != Some(&served) {
        std::fs::write(&committed_path, document_json()).unwrap();
        panic!("docs/openapi.json was out of date; it has been regenerated: review and commit it");
    }
}

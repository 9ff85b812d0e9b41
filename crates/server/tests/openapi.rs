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

/// The document (and so the router, which it is built from) has exactly
/// the operations `sportello_domain::api::operations` declares, each with
/// its method: a path written anywhere else would show here.
#[test]
fn the_document_serves_exactly_the_declared_operations() {
    use sportello_domain::api::operations::{ALL, PREFIX};
    use std::collections::BTreeSet;
    let document: Value = serde_json::from_str(document_json()).unwrap();
    let served: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|key| ["get", "post", "put", "patch", "delete"].contains(&key.as_str()))
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let declared: BTreeSet<(String, String)> = ALL
        .iter()
        .map(|(_, op)| (op.verb.as_str().to_owned(), format!("{PREFIX}{}", op.path)))
        .collect();
    assert_eq!(served.len(), 94, "{served:?}");
    assert_eq!(served, declared);
}

/// Every `$ref` of the document names a schema it has.
#[test]
fn every_reference_resolves() {
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    out.push(target);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let document: Value = serde_json::from_str(document_json()).unwrap();
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(found.len() > 100, "{}", found.len());
    for target in found {
        let name = target.strip_prefix("#/components/schemas/").unwrap_or(target);
        assert!(
            document["components"]["schemas"].get(name).is_some(),
            "{target} does not resolve"
        );
    }
}

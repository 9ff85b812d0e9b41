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
        .map(|d| (d.op.verb.as_str().to_owned(), format!("{PREFIX}{}", d.op.path)))
        .collect();
    assert_eq!(served.len(), 104, "{served:?}");
    assert_eq!(served, declared);
}

/// Each operation's query parameters, body and reply in the document are
/// the ones its declaration types: a handler that reads or answers another
/// type than the desktop sends or expects fails here, not in a customer's hands.
#[test]
fn the_document_types_each_operation_as_declared() {
    use sportello_domain::api::operations::{ALL, PREFIX};
    let document: Value = serde_json::from_str(document_json()).unwrap();
    let mut wrong = Vec::new();
    for declared in ALL {
        let shape = (declared.shape)();
        let item =
            &document["paths"][format!("{PREFIX}{}", declared.op.path)][declared.op.verb.as_str().to_lowercase()];
        let query: Vec<&str> = item["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        if query != shape.query {
            wrong.push(format!(
                "{}: query {query:?}, declared {:?}",
                declared.name, shape.query
            ));
        }
        let body = &item["requestBody"]["content"];
        if let Some(error) = differs(&document, body, &shape.body) {
            wrong.push(format!("{}: body {error}", declared.name));
        }
        let mut success = item["responses"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .collect::<Vec<_>>();
        // A 204 beside a typed answer ("nothing new") carries no body to type.
        if success.len() > 1 {
            success.retain(|(status, _)| status.as_str() != "204");
        }
        let success: Vec<&Value> = success.into_iter().map(|(_, answer)| &answer["content"]).collect();
        assert_eq!(success.len(), 1, "{}: one successful answer", declared.name);
        if let Some(error) = differs(&document, success[0], &shape.reply) {
            wrong.push(format!("{}: reply {error}", declared.name));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Why `content` (a document's media-type map) is not `declared`, if it is not.
fn differs(
    document: &Value,
    content: &Value,
    declared: &(Option<&str>, Option<utoipa::openapi::RefOr<utoipa::openapi::Schema>>),
) -> Option<String> {
    let media: Vec<&String> = content.as_object().map(|m| m.keys().collect()).unwrap_or_default();
    let (want_media, want_schema) = declared;
    if media.iter().map(|m| m.as_str()).collect::<Vec<_>>() != want_media.iter().copied().collect::<Vec<_>>() {
        return Some(format!("media {media:?}, declared {want_media:?}"));
    }
    let (Some(media), Some(want)) = (media.first(), want_schema) else {
        return None;
    };
    let stated = resolved(document, &content[media.as_str()]["schema"], 0);
    let want = resolved(document, &serde_json::to_value(want).unwrap(), 0);
    (stated != want).then(|| format!("schema {stated}, declared {want}"))
}

/// `schema` with every `$ref` replaced by the component it names.
fn resolved(document: &Value, schema: &Value, depth: usize) -> Value {
    assert!(depth < 32, "a schema nests too deep (a cycle?)");
    match schema {
        Value::Object(map) => match map.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                let name = target.trim_start_matches("#/components/schemas/");
                resolved(document, &document["components"]["schemas"][name], depth + 1)
            }
            None => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), resolved(document, v, depth + 1)))
                    .collect(),
            ),
        },
        Value::Array(items) => Value::Array(items.iter().map(|v| resolved(document, v, depth + 1)).collect()),
        other => other.clone(),
    }
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

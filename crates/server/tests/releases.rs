//! X1, X2: desktop releases published on the company's server, over real
//! HTTP on both engines: publishing with each platform's signed bundle, the
//! updater's offer per platform and version (204 when current), staging to a
//! share of installations, withdrawal, the bundle's download with its length
//! and SHA-256, and the count of versions installations run.

mod common;

use common::{error_code, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_domain::api::releases::stage_bucket;
use sportello_server::testkit::UpdaterKey;

const DEB: &str = "linux-x86_64-deb";

/// A bundle of 600 KB, more than two stored chunks.
fn bundle_bytes() -> Vec<u8> {
    (0..600_000u32)
        .map(|n| (n.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

async fn put_bundle(
    t: &TestServer,
    ops: &str,
    version: &str,
    target: &str,
    signature: &str,
    bytes: &[u8],
) -> reqwest::Response {
    t.http
        .put(t.url(&format!("/ops/releases/{version}/bundles/{target}")))
        .query(&[
            ("name", format!("Sportello_{version}_amd64.deb")),
            ("signature", signature.to_owned()),
        ])
        .bearer_auth(ops)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

/// What the updater of `installation` running `current` on `target` gets.
async fn check(
    t: &TestServer,
    target: &str,
    current: &str,
    installation: Option<&str>,
    lang: &str,
) -> reqwest::Response {
    let path = target.replacen('-', "/", 2);
    let mut request = t
        .http
        .get(t.url(&format!("/updates/{path}/{current}")))
        .header("Accept-Language", lang);
    if let Some(id) = installation {
        request = request.header("Sportello-Installation", id);
    }
    request.send().await.unwrap()
}

fn notes() -> Value {
    json!({"version": "0.2.0", "notes_it": "Novità: il piano in grafico.", "notes_en": "New: the plan as a chart.", "share": 10})
}

async fn a_release_is_published_staged_offered_and_withdrawn(t: TestServer) {
    let ops = t.ops_token().await;
    let key = UpdaterKey::generate();
    let bytes = bundle_bytes();

    for attempt in ["first", "retry with the same key"] {
        let created = t
            .http
            .post(t.url("/ops/releases"))
            .bearer_auth(&ops)
            .header("Idempotency-Key", "rel-0.2.0")
            .json(&notes())
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED, "{attempt}");
    }

    let signature = key.sign(&bytes);
    let stored = put_bundle(&t, &ops, "0.2.0", DEB, &signature, &bytes).await;
    assert_eq!(stored.status(), StatusCode::CREATED);
    let stored: Value = stored.json().await.unwrap();
    let sha = sportello_server::secrets::sha256_hex_bytes(&bytes);
    assert_eq!(stored["size_bytes"], 600_000);
    assert_eq!(stored["sha256"], sha.as_str());

    // At 10 %, the installations whose bucket is below 10 are offered it, and only they.
    let ids: Vec<String> = (0..200).map(|n| format!("installation-{n:04}")).collect();
    let mut offered = 0;
    for id in &ids {
        let answer = check(&t, DEB, "0.1.0", Some(id), "it").await;
        let expected = stage_bucket(Some(id), "0.2.0") < 10;
        assert_eq!(answer.status() == StatusCode::OK, expected, "{id}");
        offered += usize::from(expected);
    }
    assert!((5..=45).contains(&offered), "{offered} of 200 at 10 %");
    assert_eq!(
        check(&t, DEB, "0.1.0", None, "it").await.status(),
        StatusCode::NO_CONTENT,
        "no identifier: last"
    );

    let staged = t
        .post_as("/ops/releases/0.2.0/share", &ops, json!({"share": 100}))
        .await;
    assert_eq!(staged.status(), StatusCode::OK);
    assert_eq!(staged.json::<Value>().await.unwrap()["share"], 100);
    for id in &ids[..20] {
        assert_eq!(check(&t, DEB, "0.1.0", Some(id), "it").await.status(), StatusCode::OK);
    }
    let offer: Value = check(&t, DEB, "0.1.0", Some(&ids[0]), "it").await.json().await.unwrap();
    assert_eq!(offer["version"], "0.2.0");
    assert_eq!(offer["notes"], "Novità: il piano in grafico.");
    assert_eq!(offer["signature"], signature.as_str());
    assert!(offer["pub_date"].as_str().unwrap().ends_with('Z'));
    let english: Value = check(&t, DEB, "0.1.0", Some(&ids[0]), "en-GB,en;q=0.9")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(english["notes"], "New: the plan as a chart.");

    // The bundle, streamed: its length, checksum and bytes, and a signature the key verifies.
    let url = offer["url"].as_str().unwrap();
    assert!(url.ends_with("/api/v1/updates/bundles/0.2.0/linux-x86_64-deb"), "{url}");
    let download = t.http.get(url).send().await.unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-length"], "600000");
    assert_eq!(download.headers()["x-content-sha256"], sha.as_str());
    let body = download.bytes().await.unwrap();
    assert_eq!(&body[..], &bytes[..]);

    // Current, newer, or on a platform with no bundle: nothing to offer.
    assert_eq!(
        check(&t, DEB, "0.2.0", Some(&ids[1]), "it").await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        check(&t, DEB, "0.3.0", Some(&ids[2]), "it").await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        check(&t, "windows-x86_64-msi", "0.1.0", Some(&ids[0]), "it")
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        error_code(check(&t, "linux-x86_64-zip", "0.1.0", None, "it").await)
            .await
            .1,
        "bad_request"
    );
    assert_eq!(
        error_code(check(&t, DEB, "uno", None, "it").await).await.1,
        "bad_request"
    );

    // Installations are counted by the version they run, nothing else.
    let list: Value = t.json("/ops/releases", &ops).await;
    assert_eq!(list[0]["version"], "0.2.0");
    assert_eq!(list[0]["installations"], 1, "one installation said it runs 0.2.0");
    assert_eq!(list[0]["bundles"][0]["target"], DEB);
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "the retried publication made one release"
    );

    let withdrawn = t.post_as("/ops/releases/0.2.0/withdraw", &ops, json!(null)).await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    assert!(withdrawn.json::<Value>().await.unwrap()["withdrawn_at"].is_string());
    assert_eq!(
        check(&t, DEB, "0.1.0", Some(&ids[0]), "it").await.status(),
        StatusCode::NO_CONTENT
    );
    let restaged = t.post_as("/ops/releases/0.2.0/share", &ops, json!({"share": 50})).await;
    assert_eq!(error_code(restaged).await.1, "conflict");

    let audit: Value = t.json("/ops/audit?limit=500", &ops).await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "publish_release",
        "add_release_bundle",
        "stage_release",
        "withdraw_release",
    ] {
        assert_eq!(actions.iter().filter(|a| **a == action).count(), 1, "{action} once");
    }
}

async fn bad_releases_are_refused_and_nothing_is_kept(t: TestServer) {
    let ops = t.ops_token().await;
    let key = UpdaterKey::generate();
    let refused = |body: Value| async { error_code(t.post_as("/ops/releases", &ops, body).await).await };
    let mut wrong = notes();
    wrong["version"] = json!("2.0");
    assert_eq!(refused(wrong).await, (StatusCode::BAD_REQUEST, "bad_request".into()));
    let mut wrong = notes();
    wrong["share"] = json!(101);
    assert_eq!(refused(wrong).await.0, StatusCode::BAD_REQUEST);
    let mut wrong = notes();
    wrong["notes_en"] = json!("  ");
    assert_eq!(refused(wrong).await.0, StatusCode::BAD_REQUEST);

    assert_eq!(
        t.post_as("/ops/releases", &ops, notes()).await.status(),
        StatusCode::CREATED
    );
    let mut older = notes();
    older["version"] = json!("0.1.9");
    assert_eq!(
        refused(older).await,
        (StatusCode::CONFLICT, "conflict".into()),
        "not above the newest"
    );

    let bytes = bundle_bytes();
    let bad_signature = put_bundle(&t, &ops, "0.2.0", DEB, "bm90IGEgc2lnbmF0dXJl", &bytes).await;
    assert_eq!(error_code(bad_signature).await.0, StatusCode::BAD_REQUEST);
    let unknown_target = put_bundle(&t, &ops, "0.2.0", "linux-x86_64-zip", &key.sign(&bytes), &bytes).await;
    assert_eq!(error_code(unknown_target).await.0, StatusCode::BAD_REQUEST);
    let no_release = put_bundle(&t, &ops, "9.9.9", DEB, &key.sign(&bytes), &bytes).await;
    assert_eq!(error_code(no_release).await.0, StatusCode::NOT_FOUND);
    let anonymous = t.http.get(t.url("/ops/releases")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let list: Value = t.json("/ops/releases", &ops).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(
        list[0]["bundles"].as_array().unwrap().is_empty(),
        "no refused bundle was kept"
    );
    assert_eq!(
        check(&t, DEB, "0.1.0", Some("installation-0001"), "it").await.status(),
        StatusCode::NO_CONTENT,
        "a release with no bundle for the platform is not offered"
    );
}

on_both_engines!(
    a_release_is_published_staged_offered_and_withdrawn,
    bad_releases_are_refused_and_nothing_is_kept,
);

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

/// Published through one instance (each with its own data folder), offered
/// and downloaded whole through the other: the bundle lives in the database.
async fn two_instances_offer_and_serve_the_same_release(t: TestServer) {
    let ops = t.ops_token().await;
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = common::process("serve", &t.database_url, a_dir.path(), &[]).await;
    let b = common::process("serve", &t.database_url, b_dir.path(), &[]).await;
    let bytes = bundle_bytes();
    let key = UpdaterKey::generate();
    let created = t
        .http
        .post(format!("{}/ops/releases", a.url))
        .bearer_auth(&ops)
        .json(&notes())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let stored = t
        .http
        .put(format!("{}/ops/releases/0.2.0/bundles/{DEB}", a.url))
        .query(&[
            ("name", "Sportello_0.2.0_amd64.deb"),
            ("signature", key.sign(&bytes).as_str()),
        ])
        .bearer_auth(&ops)
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(stored.status(), StatusCode::CREATED);
    let staged = t
        .http
        .post(format!("{}/ops/releases/0.2.0/share", b.url))
        .bearer_auth(&ops)
        .json(&json!({"share": 100}))
        .send()
        .await
        .unwrap();
    assert_eq!(staged.status(), StatusCode::OK, "staged through the other instance");
    let offer: Value = t
        .http
        .get(format!("{}/updates/linux/x86_64/deb/0.1.0", b.url))
        .header("Sportello-Installation", "installation-0001")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(offer["version"], "0.2.0");
    assert!(
        offer["url"].as_str().unwrap().starts_with(&b.url),
        "the link points at the instance asked"
    );
    let served = t.http.get(offer["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(
        served.bytes().await.unwrap().as_ref(),
        bytes.as_slice(),
        "byte for byte"
    );
}

on_both_engines!(
    a_release_is_published_staged_offered_and_withdrawn,
    bad_releases_are_refused_and_nothing_is_kept,
    two_instances_offer_and_serve_the_same_release,
);

/// `sportello-server admin release-…` against a fresh SQLite database, as the
/// company's release manager runs it: the bundle's signature beside it, its
/// platform from its name; run again, it completes the same release.
#[test]
fn the_command_line_publishes_stages_and_withdraws_a_release() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sportello-server"))
            .args(args)
            .env("SPORTELLO_DATA_DIR", dir.path())
            .env("SPORTELLO_BIND", "127.0.0.1:0")
            .env_remove("SPORTELLO_DATABASE_URL")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    };
    let key = UpdaterKey::generate();
    let bytes = bundle_bytes();
    let deb = dir.path().join("Sportello_0.2.0_amd64.deb");
    std::fs::write(&deb, &bytes).unwrap();
    std::fs::write(dir.path().join("Sportello_0.2.0_amd64.deb.sig"), key.sign(&bytes)).unwrap();
    let (it, en) = (dir.path().join("novita.txt"), dir.path().join("whatsnew.txt"));
    std::fs::write(&it, "Novità: il piano in grafico.\n").unwrap();
    std::fs::write(&en, "New: the plan as a chart.\n").unwrap();
    let publish = [
        "admin",
        "release-publish",
        "--version",
        "0.2.0",
        "--notes-it",
        it.to_str().unwrap(),
        "--notes-en",
        en.to_str().unwrap(),
        "--share",
        "10",
        deb.to_str().unwrap(),
    ];
    let (ok, out) = run(&publish);
    assert!(ok, "{out}");
    let sha = sportello_server::secrets::sha256_hex_bytes(&bytes);
    assert!(
        out.contains(&format!(
            "linux-x86_64-deb: Sportello_0.2.0_amd64.deb (600000 bytes, sha256 {sha})"
        )),
        "{out}"
    );
    assert!(
        out.contains("release 0.2.0 published to 10 % of installations"),
        "{out}"
    );
    let (ok, out) = run(&publish);
    assert!(
        ok && out.contains("release 0.2.0 exists: storing its bundles"),
        "run again, it completes: {out}"
    );

    let unsigned = dir.path().join("Sportello_0.3.0_x64_it-IT.msi");
    std::fs::write(&unsigned, &bytes).unwrap();
    let (ok, out) = run(&[
        "admin",
        "release-publish",
        "--version",
        "0.3.0",
        "--notes-it",
        it.to_str().unwrap(),
        "--notes-en",
        en.to_str().unwrap(),
        unsigned.to_str().unwrap(),
    ]);
    assert!(
        !ok && out.contains(".sig"),
        "a bundle without its signature is refused before anything: {out}"
    );

    let (ok, out) = run(&["admin", "release-share", "--version", "0.2.0", "--share", "100"]);
    assert!(ok && out.contains("now offered to 100 %"), "{out}");
    let (ok, out) = run(&["admin", "release-withdraw", "--version", "0.2.0"]);
    assert!(ok && out.contains("release 0.2.0 withdrawn"), "{out}");
    let (ok, out) = run(&["admin", "releases"]);
    assert!(
        ok && out.contains("0.2.0 published") && out.contains("withdrawn"),
        "{out}"
    );
    assert!(!out.contains("0.3.0"), "the refused release was not kept: {out}");
    let (ok, out) = run(&["admin", "audit"]);
    assert!(ok, "{out}");
    for action in [
        "publish_release",
        "add_release_bundle",
        "stage_release",
        "withdraw_release",
    ] {
        assert!(out.contains(action), "{action} in the audit log: {out}");
    }
}

//! Customers' files live where every instance reads them (X6, S3, E8): two
//! server processes with their own data folders serve each other's
//! uploads; the quota and the upload rate hold per customer; unattached
//! uploads are swept; files an older version kept on disk move in at start.

mod common;

use common::{error_code, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_server::secrets::sha256_hex_bytes;
use sqlx::{AnyConnection, Connection};

/// A PDF of `size` bytes whose content depends on `seed`.
fn pdf(size: usize, seed: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((0..size.saturating_sub(bytes.len())).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    bytes
}

async fn upload(url: &str, token: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/attachments?name={name}"))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn download(url: &str, token: &str, id: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{url}/attachments/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn count(t: &TestServer, sql: &str) -> i64 {
    let mut db = AnyConnection::connect(&t.database_url).await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap()
}

/// A file uploaded through one instance downloads whole through the other,
/// each with its own data folder; a file of several chunks comes back byte
/// for byte with the SHA-256 it was stored with, and no instance wrote it
/// to its disk.
async fn two_instances_with_their_own_folders_serve_each_others_files(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = common::process("serve", &t.database_url, a_dir.path(), &[]).await;
    let b = common::process("serve", &t.database_url, b_dir.path(), &[]).await;
    let bytes = pdf(700 * 1024 + 13, 7);
    let stored: Value = upload(&a.url, &token, "estratto.pdf", bytes.clone())
        .await
        .json()
        .await
        .unwrap();
    let id = stored["id"].as_str().unwrap();
    let served = download(&b.url, &token, id).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["x-content-sha256"], sha256_hex_bytes(&bytes).as_str());
    assert_eq!(served.headers()["content-length"], bytes.len().to_string().as_str());
    assert_eq!(
        served.bytes().await.unwrap().as_ref(),
        bytes.as_slice(),
        "byte for byte"
    );
    let chunks = count(
        &t,
        &format!("SELECT COUNT(*) FROM file_chunks WHERE attachment_id = '{id}'"),
    )
    .await;
    assert_eq!(chunks, 3, "700 KiB in chunks of 256 KiB");
    for dir in [a_dir.path(), b_dir.path()] {
        assert!(!dir.join("attachments").exists(), "nothing on an instance's disk");
    }
}

/// A customer's files stay within the quota (a refused upload keeps
/// nothing), and each user has an upload rate.
async fn the_quota_and_the_upload_rate_hold_per_customer(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let dir = tempfile::tempdir().unwrap();
    let small = common::process(
        "serve",
        &t.database_url,
        dir.path(),
        &[("SPORTELLO_UPLOAD_QUOTA_MB", "1")],
    )
    .await;
    let first = upload(&small.url, &token, "a.pdf", pdf(600 * 1024, 1)).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let rows = count(&t, "SELECT COUNT(*) FROM attachments").await;
    let second = upload(&small.url, &token, "b.pdf", pdf(600 * 1024, 2)).await;
    assert_eq!(
        error_code(second).await,
        (StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded".into())
    );
    assert_eq!(count(&t, "SELECT COUNT(*) FROM attachments").await, rows, "no row kept");
    let other = t.other_customer().await;
    let theirs = upload(&small.url, &other, "c.pdf", pdf(600 * 1024, 3)).await;
    assert_eq!(
        theirs.status(),
        StatusCode::CREATED,
        "another customer has its own quota"
    );

    // A fresh window on this server's clock: the uploads above went through
    // another process.
    t.start_of_window(600);
    let mut accepted = 0;
    let mut last = StatusCode::CREATED;
    for n in 0..=60 {
        last = upload(&t.url(""), &token, &format!("r{n}.pdf"), pdf(64, n as u8))
            .await
            .status();
        if last != StatusCode::CREATED {
            break;
        }
        accepted += 1;
    }
    assert_eq!(
        (accepted, last),
        (60, StatusCode::TOO_MANY_REQUESTS),
        "60 uploads in 10 minutes at most"
    );
}

/// An upload nobody attached is swept after a day; one a request uses stays.
async fn unattached_uploads_are_swept_and_used_ones_kept(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let used: Value = upload(&t.url(""), &token, "usato.pdf", pdf(2048, 4))
        .await
        .json()
        .await
        .unwrap();
    let left: Value = upload(&t.url(""), &token, "dimenticato.pdf", pdf(2048, 5))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"kind": "free", "type_code": "documents_copy", "message": "In allegato.",
        "attachment_ids": [used["id"]]});
    assert_eq!(t.post_as("/requests", &token, body).await.status(), StatusCode::CREATED);
    let store = &t.server.state.store;
    assert_eq!(
        store.sweep_orphan_files(t.clock.now_ms() - 1000).await.unwrap(),
        0,
        "not a day old yet"
    );
    assert_eq!(store.sweep_orphan_files(t.clock.now_ms() + 1).await.unwrap(), 1);
    assert_eq!(
        download(&t.url(""), &token, used["id"].as_str().unwrap())
            .await
            .status(),
        StatusCode::OK
    );
    let gone = download(&t.url(""), &token, left["id"].as_str().unwrap()).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let id = left["id"].as_str().unwrap();
    let chunks = count(
        &t,
        &format!("SELECT COUNT(*) FROM file_chunks WHERE attachment_id = '{id}'"),
    )
    .await;
    assert_eq!(chunks, 0, "its bytes went with it");
}

/// A file an older version kept under `<data_dir>/attachments` moves into
/// the database when the server starts, and leaves the disk.
async fn files_kept_on_disk_by_an_older_version_move_in_at_start(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let stored: Value = upload(&t.url(""), &token, "vecchio.pdf", pdf(3000, 6))
        .await
        .json()
        .await
        .unwrap();
    let id = stored["id"].as_str().unwrap();
    let bytes = pdf(3000, 6);
    // As the older version left it: the row, the bytes on disk, no chunks.
    let mut db = AnyConnection::connect(&t.database_url).await.unwrap();
    sqlx::query("DELETE FROM file_chunks WHERE attachment_id = $1")
        .bind(id)
        .execute(&mut db)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("attachments")).unwrap();
    std::fs::write(dir.path().join("attachments").join(id), &bytes).unwrap();
    let server = common::process("serve", &t.database_url, dir.path(), &[]).await;
    let served = download(&server.url, &token, id).await;
    assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
    assert!(!dir.path().join("attachments").join(id).exists(), "moved, not copied");
}

/// An upload sent again with its Idempotency-Key (its answer was lost)
/// stores the file once and answers the first id; the same key with another
/// file is refused.
async fn an_upload_retried_with_its_key_is_stored_once(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let send = |bytes: Vec<u8>| {
        reqwest::Client::new()
            .post(t.url("/attachments?name=ricevuta.pdf"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "upload-1")
            .body(bytes)
            .send()
    };
    let first = send(pdf(3_000, 1)).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send(pdf(3_000, 1)).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM attachments").await, 1, "stored once");
    let other = send(pdf(3_000, 2)).await.unwrap();
    assert_eq!(
        error_code(other).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_mismatch".into())
    );
    assert_eq!(count(&t, "SELECT COUNT(*) FROM attachments").await, 1);
}

on_both_engines!(
    two_instances_with_their_own_folders_serve_each_others_files,
    the_quota_and_the_upload_rate_hold_per_customer,
    unattached_uploads_are_swept_and_used_ones_kept,
    files_kept_on_disk_by_an_older_version_move_in_at_start,
    an_upload_retried_with_its_key_is_stored_once,
);

//! Notifications (H4), the change feed and the event stream, over real HTTP
//! on both engines.

mod common;

use common::{error_code, TestServer};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

async fn broadcasts_and_desk_messages_list_newest_first_with_read_state(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let list: Value = t.json("/notifications", &access).await;
    assert_eq!(list["unread"], 2, "the demo's broadcast and desk reply");
    assert_eq!(list["items"][0]["kind"], "desk");
    // A desk reply is subject to its request's code.
    let request = list["items"][0]["request_id"]
        .as_i64()
        .expect("the reply names its request");
    let thread: Value = t.json(&format!("/requests/{request}"), &access).await;
    assert_eq!(
        list["items"][0]["subject"],
        format!("{} – Copia documenti contrattuali", thread["code"].as_str().unwrap())
    );
    assert_eq!(
        list["items"][1]["subject"],
        "Sportello Leasing S.p.A. – Nuova area clienti Sportello"
    );

    let response = t
        .post_as(
            "/ops/broadcasts",
            &ops,
            json!({"title": "Chiusura per festività", "body": "Uffici chiusi l'8 dicembre."}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let list: Value = t.json("/notifications", &access).await;
    assert_eq!(
        list["items"][0]["subject"],
        "Sportello Leasing S.p.A. – Chiusura per festività"
    );
    assert_eq!(list["items"][0]["read"], false);
    assert_eq!(list["unread"], 3);

    let first = list["items"][0]["id"].as_i64().unwrap();
    let read = t
        .post_as(&format!("/notifications/{first}/read"), &access, json!({}))
        .await;
    assert_eq!(read.status(), StatusCode::NO_CONTENT);
    let list: Value = t.json("/notifications", &access).await;
    assert_eq!(
        (list["unread"].clone(), list["items"][0]["read"].clone()),
        (json!(2), json!(true))
    );

    let page: Value = t.json("/notifications?limit=2", &access).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let older: Value = t
        .json(
            &format!("/notifications?limit=2&before={}", page["next_before"]),
            &access,
        )
        .await;
    assert_eq!(older["items"].as_array().unwrap().len(), 1);
    assert_eq!(older["next_before"], Value::Null);
    // The count is of all of them, on every page, and on a page past the oldest.
    assert_eq!((page["unread"].clone(), older["unread"].clone()), (json!(2), json!(2)));
    let oldest = older["items"][0]["id"].as_i64().unwrap();
    let past: Value = t.json(&format!("/notifications?before={oldest}"), &access).await;
    assert_eq!(
        (past["items"].as_array().unwrap().len(), past["unread"].clone()),
        (0, json!(2))
    );

    assert_eq!(
        t.post_as("/notifications/read-all", &access, json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(t.json("/notifications", &access).await["unread"], 0);

    // Read state is per user: another user of the same customer still sees them unread.
    let (sub, temporary) = {
        let form = json!({"first_name": "Lia", "last_name": "Rossi", "email": "lia@example.it", "language": "it"});
        t.post_as("/sub-users", &access, form).await;
        (
            "10093.1",
            common::line_value(&t.last_mail().await.2, "Password temporanea"),
        )
    };
    let sub_access = t.first_login(sub, &temporary, "la nebbia agli irti colli").await;
    assert_eq!(t.json("/notifications", &sub_access).await["unread"], 3);
}

async fn a_customer_never_sees_another_customers_desk_messages(t: TestServer) {
    let other = t.other_customer().await;
    let ops = t.ops_token().await;
    let theirs: Value = t.json("/notifications", &other).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1, "only the broadcast");
    assert_eq!(theirs["items"][0]["kind"], "broadcast");

    let (access, _) = t.demo_tokens().await;
    let desk = t.json("/notifications", &access).await["items"][0]["id"]
        .as_i64()
        .unwrap();
    let response = t
        .post_as(&format!("/notifications/{desk}/read"), &other, json!({}))
        .await;
    assert_eq!(error_code(response).await.0, StatusCode::NOT_FOUND);
    let empty = t
        .post_as("/ops/broadcasts", &ops, json!({"title": " ", "body": "x"}))
        .await;
    assert_eq!(empty.json::<Value>().await.unwrap()["fields"]["title"], "required");
}

/// Reads server-sent events until one has `event: change`; returns its data.
async fn next_change(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    buffer: &mut String,
) -> Value {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: change") {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .expect("a data line");
                return serde_json::from_str(data).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event within the timeout")
            .expect("the stream stays open")
            .unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn the_event_stream_delivers_a_broadcast_to_a_connected_client(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let response = t.get("/events", &access).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();

    let id: i64 = t
        .post_as(
            "/ops/broadcasts",
            &ops,
            json!({"title": "Manutenzione", "body": "Sabato notte"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let event = next_change(&mut stream, &mut buffer).await;
    assert_eq!(event["entity"], "notification");
    assert_eq!(event["entity_id"], id.to_string());
    assert_eq!(event["op"], "upsert");

    // The client's own request moves its cursor too, and the feed replays from any cursor.
    let cursor = event["cursor"].as_i64().unwrap();
    t.post_as(
        "/requests",
        &access,
        json!({"kind": "free", "type_code": "other", "message": "Ciao"}),
    )
    .await;
    let next = next_change(&mut stream, &mut buffer).await;
    assert_eq!(next["entity"], "request");
    assert!(next["cursor"].as_i64().unwrap() > cursor);
    let feed: Value = t.json(&format!("/changes?after={cursor}"), &access).await;
    assert_eq!(feed, json!({"items": [next], "cursor": next["cursor"]}));

    // Nothing new: the same answer, and a 304 to its ETag.
    let again = t.get(&format!("/changes?after={}", next["cursor"]), &access).await;
    let etag = again.headers()["etag"].to_str().unwrap().to_owned();
    let idle = t
        .http
        .get(t.url(&format!("/changes?after={}", next["cursor"])))
        .bearer_auth(&access)
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(idle.status(), StatusCode::NOT_MODIFIED);

    // Reconnecting with `after` first replays what was missed.
    let replay = t.get(&format!("/events?after={}", cursor - 1), &access).await;
    let mut replay_stream = replay.bytes_stream();
    let mut replay_buffer = String::new();
    assert_eq!(next_change(&mut replay_stream, &mut replay_buffer).await, event);
    assert_eq!(next_change(&mut replay_stream, &mut replay_buffer).await, next);
}

async fn another_customers_changes_stay_off_the_stream(t: TestServer) {
    let other = t.other_customer().await;
    let ops = t.ops_token().await;
    let (access, _) = t.demo_tokens().await;
    let mut stream = t.get("/events", &access).await.bytes_stream();
    let mut buffer = String::new();

    let theirs: Value = t
        .post_as(
            "/requests",
            &other,
            json!({"kind": "free", "type_code": "other", "message": "Solo mio"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let theirs = theirs["id"].to_string();
    t.post_as("/ops/broadcasts", &ops, json!({"title": "Per tutti", "body": "."}))
        .await;
    let event = next_change(&mut stream, &mut buffer).await;
    assert_eq!(
        event["entity"], "notification",
        "the other customer's request was not announced here"
    );
    let feed: Value = t.json("/changes", &access).await;
    assert!(feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| !(c["entity"] == "request" && c["entity_id"] == theirs.as_str())));
    let summary: Value = t.json("/sync/summary", &access).await;
    assert_eq!(
        summary["cursor"], feed["cursor"],
        "the summary's cursor is the newest change the customer can see"
    );
    assert_eq!(
        t.get("/events", "spa_not-a-token").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

on_both_engines!(
    broadcasts_and_desk_messages_list_newest_first_with_read_state,
    a_customer_never_sees_another_customers_desk_messages,
    the_event_stream_delivers_a_broadcast_to_a_connected_client,
    another_customers_changes_stay_off_the_stream,
);

#[tokio::test]
async fn shutting_down_ends_open_event_streams() {
    let t = TestServer::start().await;
    let (access, _) = t.demo_tokens().await;
    let response = t.get("/events", &access).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = response.bytes_stream();
    let TestServer { server, .. } = t;
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("a graceful shutdown does not wait for streams that never end");
    while let Some(Ok(_)) = stream.next().await {}
}

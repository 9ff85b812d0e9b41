//! The change feed under concurrent writers and across server instances.

mod common;

use common::TestServer;
use futures_util::StreamExt;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_domain::api::sync::Entity;
use sportello_server::store::feed::Change;
use std::time::Duration;

/// Writers that commit out of the order they started in never make a
/// reading cursor skip a change: what a client read by following its cursor
/// is, in the end, exactly the feed.
async fn a_cursor_misses_nothing_under_concurrent_writers(server: TestServer) {
    let store = server.server.state.store.clone();
    let start = store.feed_head().await.unwrap();
    let writers: Vec<_> = (0..24)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                for k in 0..4 {
                    let hold = Duration::from_millis(rand::thread_rng().gen_range(0..25));
                    let change = Change::upsert(None, Entity::Notification, format!("w{n}-{k}"));
                    store.record_changes_holding(&[change], 0, hold).await.unwrap();
                }
            })
        })
        .collect();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (store, done) = (store.clone(), done.clone());
        tokio::spawn(async move {
            let (mut cursor, mut seen) = (start, Vec::new());
            loop {
                // Read once more after the writers finished: then everything has committed.
                let last_round = done.load(std::sync::atomic::Ordering::SeqCst);
                let rows = store.changes_after(1, cursor, 1000).await.unwrap();
                if let Some(last) = rows.last() {
                    cursor = last.seq;
                }
                seen.extend(rows.into_iter().map(|r| r.entity_id));
                if last_round {
                    return seen;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.await.unwrap();
    let all: Vec<String> = store
        .changes_after(1, start, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entity_id)
        .collect();
    assert_eq!(all.len(), 96);
    assert_eq!(seen, all, "the cursor skipped a change that committed late");
}

on_both_engines!(a_cursor_misses_nothing_under_concurrent_writers);

/// Makes the database refuse to announce changes of these entities, as a
/// full disk or a lost connection would at the worst moment.
async fn refuse_announcing(t: &TestServer, entities: &[&str]) {
    let list = entities.iter().map(|e| format!("'{e}'")).collect::<Vec<_>>().join(", ");
    let sql = match t.server.state.store.engine {
        sportello_server::store::Engine::Sqlite => format!(
            "CREATE TRIGGER refuse_feed BEFORE INSERT ON changes WHEN NEW.entity IN ({list})
             BEGIN SELECT RAISE(ABORT, 'the feed is refused'); END;"
        ),
        sportello_server::store::Engine::Postgres => format!(
            "CREATE FUNCTION refuse_feed() RETURNS trigger AS $$ BEGIN
                 IF NEW.entity IN ({list}) THEN RAISE EXCEPTION 'the feed is refused'; END IF; RETURN NEW;
             END $$ LANGUAGE plpgsql;
             CREATE TRIGGER refuse_feed BEFORE INSERT ON changes FOR EACH ROW EXECUTE FUNCTION refuse_feed();"
        ),
    };
    t.server.state.store.execute_script(&sql).await.unwrap();
}

/// A change and its announcement commit together: when the announcement
/// cannot be written, the change is not saved either, for every kind of
/// writer the desktop depends on (a request, the profile, a sub-user, a
/// company broadcast). Before, each change committed first and was
/// announced in a second transaction, so the desktop never heard of it.
async fn a_change_that_cannot_be_announced_is_not_saved(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let requests_before = t.all_items("/requests", &access).await;
    let unread_before = t.json("/notifications", &access).await["unread"].clone();
    let head_before = t.server.state.store.feed_head().await.unwrap();
    refuse_announcing(&t, &["request", "profile", "sub_user", "notification"]).await;

    let request = json!({"kind": "free", "type_code": "other", "message": "Non deve restare"});
    assert_eq!(
        t.post_as("/requests", &access, request).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let profile = json!({"language": "en", "display_name": "Nome mai salvato"});
    let patched = t.call(reqwest::Method::PATCH, "/profile", &access, Some(profile)).await;
    assert_eq!(patched.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let sub = json!({"first_name": "Lia", "last_name": "Rossi", "email": "lia@example.it", "language": "it"});
    assert_eq!(
        t.post_as("/sub-users", &access, sub).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let broadcast = json!({"title": "Uffici chiusi", "body": "Il 24 dicembre gli uffici sono chiusi."});
    assert_eq!(
        t.post_as("/ops/broadcasts", &ops, broadcast).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );

    assert_eq!(
        t.all_items("/requests", &access).await,
        requests_before,
        "a request was saved unannounced"
    );
    let me = t.json("/profile", &access).await;
    assert_eq!(me["language"], "it", "the profile changed unannounced: {me}");
    assert_ne!(me["display_name"], "Nome mai salvato");
    assert_eq!(
        t.json("/sub-users", &access).await["items"],
        json!([]),
        "a sub-user was saved unannounced"
    );
    assert_eq!(t.json("/notifications", &access).await["unread"], unread_before);
    assert_eq!(t.server.state.store.feed_head().await.unwrap(), head_before);

    // With the feed writable again the same request is saved and announced.
    t.server
        .state
        .store
        .execute_script("DROP TRIGGER refuse_feed ON changes")
        .await
        .ok();
    t.server
        .state
        .store
        .execute_script("DROP TRIGGER IF EXISTS refuse_feed")
        .await
        .ok();
    let request = json!({"kind": "free", "type_code": "other", "message": "Questa resta"});
    assert_eq!(
        t.post_as("/requests", &access, request).await.status(),
        StatusCode::CREATED
    );
    let head = t.server.state.store.feed_head().await.unwrap();
    assert!(head > head_before);
    let newest = t.server.state.store.changes_after(1, head - 1, 10).await.unwrap();
    assert_eq!(newest[0].entity, "request");
}

on_both_engines!(a_change_that_cannot_be_announced_is_not_saved);

/// A server process on the shared database; only PostgreSQL's notifications
/// can wake the other instance in time, so polling is off.
async fn instance(command: &str, database_url: &str, dir: &std::path::Path) -> common::Process {
    common::process(command, database_url, dir, &[("SPORTELLO_FEED_POLL_MS", "600000")]).await
}

/// Two server processes behind one PostgreSQL: a change written through one
/// reaches a desktop's event stream on the other, woken by LISTEN/NOTIFY.
#[tokio::test]
async fn a_change_through_one_instance_reaches_a_stream_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::fresh_database(common::Engine::Postgres, dir.path()).await;
    let a = instance("demo", &database_url, dir.path()).await;
    let b = instance("serve", &database_url, dir.path()).await;
    let http = reqwest::Client::new();

    let login: Value = http
        .post(format!("{}/auth/login", b.url))
        .json(&json!({"username": sportello_server::demo::DEMO_USERNAME, "password": sportello_server::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = common::wait_for_code(dir.path()).await;
    let tokens: Value = http
        .post(format!("{}/auth/verify", b.url))
        .json(&json!({"challenge_id": login["challenge_id"], "code": code}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let mut stream = http
        .get(format!("{}/events", b.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes_stream();
    // The stream is open once its first keep-alive or event could come; give it a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let ops: Value = http
        .post(format!("{}/ops/login", a.url))
        .json(&sportello_server::testkit::demo_operator_login(
            &sportello_server::Clock::default(),
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sent = http
        .post(format!("{}/ops/broadcasts", a.url))
        .bearer_auth(ops["access_token"].as_str().unwrap())
        .json(&json!({"title": "Uffici chiusi", "body": "Il 24 dicembre gli uffici sono chiusi."}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED);
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(chunk)) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("\"entity\":\"notification\"") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "instance B's stream saw: {seen}");
}

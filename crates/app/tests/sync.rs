//! The sync engine against a real server on 127.0.0.1: the first sync equals
//! the server's data, deltas after operator changes arrive, an idle resync is
//! a 304, the outbox sends exactly once, and randomized faults between the
//! two lose and duplicate nothing.

mod support;

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_app::cache::{Cache, Collection};
use sportello_app::notifier::OpenTarget;
use sportello_app::Desk;
use sportello_domain::api::requests::{NewMessage, NewRequest};
use sportello_domain::ErrorCode;
use sportello_server::{demo, fleet};
use std::sync::Arc;
use support::proxy::{Fault, Proxy};
use support::Fixture;

fn as_json<T: serde::Serialize>(items: &[T]) -> Vec<Value> {
    items.iter().map(|i| serde_json::to_value(i).unwrap()).collect()
}

/// The cache holds exactly what the server serves.
async fn assert_mirrors(f: &Fixture, cache: &Cache, token: &str) {
    let summary = f.get("/sync/summary", token).await;
    for (collection, key) in [
        (Collection::Contracts, "contracts"),
        (Collection::Schedule, "schedule"),
        (Collection::Invoices, "invoices"),
        (Collection::Assets, "assets"),
        (Collection::Requests, "requests"),
        (Collection::Notifications, "notifications"),
    ] {
        assert_eq!(
            cache.count(collection).await.unwrap(),
            summary[key].as_i64().unwrap(),
            "{key}"
        );
    }
    assert_eq!(
        cache.plan_row_count().await.unwrap(),
        summary["plan_rows"].as_i64().unwrap()
    );
    let schedule = f.all("/schedule?limit=500", token).await;
    assert_eq!(
        as_json(&cache.schedule().await.unwrap()),
        schedule,
        "the schedule, row by row"
    );
    let invoices = f
        .all(
            &format!(
                "/invoices?limit=500&to={}",
                Utc::now().date_naive() + chrono::Days::new(366)
            ),
            token,
        )
        .await;
    assert_eq!(
        as_json(&cache.invoices().await.unwrap()),
        invoices,
        "the invoices, row by row"
    );
    let assets = f.all("/assets?limit=500", token).await;
    let mut cached_assets = as_json(&cache.assets().await.unwrap());
    cached_assets.sort_by_key(|a| serde_json::to_string(a).unwrap());
    let mut served_assets = assets.clone();
    served_assets.sort_by_key(|a| serde_json::to_string(a).unwrap());
    assert_eq!(cached_assets, served_assets);
    for contract in cache.contracts().await.unwrap() {
        let served = f.get(&format!("/contracts/{}", contract.id), token).await;
        assert_eq!(serde_json::to_value(&contract).unwrap(), served);
    }
    for request in cache.requests().await.unwrap() {
        let served = f.get(&format!("/requests/{}", request.summary.id), token).await;
        assert_eq!(serde_json::to_value(&request).unwrap(), served);
    }
}

#[tokio::test]
async fn the_first_sync_mirrors_the_demo_and_shows_one_notice_for_the_unread() {
    let f = Fixture::start().await;
    let desk = f.desk(&f.base(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let (engine, shown) = f.engine(desk, "demo.db").await;
    let mut status = engine.status();
    let round = engine.sync_once().await.unwrap();
    assert!(round.first_sync);
    assert!(status.has_changed().unwrap());
    let after = status.borrow_and_update().clone();
    assert!(after.online && after.offline_since.is_none() && after.last_sync.is_some());

    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    assert_mirrors(&f, engine.cache(), &token).await;
    let home: Option<Value> = engine.cache().document("home").await.unwrap();
    assert_eq!(home.unwrap(), f.get("/home", &token).await);
    let plan_total = f.get("/contracts/1/plan?limit=1", &token).await["total"]
        .as_u64()
        .unwrap();
    assert_eq!(
        engine.cache().plan(1).await.unwrap().len() as u64,
        plan_total,
        "a contract's whole plan"
    );

    let notices = shown.take();
    assert_eq!(notices.len(), 1, "one summary, not a flood: {notices:?}");
    assert_eq!(notices[0].title, "2 messaggi da leggere");
    assert_eq!(notices[0].open, OpenTarget::Notifications);
}

#[tokio::test]
async fn operator_changes_arrive_as_deltas_with_notices_and_an_idle_resync_is_a_304() {
    let f = Fixture::start().await;
    let desk = f.desk(&f.base(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let (engine, shown) = f.engine(desk, "demo.db").await;
    engine.sync_once().await.unwrap();
    shown.take();
    let idle = engine.sync_once().await.unwrap();
    assert!(idle.not_modified, "nothing new: {idle:?}");

    let ops = f.ops_token().await;
    let customer = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let invoice = json!({"customer_code": "10093", "kind": "invoice", "issued_on": "2026-11-20", "due_on": "2026-12-10",
        "payment_method": "bank_transfer", "lines": [{"description": "Spese", "quantity": "1", "unit_price": "50.00", "vat_rate": "22"}]});
    let published = f.post("/ops/invoices", &ops, invoice).await;
    let status = published.status();
    let published: Value = published.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{published}");
    f.post(
        "/ops/broadcasts",
        &ops,
        json!({"title": "Nuovi orari", "body": "Dal lunedì al venerdì"}),
    )
    .await;
    let request_id = engine.cache().requests().await.unwrap()[0].summary.id;
    f.post(
        &format!("/ops/requests/{request_id}/replies"),
        &ops,
        json!({"body": "Spedita oggi.", "status": "completed"}),
    )
    .await;
    let sub = json!({"first_name": "Lia", "last_name": "Rossi", "email": "lia@example.it", "language": "it"});
    f.post("/sub-users", &customer, sub).await;
    let deleted = f
        .http
        .delete(f.url("/sub-users/10093.1"))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let round = engine.sync_once().await.unwrap();
    assert!(round.changes >= 5, "{round:?}");
    let cache = engine.cache();
    assert!(cache
        .invoices()
        .await
        .unwrap()
        .iter()
        .any(|i| serde_json::to_value(i).unwrap()["id"] == published["id"]));
    let request = cache
        .requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.summary.id == request_id)
        .unwrap();
    assert_eq!(request.summary.status.as_str(), "completed");
    assert_eq!(request.messages.last().unwrap().body, "Spedita oggi.");
    let sub_users: Vec<Value> = cache.document("sub_users").await.unwrap().unwrap();
    assert!(sub_users.is_empty(), "the deleted sub-user is gone from the cache");
    assert_mirrors(&f, cache, &customer).await;

    let notices = shown.take();
    let titles: Vec<&str> = notices.iter().map(|n| n.title.as_str()).collect();
    assert!(titles.contains(&"Sportello Leasing S.p.A. – Nuovi orari"), "{titles:?}");
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("RIC-") && t.ends_with(" – Copia documenti contrattuali")),
        "{titles:?}"
    );
    assert!(notices.iter().any(|n| n.open == OpenTarget::Request { id: request_id }));
    assert!(engine.sync_once().await.unwrap().not_modified, "idle again");
}

#[tokio::test]
async fn the_fleet_profile_syncs_whole_with_progress() {
    let f = Fixture::start().await;
    let store = &f.server.as_ref().unwrap().state.store;
    fleet::seed_fleet(store, f.clock.today(), 1000, 42, f.clock.now_ms())
        .await
        .unwrap();
    let desk = f.desk(&f.base(), fleet::FLEET_USERNAME, fleet::FLEET_PASSWORD).await;
    let (engine, _) = f.engine(desk, "fleet.db").await;
    let mut status = engine.status();
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while status.changed().await.is_ok() {
            if let Some(p) = status.borrow().progress.clone() {
                seen.push(p);
            }
        }
        seen
    });
    engine.sync_once().await.unwrap();
    let token = f.token(fleet::FLEET_USERNAME, fleet::FLEET_PASSWORD).await;
    assert_mirrors(&f, engine.cache(), &token).await;
    assert!(engine.cache().count(Collection::Schedule).await.unwrap() > 50_000);
    drop(engine);
    let seen = watcher.await.unwrap();
    assert!(seen.len() > 100, "progress is reported as pages arrive");
    assert!(seen.windows(2).all(|w| w[0].rows <= w[1].rows), "progress only grows");
    assert_eq!(seen.last().unwrap().percent, 100);
}

#[tokio::test]
async fn a_request_written_offline_is_kept_and_sent_once_when_the_server_returns() {
    let mut f = Fixture::start().await;
    let desk = f.desk(&f.base(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let (engine, _) = f.engine(desk, "demo.db").await;
    engine.sync_once().await.unwrap();
    f.stop_server().await;

    let request = NewRequest::Free {
        type_code: "other".into(),
        message: Some("Scritta senza rete".into()),
        attachment_ids: vec![],
    };
    let queued = engine.cache().enqueue_request(&request, Utc::now()).await.unwrap();
    assert_eq!(queued.state, "queued");
    let failed = engine.sync_once().await.unwrap_err();
    assert_eq!(failed.code(), ErrorCode::ServerUnreachable);
    let status = engine.status().borrow().clone();
    assert!(
        !status.online && status.offline_since.is_some(),
        "offline since …: {status:?}"
    );
    assert_eq!(
        engine.cache().count(Collection::Contracts).await.unwrap(),
        3,
        "the cache still shows the data"
    );
    let waiting = engine.cache().outbox().await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        waiting[0].error.as_ref().unwrap().code,
        ErrorCode::ServerUnreachable,
        "its error is visible"
    );

    f.restart_server().await;
    let round = engine.sync_once().await.unwrap();
    assert_eq!(round.outbox.sent, 1);
    assert!(engine.cache().outbox().await.unwrap().is_empty());
    assert!(engine.status().borrow().online);
    engine.sync_once().await.unwrap();
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let filed = f.get("/requests", &token).await;
    assert_eq!(filed["next_cursor"], serde_json::Value::Null, "one page holds them all");
    let count = filed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["title"] == "Altra richiesta")
        .count();
    assert_eq!(count, 1, "sent exactly once");
    assert!(engine
        .cache()
        .requests()
        .await
        .unwrap()
        .iter()
        .any(|r| r.summary.title == "Altra richiesta"));
}

#[tokio::test]
async fn a_refused_item_stays_visible_for_the_user_to_fix_and_does_not_block_the_rest() {
    let f = Fixture::start().await;
    let desk = f.desk(&f.base(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let (engine, _) = f.engine(desk, "demo.db").await;
    engine.sync_once().await.unwrap();
    let cache = engine.cache();
    let too_long = NewRequest::Free {
        type_code: "other".into(),
        message: Some("x".repeat(501)),
        attachment_ids: vec![],
    };
    let refused = cache.enqueue_request(&too_long, Utc::now()).await.unwrap();
    let request_id = cache.requests().await.unwrap()[0].summary.id;
    cache
        .enqueue_message(
            request_id,
            &NewMessage {
                body: "Grazie".into(),
                attachment_ids: vec![],
            },
            Utc::now(),
        )
        .await
        .unwrap();

    let round = engine.sync_once().await.unwrap();
    assert_eq!((round.outbox.sent, round.outbox.rejected), (1, 1));
    let left = cache.outbox().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].state, "rejected");
    let error = left[0].error.clone().unwrap();
    assert_eq!(error.code, ErrorCode::BadRequest);
    assert_eq!(error.fields.unwrap()["message"], "too_long");
    let thread = cache
        .requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.summary.id == request_id)
        .unwrap();
    assert_eq!(
        thread.messages.last().unwrap().body,
        "Grazie",
        "the message is in the cache at once"
    );

    engine.sync_once().await.unwrap();
    assert_eq!(cache.outbox().await.unwrap().len(), 1, "never silently dropped");
    assert!(cache.discard(refused.id).await.unwrap());
    assert!(cache.outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_server_killed_during_the_first_sync_is_caught_up_after_its_restart() {
    let mut f = Fixture::start().await;
    let store = &f.server.as_ref().unwrap().state.store;
    fleet::seed_fleet(store, f.clock.today(), 150, 7, f.clock.now_ms())
        .await
        .unwrap();
    let desk = f.desk(&f.base(), fleet::FLEET_USERNAME, fleet::FLEET_PASSWORD).await;
    let (engine, _) = f.engine(desk, "fleet.db").await;
    let mut status = engine.status();
    let syncing = tokio::spawn({
        let engine = engine.clone();
        async move { engine.sync_once().await }
    });
    // Kill the server once the first pages are in.
    loop {
        status.changed().await.unwrap();
        if status.borrow().progress.as_ref().is_some_and(|p| p.rows > 2000) {
            break;
        }
    }
    f.stop_server().await;
    assert!(syncing.await.unwrap().is_err(), "the round failed with the server");
    let partial = engine.cache().count(Collection::Contracts).await.unwrap()
        + engine.cache().count(Collection::Schedule).await.unwrap();
    assert!(partial > 0, "what arrived is kept");

    f.restart_server().await;
    engine.sync_once().await.unwrap();
    let token = f.token(fleet::FLEET_USERNAME, fleet::FLEET_PASSWORD).await;
    assert_mirrors(&f, engine.cache(), &token).await;
}

#[tokio::test]
async fn an_access_token_that_expires_mid_sync_is_refreshed_from_the_keyring() {
    let f = Fixture::start().await;
    let desk = f.desk(&f.base(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let (engine, _) = f.engine(desk, "demo.db").await;
    engine.sync_once().await.unwrap();
    // The server's clock runs an hour ahead of when the token was issued.
    f.clock.advance(chrono::TimeDelta::hours(1));
    let ops = f.ops_token().await;
    f.post("/ops/broadcasts", &ops, json!({"title": "Dopo un'ora", "body": "."}))
        .await;
    let round = engine.sync_once().await.unwrap();
    assert_eq!(round.changes, 1);
    // Thirty-one days on, the refresh token is gone too: log in again, keeping the cache.
    f.clock.advance(chrono::TimeDelta::days(31));
    let error = engine.sync_once().await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::SessionExpired);
    assert!(engine.status().borrow().needs_login);
    assert_eq!(
        engine.cache().count(Collection::Contracts).await.unwrap(),
        3,
        "the cache is kept"
    );
}

/// One randomized fault schedule: a fresh app syncs and sends two items
/// through the proxy while a share of its connections fail; the app may be
/// "restarted" (its cache reopened by a new engine) after a failed round.
async fn faulty_run(
    f: &Fixture,
    proxy: &Proxy,
    desk: &Arc<Desk>,
    token: &str,
    run: u32,
    percent: u32,
    restart_app: bool,
) {
    let file = format!("run-{run}.db");
    let (mut engine, _) = f.engine(desk.clone(), &file).await;
    let texts = [format!("corsa {run} a"), format!("corsa {run} b")];
    for text in &texts {
        let request = NewRequest::Free {
            type_code: "other".into(),
            message: Some(text.clone()),
            attachment_ids: vec![],
        };
        engine.cache().enqueue_request(&request, Utc::now()).await.unwrap();
    }
    proxy.faults(percent);
    let mut rounds = 0;
    loop {
        rounds += 1;
        if rounds == 12 {
            proxy.faults(0);
        }
        assert!(rounds < 40, "run {run} never converged");
        match engine.sync_once().await {
            Ok(_) if engine.cache().outbox().await.unwrap().is_empty() => break,
            Ok(_) => {}
            Err(error) => {
                assert!(error.is_transient(), "run {run}: {error}");
                if restart_app {
                    engine.cache().close().await;
                    engine = f.engine(desk.clone(), &file).await.0;
                }
            }
        }
    }
    proxy.faults(0);
    engine.sync_once().await.unwrap();
    assert_mirrors(f, engine.cache(), token).await;
    let cached = engine.cache().requests().await.unwrap();
    for text in &texts {
        let count = cached
            .iter()
            .filter(|r| r.messages.first().is_some_and(|m| m.body == *text))
            .count();
        assert_eq!(count, 1, "run {run}: {text:?} is on the server exactly once");
    }
    engine.cache().close().await;
}

#[tokio::test]
async fn a_hundred_randomized_fault_schedules_lose_and_duplicate_nothing() {
    let f = Fixture::start().await;
    let seed: u64 = std::env::var("SPORTELLO_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_121);
    let proxy = Proxy::start(f.addr, seed).await;
    let desk = f.desk(&proxy.url(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    for run in 0..100 {
        let percent = [10, 25, 40, 60][run as usize % 4];
        faulty_run(&f, &proxy, &desk, &token, run, percent, run % 3 == 0).await;
    }
    let injected = proxy.injected();
    for kind in [Fault::Refuse, Fault::ServerError, Fault::Garbage, Fault::LoseReply] {
        assert!(injected.contains(&kind), "{kind:?} was exercised (seed {seed})");
    }
    assert!(injected.iter().any(|f| matches!(f, Fault::Cut(_))));
    println!("{} faults injected over 100 runs (seed {seed})", injected.len());
}

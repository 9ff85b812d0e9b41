//! E6: consents given and withdrawn from the profile, each with its date,
//! kept as a history on the server; both engines.

mod common;

use chrono::TimeDelta;
use common::{error_code, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn put(t: &TestServer, token: &str, body: Value) -> reqwest::Response {
    t.call(reqwest::Method::PUT, "/profile/privacy", token, Some(body))
        .await
}

async fn consents_are_dated_changeable_and_kept_as_a_history(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let fresh = t.json("/profile/privacy", &token).await;
    assert_eq!(
        fresh,
        json!({"consents": [
            {"kind": "marketing", "granted": false, "decided_at": null},
            {"kind": "profiling", "granted": false, "decided_at": null},
            {"kind": "third_parties", "granted": false, "decided_at": null}],
            "history": []})
    );

    let given: Value = put(&t, &token, json!({"kind": "marketing", "granted": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(given["consents"][0]["granted"], true);
    let first_date = given["consents"][0]["decided_at"].as_str().unwrap().to_owned();
    t.clock.advance(TimeDelta::minutes(1));
    // Saying again what stands records nothing.
    let same: Value = put(&t, &token, json!({"kind": "marketing", "granted": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(same["history"].as_array().unwrap().len(), 1);
    let withdrawn: Value = put(&t, &token, json!({"kind": "marketing", "granted": false}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(withdrawn["consents"][0]["granted"], false);
    assert_ne!(withdrawn["consents"][0]["decided_at"].as_str().unwrap(), first_date);
    let history: Vec<(bool, String)> = withdrawn["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["granted"].as_bool().unwrap(), c["kind"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(history, vec![(false, "marketing".into()), (true, "marketing".into())]);
    assert_eq!(
        withdrawn["consents"][1]["decided_at"],
        Value::Null,
        "profiling was never asked"
    );

    // Another user's consents are their own.
    let other = t.other_customer().await;
    assert_eq!(t.json("/profile/privacy", &other).await["history"], json!([]));

    for bad in [
        json!({"kind": "newsletter", "granted": true}),
        json!({"kind": "marketing"}),
        json!({"kind": "marketing", "granted": "yes"}),
    ] {
        assert_eq!(
            error_code(put(&t, &token, bad.clone()).await).await.0,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    assert_eq!(
        t.json("/profile/privacy", &token).await["history"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "nothing written"
    );
}

on_both_engines!(consents_are_dated_changeable_and_kept_as_a_history);

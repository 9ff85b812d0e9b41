//! Self-service requests S1–S5 with their threads, attachments and
//! idempotency keys, over real HTTP on both engines.

mod common;

use sqlx::Connection;

use chrono::{Datelike, Days};
use common::{cents, error_code, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sportello_server::demo::{DEMO_EMAIL, DEMO_PASSWORD};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

/// The demo's contract 84963/1: (id, current IBAN).
async fn dental(t: &TestServer, access: &str) -> (i64, String) {
    let context: Value = t.json("/self-service", access).await;
    let contract = context["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_no"] == "84963/1")
        .expect("the demo contract");
    (
        contract["id"].as_i64().unwrap(),
        contract["current_iban"].as_str().unwrap().to_owned(),
    )
}

fn tomorrow(t: &TestServer) -> String {
    (t.clock.today() + Days::new(1)).to_string()
}

async fn create(t: &TestServer, access: &str, body: Value) -> reqwest::Response {
    t.post_as("/requests", access, body).await
}

async fn field_error(response: reqwest::Response, field: &str) -> String {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    body["fields"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
        .to_owned()
}

async fn upload(t: &TestServer, access: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    t.http
        .post(t.url(&format!("/attachments?name={name}")))
        .bearer_auth(access)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn an_iban_change_gets_a_code_a_status_and_shows_in_the_list(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let (contract, current) = dental(&t, &access).await;
    let body = json!({"kind": "iban_change", "contract_id": contract, "new_iban": "IT51 W030 6912 0110 0000 0123 456",
        "effective_from": tomorrow(&t), "message": "Dal mese prossimo addebitate sul nuovo conto.",
        "current_password": DEMO_PASSWORD});
    let response = create(&t, &access, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let detail: Value = response.json().await.unwrap();
    let year = t.clock.today().year();
    assert_eq!(
        detail["code"],
        format!("RIC-{year}-000002"),
        "the demo's request is number 1"
    );
    assert_eq!(detail["status"], "submitted");
    assert_eq!(detail["title"], "Cambio IBAN - contratto 84963/1");
    assert_eq!(detail["details"]["current_iban"], current);
    assert_eq!(detail["details"]["new_iban"], "IT51W0306912011000000123456");
    assert_eq!(
        detail["messages"][0]["body"],
        "Dal mese prossimo addebitate sul nuovo conto."
    );
    assert_eq!(detail["messages"][0]["author"], "customer");

    let list: Value = t.json("/requests", &access).await;
    assert_eq!(list["items"][0]["code"], detail["code"], "newest action first");
    assert_eq!(
        (list["items"].as_array().unwrap().len(), &list["next_cursor"]),
        (2, &Value::Null)
    );
    let panel: Value = t.json("/requests?limit=1", &access).await;
    assert_eq!(panel["items"].as_array().unwrap().len(), 1);
    let rest: Value = t
        .json(
            &format!("/requests?limit=1&cursor={}", panel["next_cursor"].as_str().unwrap()),
            &access,
        )
        .await;
    assert_eq!(
        (&rest["items"][0]["code"], &rest["next_cursor"]),
        (&list["items"][1]["code"], &Value::Null),
        "the second page holds the older request, and is the last"
    );
    let in_progress = t.all_items("/requests?status=in_progress", &access).await;
    assert_eq!(in_progress.len(), 1, "the demo's answered request");
    for bad in ["limit=0", "limit=501", "cursor=bm90LWEtY3Vyc29y", "cursor=%21"] {
        let response = t.get(&format!("/requests?{bad}"), &access).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// Bank details move money: the request asks for the password again, tells
/// the account's address, and the password is kept nowhere (a retry with the
/// same key and another password is the same request).
async fn an_iban_change_asks_the_password_again_and_tells_the_owner(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let (contract, _) = dental(&t, &access).await;
    let body = |password: Option<&str>| {
        let mut body = json!({"kind": "iban_change", "contract_id": contract,
            "new_iban": "IT51W0306912011000000123456", "effective_from": tomorrow(&t)});
        if let Some(password) = password {
            body["current_password"] = json!(password);
        }
        body
    };
    assert_eq!(
        field_error(create(&t, &access, body(None)).await, "current_password").await,
        "required"
    );
    let wrong = create(&t, &access, body(Some("not my password"))).await;
    assert_eq!(field_error(wrong, "current_password").await, "wrong");
    assert_eq!(
        t.all_items("/requests", &access).await.len(),
        1,
        "only the demo's request"
    );

    let mails = t.outbox().await.len();
    let send = |body: Value| {
        t.http
            .post(t.url("/requests"))
            .bearer_auth(&access)
            .header("Idempotency-Key", "iban-1")
            .json(&body)
            .send()
    };
    let filed = send(body(Some(DEMO_PASSWORD))).await.unwrap();
    assert_eq!(filed.status(), StatusCode::CREATED);
    let (to, subject, text) = t.last_mail().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        (DEMO_EMAIL, "Richiesta di cambio IBAN su Sportello")
    );
    assert!(text.contains("termina per 3456") && text.contains("84963/1"), "{text}");
    assert!(
        !text.contains("IT51W0306912011000000123456"),
        "the full IBAN is not e-mailed"
    );
    let replay = send(body(Some("another password, same request"))).await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(t.outbox().await.len(), mails + 1, "one notice");

    // Other requests ask for no password.
    let free = json!({"kind": "free", "type_code": "other", "message": "Copia del contratto"});
    assert_eq!(create(&t, &access, free).await.status(), StatusCode::CREATED);
}

async fn every_form_refuses_its_bad_inputs(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let (contract, current) = dental(&t, &access).await;
    let iban = |iban: &str, foreign: bool, from: String, message: &str| {
        json!({"kind": "iban_change", "contract_id": contract, "new_iban": iban, "foreign": foreign,
               "effective_from": from, "message": message, "current_password": DEMO_PASSWORD})
    };
    let long = "a".repeat(501);
    let ok_date = tomorrow(&t);
    let yesterday = (t.clock.today() - Days::new(1)).to_string();
    let cases = [
        (
            iban("IT51W0306912011000000123456", false, ok_date.clone(), &long),
            "message",
            "too_long",
        ),
        (
            iban("IT51W0306912011000000123456", false, yesterday.clone(), ""),
            "effective_from",
            "in_the_past",
        ),
        (
            iban("DE89370400440532013000", false, ok_date.clone(), ""),
            "new_iban",
            "foreign_not_flagged",
        ),
        (
            iban("IT51W0306912011000000123456", true, ok_date.clone(), ""),
            "foreign",
            "italian_iban",
        ),
        (
            iban("IT52W0306912011000000123456", false, ok_date.clone(), ""),
            "new_iban",
            "iban_check_digits",
        ),
        (
            iban(&current, false, ok_date.clone(), ""),
            "new_iban",
            "same_as_current",
        ),
    ];
    for (body, field, problem) in cases {
        assert_eq!(
            field_error(create(&t, &access, body.clone()).await, field).await,
            problem,
            "{body}"
        );
    }
    let five_hundred = "à".repeat(500);
    let response = create(
        &t,
        &access,
        iban("DE89370400440532013000", true, ok_date.clone(), &five_hundred),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "500 characters, accented or not, are allowed; a flagged foreign IBAN too"
    );

    let address = json!({"kind": "address_change", "new_address": " ", "effective_from": ok_date});
    assert_eq!(
        field_error(create(&t, &access, address).await, "new_address").await,
        "required"
    );
    let address = json!({"kind": "address_change", "new_address": "Via Roma 1, Milano", "effective_from": yesterday});
    assert_eq!(
        field_error(create(&t, &access, address).await, "effective_from").await,
        "in_the_past"
    );
    let free = json!({"kind": "free", "type_code": "nope", "message": "ciao"});
    assert_eq!(
        field_error(create(&t, &access, free).await, "type_code").await,
        "unknown"
    );
    let free = json!({"kind": "free", "type_code": "other"});
    assert_eq!(
        field_error(create(&t, &access, free).await, "message").await,
        "required"
    );
    let free = json!({"kind": "free", "type_code": "other", "attachment_ids": ["made-up"]});
    assert_eq!(
        field_error(create(&t, &access, free).await, "attachment_ids").await,
        "unknown"
    );
    let unknown_kind = json!({"kind": "loan", "message": "x"});
    assert_eq!(
        error_code(create(&t, &access, unknown_kind).await).await.0,
        StatusCode::BAD_REQUEST
    );

    let list = t.all_items("/requests", &access).await;
    assert_eq!(list.len(), 2, "only the two valid requests were filed");
}

async fn another_customers_contracts_and_requests_are_out_of_reach(t: TestServer) {
    let (_, other_contract) = t.add_customer("30001", "company", common::OTHER_VAT, "55501").await;
    let (access, _) = t.demo_tokens().await;
    let body = json!({"kind": "iban_change", "contract_id": other_contract, "new_iban": "IT51W0306912011000000123456",
        "effective_from": tomorrow(&t), "current_password": DEMO_PASSWORD});
    assert_eq!(
        field_error(create(&t, &access, body).await, "contract_id").await,
        "unknown"
    );
    let payoff = t.get(&format!("/contracts/{other_contract}/payoff"), &access).await;
    assert_eq!(payoff.status(), StatusCode::NOT_FOUND);

    // The other customer files a request; the demo user cannot read it or write on it.
    let theirs = t.invite_and_log_in("30001").await;
    let filed: Value = create(
        &t,
        &theirs,
        json!({"kind": "free", "type_code": "other", "message": "Buongiorno"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = filed["id"].as_i64().unwrap();
    assert_eq!(
        error_code(t.get(&format!("/requests/{id}"), &access).await).await.0,
        StatusCode::NOT_FOUND
    );
    let reply = t
        .post_as(&format!("/requests/{id}/messages"), &access, json!({"body": "intruso"}))
        .await;
    assert_eq!(error_code(reply).await.0, StatusCode::NOT_FOUND);
    let mine = t.all_items("/requests", &access).await;
    assert!(mine.iter().all(|r| r["id"] != id));
}

async fn early_termination_records_the_outstanding_principal_and_the_chosen_installment(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let (contract, _) = dental(&t, &access).await;
    let quote: Value = t.json(&format!("/contracts/{contract}/payoff"), &access).await;
    let detail: Value = t.json(&format!("/contracts/{contract}"), &access).await;
    assert_eq!(
        quote["outstanding_principal"], detail["outstanding_today"],
        "the same figure as the contract page"
    );
    assert!(cents(&quote["outstanding_principal"]) > 0);
    let installments = quote["installments"].as_array().unwrap();
    assert!(!installments.is_empty());
    let today = t.clock.today().to_string();
    assert!(
        installments
            .iter()
            .all(|i| i["due_on"].as_str().unwrap() > today.as_str()),
        "only installments not yet due"
    );
    let last = &installments[installments.len() / 2];

    let body = json!({"kind": "early_termination", "contract_id": contract, "last_installment_no": last["number"]});
    let filed: Value = create(&t, &access, body).await.json().await.unwrap();
    assert_eq!(
        filed["details"]["outstanding_principal"],
        quote["outstanding_principal"]
    );
    assert_eq!(filed["details"]["last_installment_due"], last["due_on"]);
    assert_eq!(filed["details"]["as_of"], today);

    let past = json!({"kind": "early_termination", "contract_id": contract, "last_installment_no": 1});
    assert_eq!(
        field_error(create(&t, &access, past).await, "last_installment_no").await,
        "not_a_future_installment"
    );
}

/// A file the desk attaches to its answer on request `id`.
async fn desk_upload(t: &TestServer, ops: &str, id: i64, name: &str, bytes: &[u8]) -> String {
    let response = t
        .http
        .post(t.url(&format!("/ops/attachments?name={name}&request_id={id}")))
        .bearer_auth(ops)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn the_desk_answers_an_early_termination_with_its_payoff_figure_and_statement(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let (contract, _) = dental(&t, &access).await;
    let quote: Value = t.json(&format!("/contracts/{contract}/payoff"), &access).await;
    let last = &quote["installments"][0];
    let body = json!({"kind": "early_termination", "contract_id": contract, "last_installment_no": last["number"]});
    let filed: Value = create(&t, &access, body).await.json().await.unwrap();
    let id = filed["id"].as_i64().unwrap();
    let statement = desk_upload(&t, &ops, id, "prospetto.pdf", PDF).await;
    let picture = desk_upload(&t, &ops, id, "foto.png", PNG).await;
    let today = t.clock.today();
    let figure = json!({
        "amount": "18234.56",
        "valid_until": (today + Days::new(30)).to_string(),
        "installment_no": last["number"],
        "installment_due": last["due_on"],
    });
    let replies = format!("/ops/requests/{id}/replies");
    let reply = |attachments: Vec<&str>, payoff: Value| json!({"body": "Ecco il conteggio di estinzione.", "attachment_ids": attachments, "payoff": payoff});

    // Each bad figure is refused, and nothing of it is written.
    let no_pdf = t.post_as(&replies, &ops, reply(vec![&picture], figure.clone())).await;
    assert_eq!(field_error(no_pdf, "attachment_ids").await, "statement_required");
    let mut past = figure.clone();
    past["valid_until"] = json!((today - Days::new(1)).to_string());
    let past = t.post_as(&replies, &ops, reply(vec![&statement], past)).await;
    assert_eq!(field_error(past, "payoff.valid_until").await, "past");
    let mut zero = figure.clone();
    zero["amount"] = json!("0.00");
    let zero = t.post_as(&replies, &ops, reply(vec![&statement], zero)).await;
    assert_eq!(field_error(zero, "payoff.amount").await, "not_positive");
    let float = json!({"amount": 18234.56, "valid_until": figure["valid_until"], "installment_no": 1, "installment_due": last["due_on"]});
    let float = t.post_as(&replies, &ops, reply(vec![&statement], float)).await;
    assert_eq!(
        float.status(),
        StatusCode::BAD_REQUEST,
        "money is a string, never a float"
    );
    let detail: Value = t.json(&format!("/requests/{id}"), &access).await;
    assert_eq!(detail["messages"], json!([]), "no half-written reply");

    let free: Value = create(
        &t,
        &access,
        json!({"kind": "free", "type_code": "account_statement", "message": "Estratto conto, grazie."}),
    )
    .await
    .json()
    .await
    .unwrap();
    let elsewhere = desk_upload(&t, &ops, free["id"].as_i64().unwrap(), "p.pdf", PDF).await;
    let wrong = t
        .post_as(
            &format!("/ops/requests/{}/replies", free["id"]),
            &ops,
            reply(vec![&elsewhere], figure.clone()),
        )
        .await;
    assert_eq!(field_error(wrong, "payoff").await, "not_early_termination");

    let answered = t
        .post_as(&replies, &ops, reply(vec![&statement, &picture], figure.clone()))
        .await;
    assert_eq!(answered.status(), StatusCode::CREATED);
    let detail: Value = t.json(&format!("/requests/{id}"), &access).await;
    assert_eq!(detail["messages"].as_array().unwrap().len(), 1);
    let answer = &detail["messages"][0];
    assert_eq!(answer["author"], "operator");
    assert_eq!(answer["payoff"], figure, "the figure as the desk gave it");
    let files: Vec<&str> = answer["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["prospetto.pdf", "foto.png"]);
    let pdf = t.get(&format!("/attachments/{statement}"), &access).await;
    assert_eq!(
        pdf.status(),
        StatusCode::OK,
        "the customer downloads the desk's statement"
    );
    assert_eq!(pdf.bytes().await.unwrap().as_ref(), PDF);
    let notices: Value = t.json("/notifications", &access).await;
    assert_eq!(notices["items"][0]["request_id"], id, "the customer is told");
}

async fn download_sha(t: &TestServer, token: &str, id: &str) -> String {
    let response = t.get(&format!("/attachments/{id}"), token).await;
    response.headers()["x-content-sha256"].to_str().unwrap().to_owned()
}

async fn attachments_are_checked_by_content_size_and_checksum(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let response = upload(&t, &access, "contratto firmato.pdf", PDF.to_vec()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let pdf: Value = response.json().await.unwrap();
    assert_eq!(pdf["content_type"], "application/pdf");
    let png: Value = upload(&t, &access, "foto.jpg", PNG.to_vec())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(png["content_type"], "image/png", "the content decides, not the name");

    let disguised = upload(
        &t,
        &access,
        "fattura.pdf",
        b"MZ\x90\0 this is a Windows program".to_vec(),
    )
    .await;
    assert_eq!(
        error_code(disguised).await,
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_file_type".into())
    );
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    assert_eq!(
        error_code(upload(&t, &access, "big.pdf", big).await).await,
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".into())
    );
    let mut exactly = PDF.to_vec();
    exactly.resize(10 * 1024 * 1024, b' ');
    assert_eq!(
        upload(&t, &access, "exactly.pdf", exactly).await.status(),
        StatusCode::CREATED,
        "10 MB is allowed"
    );

    let body = json!({"kind": "free", "type_code": "documents_copy", "message": "In allegato il contratto.",
        "attachment_ids": [pdf["id"], png["id"]]});
    let filed: Value = create(&t, &access, body.clone()).await.json().await.unwrap();
    let attached = &filed["messages"][0]["attachments"];
    assert_eq!(attached.as_array().unwrap().len(), 2);
    assert_eq!(attached[0]["file_name"], "contratto firmato.pdf");
    assert_eq!(
        field_error(create(&t, &access, body).await, "attachment_ids").await,
        "unknown",
        "an attachment is used once"
    );

    let id = pdf["id"].as_str().unwrap();
    let download = t.get(&format!("/attachments/{id}"), &access).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    assert_eq!(download.bytes().await.unwrap().as_ref(), PDF);

    assert_eq!(
        download_sha(&t, &access, id).await,
        sportello_server::secrets::sha256_hex_bytes(PDF),
        "the download states its SHA-256"
    );
    // Bytes changed in the database behind the server's back are never
    // served whole: the transfer ends short of its length.
    let mut db = sqlx::AnyConnection::connect(&t.database_url).await.unwrap();
    sqlx::query("UPDATE file_chunks SET bytes = $1 WHERE attachment_id = $2")
        .bind(b"%PDF-1.4 tampered".to_vec())
        .bind(id)
        .execute(&mut db)
        .await
        .unwrap();
    // The transfer ends short of its length: seen when the body is read, or
    // already when the answer arrives, depending on timing.
    let damaged = t
        .http
        .get(t.url(&format!("/attachments/{id}")))
        .bearer_auth(&access)
        .send()
        .await;
    let whole = match damaged {
        Ok(answer) => answer.bytes().await.is_ok(),
        Err(_) => false,
    };
    assert!(!whole, "a damaged file is cut short");

    let other = t.other_customer().await;
    assert_eq!(
        t.get(&format!("/attachments/{}", png["id"].as_str().unwrap()), &other)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn the_thread_moves_between_desk_and_customer_until_closed(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let filed: Value = create(
        &t,
        &access,
        json!({"kind": "free", "type_code": "account_statement", "message": "Mi serve l'estratto conto 2025."}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = filed["id"].as_i64().unwrap();
    let reply = json!({"body": "Per quale contratto?", "status": "waiting_customer"});
    let response = t.post_as(&format!("/ops/requests/{id}/replies"), &ops, reply).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.json::<Value>().await.unwrap()["author_name"], "Anna Neri");
    assert_eq!(
        t.json(&format!("/requests/{id}"), &access).await["status"],
        "waiting_customer"
    );

    let notifications: Value = t.json("/notifications", &access).await;
    let code = filed["code"].as_str().unwrap();
    assert_eq!(notifications["items"][0]["subject"], format!("{code} – Estratto conto"));
    assert_eq!(notifications["items"][0]["request_id"], id);

    let answer = t
        .post_as(
            &format!("/requests/{id}/messages"),
            &access,
            json!({"body": "Il 84963/1, grazie."}),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    let detail: Value = t.json(&format!("/requests/{id}"), &access).await;
    assert_eq!(
        detail["status"], "in_progress",
        "the customer's answer moves it back to the desk"
    );
    let authors: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["author"].as_str().unwrap())
        .collect();
    assert_eq!(authors, ["customer", "operator", "customer"]);

    let too_long = t
        .post_as(
            &format!("/requests/{id}/messages"),
            &access,
            json!({"body": "x".repeat(501)}),
        )
        .await;
    assert_eq!(field_error(too_long, "body").await, "too_long");
    let empty = t
        .post_as(&format!("/requests/{id}/messages"), &access, json!({"body": "  "}))
        .await;
    assert_eq!(field_error(empty, "body").await, "required");

    let close = t
        .post_as(
            &format!("/ops/requests/{id}/status"),
            &ops,
            json!({"status": "completed"}),
        )
        .await;
    assert_eq!(close.status(), StatusCode::NO_CONTENT);
    let late = t
        .post_as(
            &format!("/requests/{id}/messages"),
            &access,
            json!({"body": "Ancora una cosa"}),
        )
        .await;
    assert_eq!(error_code(late).await, (StatusCode::CONFLICT, "conflict".into()));
    let unknown_status = t
        .post_as(&format!("/ops/requests/{id}/status"), &ops, json!({"status": "lost"}))
        .await;
    assert_eq!(unknown_status.status(), StatusCode::BAD_REQUEST);
}

/// A new request sent with an `Idempotency-Key`.
async fn post_keyed(t: &TestServer, token: &str, key: &str, body: Value) -> reqwest::Result<reqwest::Response> {
    t.http
        .post(t.url("/requests"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
}

async fn idempotency_keys_replay_refuse_other_bodies_and_in_flight_duplicates(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let send = |body: Value, key: &'static str| post_keyed(&t, &access, key, body);
    let body = json!({"kind": "free", "type_code": "insurance", "message": "Polizza del bene?"});
    let first = send(body.clone(), "outbox-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let replay = send(body.clone(), "outbox-1").await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap(), first);

    let mut changed = body.clone();
    changed["message"] = json!("Un'altra domanda");
    assert_eq!(
        error_code(send(changed, "outbox-1").await.unwrap()).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_mismatch".into())
    );

    // A key whose first request is still being processed.
    let store = &t.server.state.store;
    let user = store.user_by_username("10093").await.unwrap().unwrap();
    let new_request: sportello_domain::api::requests::NewRequest = serde_json::from_value(body.clone()).unwrap();
    let hash = sportello_server::http::idempotency::body_hash("create_request", &new_request).unwrap();
    let lease = t.server.state.config.idempotency_lease_ms;
    assert!(matches!(
        store
            .claim_idempotency_key(&format!("user:{}", user.id), "outbox-2", &hash, t.clock.now_ms(), lease)
            .await
            .unwrap(),
        sportello_server::store::requests::KeyState::Claimed(_)
    ));
    assert_eq!(
        error_code(send(body.clone(), "outbox-2").await.unwrap()).await,
        (StatusCode::CONFLICT, "conflict".into())
    );
    // That first request died: once its lease runs out, the retry takes the
    // key over and files the request, once.
    t.clock.advance(chrono::TimeDelta::milliseconds(lease + 1));
    let taken_over = send(body.clone(), "outbox-2").await.unwrap();
    assert_eq!(taken_over.status(), StatusCode::CREATED);
    let taken_over: Value = taken_over.json().await.unwrap();
    let replay = send(body.clone(), "outbox-2").await.unwrap();
    assert_eq!(replay.json::<Value>().await.unwrap()["code"], taken_over["code"]);

    // A key is bound to its operation as well as its body.
    let as_quote = sportello_server::http::idempotency::body_hash("shop_request_quote", &new_request).unwrap();
    assert_ne!(as_quote, hash);

    // Ten concurrent sends of one key file one request.
    let sends = (0..10).map(|_| send(body.clone(), "outbox-3"));
    let answers = futures_util::future::join_all(sends).await;
    let mut codes = std::collections::BTreeSet::new();
    for answer in answers {
        let answer = answer.unwrap();
        let status = answer.status();
        let value: Value = answer.json().await.unwrap();
        match status {
            StatusCode::CREATED => {
                codes.insert(value["code"].as_str().unwrap().to_owned());
            }
            StatusCode::CONFLICT => assert_eq!(value["code"], "conflict"),
            other => panic!("unexpected {other}: {value}"),
        }
    }
    assert_eq!(codes.len(), 1, "every success is the same request: {codes:?}");
    let list = t.all_items("/requests", &access).await;
    assert_eq!(list.len(), 4, "the demo's, outbox-1's, outbox-2's and outbox-3's");

    // A day later a key is free again: the same key with another body files
    // a new request instead of being refused as a mismatch.
    t.clock
        .advance(chrono::TimeDelta::hours(24) + chrono::TimeDelta::seconds(1));
    let mut next_day = body.clone();
    next_day["message"] = json!("Domanda del giorno dopo");
    let (access, _) = t.demo_tokens().await;
    let again = post_keyed(&t, &access, "outbox-1", next_day).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_ne!(again.json::<Value>().await.unwrap()["code"], first["code"]);

    let bad_key = post_keyed(&t, &access, "", body).await.unwrap();
    assert_eq!(error_code(bad_key).await.0, StatusCode::BAD_REQUEST);
}

async fn the_self_service_forms_get_their_context(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let context: Value = t.json("/self-service", &access).await;
    assert_eq!(context["current_address"], "Via Nazionale 212, 00184 Roma (RM), IT");
    let home: Value = t.json("/home", &access).await;
    assert_eq!(
        context["contracts"].as_array().unwrap().len() as u64,
        home["contracts"]["active_count"].as_u64().unwrap(),
        "active ones only"
    );
    let types: Value = t.json("/requests/types", &access).await;
    assert_eq!(types, context["request_types"]);
    assert_eq!(
        types[0],
        json!({"code": "documents_copy", "title": "Copia documenti contrattuali"})
    );
    t.call(Method::PATCH, "/profile", &access, Some(json!({"language": "en"})))
        .await;
    let types: Value = t.json("/requests/types", &access).await;
    assert_eq!(types[0]["title"], "Copy of contract documents");
}

on_both_engines!(
    an_iban_change_gets_a_code_a_status_and_shows_in_the_list,
    an_iban_change_asks_the_password_again_and_tells_the_owner,
    every_form_refuses_its_bad_inputs,
    another_customers_contracts_and_requests_are_out_of_reach,
    early_termination_records_the_outstanding_principal_and_the_chosen_installment,
    attachments_are_checked_by_content_size_and_checksum,
    the_thread_moves_between_desk_and_customer_until_closed,
    the_desk_answers_an_early_termination_with_its_payoff_figure_and_statement,
    idempotency_keys_replay_refuse_other_bodies_and_in_flight_duplicates,
    the_self_service_forms_get_their_context,
);

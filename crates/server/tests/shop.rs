//! Buying services (E1–E10, A3): prices per list and agreement, every payment
//! method's rules, the quote lifecycle, fulfilment as a PDF or a record
//! layout, and the invoices issued on their own — on SQLite and PostgreSQL.

mod common;

use common::{error_code, failing_insert, line_value, repaired, TestServer, PERSON_CF};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_server::demo::{DEMO_EMAIL, DEMO_TAX_CODE};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn billing() -> Value {
    json!({"name": "Studio Odontoiatrico Rossi S.r.l.", "tax_code": DEMO_TAX_CODE, "street": "Via Nazionale 212",
        "postcode": "00184", "city": "Roma", "province": "RM", "sdi_code": "0000000", "pec": DEMO_EMAIL})
}

fn property_search() -> Value {
    json!({"service_code": "VIS-IMM", "form": {"immobile.municipality": "Piacenza", "immobile.register": "urban",
        "immobile.sheet": "42", "immobile.parcel": "118", "tipo": "attuale"}})
}

fn credit_report() -> Value {
    json!({"service_code": "REP-CRED", "form": {"soggetto": "RSSMRA80A01H501U", "motivo": "affidamento"}})
}

fn report_request() -> Value {
    json!({"service_code": "REL-IMM", "form": {"immobile.municipality": "Piacenza", "immobile.register": "urban",
        "immobile.sheet": "7", "immobile.parcel": "12", "indirizzo.street": "Via Roma 1",
        "indirizzo.postcode": "29121", "indirizzo.city": "Piacenza", "indirizzo.province": "PC"}})
}

fn order(items: Vec<Value>, method: &str) -> Value {
    json!({"items": items, "payment_method": method, "billing": billing()})
}

fn money(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not an amount: {v}"))
}

fn price_of(catalogue: &Value, code: &str) -> Value {
    catalogue["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap()["price"]
        .clone()
}

async fn post_keyed(t: &TestServer, path: &str, token: &str, key: &str, body: &Value) -> reqwest::Response {
    t.http
        .post(t.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn upload_receipt(t: &TestServer, token: &str) -> String {
    let response = t
        .http
        .post(t.url("/attachments?name=bonifico.pdf"))
        .bearer_auth(token)
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Sends a proof for `method` and has an operator decide it; returns the proof.
async fn prove(t: &TestServer, token: &str, method: &str, amount: &str, approve: bool) -> Value {
    let receipt = upload_receipt(t, token).await;
    let body = json!({"method": method, "amount": amount, "attachment_id": receipt, "reference": "TRN0012345"});
    let response = t.post_as("/shop/payment-proofs", token, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let proof: Value = response.json().await.unwrap();
    assert_eq!(proof["status"], "submitted");
    let ops = t.ops_token().await;
    let path = format!("/ops/payment-proofs/{}/decision", proof["id"]);
    let response = t.post_as(&path, &ops, json!({"approve": approve})).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The customer's and the operators' lists, one row a page, hold the same
/// orders once each, newest first, and the last page says so.
async fn pages_hold_every_order_once_newest_first(t: &TestServer, token: &str) {
    let whole = t.json("/shop/orders?limit=500", token).await;
    assert_eq!(whole["next_cursor"], Value::Null);
    let first = t.json("/shop/orders?limit=1", token).await;
    assert_eq!(
        (
            first["items"].as_array().unwrap().len(),
            first["next_cursor"].is_string()
        ),
        (1, true)
    );
    let ops = t.ops_token().await;
    for (path, who) in [("/shop/orders?limit=1", token), ("/ops/orders?limit=1", ops.as_str())] {
        let paged: Vec<Value> = t.all_items(path, who).await.iter().map(|o| o["code"].clone()).collect();
        let all: Vec<Value> = whole["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["code"].clone())
            .collect();
        assert_eq!(paged, all, "{path}");
    }
    let times: Vec<&str> = whole["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["updated_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    let proofs = t.all_items("/ops/payment-proofs?limit=1&status=confirmed", &ops).await;
    assert!(!proofs.is_empty() && proofs.iter().all(|p| p["status"] == "confirmed"));
}

async fn invoice_count(t: &TestServer, token: &str) -> usize {
    t.all_items("/invoices?limit=200", token).await.len()
}

async fn prices_follow_the_customers_list_and_an_agreement_changes_them_only_once_approved(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let catalogue = t.json("/shop/catalogue", &token).await;
    assert_eq!(catalogue["price_list"], "STD");
    assert_eq!(catalogue["categories"].as_array().unwrap().len(), 4);
    assert_eq!(price_of(&catalogue, "VIS-IMM"), "12.00");
    assert_eq!(price_of(&catalogue, "REL-IMM"), Value::Null, "priced on quotation");
    let form = &catalogue["services"][0]["form"];
    assert_eq!(form[0]["kind"], "cadastral");
    assert_eq!(form[1]["choices"], json!(["attuale", "storica"]));

    let join = t
        .post_as("/shop/agreements", &token, json!({"agreement_code": "ING-PC"}))
        .await;
    assert_eq!(join.status(), StatusCode::NO_CONTENT);
    let pending = t.json("/shop/catalogue", &token).await;
    assert_eq!(
        pending["agreements"],
        json!([{"code": "ING-PC",
        "name": "Ordine degli Ingegneri della Provincia di Piacenza", "status": "pending"}])
    );
    assert_eq!(price_of(&pending, "VIS-IMM"), "12.00", "no new prices before approval");
    let again = t
        .post_as("/shop/agreements", &token, json!({"agreement_code": "ING-PC"}))
        .await;
    assert_eq!(error_code(again).await.0, StatusCode::CONFLICT);
    let unknown = t
        .post_as("/shop/agreements", &token, json!({"agreement_code": "NOPE"}))
        .await;
    assert_eq!(error_code(unknown).await.0, StatusCode::BAD_REQUEST);

    let ops = t.ops_token().await;
    let requests = t.all_items("/ops/agreement-requests", &ops).await;
    let path = format!("/ops/agreement-requests/{}/decision", requests[0]["id"]);
    assert_eq!(
        t.post_as(&path, &ops, json!({"approve": true})).await.status(),
        StatusCode::NO_CONTENT
    );
    let agreed = t.json("/shop/catalogue", &token).await;
    assert_eq!(agreed["price_list"], "CONV");
    assert_eq!(agreed["agreements"][0]["status"], "approved");
    assert_eq!(price_of(&agreed, "VIS-IMM"), "9.50");
    assert_eq!(price_of(&agreed, "VERIFICA"), "199.00");
    let wallet = t.json("/shop/wallet", &token).await;
    let methods: Vec<&str> = wallet["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(
        methods,
        ["prepaid_credit", "advance_on_consumption"],
        "the agreement's methods"
    );

    // A private customer gets the category's list; a service missing from it costs the standard price.
    let register = json!({"category": "private", "name": "Mario Rossi", "tax_code": PERSON_CF,
        "email": "mario.rossi@example.it", "language": "it"});
    assert_eq!(
        t.post("/auth/register-by-category", register).await.status(),
        StatusCode::CREATED
    );
    let pending = t.all_items("/ops/registrations", &ops).await;
    let decide = format!("/ops/registrations/{}/decision", pending[0]["id"]);
    assert_eq!(
        t.post_as(&decide, &ops, json!({"approve": true})).await.status(),
        StatusCode::NO_CONTENT
    );
    let text = t.last_mail().await.2;
    let private = t
        .first_login(
            &line_value(&text, "Nome utente"),
            &line_value(&text, "Password temporanea"),
            "girasole sul balcone 12",
        )
        .await;
    let theirs = t.json("/shop/catalogue", &private).await;
    assert_eq!(theirs["price_list"], "PRIV");
    assert_eq!(price_of(&theirs, "VIS-IMM"), "14.00");
    assert_eq!(price_of(&theirs, "VIS-SOG"), "15.00");
}

async fn each_payment_method_refuses_until_proven_and_prepaid_credit_is_drawn_once(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let wallet = t.json("/shop/wallet", &token).await;
    // An advance payment needs no proof first: each order waits for its own transfer.
    assert!(wallet["methods"].as_array().unwrap().iter().all(|m| m["status"]
        == if m["method"] == "advance_payment" {
            "enabled"
        } else {
            "available"
        }));
    assert_eq!(wallet["subscription"], Value::Null);
    assert_eq!(wallet["credit"], "0.00");
    assert_eq!(wallet["billing"]["city"], "Roma");

    let unproven = t
        .post_as("/shop/orders", &token, order(vec![property_search()], "prepaid_credit"))
        .await;
    assert_eq!(
        error_code(unproven).await,
        (StatusCode::PAYMENT_REQUIRED, "payment_not_proven".into())
    );
    let not_subscribable = t
        .post_as("/shop/orders", &token, order(vec![property_search()], "subscription"))
        .await;
    let body: Value = not_subscribable.json().await.unwrap();
    assert_eq!(body["fields"]["payment_method"], "not_subscribable");

    let invoices_before = invoice_count(&t, &token).await;
    let proof = prove(&t, &token, "prepaid_credit", "50.00", true).await;
    assert_eq!(proof["status"], "confirmed");
    let wallet = t.json("/shop/wallet", &token).await;
    assert_eq!(wallet["credit"], "50.00");
    assert_eq!(
        wallet["methods"][0],
        json!({"method": "prepaid_credit", "status": "enabled"})
    );
    // E10: prepaid credit is invoiced when it is bought: 50.00 + 22 % VAT.
    assert_eq!(invoice_count(&t, &token).await, invoices_before + 1);
    let invoice = t.json(&format!("/invoices/{}", proof["invoice_id"]), &token).await;
    assert_eq!(money(&invoice["total"]), "61.00");
    assert!(t
        .last_mail()
        .await
        .1
        .starts_with("Nuovo documento disponibile: la fattura n."));

    let three = order(
        vec![property_search(), property_search(), property_search()],
        "prepaid_credit",
    );
    let placed = post_keyed(&t, "/shop/orders", &token, "desk-order-1", &three).await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let placed: Value = placed.json().await.unwrap();
    assert!(placed["code"].as_str().unwrap().starts_with("ORD-"));
    assert_eq!(
        (money(&placed["net"]), money(&placed["vat"]), money(&placed["total"])),
        ("36.00", "7.92", "43.92")
    );
    assert_eq!(placed["status"], "in_progress");
    assert_eq!(placed["items"][0]["form"]["immobile.sheet"], "42");
    let (to, subject, text) = t.last_mail().await;
    assert_eq!(
        (to.as_str(), subject),
        (
            DEMO_EMAIL,
            format!("Conferma ordine {}", placed["code"].as_str().unwrap())
        )
    );
    assert!(
        text.contains("Totale: 43,92 €") && text.contains("Pagamento: credito prepagato"),
        "{text}"
    );

    let replay = post_keyed(&t, "/shop/orders", &token, "desk-order-1", &three).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap()["id"], placed["id"]);
    assert_eq!(
        t.json("/shop/wallet", &token).await["credit"],
        "14.00",
        "drawn once: 50 − 36"
    );

    let short = t
        .post_as("/shop/orders", &token, order(vec![credit_report()], "prepaid_credit"))
        .await;
    assert_eq!(
        error_code(short).await,
        (StatusCode::PAYMENT_REQUIRED, "insufficient_credit".into())
    );
    // Two orders of 12.00 against 14.00 of credit, at the same moment: one wins.
    let one = order(vec![property_search()], "prepaid_credit");
    let (a, b) = tokio::join!(
        t.post_as("/shop/orders", &token, one.clone()),
        t.post_as("/shop/orders", &token, one.clone())
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::PAYMENT_REQUIRED]);
    assert_eq!(t.json("/shop/wallet", &token).await["credit"], "2.00");
    assert_eq!(t.all_items("/shop/orders", &token).await.len(), 2);
    pages_hold_every_order_once_newest_first(&t, &token).await;

    // A refused proof leaves the method unusable; a confirmed advance enables its own.
    let refused = prove(&t, &token, "advance_on_consumption", "100.00", false).await;
    assert_eq!(refused["status"], "refused");
    let still = t
        .post_as(
            "/shop/orders",
            &token,
            order(vec![credit_report()], "advance_on_consumption"),
        )
        .await;
    assert_eq!(error_code(still).await.1, "payment_not_proven");
    prove(&t, &token, "advance_on_consumption", "100.00", true).await;
    let on_advance = t
        .post_as(
            "/shop/orders",
            &token,
            order(vec![credit_report()], "advance_on_consumption"),
        )
        .await;
    assert_eq!(on_advance.status(), StatusCode::CREATED);
    let wallet = t.json("/shop/wallet", &token).await;
    assert_eq!(
        (wallet["advance"].as_str(), wallet["consumed"].as_str()),
        (Some("100.00"), Some("0.00"))
    );
    assert_eq!(wallet["proofs"].as_array().unwrap().len(), 3);
}

async fn bad_orders_are_refused_field_by_field_and_nothing_is_kept(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    prove(&t, &token, "advance_on_consumption", "200.00", true).await;
    let mut broken = property_search();
    broken["form"]["immobile.sheet"] = json!("4a");
    broken["form"]["tipo"] = json!("domani");
    broken["form"]["colore"] = json!("blu");
    let response = t
        .post_as("/shop/orders", &token, order(vec![broken], "advance_on_consumption"))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let fields = response.json::<Value>().await.unwrap()["fields"].clone();
    assert_eq!(
        fields,
        json!({"items[0].form.immobile.sheet": "invalid", "items[0].form.tipo": "not_a_choice",
            "items[0].form.colore": "unknown"})
    );
    let cases = [
        (order(vec![], "advance_on_consumption"), "items", "required"),
        (
            order(vec![report_request()], "advance_on_consumption"),
            "items[0].service_code",
            "needs_quote",
        ),
        (
            order(
                vec![json!({"service_code": "NOPE", "form": {}})],
                "advance_on_consumption",
            ),
            "items[0].service_code",
            "unknown",
        ),
    ];
    for (body, field, problem) in cases {
        let response = t.post_as("/shop/orders", &token, body).await;
        assert_eq!(
            response.json::<Value>().await.unwrap()["fields"][field],
            problem,
            "{field}"
        );
    }
    let mut someone_else = order(vec![property_search()], "advance_on_consumption");
    someone_else["billing"]["tax_code"] = json!(PERSON_CF);
    let response = t.post_as("/shop/orders", &token, someone_else).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["billing.tax_code"],
        "not_the_account"
    );
    let mut no_channel = order(vec![property_search()], "advance_on_consumption");
    no_channel["billing"]["pec"] = Value::Null;
    let response = t.post_as("/shop/orders", &token, no_channel).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["billing.pec"],
        "required"
    );
    let mut postcode = order(vec![property_search()], "advance_on_consumption");
    postcode["billing"]["postcode"] = json!("0018");
    let response = t.post_as("/shop/orders", &token, postcode).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["billing.postcode"],
        "invalid"
    );
    let mut foreign_file = credit_report();
    foreign_file["form"]["delega"] = json!("not-an-upload");
    let response = t
        .post_as(
            "/shop/orders",
            &token,
            order(vec![foreign_file], "advance_on_consumption"),
        )
        .await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["items[0].form"],
        "unknown_file"
    );

    assert_eq!(
        t.all_items("/shop/orders", &token).await,
        Vec::<Value>::new(),
        "no refused order was kept"
    );
    assert_eq!(t.json("/shop/wallet", &token).await["billing"]["postcode"], "00184");
}

async fn a_quote_is_priced_then_accepted_declined_or_left_to_expire(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let ask = json!({"items": [report_request()], "message": "Sopralluogo possibile solo al mattino."});
    let fixed = t
        .post_as("/shop/quotes", &token, json!({"items": [property_search()]}))
        .await;
    assert_eq!(
        fixed.json::<Value>().await.unwrap()["fields"]["items[0].service_code"],
        "has_price"
    );
    let response = t.post_as("/shop/quotes", &token, ask.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let quote: Value = response.json().await.unwrap();
    let code = quote["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("PRV-"));
    assert_eq!(
        (quote["status"].as_str(), quote["total"].as_str()),
        (Some("requested"), None)
    );
    assert_eq!(
        t.last_mail().await.1,
        format!("Richiesta di preventivo {code} ricevuta")
    );
    let id = quote["id"].as_i64().unwrap();
    let accept = json!({"payment_method": "advance_on_consumption", "billing": billing()});
    let early = t
        .post_as(&format!("/shop/quotes/{id}/accept"), &token, accept.clone())
        .await;
    assert_eq!(error_code(early).await.0, StatusCode::CONFLICT);

    let item = quote["items"][0]["id"].as_i64().unwrap();
    let today = t.clock.today();
    let price = |until: chrono::NaiveDate, net: &str| json!({"prices": {item.to_string(): net}, "valid_until": until.to_string(), "note": "Sopralluogo giovedì."});
    let past = t
        .post_as(
            &format!("/ops/quotes/{id}/price"),
            &ops,
            price(today - chrono::Days::new(1), "480.00"),
        )
        .await;
    assert_eq!(
        past.json::<Value>().await.unwrap()["fields"]["valid_until"],
        "in_the_past"
    );
    let missing = t
        .post_as(
            &format!("/ops/quotes/{id}/price"),
            &ops,
            json!({"prices": {}, "valid_until": today.to_string()}),
        )
        .await;
    assert_eq!(error_code(missing).await.0, StatusCode::BAD_REQUEST);
    let response = t
        .post_as(
            &format!("/ops/quotes/{id}/price"),
            &ops,
            price(today + chrono::Days::new(30), "480.00"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let priced = t.json(&format!("/shop/quotes/{id}"), &token).await;
    assert_eq!(priced["status"], "priced");
    assert_eq!(
        (money(&priced["net"]), money(&priced["vat"]), money(&priced["total"])),
        ("480.00", "105.60", "585.60")
    );
    let (_, subject, text) = t.last_mail().await;
    assert_eq!(subject, format!("Il preventivo {code} è pronto"));
    assert!(text.contains("Totale IVA inclusa: 585,60 €"), "{text}");
    let notices = t.json("/notifications", &token).await;
    assert_eq!(notices["items"][0]["kind"], "shop");
    assert_eq!(notices["items"][0]["quote_id"], id);
    assert_eq!(notices["items"][0]["subject"], format!("Preventivo {code} pronto"));

    let unproven = t
        .post_as(&format!("/shop/quotes/{id}/accept"), &token, accept.clone())
        .await;
    assert_eq!(error_code(unproven).await.1, "payment_not_proven");
    prove(&t, &token, "advance_on_consumption", "585.60", true).await;
    let response = t
        .post_as(&format!("/shop/quotes/{id}/accept"), &token, accept.clone())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let order: Value = response.json().await.unwrap();
    assert_eq!(
        (order["quote_id"].as_i64(), money(&order["total"])),
        (Some(id), "585.60")
    );
    let accepted = t.json(&format!("/shop/quotes/{id}"), &token).await;
    assert_eq!(
        (accepted["status"].as_str(), &accepted["order_id"]),
        (Some("accepted"), &order["id"])
    );
    let twice = t
        .post_as(&format!("/shop/quotes/{id}/accept"), &token, accept.clone())
        .await;
    assert_eq!(error_code(twice).await.0, StatusCode::CONFLICT);

    // A second quote is declined; a third runs out of validity.
    let second: Value = t
        .post_as("/shop/quotes", &token, ask.clone())
        .await
        .json()
        .await
        .unwrap();
    let third: Value = t
        .post_as("/shop/quotes", &token, ask.clone())
        .await
        .json()
        .await
        .unwrap();
    for (q, days) in [(&second, 30), (&third, 2)] {
        let item = q["items"][0]["id"].as_i64().unwrap();
        let body = json!({"prices": {item.to_string(): "300.00"}, "valid_until": (today + chrono::Days::new(days)).to_string()});
        let response = t.post_as(&format!("/ops/quotes/{}/price", q["id"]), &ops, body).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let declined = t
        .post_as(&format!("/shop/quotes/{}/decline", second["id"]), &token, json!({}))
        .await;
    assert_eq!(declined.json::<Value>().await.unwrap()["status"], "declined");
    t.clock.advance(chrono::TimeDelta::days(3));
    let (token, _) = t.demo_tokens().await;
    let expired = t.json(&format!("/shop/quotes/{}", third["id"]), &token).await;
    assert_eq!(expired["status"], "expired");
    let late = t
        .post_as(&format!("/shop/quotes/{}/accept", third["id"]), &token, accept)
        .await;
    assert_eq!(error_code(late).await, (StatusCode::GONE, "quote_expired".into()));
    let statuses: Vec<String> = t
        .all_items("/shop/quotes", &token)
        .await
        .iter()
        .map(|q| q["status"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, ["accepted", "declined", "expired"]);
}

const LAYOUT: &str = r#"{"record_length": 80, "fields": [
    {"name": "item", "start": 1, "length": 3, "type": "numeric", "padding": "zeros_left"},
    {"name": "service_code", "start": 4, "length": 10, "type": "alpha", "padding": "spaces_right"},
    {"name": "tax_code", "start": 14, "length": 16, "type": "alpha", "padding": "spaces_right"},
    {"name": "soggetto", "start": 30, "length": 16, "type": "alpha", "padding": "spaces_right"},
    {"name": "net", "start": 46, "length": 9, "type": "amount", "padding": "zeros_left"},
    {"name": "data_esito", "start": 55, "length": 8, "type": "date", "padding": "zeros_left"},
    {"name": "esito", "start": 63, "length": 12, "type": "alpha", "padding": "spaces_right"},
    {"name": "protesti", "start": 75, "length": 4, "type": "numeric", "padding": "zeros_left"},
    {"name": "nota", "start": 79, "length": 2, "type": "alpha", "padding": "spaces_left", "required": false}
]}"#;

async fn fulfilment_delivers_a_pdf_or_the_customers_record_layout_and_invoices_it(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    prove(&t, &token, "advance_on_consumption", "100.00", true).await;
    let response = t
        .post_as(
            "/shop/orders",
            &token,
            order(vec![property_search(), credit_report()], "advance_on_consumption"),
        )
        .await;
    let placed: Value = response.json().await.unwrap();
    let (first, second) = (
        placed["items"][0]["id"].as_i64().unwrap(),
        placed["items"][1]["id"].as_i64().unwrap(),
    );
    let invoices_before = invoice_count(&t, &token).await;

    let deliver_pdf = |item: i64, bytes: &'static [u8]| {
        t.http
            .post(t.url(&format!("/ops/order-items/{item}/pdf?name=visura.pdf")))
            .bearer_auth(&ops)
            .body(bytes)
            .send()
    };
    let not_pdf = deliver_pdf(first, b"plain text, not a PDF").await.unwrap();
    assert_eq!(error_code(not_pdf).await.1, "unsupported_file_type");
    let response = deliver_pdf(first, PDF).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let after_first: Value = response.json().await.unwrap();
    assert_eq!(after_first["status"], "in_progress", "one item is still pending");
    let item = &after_first["items"][0];
    assert_eq!(
        (item["status"].as_str(), item["outcome"]["kind"].as_str()),
        (Some("fulfilled"), Some("pdf"))
    );
    let file = item["outcome"]["file"]["id"].as_str().unwrap();
    let download = t.get(&format!("/attachments/{file}"), &token).await;
    assert_eq!(
        download.bytes().await.unwrap().as_ref(),
        PDF,
        "the customer downloads the outcome"
    );
    // E10: the item's invoice, 12.00 + 22 %, e-mailed; the outcome is e-mailed and notified too.
    assert_eq!(invoice_count(&t, &token).await, invoices_before + 1);
    let invoice = t.json(&format!("/invoices/{}", item["invoice_id"]), &token).await;
    assert_eq!(money(&invoice["total"]), "14.64");
    let subjects: Vec<String> = t
        .outbox()
        .await
        .iter()
        .rev()
        .take(2)
        .map(|m| m.subject().unwrap().to_owned())
        .collect();
    let code = placed["code"].as_str().unwrap();
    assert!(
        subjects.contains(&format!("Esito disponibile per l'ordine {code}")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.starts_with("Nuovo documento disponibile")),
        "{subjects:?}"
    );
    let notice = &t.json("/notifications", &token).await["items"][0];
    assert_eq!(
        (notice["kind"].as_str(), &notice["order_id"]),
        (Some("shop"), &placed["id"])
    );
    let again = deliver_pdf(first, PDF).await.unwrap();
    assert_eq!(error_code(again).await.0, StatusCode::CONFLICT);

    // The record layout: none yet, then a bad one, then the agreed one.
    let values = json!({"esito": "Positivo", "protesti": "0", "data_esito": "2026-11-20"});
    let record = t
        .post_as(&format!("/ops/order-items/{second}/record"), &ops, values.clone())
        .await;
    assert_eq!(record.json::<Value>().await.unwrap()["fields"]["record"], "no_layout");
    let mut overlapping: Value = serde_json::from_str(LAYOUT).unwrap();
    overlapping["fields"][1]["start"] = json!(3);
    let layout_path = "/ops/customers/10093/record-layout";
    let bad = t.call(reqwest::Method::PUT, layout_path, &ops, Some(overlapping)).await;
    assert_eq!(error_code(bad).await.0, StatusCode::BAD_REQUEST);
    let good = t
        .call(
            reqwest::Method::PUT,
            layout_path,
            &ops,
            Some(serde_json::from_str(LAYOUT).unwrap()),
        )
        .await;
    assert_eq!(good.status(), StatusCode::NO_CONTENT);
    let too_long = json!({"esito": "Positivo con riserva", "protesti": "0", "data_esito": "2026-11-20"});
    let refused = t
        .post_as(&format!("/ops/order-items/{second}/record"), &ops, too_long)
        .await;
    assert_eq!(
        refused.json::<Value>().await.unwrap()["fields"]["record.esito"],
        "invalid"
    );
    let response = t
        .post_as(&format!("/ops/order-items/{second}/record"), &ops, values)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let done: Value = response.json().await.unwrap();
    assert_eq!(done["status"], "completed");
    let outcome = &done["items"][1]["outcome"];
    assert_eq!(outcome["kind"], "record");
    let file = outcome["file"]["id"].as_str().unwrap();
    let text = t
        .get(&format!("/attachments/{file}"), &token)
        .await
        .text()
        .await
        .unwrap();
    let golden = include_str!("golden/record_layout.txt");
    assert_eq!(text, golden, "the record, byte for byte");
    assert!(text.split("\r\n").next().is_some_and(|r| r.len() == 80));
    assert_eq!(invoice_count(&t, &token).await, invoices_before + 2);

    // Prepaid credit was invoiced when bought: fulfilling its order issues no invoice.
    prove(&t, &token, "prepaid_credit", "20.00", true).await;
    let prepaid: Value = t
        .post_as("/shop/orders", &token, order(vec![property_search()], "prepaid_credit"))
        .await
        .json()
        .await
        .unwrap();
    let before = invoice_count(&t, &token).await;
    let item = prepaid["items"][0]["id"].as_i64().unwrap();
    let response = deliver_pdf(item, PDF).await.unwrap();
    let fulfilled: Value = response.json().await.unwrap();
    assert_eq!(fulfilled["items"][0]["invoice_id"], Value::Null);
    assert_eq!(invoice_count(&t, &token).await, before);
}

async fn invoices_issued_by_the_shop_are_valid_fatturapa(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let proof = prove(&t, &token, "prepaid_credit", "123.45", true).await;
    let xml = t.get(&format!("/invoices/{}/xml", proof["invoice_id"]), &token).await;
    assert_eq!(xml.status(), StatusCode::OK);
    let file = t.dir.path().join("credit.xml");
    std::fs::write(&file, xml.bytes().await.unwrap()).unwrap();
    sportello_server::testkit::validate_fatturapa(&file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("<PrezzoTotale>123.45</PrezzoTotale>"), "{text}");
    assert!(text.contains("<Imposta>27.16</Imposta>"), "{text}");
}

/// One fault injected into placing an order (X3, E5).
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// The audit row cannot be written.
    Audit,
    /// The e-mail cannot be queued.
    MailQueue,
    /// The change feed refuses the announcement.
    Feed,
    /// The mail server is down (the outbox folder is gone).
    MailServer,
    /// An earlier request claimed the key and died before changing anything.
    DeadClaim,
    /// Every database connection of the server is cut (PostgreSQL).
    ConnectionCut,
}

const FAULTS: [Fault; 6] = [
    Fault::Audit,
    Fault::MailQueue,
    Fault::Feed,
    Fault::MailServer,
    Fault::DeadClaim,
    Fault::ConnectionCut,
];

/// Places orders on prepaid credit through injected faults, each retried with
/// its key until it answers 201: every order is placed once, the credit is
/// drawn once per order, one audit row each, and every confirmation e-mail
/// is sent once, after the mail server comes back.
async fn every_order_is_placed_and_confirmed_once_through_faults(t: TestServer) {
    let postgres = t.database_url.starts_with("postgres");
    let store = &t.server.state.store;
    let (token, _) = t.demo_tokens().await;
    prove(&t, &token, "prepaid_credit", "5000.00", true).await;
    let outbox = t.dir.path().join("outbox");
    let parked = t.dir.path().join("outbox-parked");
    let lease = t.server.state.config.idempotency_lease_ms;
    let user = store.user_by_username("10093").await.unwrap().unwrap();
    let body = order(vec![property_search()], "prepaid_credit");
    let hash = sportello_server::http::idempotency::body_hash(
        "shop_place_order",
        &serde_json::from_value::<sportello_domain::api::shop::NewOrder>(body.clone()).unwrap(),
    )
    .unwrap();
    let rounds = 102;
    let mut failed_first = 0;
    for round in 0..rounds {
        let fault = FAULTS[round % FAULTS.len()];
        let key = format!("fault-{round}");
        match fault {
            Fault::Audit => store
                .execute_script(&failing_insert(postgres, "audit_log"))
                .await
                .unwrap(),
            Fault::MailQueue => store
                .execute_script(&failing_insert(postgres, "mail_queue"))
                .await
                .unwrap(),
            Fault::Feed => store
                .execute_script(&failing_insert(postgres, "changes"))
                .await
                .unwrap(),
            Fault::MailServer => {
                std::fs::rename(&outbox, &parked).unwrap();
                std::fs::write(&outbox, "not a folder").unwrap();
            }
            // Claimed as if 200 ms before its lease ends.
            Fault::DeadClaim => {
                store
                    .claim_idempotency_key(
                        &format!("user:{}", user.id),
                        &key,
                        &hash,
                        t.clock.now_ms() - lease + 200,
                        lease,
                    )
                    .await
                    .unwrap();
            }
            Fault::ConnectionCut if postgres => store
                .execute_script(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .await
                .unwrap(),
            Fault::ConnectionCut => {}
        }
        let first = post_keyed(&t, "/shop/orders", &token, &key, &body).await.status();
        if first != StatusCode::CREATED {
            failed_first += 1;
        }
        match fault {
            Fault::Audit => store.execute_script(&repaired(postgres, "audit_log")).await.unwrap(),
            Fault::MailQueue => store.execute_script(&repaired(postgres, "mail_queue")).await.unwrap(),
            Fault::Feed => store.execute_script(&repaired(postgres, "changes")).await.unwrap(),
            Fault::MailServer => {
                assert_eq!(
                    first,
                    StatusCode::CREATED,
                    "a mail server that is down does not fail an order"
                );
                std::fs::remove_file(&outbox).unwrap();
                std::fs::rename(&parked, &outbox).unwrap();
            }
            Fault::DeadClaim => {
                assert_eq!(
                    first,
                    StatusCode::CONFLICT,
                    "the dead request's key is held for its lease"
                );
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            Fault::ConnectionCut => {}
        }
        let mut answer = first;
        for _ in 0..5 {
            if answer == StatusCode::CREATED {
                break;
            }
            answer = post_keyed(&t, "/shop/orders", &token, &key, &body).await.status();
        }
        assert_eq!(answer, StatusCode::CREATED, "round {round}, {fault:?}");
        let replay = post_keyed(&t, "/shop/orders", &token, &key, &body).await;
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        let placed = round as i64 + 1;
        let orders = t.all_items("/shop/orders", &token).await;
        assert_eq!(orders.len() as i64, placed, "round {round}, {fault:?}");
        let credit = t.json("/shop/wallet", &token).await["credit"].clone();
        assert_eq!(
            money(&credit).parse::<rust_decimal::Decimal>().unwrap(),
            rust_decimal::Decimal::new(500_000 - 1_200 * placed, 2),
            "round {round}, {fault:?}: drawn once per order"
        );
    }
    assert!(
        failed_first >= rounds / 2,
        "{failed_first} of {rounds} first attempts failed"
    );

    let orders = t.all_items("/shop/orders", &token).await;
    let codes: std::collections::BTreeSet<String> =
        orders.iter().map(|o| o["code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), rounds);
    // Retries of the e-mails that met the mail server down are due later.
    t.clock.advance(chrono::TimeDelta::hours(7));
    let mut confirmed = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..100 {
        confirmed.clear();
        for mail in t.outbox().await {
            let subject = mail.subject().unwrap_or_default().to_owned();
            if let Some(code) = codes.iter().find(|c| subject.contains(c.as_str())) {
                *confirmed.entry(code.clone()).or_default() += 1;
            }
        }
        if confirmed.len() == rounds {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(confirmed.len(), rounds, "every order's confirmation was sent");
    assert!(confirmed.values().all(|n| *n == 1), "each once: {confirmed:?}");
    let audits = store.audit_log(0, 100_000).await.unwrap();
    assert_eq!(audits.iter().filter(|a| a.action == "place_order").count(), rounds);
}

/// A `sportello-server serve` process on the test's database and folder,
/// with short leases so a killed process's key and mail pass on quickly.
async fn serve(t: &TestServer) -> common::Process {
    let env = [
        ("SPORTELLO_IDEMPOTENCY_LEASE_MS", "300"),
        ("SPORTELLO_MAIL_LEASE_MS", "300"),
        ("SPORTELLO_MAIL_POLL_MS", "50"),
    ];
    common::process("serve", &t.database_url, t.dir.path(), &env).await
}

/// The server killed with SIGKILL at 30 points of placing an order (before,
/// during and after its commit) and started again: the retry with the same
/// key ends with one order and one debit each time, and every confirmation
/// reaches the outbox once.
async fn an_order_survives_the_server_killed_at_any_point(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    prove(&t, &token, "prepaid_credit", "1000.00", true).await;
    let body = order(vec![property_search()], "prepaid_credit");
    let http = reqwest::Client::new();
    let send = |url: String, key: String| {
        let (http, body, token) = (http.clone(), body.clone(), token.clone());
        async move {
            http.post(format!("{url}/shop/orders"))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
        }
    };
    let rounds = 30;
    let mut server = serve(&t).await;
    let mut cut_short = 0;
    for round in 0..rounds {
        let key = format!("killed-{round}");
        let request = tokio::spawn(send(server.url.clone(), key.clone()));
        // Spread the kills over the request's life: 0 to 29 ms after sending.
        tokio::time::sleep(std::time::Duration::from_millis((round * 7 % 30) as u64)).await;
        drop(server);
        if !request.await.unwrap().is_ok_and(|r| r.status() == StatusCode::CREATED) {
            cut_short += 1;
        }
        server = serve(&t).await;
        let mut answer = None;
        for _ in 0..50 {
            let status = send(server.url.clone(), key.clone()).await.unwrap().status();
            if status == StatusCode::CREATED {
                answer = Some(status);
                break;
            }
            assert_eq!(
                status,
                StatusCode::CONFLICT,
                "round {round}: only a held key may delay the retry"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(answer, Some(StatusCode::CREATED), "round {round}");
        let placed = round as i64 + 1;
        assert_eq!(
            t.all_items("/shop/orders", &token).await.len() as i64,
            placed,
            "round {round}"
        );
        let credit = t.json("/shop/wallet", &token).await["credit"].clone();
        assert_eq!(
            money(&credit).parse::<rust_decimal::Decimal>().unwrap(),
            rust_decimal::Decimal::new(100_000 - 1_200 * placed, 2),
            "round {round}: drawn once per order"
        );
    }
    assert!(cut_short > 0, "some requests died with the server");
    let codes: Vec<String> = t
        .all_items("/shop/orders", &token)
        .await
        .iter()
        .map(|o| o["code"].as_str().unwrap().to_owned())
        .collect();
    let mut confirmed = 0;
    for _ in 0..200 {
        let subjects: Vec<String> = testkit_outbox(&t)
            .iter()
            .map(|m| m.subject().unwrap_or_default().to_owned())
            .collect();
        let each: Vec<usize> = codes
            .iter()
            .map(|c| subjects.iter().filter(|s| s.contains(c.as_str())).count())
            .collect();
        assert!(each.iter().all(|n| *n <= 1), "no confirmation twice: {each:?}");
        confirmed = each.iter().filter(|n| **n == 1).count();
        if confirmed == rounds {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(confirmed, rounds, "every confirmation was sent");
}

fn testkit_outbox(t: &TestServer) -> Vec<mail_parser::Message<'static>> {
    sportello_server::testkit::outbox(t.dir.path())
}

/// A fulfilment is one commit: its outcome file, its invoice, the item, the
/// customer's notice, its audit row and its e-mails. A fault at any of
/// their tables keeps none of them, and the operator's retry with the same
/// key fulfils the item once.
async fn a_fulfilment_keeps_all_it_writes_or_nothing(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    prove(&t, &token, "advance_on_consumption", "100.00", true).await;
    let placed: Value = t
        .post_as(
            "/shop/orders",
            &token,
            order(vec![property_search()], "advance_on_consumption"),
        )
        .await
        .json()
        .await
        .unwrap();
    let item = placed["items"][0]["id"].as_i64().unwrap();
    let fulfil = || {
        t.http
            .post(t.url(&format!("/ops/order-items/{item}/pdf?name=visura.pdf")))
            .bearer_auth(&ops)
            .header("Idempotency-Key", "fulfil-once")
            .body(PDF)
            .send()
    };
    let postgres = t.database_url.starts_with("postgres");
    let mut ddl = <sqlx::AnyConnection as sqlx::Connection>::connect(&t.database_url)
        .await
        .unwrap();
    let url = t.database_url.clone();
    let count = |table: &'static str| {
        let url = url.clone();
        async move {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
            sqlx::query_scalar::<_, i64>(&sql).fetch_one(&mut db).await.unwrap()
        }
    };
    let tables = [
        "file_chunks",
        "invoices",
        "notifications",
        "audit_log",
        "mail_queue",
        "changes",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(count(table).await);
    }
    for table in [
        "notifications",
        "invoice_lines",
        "file_chunks",
        "audit_log",
        "mail_queue",
        "changes",
    ] {
        // On a connection of the test's own (see the closing note on pooled
        // SQLite connections that may still hold an older snapshot).
        sqlx::raw_sql(&failing_insert(postgres, table))
            .execute(&mut ddl)
            .await
            .unwrap();
        let failed = fulfil().await.unwrap();
        sqlx::raw_sql(&repaired(postgres, table))
            .execute(&mut ddl)
            .await
            .unwrap();
        assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR, "a fault at {table}");
        for (name, was) in tables.iter().zip(&before) {
            assert_eq!(count(name).await, *was, "a fault at {table} kept a row in {name}");
        }
        let listed = t.json(&format!("/shop/orders/{}", placed["id"]), &token).await;
        assert_eq!(listed["items"][0]["status"], "pending", "a fault at {table}");
    }
    let done = fulfil().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["items"][0]["status"], "fulfilled");
    let replay = fulfil().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(count("invoices").await, before[1] + 1, "one invoice");
    assert_eq!(count("notifications").await, before[2] + 1, "one notice");
}

/// E8: an advance payment's order waits for its own transfer; its proof names
/// it and pays its whole total; once the desk confirms, the order is worked.
async fn an_advance_payment_releases_its_own_order_once_confirmed(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let placed = t
        .post_as(
            "/shop/orders",
            &token,
            order(vec![property_search()], "advance_payment"),
        )
        .await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let placed: Value = placed.json().await.unwrap();
    assert_eq!(placed["status"], "awaiting_payment");
    let (id, total) = (placed["id"].as_i64().unwrap(), money(&placed["total"]).to_owned());
    let item = placed["items"][0]["id"].as_i64().unwrap();
    let fulfil = || {
        t.http
            .post(t.url(&format!("/ops/order-items/{item}/pdf?name=visura.pdf")))
            .bearer_auth(&ops)
            .body(PDF)
            .send()
    };
    let early = fulfil().await.unwrap();
    assert_eq!(
        error_code(early).await.0,
        StatusCode::CONFLICT,
        "not worked before it is paid"
    );

    let receipt = upload_receipt(&t, &token).await;
    let proof = |order_id: Value, method: &str, amount: &str| json!({"method": method, "order_id": order_id, "amount": amount, "attachment_id": receipt, "reference": "TRN77"});
    let field = |response: reqwest::Response, name: &'static str| async move {
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        response.json::<Value>().await.unwrap()["fields"][name]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let cases = [
        (proof(Value::Null, "advance_payment", &total), "order_id", "required"),
        (proof(json!(id), "prepaid_credit", &total), "order_id", "not_allowed"),
        (proof(json!(id), "advance_payment", "1.00"), "amount", "mismatch"),
        (proof(json!(999_999), "advance_payment", &total), "order_id", "unknown"),
    ];
    for (body, name, problem) in cases {
        let refused = t.post_as("/shop/payment-proofs", &token, body).await;
        assert_eq!(field(refused, name).await, problem);
    }
    assert!(t.json("/shop/wallet", &token).await["proofs"]
        .as_array()
        .unwrap()
        .is_empty());

    let sent = t
        .post_as(
            "/shop/payment-proofs",
            &token,
            proof(json!(id), "advance_payment", &total),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent["order_id"], id);
    let again = t
        .post_as(
            "/shop/payment-proofs",
            &token,
            proof(json!(id), "advance_payment", &total),
        )
        .await;
    assert_eq!(
        error_code(again).await.0,
        StatusCode::CONFLICT,
        "one proof waits at a time"
    );
    let t = &t;
    let decide = |proof: i64, approve: bool| {
        let (path, ops) = (format!("/ops/payment-proofs/{proof}/decision"), ops.clone());
        async move { t.post_as(&path, &ops, json!({"approve": approve})).await }
    };
    decide(sent["id"].as_i64().unwrap(), false).await;
    let order_now = t.json(&format!("/shop/orders/{id}"), &token).await;
    assert_eq!(
        order_now["status"], "awaiting_payment",
        "a refused proof releases nothing"
    );

    let resent: Value = t
        .post_as(
            "/shop/payment-proofs",
            &token,
            proof(json!(id), "advance_payment", &total),
        )
        .await
        .json()
        .await
        .unwrap();
    decide(resent["id"].as_i64().unwrap(), true).await;
    assert_eq!(
        t.json(&format!("/shop/orders/{id}"), &token).await["status"],
        "in_progress"
    );
    let again = t
        .post_as(
            "/shop/payment-proofs",
            &token,
            proof(json!(id), "advance_payment", &total),
        )
        .await;
    assert_eq!(field(again, "order_id").await, "not_awaiting");
    let done = fulfil().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(done.json::<Value>().await.unwrap()["status"], "completed");
}

fn verifica() -> Value {
    json!({"service_code": "VERIFICA", "form": {"utente": PERSON_CF}})
}

/// E8: a subscription lasts a year from its confirmation, then orders by
/// subscription are refused until it is renewed; renewing early adds a year.
async fn a_subscription_has_a_term_expires_and_is_renewed(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let t = &t;
    let by_subscription = |token: String| async move {
        t.post_as("/shop/orders", &token, order(vec![verifica()], "subscription"))
            .await
    };
    assert_eq!(
        error_code(by_subscription(token.clone()).await).await.1,
        "payment_not_proven"
    );

    let today = t.clock.today();
    let invoices_before = invoice_count(t, &token).await;
    let paid = prove(t, &token, "subscription", "240.00", true).await;
    // The year is invoiced when paid: 240.00 + 22 % VAT.
    assert_eq!(invoice_count(t, &token).await, invoices_before + 1);
    let invoice = t.json(&format!("/invoices/{}", paid["invoice_id"]), &token).await;
    assert_eq!(money(&invoice["total"]), "292.80");
    let wallet = t.json("/shop/wallet", &token).await;
    let until = today + chrono::Months::new(12) - chrono::Days::new(1);
    assert_eq!(
        wallet["subscription"],
        json!({"from": today.to_string(), "until": until.to_string(), "status": "active"})
    );
    let placed: Value = by_subscription(token.clone()).await.json().await.unwrap();
    assert_eq!(placed["status"], "in_progress");
    let item = placed["items"][0]["id"].as_i64().unwrap();
    let delivered = t
        .http
        .post(t.url(&format!("/ops/order-items/{item}/pdf?name=licenza.pdf")))
        .bearer_auth(t.ops_token().await)
        .body(PDF)
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status(), StatusCode::OK);
    assert_eq!(
        invoice_count(t, &token).await,
        invoices_before + 1,
        "a service used within the paid year is not invoiced again"
    );

    // Months later (a new login: sessions do not last that long).
    t.clock.advance(chrono::TimeDelta::days(340));
    let (token, _) = t.demo_tokens().await;
    let wallet = t.json("/shop/wallet", &token).await;
    assert_eq!(wallet["subscription"]["status"], "expiring", "time to renew");
    t.clock.advance(chrono::TimeDelta::days(30));
    let (token, _) = t.demo_tokens().await;
    let wallet = t.json("/shop/wallet", &token).await;
    assert_eq!(wallet["subscription"]["status"], "expired");
    let subscription = wallet["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["method"] == "subscription")
        .cloned();
    assert_eq!(subscription.unwrap()["status"], "available");
    let refused = by_subscription(token.clone()).await;
    assert_eq!(
        error_code(refused).await,
        (StatusCode::PAYMENT_REQUIRED, "subscription_expired".into())
    );

    let renewed_on = t.clock.today();
    let receipt = upload_receipt(t, &token).await;
    let body = json!({"method": "subscription", "amount": "240.00", "attachment_id": receipt, "reference": "TRN88"});
    let proof: Value = t
        .post_as("/shop/payment-proofs", &token, body)
        .await
        .json()
        .await
        .unwrap();
    let decision = format!("/ops/payment-proofs/{}/decision", proof["id"]);
    let decided = t
        .post_as(&decision, &t.ops_login().await, json!({"approve": true}))
        .await;
    assert_eq!(decided.status(), StatusCode::OK);
    let term = t.json("/shop/wallet", &token).await["subscription"].clone();
    assert_eq!(
        term["from"],
        renewed_on.to_string(),
        "after a lapse the new term starts on its day"
    );
    assert_eq!(term["status"], "active");
    assert_eq!(by_subscription(token.clone()).await.status(), StatusCode::CREATED);
}

on_both_engines!(
    an_advance_payment_releases_its_own_order_once_confirmed,
    a_subscription_has_a_term_expires_and_is_renewed,
    a_fulfilment_keeps_all_it_writes_or_nothing,
    an_order_survives_the_server_killed_at_any_point,
    every_order_is_placed_and_confirmed_once_through_faults,
    prices_follow_the_customers_list_and_an_agreement_changes_them_only_once_approved,
    each_payment_method_refuses_until_proven_and_prepaid_credit_is_drawn_once,
    bad_orders_are_refused_field_by_field_and_nothing_is_kept,
    a_quote_is_priced_then_accepted_declined_or_left_to_expire,
    fulfilment_delivers_a_pdf_or_the_customers_record_layout_and_invoices_it,
    invoices_issued_by_the_shop_are_valid_fatturapa,
);

//! The back office (O1): operator accounts and roles, publishing invoices
//! with the customer's e-mail (B4), the audit log, and the command line.

mod common;

use common::{cents, error_code, failing_insert, repaired, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_domain::api::ops::OperatorRole;
use sportello_server::audit::Origin;
use sportello_server::demo::{DEMO_EMAIL, DEMO_USERNAME};
use sportello_server::{ops, testkit};

const OPERATOR_PASSWORD: &str = "scrivania ordinata 2026";

/// A new operator; returns its authenticator's secret.
async fn new_operator(t: &TestServer, username: &str, role: OperatorRole) -> String {
    let (_, enrolment) = ops::create_operator(
        &t.server.state,
        &Origin::cli(),
        username,
        "Operatore di prova",
        role,
        OPERATOR_PASSWORD,
    )
    .await
    .unwrap();
    assert_eq!(enrolment.recovery_codes.len(), 10);
    enrolment.secret
}

async fn operator_login(t: &TestServer, username: &str, code: &str) -> reqwest::Response {
    t.post(
        "/ops/login",
        json!({"username": username, "password": OPERATOR_PASSWORD, "code": code}),
    )
    .await
}

async fn operator_token(t: &TestServer, username: &str, role: OperatorRole) -> String {
    let secret = new_operator(t, username, role).await;
    let response = operator_login(t, username, &testkit::authenticator_code(&secret, &t.clock)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["role"], role.as_str());
    session["access_token"].as_str().unwrap().to_owned()
}

fn invoice(kind: &str, corrects: Option<&str>) -> Value {
    json!({"customer_code": DEMO_USERNAME, "contract_no": "84963/1", "kind": kind, "issued_on": "2026-11-20",
    "due_on": "2026-12-10", "payment_method": "bank_transfer", "reason": "Servizi accessori",
    "corrects_number": corrects,
    "lines": [
        {"description": "Spese di istruttoria", "quantity": "1", "unit_price": "150.00", "vat_rate": "22"},
        {"description": "Imposta di bollo", "quantity": "1", "unit_price": "2.00", "vat_rate": "0", "nature": "N1"}
    ]})
}

async fn operators_log_in_and_their_roles_limit_what_they_do(t: TestServer) {
    let wrong = t
        .post(
            "/ops/login",
            json!({"username": "operatore", "password": "not the password", "code": "123456"}),
        )
        .await;
    assert_eq!(
        error_code(wrong).await,
        (StatusCode::UNAUTHORIZED, "invalid_credentials".into())
    );
    let desk = operator_token(&t, "desk1", OperatorRole::Desk).await;
    let billing = operator_token(&t, "billing1", OperatorRole::Billing).await;

    let publish = t.post_as("/ops/invoices", &desk, invoice("invoice", None)).await;
    assert_eq!(error_code(publish).await, (StatusCode::FORBIDDEN, "forbidden".into()));
    let broadcast = t
        .post_as("/ops/broadcasts", &billing, json!({"title": "x", "body": "y"}))
        .await;
    assert_eq!(error_code(broadcast).await.1, "forbidden");
    assert_eq!(
        error_code(t.get("/ops/audit", &desk).await).await.1,
        "forbidden",
        "the audit log is for admins"
    );
    assert_eq!(t.get("/ops/requests", &desk).await.status(), StatusCode::OK);
    assert_eq!(
        t.get("/ops/requests", "spo_unknown").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let weak = ops::create_operator(
        &t.server.state,
        &Origin::cli(),
        "weak",
        "W",
        OperatorRole::Desk,
        "password",
    )
    .await;
    assert!(weak.is_err(), "operators follow the password rules too");
}

async fn publishing_an_invoice_emails_the_customer_and_the_xml_validates(t: TestServer) {
    let billing = operator_token(&t, "billing1", OperatorRole::Billing).await;
    let (access, _) = t.demo_tokens().await;
    let response = t.post_as("/ops/invoices", &billing, invoice("invoice", None)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let published: Value = response.json().await.unwrap();
    let number = published["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("2026/"), "{number}");
    assert_eq!(published["total"], "185.00", "150 + 22 % VAT + 2.00 stamp duty");

    let (to, subject, text) = t.last_mail().await;
    assert_eq!(to, DEMO_EMAIL);
    assert_eq!(subject, format!("Nuovo documento disponibile: la fattura n. {number}"));
    assert!(text.contains("185,00 €") && text.contains("10/12/2026"), "{text}");

    let id = published["id"].as_i64().unwrap();
    let listed = t.all_items("/invoices?from=2026-11-01&to=2026-11-30", &access).await;
    let item = listed.iter().find(|i| i["id"] == id).expect("the customer sees it");
    assert_eq!(cents(&item["total"]), 18_500);
    assert_eq!(
        &t.json(&format!("/invoices/{id}"), &access).await,
        item,
        "one document as the list shows it"
    );
    let other_access = t.other_customer().await;
    assert_eq!(
        t.get(&format!("/invoices/{id}"), &other_access).await.status(),
        StatusCode::NOT_FOUND
    );
    let xml = t
        .get(&format!("/invoices/{id}/xml"), &access)
        .await
        .bytes()
        .await
        .unwrap();
    let file = t.dir.path().join("published.xml");
    std::fs::write(&file, &xml).unwrap();
    sportello_server::testkit::validate_fatturapa(&file).expect("the published invoice is valid FatturaPA");

    let next: Value = t
        .post_as("/ops/invoices", &billing, invoice("invoice", None))
        .await
        .json()
        .await
        .unwrap();
    let n = |s: &str| s.split('/').nth(1).unwrap().parse::<u32>().unwrap();
    assert_eq!(
        n(next["number"].as_str().unwrap()),
        n(&number) + 1,
        "numbers follow each other"
    );

    let note: Value = t
        .post_as("/ops/invoices", &billing, invoice("credit_note", Some(&number)))
        .await
        .json()
        .await
        .unwrap();
    assert!(note["number"].as_str().unwrap().starts_with("NC2026/"));
    assert!(t.last_mail().await.1.contains("la nota di credito"));
}

async fn publishing_refuses_bad_documents_and_writes_nothing(t: TestServer) {
    let billing = operator_token(&t, "billing1", OperatorRole::Billing).await;
    let mut no_nature = invoice("invoice", None);
    no_nature["lines"][1]["nature"] = Value::Null;
    let mut bad_rate = invoice("invoice", None);
    bad_rate["lines"][0]["vat_rate"] = json!("21");
    let mut no_lines = invoice("invoice", None);
    no_lines["lines"] = json!([]);
    let mut early_due = invoice("invoice", None);
    early_due["due_on"] = json!("2026-11-01");
    let mut unknown_contract = invoice("invoice", None);
    unknown_contract["contract_no"] = json!("11111/1");
    let mut negative = invoice("invoice", None);
    negative["lines"][0]["unit_price"] = json!("-5.00");
    // Amounts that used to overflow i64 cents and answer 500.
    let mut huge_quantity = invoice("invoice", None);
    huge_quantity["lines"][0]["quantity"] = json!("79228162514264337593543950335");
    let mut huge_amount = invoice("invoice", None);
    huge_amount["lines"][0]["quantity"] = json!("999999");
    huge_amount["lines"][0]["unit_price"] = json!("9999999999999.00");
    let mut many_lines = invoice("invoice", None);
    many_lines["lines"] = json!(vec![many_lines["lines"][0].clone(); 1001]);
    let cases = [
        (huge_quantity, "lines[0].quantity", "too_large"),
        (huge_amount, "lines[0].unit_price", "too_large"),
        (many_lines, "lines", "too_many"),
        (no_nature, "lines[1].nature", "required"),
        (bad_rate, "lines[0].vat_rate", "invalid"),
        (no_lines, "lines", "required"),
        (early_due, "due_on", "before_issue"),
        (unknown_contract, "contract_no", "unknown"),
        (negative, "lines[0].unit_price", "not_positive"),
        (invoice("credit_note", None), "corrects_number", "required"),
        (
            invoice("credit_note", Some("1999/000001")),
            "corrects_number",
            "unknown",
        ),
    ];
    let mails = t.outbox().await.len();
    for (body, field, problem) in cases {
        let response = t.post_as("/ops/invoices", &billing, body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["fields"][field],
            problem,
            "{field}"
        );
    }
    assert_eq!(t.outbox().await.len(), mails, "no e-mail for a refused document");
}

async fn every_change_leaves_an_audit_record_with_actor_and_address(t: TestServer) {
    let admin = t.ops_token().await;
    let (access, _) = t.demo_tokens().await;
    t.post_as(
        "/requests",
        &access,
        json!({"kind": "free", "type_code": "other", "message": "Audit?"}),
    )
    .await;
    t.post_as("/ops/broadcasts", &admin, json!({"title": "Avviso", "body": "Testo"}))
        .await;
    t.post("/auth/password-reset", json!({"username": DEMO_USERNAME})).await;

    let log: Value = t.json("/ops/audit", &admin).await;
    let entries = log.as_array().unwrap();
    let find = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {log}"))
            .clone()
    };
    let filed = find("create_request");
    assert_eq!(filed["actor"], "customer:10093");
    assert_eq!(filed["client"], "127.0.0.1");
    assert!(filed["target"].as_str().unwrap().starts_with("request:RIC-"));
    assert_eq!(find("broadcast")["actor"], "operator:operatore");
    assert_eq!(find("request_reset")["actor"], "anonymous");
    assert_eq!(find("login")["actor"], "customer:10093");
    let text = log.to_string();
    assert!(
        !text.contains("spa_") && !text.contains("spo_") && !text.contains("Sportello-Demo-2026"),
        "no secrets"
    );

    let after = entries.last().unwrap()["id"].as_i64().unwrap();
    let newer: Value = t.json(&format!("/ops/audit?after_id={after}"), &admin).await;
    assert!(newer
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["id"].as_i64().unwrap() > after));
}

/// An operator's logout ends its token; an admin disables an operator, whose
/// tokens end and whose login then answers as an unknown name's; a desk
/// operator cannot disable anyone; every step is audited.
async fn desk_token(t: &TestServer, secret: &str) -> String {
    let session: Value = operator_login(t, "desk1", &testkit::authenticator_code(secret, &t.clock))
        .await
        .json()
        .await
        .unwrap();
    session["access_token"].as_str().unwrap().to_owned()
}

async fn operators_log_out_and_an_admin_disables_one(t: TestServer) {
    let admin = operator_token(&t, "admin1", OperatorRole::Admin).await;
    let secret = new_operator(&t, "desk1", OperatorRole::Desk).await;
    let desk = desk_token(&t, &secret).await;
    let logout = t.call(reqwest::Method::POST, "/ops/logout", &desk, None).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        t.get("/ops/registrations", &desk).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // A code is good once: the next login waits for the app's next code.
    t.clock.advance(chrono::TimeDelta::seconds(30));
    let desk = desk_token(&t, &secret).await;
    let refused = t
        .call(reqwest::Method::POST, "/ops/operators/admin1/disable", &desk, None)
        .await;
    assert_eq!(error_code(refused).await, (StatusCode::FORBIDDEN, "forbidden".into()));
    let disabled = t
        .call(reqwest::Method::POST, "/ops/operators/desk1/disable", &admin, None)
        .await;
    assert_eq!(disabled.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        t.get("/ops/registrations", &desk).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let login = |name: &'static str| operator_login(&t, name, "123456");
    let (gone, unknown) = (
        error_code(login("desk1").await).await,
        error_code(login("nobody1").await).await,
    );
    assert_eq!(gone, unknown);
    assert_eq!(gone, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()));
    let again = t
        .call(reqwest::Method::POST, "/ops/operators/desk1/disable", &admin, None)
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    let audit = t.server.state.store.audit_log(0, 1000).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(
        actions.contains(&"operator_logout") && actions.contains(&"disable_operator"),
        "{actions:?}"
    );
}

/// A desk reply and a status change commit with the customer's notice and
/// their audit row: a fault at either keeps neither change.
async fn a_reply_and_a_status_change_commit_with_their_notice(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let ops = t.ops_token().await;
    let filed: Value = t
        .post_as(
            "/requests",
            &access,
            json!({"kind": "free", "type_code": "other", "message": "Una domanda"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = filed["id"].as_i64().unwrap();
    let thread = || async { t.json(&format!("/requests/{id}"), &access).await };
    let before = thread().await;
    let notices = || async {
        t.json("/notifications?limit=100", &access).await["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let notices_before = notices().await;
    // Both writes, their answers' statuses: the reply, then the status change.
    let write_both = || async {
        let replies = format!("/ops/requests/{id}/replies");
        let reply = t.post_as(&replies, &ops, json!({"body": "Ecco la risposta"})).await;
        let status_path = format!("/ops/requests/{id}/status");
        let status = t.post_as(&status_path, &ops, json!({"status": "completed"})).await;
        (reply.status(), status.status())
    };
    let postgres = t.database_url.starts_with("postgres");
    let mut ddl = <sqlx::AnyConnection as sqlx::Connection>::connect(&t.database_url)
        .await
        .unwrap();
    let mails_before = t.outbox().await.len();
    for table in ["notifications", "audit_log", "mail_queue"] {
        sqlx::raw_sql(&failing_insert(postgres, table))
            .execute(&mut ddl)
            .await
            .unwrap();
        let (reply, status) = write_both().await;
        sqlx::raw_sql(&repaired(postgres, table))
            .execute(&mut ddl)
            .await
            .unwrap();
        assert_eq!(reply, StatusCode::INTERNAL_SERVER_ERROR, "{table}");
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{table}");
        assert_eq!(
            thread().await,
            before,
            "a fault at {table} keeps neither the reply nor the status"
        );
        assert_eq!(notices().await, notices_before);
    }
    assert_eq!(
        t.outbox().await.len(),
        mails_before,
        "no e-mail copy of a change not made"
    );
    assert_eq!(write_both().await, (StatusCode::CREATED, StatusCode::NO_CONTENT));
    assert_eq!(thread().await["status"], "completed");
    assert_eq!(notices().await, notices_before + 2, "one notice each");

    // An e-mail copy of each, to the user who filed the request, in the user's language.
    let code = filed["code"].as_str().unwrap();
    let mails = t.outbox().await;
    assert_eq!(mails.len(), mails_before + 2, "one copy each");
    let reply = &mails[mails.len() - 2];
    assert_eq!(reply.to().unwrap().first().unwrap().address().unwrap(), DEMO_EMAIL);
    assert_eq!(
        reply.subject().unwrap(),
        format!("{code} – risposta del servizio clienti")
    );
    assert!(reply.body_text(0).unwrap().contains("Ecco la risposta"));
    let (_, subject, text) = t.last_mail().await;
    assert_eq!(subject, format!("{code} – richiesta completata"));
    assert!(text.contains(code));

    // Turned off on the profile, no more copies; the notices still arrive.
    let off = t
        .call(
            reqwest::Method::PATCH,
            "/profile",
            &access,
            Some(json!({"desk_emails": false})),
        )
        .await;
    assert_eq!(off.json::<Value>().await.unwrap()["desk_emails"], false);
    let second: Value = t
        .post_as(
            "/requests",
            &access,
            json!({"kind": "free", "type_code": "other", "message": "Altra domanda"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let replies = format!("/ops/requests/{}/replies", second["id"]);
    let reply = t
        .post_as(&replies, &ops, json!({"body": "Risposta", "status": "completed"}))
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    assert_eq!(t.outbox().await.len(), mails_before + 2, "no copy once turned off");
    assert_eq!(notices().await, notices_before + 3);
}

on_both_engines!(
    a_reply_and_a_status_change_commit_with_their_notice,
    operators_log_out_and_an_admin_disables_one,
    operators_log_in_and_their_roles_limit_what_they_do,
    publishing_an_invoice_emails_the_customer_and_the_xml_validates,
    publishing_refuses_bad_documents_and_writes_nothing,
    every_change_leaves_an_audit_record_with_actor_and_address,
);

/// `sportello-server admin …` against a fresh SQLite database, as an operator would run it.
#[test]
fn the_command_line_adds_operators_broadcasts_and_prints_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], password: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sportello-server"));
        command
            .args(args)
            .env("SPORTELLO_DATA_DIR", dir.path())
            .env("SPORTELLO_BIND", "127.0.0.1:0")
            .env("USER", "ragioniere")
            .env_remove("SPORTELLO_DATABASE_URL")
            .env_remove("SPORTELLO_OPERATOR_PASSWORD");
        if let Some(p) = password {
            command.env("SPORTELLO_OPERATOR_PASSWORD", p);
        }
        let out = command.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = run(&["seed"], None);
    assert!(ok, "{out}");
    let (ok, out) = run(
        &["admin", "operator-add", "giulia", "--name", "Giulia", "--role", "desk"],
        Some("short"),
    );
    assert!(!ok && out.contains("at least 12 characters"), "{out}");
    let (ok, out) = run(
        &["admin", "operator-add", "giulia", "--name", "Giulia", "--role", "desk"],
        Some(OPERATOR_PASSWORD),
    );
    assert!(ok && out.contains("operator giulia (desk) created"), "{out}");
    let secret_of = |out: &str| {
        let line = out.lines().find(|l| l.starts_with("authenticator secret")).expect(out);
        line.rsplit(' ').next().unwrap().to_owned()
    };
    let first = secret_of(&out);
    assert!(
        out.contains("otpauth://totp/") && out.contains(&format!("secret={first}")),
        "{out}"
    );
    let codes = out
        .lines()
        .filter(|l| l.starts_with("  ") && l.trim().len() == 11)
        .count();
    assert_eq!(codes, 10, "{out}");
    let (ok, out) = run(&["admin", "operator-authenticator", "giulia"], None);
    assert!(ok && out.contains("giulia has a new authenticator"), "{out}");
    assert_ne!(secret_of(&out), first, "a new secret");
    let (ok, out) = run(&["admin", "operator-authenticator", "nessuno"], None);
    assert!(!ok && out.contains("no operator named"), "{out}");
    let (ok, out) = run(
        &[
            "admin",
            "broadcast",
            "--title",
            "Dalla riga di comando",
            "--body",
            "Ciao",
        ],
        None,
    );
    assert!(ok && out.contains("sent"), "{out}");
    let broadcast = [
        "admin",
        "broadcast",
        "--title",
        "Dalla riga di comando",
        "--body",
        "Ciao",
    ];
    let (ok, out) = run(&broadcast, None);
    assert!(
        ok && out.contains("already done by an earlier run"),
        "the same command re-run: {out}"
    );
    let (ok, out) = run(&[&broadcast[..], &["--key", "di-nuovo"]].concat(), None);
    assert!(ok && out.contains("sent"), "repeated on purpose with a new key: {out}");
    let (ok, out) = run(
        &[
            &broadcast[..3],
            &["Altro titolo", "--body", "Ciao", "--key", "di-nuovo"],
        ]
        .concat(),
        None,
    );
    assert!(
        !ok && out.contains("different request body"),
        "a key names one write: {out}"
    );
    let (ok, out) = run(
        &["admin", "invite", "--customer", "424242", "--email", "a@pec.it"],
        None,
    );
    assert!(!ok && out.contains("no customer has this number"), "{out}");
    let (ok, out) = run(&["admin", "audit"], None);
    assert!(ok, "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("cli:ragioniere")).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("create_operator") && l.contains("operator:giulia")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .filter(|l| l.contains("operator_authenticator_given"))
            .count()
            == 2,
        "{out}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("broadcast") && l.contains("Dalla riga di comando"))
            .count(),
        2,
        "once, and once more with a new key: {out}"
    );
}

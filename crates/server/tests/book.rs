//! The book feed (O2): the company's leasing system loads and corrects its
//! book as files, through the operator API and the command line; a file is
//! applied whole or not at all, twice is the same as once, and every change
//! reaches the customers' event streams, from any instance.

mod common;

use common::{cents, TestServer};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use sportello_domain::book::{BookRecord, CollectionRecord};
use sportello_server::book::sample;
use std::collections::HashMap;
use std::time::Duration;

const CODE: &str = "30700";

impl TestServer {
    async fn import(&self, token: &str, file: &str, text: &str, extra: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/ops/book/import?file={file}{extra}")))
            .bearer_auth(token)
            .body(text.to_owned())
            .send()
            .await
            .unwrap()
    }

    async fn imported(&self, token: &str, file: &str, text: &str) -> Value {
        let response = self.import(token, file, text, "").await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

fn book(server: &TestServer, contracts: u32) -> Vec<BookRecord> {
    sample::records(CODE, contracts, 7, server.clock.today())
}

/// The overdue balance the records say, computed without the server.
fn overdue_of(records: &[BookRecord], today: chrono::NaiveDate) -> i64 {
    let mut collected: HashMap<&str, i64> = HashMap::new();
    for r in records {
        if let BookRecord::Collection(c) = r {
            *collected.entry(c.line.as_str()).or_default() += c.amount.cents();
        }
    }
    records
        .iter()
        .filter_map(|r| match r {
            BookRecord::ScheduleLine(s) if s.due_on < today => {
                let paid = collected.get(s.reference.as_str()).copied().unwrap_or(0);
                Some((s.amount.cents() - paid).max(0))
            }
            _ => None,
        })
        .sum()
}

/// The first line to come that no collection settles.
fn unpaid_future_line(records: &[BookRecord], today: chrono::NaiveDate) -> sportello_domain::book::ScheduleLineRecord {
    sample::lines_to_come(records, today).remove(0)
}

fn count(records: &[BookRecord], what: fn(&BookRecord) -> bool) -> usize {
    records.iter().filter(|r| what(r)).count()
}

async fn a_book_loads_from_a_file_and_a_second_send_changes_nothing(server: TestServer) {
    let ops = server.ops_token().await;
    let records = book(&server, 12);
    let text = sample::json_lines(&records);
    let report = server.imported(&ops, "book.jsonl", &text).await;
    assert_eq!(report["records"], records.len());
    assert_eq!(report["created"], records.len(), "{report}");
    assert_eq!(report["plans_built"], 12, "every contract's plan from its terms");
    assert_eq!(
        report["changes"], 0,
        "nobody logs in for the customer yet: no desktop to tell"
    );

    let token = server.invite_and_log_in(CODE).await;
    let contracts = server.all_items("/contracts?limit=100", &token).await;
    assert_eq!(contracts.len(), 12);
    let lines = server.all_items("/schedule?limit=500", &token).await;
    assert_eq!(
        lines.len(),
        count(&records, |r| matches!(r, BookRecord::ScheduleLine(_)))
    );
    let assets = server.all_items("/assets?limit=500", &token).await;
    assert_eq!(assets.len(), 12);
    let invoices = server.all_items("/invoices?limit=500&from=2008-01-01", &token).await;
    assert_eq!(invoices.len(), count(&records, |r| matches!(r, BookRecord::Invoice(_))));
    let page = server.json("/schedule?limit=1", &token).await;
    let today = server.clock.today();
    assert_eq!(cents(&page["overdue_total"]), overdue_of(&records, today));
    let plan = server
        .all_items(&format!("/contracts/{}/plan?limit=500", contracts[0]["id"]), &token)
        .await;
    assert!(plan.len() > 40, "the plan was built: {} rows", plan.len());

    let again = server.imported(&ops, "book.jsonl", &text).await;
    assert_eq!(again["unchanged"], records.len(), "{again}");
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(again["changes"], 0);
    assert_eq!(again["plans_built"], 0);
    let lines_after = server.all_items("/schedule?limit=500", &token).await;
    assert_eq!(lines_after, lines, "the same file twice is the same book");

    let audit = server.json("/ops/audit?limit=1000", &ops).await;
    let imports: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "book_import")
        .collect();
    assert_eq!(imports.len(), 2);
    assert!(imports[1]["details"]
        .as_str()
        .unwrap()
        .contains(&format!("{} unchanged", records.len())));
}

async fn corrected_records_replace_the_old_ones_and_reach_the_desktop(server: TestServer) {
    let ops = server.ops_token().await;
    let records = book(&server, 3);
    server.imported(&ops, "book.jsonl", &sample::json_lines(&records)).await;
    let token = server.invite_and_log_in(CODE).await;
    let cursor = server.json("/sync/summary", &token).await["cursor"].as_i64().unwrap();

    // A line to come gets a partial collection, then its correction.
    let today = server.clock.today();
    let line = unpaid_future_line(&records, today);
    let partial = sportello_domain::Money::from_cents(line.amount.cents() / 2);
    let collection = |amount| {
        BookRecord::Collection(CollectionRecord {
            reference: "P-CORR-1".into(),
            line: line.reference.clone(),
            amount,
            collected_on: today,
            method: line.payment_method,
            deleted: false,
        })
    };
    let report = server
        .imported(&ops, "c1.jsonl", &sample::json_lines(&[collection(partial)]))
        .await;
    assert_eq!(report["created"], 1);
    assert_eq!(report["notifications"], 1, "a collection of today is news: {report}");
    let changes = server.json(&format!("/changes?after={cursor}"), &token).await;
    let entities: Vec<&str> = changes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["entity"].as_str().unwrap())
        .collect();
    assert_eq!(entities, ["schedule_line", "notification"], "{changes}");
    let id = changes["items"][0]["entity_id"].as_str().unwrap();
    let item = server.json(&format!("/schedule/{id}"), &token).await;
    assert_eq!(cents(&item["paid"]), partial.cents());
    assert_eq!(item["status"], "due");
    // The customer reports paying the rest by transfer: "reported" until it arrives.
    let reported = server
        .post_as(
            "/schedule/reported",
            &token,
            serde_json::json!({"line_ids": [id.parse::<i64>().unwrap()]}),
        )
        .await;
    assert_eq!(reported.status(), StatusCode::NO_CONTENT);
    assert!(server.json(&format!("/schedule/{id}"), &token).await["reported_at"].is_string());

    let report = server
        .imported(&ops, "c2.jsonl", &sample::json_lines(&[collection(line.amount)]))
        .await;
    assert_eq!(report["updated"], 1, "the same ref corrects the collection: {report}");
    let item = server.json(&format!("/schedule/{id}"), &token).await;
    assert_eq!(cents(&item["paid"]), line.amount.cents());
    assert_eq!(item["status"], "paid");
    let notices = server.json("/notifications?limit=10", &token).await;
    let first = &notices["items"][0];
    assert_eq!(first["kind"], "payment");
    assert!(
        first["subject"].as_str().unwrap().ends_with("Pagamento registrato"),
        "{first}"
    );
    assert!(first["body"].as_str().unwrap().contains(&line.contract), "{first}");

    // A reversal takes the money back off the line.
    let mut reversal = collection(line.amount);
    if let BookRecord::Collection(c) = &mut reversal {
        c.deleted = true;
    }
    let report = server
        .imported(&ops, "c3.jsonl", &sample::json_lines(&[reversal.clone()]))
        .await;
    assert_eq!(report["deleted"], 1);
    let item = server.json(&format!("/schedule/{id}"), &token).await;
    assert_eq!(cents(&item["paid"]), 0);
    // The same file again reverses nothing twice...
    let again = server
        .imported(&ops, "c3.jsonl", &sample::json_lines(&[reversal.clone()]))
        .await;
    assert_eq!(
        (again["deleted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(1)),
        "{again}"
    );
    // ...and a reversal of a collection the book never had is refused.
    let mut unknown = reversal;
    if let BookRecord::Collection(c) = &mut unknown {
        c.reference = "NEVER-COLLECTED".into();
    }
    let response = server
        .import(&ops, "typo.jsonl", &sample::json_lines(&[unknown]), "")
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = response.json::<Value>().await.unwrap();
    let why = body["fields"]["typo.jsonl:1:ref"].as_str().unwrap_or_default();
    assert!(why.contains("NEVER-COLLECTED"), "{body}");

    // CSV says the same as JSON Lines; an extinguished contract moves.
    let contract = records
        .iter()
        .find_map(|r| match r {
            BookRecord::Contract(c) if c.status == sportello_domain::api::contracts::ContractStatus::Active => Some(c),
            _ => None,
        })
        .expect("an active contract");
    let mut extinct = contract.clone();
    extinct.status = sportello_domain::api::contracts::ContractStatus::Extinct;
    let report = server
        .imported(
            &ops,
            "contracts.jsonl",
            &sample::json_lines(&[BookRecord::Contract(extinct)]),
        )
        .await;
    assert_eq!(report["updated"], 1, "{report}");
    let extinct_list = server.all_items("/contracts?status=extinct&limit=100", &token).await;
    assert!(extinct_list
        .iter()
        .any(|c| c["contract_no"] == contract.contract_no.as_str()));
    let csv = format!(
        "type,ref,line,amount,collected_on,method\ncollection,P-CSV-1,{},{},{},{}\n",
        line.reference,
        line.amount,
        today,
        line.payment_method.as_str()
    );
    let report = server.imported(&ops, "collections.csv", &csv).await;
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(server.json(&format!("/schedule/{id}"), &token).await["status"], "paid");
}

async fn a_refused_file_names_every_line_and_field_and_applies_nothing(server: TestServer) {
    let ops = server.ops_token().await;
    let good = sample::json_lines(&[BookRecord::Customer(sample::customer(CODE))]);
    let text = format!(
        "{good}{}\n{}\n{}\n\n{}\n",
        r#"{"type":"asset","ref":"A-1","contract":"999/1","code":"X","asset_type":"Auto","description":"Auto","financial_value":"10.00"}"#,
        r#"{"type":"collection","ref":"P-1","line":"NOPE","amount":"10.00","collected_on":"2026-01-01","method":"bank_transfer"}"#,
        r#"{"type":"collection","ref":"P-2","line":"NOPE","amount":"-1.00","collected_on":"2026-01-01","method":"bank_transfer"}"#,
        r#"{"type":"contract","customer":"NOBODY"}"#,
    );
    // Rules of the records themselves come first: lines 4 and 6.
    let response = server.import(&ops, "bad.jsonl", &text, "").await;
    let (status, body) = (response.status(), response.json::<Value>().await.unwrap());
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "bad_request");
    let fields: Vec<&String> = body["fields"].as_object().unwrap().keys().collect();
    assert_eq!(fields, ["bad.jsonl:4:amount", "bad.jsonl:6:contract_no"], "{body}");

    // Then references, all of them at once: lines 2 and 3.
    let text: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    let response = server.import(&ops, "bad.jsonl", &text, "").await;
    let body = response.json::<Value>().await.unwrap();
    let fields = body["fields"].as_object().unwrap();
    assert_eq!(
        fields.keys().collect::<Vec<_>>(),
        ["bad.jsonl:2:contract", "bad.jsonl:3:line"],
        "{body}"
    );
    assert!(fields["bad.jsonl:3:line"].as_str().unwrap().contains("NOPE"));

    // Nothing of it was kept: the customer on line 1 is still new.
    let report = server.imported(&ops, "good.jsonl", &good).await;
    assert_eq!(report["created"], 1, "{report}");
    let dry = server.import(&ops, "again.jsonl", &good, "&dry_run=true").await;
    assert_eq!(dry.json::<Value>().await.unwrap()["unchanged"], 1);

    // A customer token opens no operator endpoint.
    let token = server.demo_tokens().await.0;
    assert_eq!(
        server.import(&token, "x.jsonl", &good, "").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// The command line loads the same files; a refusal prints every problem
/// as file:line: field: reason and exits non-zero.
async fn the_command_line_imports_and_refuses_like_the_api(server: TestServer) {
    let run = |file: &std::path::Path, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sportello-server"))
            .args(["admin", "import"])
            .arg(file)
            .args(extra)
            .env("SPORTELLO_DATABASE_URL", &server.database_url)
            .env("SPORTELLO_DATA_DIR", server.dir.path())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let records = book(&server, 2);
    let file = server.dir.path().join("book.jsonl");
    std::fs::write(&file, sample::json_lines(&records)).unwrap();
    let dry = run(&file, &["--dry-run"]);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(String::from_utf8_lossy(&dry.stdout).contains("dry run, nothing kept"));
    let done = run(&file, &[]);
    let out = String::from_utf8_lossy(&done.stdout);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(
        out.contains(&format!("{} records", records.len())) && out.contains(&format!("{} created", records.len())),
        "{out}"
    );

    let bad = server.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "type,ref,line,amount,collected_on,method\ncollection,P-9,S-NONE,5.00,2026-02-30,bank_transfer\n",
    )
    .unwrap();
    let refused = run(&bad, &[]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("bad.csv: refused, nothing was applied"), "{err}");
    assert!(err.contains("bad.csv:2: collected_on:"), "{err}");
}

/// Every change reaches an open event stream by itself, whoever wrote it.
async fn an_imported_collection_reaches_the_event_stream(server: TestServer) {
    let ops = server.ops_token().await;
    let records = book(&server, 3);
    server.imported(&ops, "book.jsonl", &sample::json_lines(&records)).await;
    let token = server.invite_and_log_in(CODE).await;
    let response = server
        .http
        .get(server.url("/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let mut stream = response.bytes_stream();
    let line = unpaid_future_line(&records, server.clock.today());
    let collection = BookRecord::Collection(CollectionRecord {
        reference: "P-STREAM".into(),
        line: line.reference.clone(),
        amount: line.amount,
        collected_on: server.clock.today(),
        method: line.payment_method,
        deleted: false,
    });
    server
        .imported(&ops, "c.jsonl", &sample::json_lines(&[collection]))
        .await;
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(chunk)) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("\"entity\":\"schedule_line\"") && seen.contains("\"entity\":\"notification\"") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "{seen}");
}

/// The example files of the README load as they are, and load again unchanged.
async fn the_documented_example_files_load(server: TestServer) {
    let ops = server.ops_token().await;
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/book-feed");
    let example = std::fs::read_to_string(docs.join("example.jsonl")).unwrap();
    let report = server.imported(&ops, "example.jsonl", &example).await;
    assert_eq!(report["created"], 7, "{report}");
    assert_eq!(report["plans_built"], 1);
    let again = server.imported(&ops, "example.jsonl", &example).await;
    assert_eq!(again["unchanged"], 7, "{again}");
    let csv = std::fs::read_to_string(docs.join("collections.csv")).unwrap();
    let report = server.imported(&ops, "collections.csv", &csv).await;
    assert_eq!(
        (report["created"].as_u64(), report["deleted"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    let token = server.invite_and_log_in(CODE).await;
    let plan = server.all_items("/contracts?limit=10", &token).await;
    let id = plan[0]["id"].as_i64().unwrap();
    let rows = server
        .all_items(&format!("/contracts/{id}/plan?limit=500"), &token)
        .await;
    assert!(
        rows.iter().any(|r| r["kind"] == "indexation"),
        "the rate fix indexes the plan"
    );
}

on_both_engines!(
    the_documented_example_files_load,
    a_book_loads_from_a_file_and_a_second_send_changes_nothing,
    corrected_records_replace_the_old_ones_and_reach_the_desktop,
    a_refused_file_names_every_line_and_field_and_applies_nothing,
    the_command_line_imports_and_refuses_like_the_api,
    an_imported_collection_reaches_the_event_stream,
);

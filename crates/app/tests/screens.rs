//! What the screens read and change, through `DeskApp` against a real demo
//! server on 127.0.0.1: the cache's pages agree with the server's lists, and
//! changes made on the profile, sub-users, notifications and request threads
//! reach the server and the local copy.

mod support;

use serde_json::{json, Value};
use sportello_app::browse::{
    InvoiceFilter, MessageFilter, MessageKind, ScheduleFilter, ScheduleOrder, Window, MAX_PAGE,
};
use sportello_app::desktop::{DeskApp, InvoiceFormat};
use sportello_domain::api::accounts::{EmailChange, EmailChangeConfirm, Language, ProfileUpdate, Right, SubUserForm};
use sportello_domain::api::contracts::ContractStatus;
use sportello_domain::api::requests::NewMessage;
use sportello_domain::situation::PaymentStatus;
use sportello_domain::{ErrorCode, Money};
use sportello_server::demo;
use std::time::Duration;
use support::{logged_in, Fixture};

/// Waits for a finished sync round after which `done` holds.
async fn synced(app: &DeskApp, done: impl Fn(&Value) -> bool) {
    for _ in 0..200 {
        let view = app.sync_view().await;
        if view.status.last_sync.is_some() && view.status.progress.is_none() {
            let outbox = app.outbox().await.unwrap();
            if outbox.is_empty() && done(&json!(app.requests().await.unwrap())) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the sync did not settle in 10 s");
}

fn window(offset: u32, limit: u32) -> Window {
    Window { offset, limit }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

#[tokio::test]
async fn schedule_pages_filters_and_overdue_total_match_the_server() {
    let f = Fixture::start().await;
    let app = logged_in(&f).await;
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let served = f.get("/schedule?limit=500", &token).await;
    let served = served["items"].as_array().unwrap();

    let all = ScheduleFilter {
        sort: ScheduleOrder::Desc,
        ..ScheduleFilter::default()
    };
    let first = app.schedule(&all, window(0, 10)).await.unwrap();
    assert_eq!(first.total as usize, served.len());
    assert_eq!(
        to_json(&first.rows),
        json!(served[..10]),
        "the first page, newest first"
    );
    let second = app.schedule(&all, window(10, 10)).await.unwrap();
    assert_eq!(to_json(&second.rows), json!(served[10..20]));
    let home = f.get("/home", &token).await;
    assert_eq!(json!(first.overdue_total), home["situation"]["overdue_total"]);
    assert!(first.overdue_total.is_positive(), "the demo has an overdue installment");

    let huge = app.schedule(&all, window(0, 100_000)).await.unwrap();
    assert_eq!(huge.rows.len(), served.len().min(MAX_PAGE as usize), "pages are capped");
    let billed = huge
        .rows
        .iter()
        .find(|r| r.invoice_id.is_some())
        .expect("a billed line");
    let invoice = f
        .get(&format!("/invoices/{}", billed.invoice_id.unwrap()), &token)
        .await;
    assert_eq!(
        json!(billed.invoice_number),
        invoice["number"],
        "B2: the line names the invoice that billed it"
    );

    let contract = first.rows[0].contract_id;
    let one = ScheduleFilter {
        contract_id: Some(contract),
        ..all.clone()
    };
    let page = app.schedule(&one, window(0, 500)).await.unwrap();
    let expected = served.iter().filter(|r| r["contract_id"] == json!(contract)).count();
    assert_eq!(page.total as usize, expected);
    assert!(page.rows.iter().all(|r| r.contract_id == contract));
    let overdue_here: Money = page.rows.iter().map(|r| r.overdue_balance).sum();
    assert_eq!(
        page.overdue_total, overdue_here,
        "the total follows the contract filter"
    );

    let overdue = ScheduleFilter {
        status: Some(PaymentStatus::Overdue),
        ..all.clone()
    };
    let page = app.schedule(&overdue, window(0, 500)).await.unwrap();
    assert!(page.total > 0);
    assert!(page.rows.iter().all(|r| r.status == PaymentStatus::Overdue));
    assert_eq!(
        page.rows.iter().map(|r| r.overdue_balance).sum::<Money>(),
        first.overdue_total
    );

    let oldest = ScheduleFilter {
        sort: ScheduleOrder::Asc,
        ..all.clone()
    };
    let page = app.schedule(&oldest, window(0, 500)).await.unwrap();
    assert_eq!(
        json!(page.rows[0]),
        served[served.len() - 1],
        "ascending starts from the oldest"
    );

    the_schedule_opens_on_what_is_owed(&app, served).await;
}

/// B1: by default the list opens on the lines still owed from the oldest due
/// date (the overdue ones, then the next due), then the settled ones from the
/// newest; pages follow on from each other in that order.
async fn the_schedule_opens_on_what_is_owed(app: &DeskApp, served: &[Value]) {
    let mut owed: Vec<&Value> = served.iter().filter(|r| r["balance"] != json!("0.00")).collect();
    let mut settled: Vec<&Value> = served.iter().filter(|r| r["balance"] == json!("0.00")).collect();
    assert!(
        !owed.is_empty() && !settled.is_empty(),
        "the demo has lines of both kinds"
    );
    let key = |r: &&Value| (r["due_on"].as_str().unwrap().to_owned(), r["id"].as_i64().unwrap());
    owed.sort_by_key(key);
    settled.sort_by_key(|r| std::cmp::Reverse(key(r)));
    let due_dates = |rows: &[&Value]| rows.iter().map(|r| r["due_on"].clone()).collect::<Vec<_>>();
    let expected: Vec<Value> = owed.iter().chain(settled.iter()).map(|r| r["due_on"].clone()).collect();

    let default = ScheduleFilter::default();
    assert_eq!(default.sort, ScheduleOrder::Attention);
    let mut shown = Vec::new();
    for offset in (0..served.len() as u32).step_by(7) {
        let page = app.schedule(&default, window(offset, 7)).await.unwrap();
        shown.extend(page.rows.iter().map(|r| json!(r.due_on)));
    }
    assert_eq!(shown, expected, "owed from the oldest, then settled from the newest");
    let first = app.schedule(&default, window(0, 1)).await.unwrap().rows.remove(0);
    assert_eq!(
        first.status,
        PaymentStatus::Overdue,
        "the first line is the oldest overdue one"
    );
    assert_eq!(json!(first.due_on), due_dates(&owed)[0]);
}

#[tokio::test]
async fn an_overdue_line_is_paid_by_a_transfer_to_the_company_with_its_reference() {
    let f = Fixture::start().await;
    let app = logged_in(&f).await;
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let payee = f.get("/home", &token).await["payee"].clone();
    let company = &f.server.as_ref().unwrap().state.config.company;
    assert_eq!(payee, json!({"beneficiary": company.name, "iban": company.iban}));

    let overdue = ScheduleFilter {
        status: Some(PaymentStatus::Overdue),
        ..ScheduleFilter::default()
    };
    let line = app.schedule(&overdue, window(0, 1)).await.unwrap().rows.remove(0);
    let slip = app.payment_slip(line.id).await.unwrap();
    assert_eq!(json!(slip.iban), payee["iban"]);
    assert_eq!(json!(slip.beneficiary), payee["beneficiary"]);
    assert_eq!(slip.amount, line.balance, "what is still to pay on the line");
    assert_eq!(
        slip.remittance,
        format!(
            "Contratto {} rata {} scadenza {}",
            line.contract_no,
            line.installment_no,
            line.due_on.format("%d/%m/%Y")
        )
    );
    assert!(slip.qr.size > 21 && !slip.qr.path.is_empty());

    let paid = ScheduleFilter {
        status: Some(PaymentStatus::Paid),
        ..ScheduleFilter::default()
    };
    let paid = app.schedule(&paid, window(0, 1)).await.unwrap().rows.remove(0);
    let all_overdue = app.overdue_slip(None).await.unwrap();
    assert_eq!(
        all_overdue.amount,
        app.schedule(&overdue, window(0, 1)).await.unwrap().overdue_total
    );
    assert!(
        all_overdue.remittance.starts_with("Saldo scaduto al "),
        "{}",
        all_overdue.remittance
    );
    let one = app.overdue_slip(Some(line.contract_id)).await.unwrap();
    assert!(one
        .remittance
        .starts_with(&format!("Saldo scaduto contratto {} al ", line.contract_no)));
    let mine = ScheduleFilter {
        contract_id: Some(line.contract_id),
        ..overdue.clone()
    };
    assert_eq!(
        one.amount,
        app.schedule(&mine, window(0, 1)).await.unwrap().overdue_total
    );
    let refused = app.payment_slip(paid.id).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::BadRequest, "nothing to pay on a paid line");
    assert_eq!(app.payment_slip(-1).await.unwrap_err().code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn a_reported_transfer_marks_the_overdue_lines_here_and_on_the_server() {
    let f = Fixture::start().await;
    let app = logged_in(&f).await;
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let overdue = ScheduleFilter {
        status: Some(PaymentStatus::Overdue),
        ..ScheduleFilter::default()
    };
    let first = app.schedule(&overdue, window(0, 1)).await.unwrap().rows.remove(0);
    let mine = ScheduleFilter {
        contract_id: Some(first.contract_id),
        ..overdue.clone()
    };
    let owed = app.schedule(&mine, window(0, MAX_PAGE)).await.unwrap();
    let slip = app.overdue_slip(Some(first.contract_id)).await.unwrap();
    let mut expected: Vec<i64> = owed.rows.iter().map(|line| line.id).collect();
    expected.sort_unstable();
    let mut named = slip.lines.clone();
    named.sort_unstable();
    assert_eq!(named, expected, "the slip names exactly the contract's overdue lines");
    assert!(owed.rows.iter().all(|line| line.reported_at.is_none()));

    app.report_paid(&slip.lines).await.unwrap();
    let after = app.schedule(&mine, window(0, MAX_PAGE)).await.unwrap();
    assert_eq!(
        after.rows.len(),
        expected.len(),
        "still owed until the collection arrives"
    );
    assert!(
        after.rows.iter().all(|line| line.reported_at.is_some()),
        "the copy shows them reported at once"
    );
    assert_eq!(after.overdue_total, owed.overdue_total);
    let served = f
        .all(&format!("/schedule?contract={}&limit=500", first.contract_id), &token)
        .await;
    let reported: Vec<i64> = served
        .iter()
        .filter(|line| !line["reported_at"].is_null())
        .map(|line| line["id"].as_i64().unwrap())
        .collect();
    let mut reported = reported;
    reported.sort_unstable();
    assert_eq!(reported, expected, "the server holds the report for every device");

    let paid = ScheduleFilter {
        status: Some(PaymentStatus::Paid),
        ..ScheduleFilter::default()
    };
    let paid = app.schedule(&paid, window(0, 1)).await.unwrap().rows.remove(0);
    let refused = app.report_paid(&[paid.id]).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::BadRequest, "a paid line cannot be reported");
    let still = app
        .schedule(&ScheduleFilter::default(), window(0, MAX_PAGE))
        .await
        .unwrap();
    let line = still.rows.iter().find(|line| line.id == paid.id).unwrap();
    assert!(line.reported_at.is_none(), "a refused report leaves the copy as it was");
}

#[tokio::test]
async fn invoices_assets_contracts_and_payoff_come_from_the_cache_as_the_server_has_them() {
    let f = Fixture::start().await;
    let app = logged_in(&f).await;
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;

    let everything = app.invoices(&InvoiceFilter::default(), window(0, 500)).await.unwrap();
    assert!(everything.total >= 2, "the demo has invoices");
    let newest = everything.rows[0].issued_on;
    let period = InvoiceFilter {
        from: Some(newest),
        to: Some(newest),
        ..InvoiceFilter::default()
    };
    let page = app.invoices(&period, window(0, 500)).await.unwrap();
    let expected = everything.rows.iter().filter(|i| i.issued_on == newest).count();
    assert_eq!(page.total as usize, expected);
    assert!(page.rows.iter().all(|i| i.issued_on == newest));

    let options = app.contract_options().await.unwrap();
    let served = f.get("/contracts?limit=100", &token).await;
    assert_eq!(options.len(), served["items"].as_array().unwrap().len());
    let first_extinct = options.iter().position(|o| o.status == ContractStatus::Extinct);
    if let Some(at) = first_extinct {
        assert!(
            options[at..].iter().all(|o| o.status == ContractStatus::Extinct),
            "active ones first"
        );
    }

    let active = options.iter().find(|o| o.status == ContractStatus::Active).unwrap();
    let view = app.contract(active.id).await.unwrap();
    assert_eq!(
        json!(view.contract),
        f.get(&format!("/contracts/{}", active.id), &token).await
    );
    let plan = f.get(&format!("/contracts/{}/plan?limit=500", active.id), &token).await;
    assert_eq!(json!(view.plan), plan["items"]);

    let quote = app.payoff(active.id).await.unwrap();
    let served_quote = f.get(&format!("/contracts/{}/payoff", active.id), &token).await;
    assert_eq!(
        json!(quote),
        served_quote,
        "the form shows the server's figures before asking it"
    );
    assert_eq!(app.contract(999_999).await.unwrap_err().code(), ErrorCode::NotFound);

    let assets = app.assets(None, window(0, 500)).await.unwrap();
    let served_assets = f.get("/assets?limit=500", &token).await;
    assert_eq!(assets.total as usize, served_assets["items"].as_array().unwrap().len());
    let one = app.assets(Some(active.id), window(0, 500)).await.unwrap();
    assert_eq!(one.total, view.contract.assets_count);
    assert!(one.rows.iter().all(|a| a.contract_id == active.id));
}

#[tokio::test]
async fn notifications_profile_and_sub_user_changes_reach_the_server_and_the_cache() {
    let f = Fixture::start().await;
    let app = logged_in(&f).await;
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;

    let before = app.notifications(5).await.unwrap();
    assert!(before.unread >= 1, "the demo has an unread broadcast");
    let id = before.latest.iter().find(|n| !n.read).unwrap().id;
    app.mark_read(Some(id)).await.unwrap();
    let after = app.notifications(5).await.unwrap();
    assert_eq!(after.unread, before.unread - 1);
    assert!(after.latest.iter().any(|n| n.id == id && n.read));
    let served = f.get("/notifications?limit=100", &token).await;
    let on_server = served["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == json!(id));
    assert_eq!(on_server.unwrap()["read"], json!(true));
    app.mark_read(None).await.unwrap();
    assert_eq!(app.notifications(5).await.unwrap().unread, 0);

    let update = ProfileUpdate {
        language: Some(Language::En),
        ..ProfileUpdate::default()
    };
    assert_eq!(app.update_profile(&update).await.unwrap().language.as_str(), "en");
    assert_eq!(app.profile().await.unwrap().language.as_str(), "en");
    assert_eq!(f.get("/profile", &token).await["language"], json!("en"));
    let bad = ProfileUpdate {
        secondary_email: Some("not an address".into()),
        ..ProfileUpdate::default()
    };
    let refused = app.update_profile(&bad).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::BadRequest);
    assert!(refused.to_wire().fields.unwrap().contains_key("secondary_email"));
    assert_eq!(app.profile().await.unwrap().secondary_email, None, "nothing half-saved");

    let form = SubUserForm {
        first_name: "Giulia".into(),
        last_name: "Verdi".into(),
        email: "giulia.verdi@example.it".into(),
        secondary_email: None,
        language: Language::It,
        rights: Some(vec![Right::Shop]),
    };
    let list = app.save_sub_user(None, &form).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].rights, [Right::Shop]);
    assert_eq!(list[0].username, "10093.1");
    let renamed = SubUserForm {
        last_name: "Bianchi".into(),
        ..form.clone()
    };
    let list = app.save_sub_user(Some("10093.1"), &renamed).await.unwrap();
    assert_eq!(list[0].last_name, "Bianchi");
    assert_eq!(app.sub_users().await.unwrap(), list, "the cache holds the fresh list");
    let blank = SubUserForm {
        first_name: " ".into(),
        ..form
    };
    assert_eq!(
        app.save_sub_user(None, &blank).await.unwrap_err().code(),
        ErrorCode::BadRequest
    );
    assert!(app.delete_sub_user("10093.1").await.unwrap().is_empty());
    assert_eq!(f.get("/sub-users", &token).await["items"], json!([]));
}

#[tokio::test]
async fn the_messages_page_pages_filters_and_keeps_the_whole_text() {
    let f = Fixture::start().await;
    let app = logged_in(&f).await;
    let ops = f.ops_token().await;
    let long = "Gentile cliente, ".repeat(235).trim_end().to_owned();
    assert!(long.chars().count() <= 4000 && long.chars().count() > 3900);
    for n in 0..3 {
        let title = format!("Avviso {n}");
        let body = if n == 2 { long.clone() } else { format!("Testo {n}") };
        let sent = f
            .post("/ops/broadcasts", &ops, json!({"title": title, "body": body}))
            .await;
        assert!(sent.status().is_success());
    }
    let all = MessageFilter::default();
    let mut view = app.messages(&all, window(0, 2)).await.unwrap();
    for _ in 0..200 {
        if view.rows.first().is_some_and(|n| n.body == long) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        view = app.messages(&all, window(0, 2)).await.unwrap();
    }
    assert!(view.rows[0].body == long, "the newest first, with its whole text");
    assert_eq!(view.rows.len(), 2);
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let served = f.get("/notifications?limit=100", &token).await["items"]
        .as_array()
        .unwrap()
        .clone();
    assert!(served.len() < 100, "one page holds them all");
    assert_eq!(view.total as usize, served.len(), "every notification the server has");
    let next = app.messages(&all, window(2, 2)).await.unwrap();
    assert!(
        next.rows[0].id < view.rows[1].id,
        "the next page goes on where the first stopped"
    );

    let broadcasts = MessageFilter {
        kind: Some(MessageKind::Broadcast),
        ..MessageFilter::default()
    };
    let only = app.messages(&broadcasts, window(0, 100)).await.unwrap();
    assert!(only.rows.iter().all(|n| MessageKind::of(n) == MessageKind::Broadcast));
    let kinds: Vec<&str> = served.iter().filter_map(|n| n["kind"].as_str()).collect();
    assert_eq!(only.total as usize, kinds.iter().filter(|k| **k == "broadcast").count());
    let desk = MessageFilter {
        kind: Some(MessageKind::Desk),
        ..MessageFilter::default()
    };
    let replies = app.messages(&desk, window(0, 100)).await.unwrap();
    assert_eq!(replies.total as usize, kinds.iter().filter(|k| **k == "desk").count());
    assert!(replies.rows.iter().all(|n| n.request_id.is_some()));

    let unread = MessageFilter {
        unread_only: true,
        ..MessageFilter::default()
    };
    let before = app.messages(&unread, window(0, 100)).await.unwrap();
    assert_eq!(before.total, before.unread);
    app.mark_read(Some(view.rows[0].id)).await.unwrap();
    let after = app.messages(&unread, window(0, 100)).await.unwrap();
    assert_eq!(after.total, before.total - 1);
    assert!(after.rows.iter().all(|n| !n.read && n.id != view.rows[0].id));
    assert!(app.message(view.rows[0].id).await.unwrap().read);
    assert_eq!(app.message(999_999).await.unwrap_err().code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn a_reply_with_an_attachment_lands_on_the_thread_once() {
    let f = Fixture::start().await;
    let app = logged_in(&f).await;
    let request = app.requests().await.unwrap()[0].clone();
    let before = app.request(request.id).await.unwrap().messages.len();

    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let file = app.upload("ricevuta.pdf", pdf).await.unwrap();
    assert_eq!(file.content_type, "application/pdf");
    let text = app.upload("note.txt", b"plain text".to_vec()).await.unwrap_err();
    assert_eq!(text.code(), ErrorCode::UnsupportedFileType);

    let message = NewMessage {
        body: "Allego la ricevuta del bonifico.".into(),
        attachment_ids: vec![file.id.clone()],
    };
    app.reply(request.id, &message).await.unwrap();
    synced(&app, |requests| requests.as_array().is_some_and(|r| !r.is_empty())).await;
    let mut thread = app.request(request.id).await.unwrap().messages;
    for _ in 0..100 {
        if thread.len() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        thread = app.request(request.id).await.unwrap().messages;
    }
    assert_eq!(thread.len(), before + 1, "one reply, sent once");
    let last = thread.last().unwrap();
    assert_eq!(last.body, message.body);
    assert_eq!(last.attachments[0].id, file.id);
    assert_eq!(app.request(999_999).await.unwrap_err().code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn the_desks_attachment_is_kept_on_first_open_and_opens_offline_afterwards() {
    let mut f = Fixture::start().await;
    let app = logged_in(&f).await;
    let request = app.requests().await.unwrap()[0].clone();
    let ops = f.ops_token().await;
    let statement = b"%PDF-1.4\n% prospetto di estinzione\n%%EOF\n".to_vec();
    let uploaded: Value = f
        .http
        .post(f.url(&format!(
            "/ops/attachments?name=prospetto.pdf&request_id={}",
            request.id
        )))
        .bearer_auth(&ops)
        .body(statement.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = uploaded["id"].as_str().unwrap().to_owned();
    let reply = json!({"body": "In allegato il prospetto.", "attachment_ids": [id]});
    let sent = f
        .post(&format!("/ops/requests/{}/replies", request.id), &ops, reply)
        .await;
    assert!(sent.status().is_success(), "{}", sent.status());

    let mut found = None;
    for _ in 0..200 {
        let thread = app.request(request.id).await.unwrap().messages;
        found = thread.iter().flat_map(|m| m.attachments.clone()).find(|a| a.id == id);
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        found.unwrap().file_name,
        "prospetto.pdf",
        "the desk's file is on the thread"
    );
    let file = app.attachment_file(request.id, &id).await.unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), statement);
    assert_eq!(file.extension().unwrap(), "pdf");
    assert!(file.file_name().unwrap().to_str().unwrap().starts_with(&request.code));
    sportello_app::files::check_openable(&file).unwrap();

    f.stop_server().await;
    assert_eq!(
        app.attachment_file(request.id, &id).await.unwrap(),
        file,
        "offline, from the kept copy"
    );
    let unknown = app.attachment_file(request.id, "nope").await.unwrap_err();
    assert_eq!(unknown.code(), ErrorCode::NotFound);
    std::fs::write(&file, b"changed").unwrap();
    let refetch = app.attachment_file(request.id, &id).await.unwrap_err();
    assert_eq!(
        refetch.code(),
        ErrorCode::ServerUnreachable,
        "a damaged copy is not opened"
    );
}

#[tokio::test]
async fn a_published_contract_document_reaches_the_contract_and_opens_offline() {
    let mut f = Fixture::start().await;
    let app = logged_in(&f).await;
    let ops = f.ops_token().await;
    let option = app.contract_options().await.unwrap()[0].clone();
    let contract = app.contract(option.id).await.unwrap().contract;
    assert!(contract.documents.is_empty());
    let pdf = b"%PDF-1.4\n% mandato SEPA\n%%EOF\n".to_vec();
    let path = format!(
        "/ops/contract-documents?contract={}/{}&kind=sepa_mandate&title=Mandato%20SEPA&issued_on={}&name=mandato.pdf",
        contract.contract_no, contract.module_no, contract.signed_on
    );
    let sent = f
        .http
        .post(f.url(&path))
        .bearer_auth(&ops)
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success(), "{}", sent.status());

    let mut documents = Vec::new();
    for _ in 0..200 {
        documents = app.contract(option.id).await.unwrap().contract.documents;
        if !documents.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(documents.len(), 1, "the sync brought the new document to the contract");
    assert_eq!(documents[0].title, "Mandato SEPA");
    let file = app.contract_document_file(option.id, documents[0].id).await.unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), pdf);
    assert!(file.to_string_lossy().contains("sepa_mandate"));
    f.stop_server().await;
    assert_eq!(
        app.contract_document_file(option.id, documents[0].id).await.unwrap(),
        file,
        "offline, from the kept copy"
    );
    let missing = app.contract_document_file(option.id, 999_999).await.unwrap_err();
    assert_eq!(missing.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn an_invoice_is_downloaded_once_and_opens_offline_afterwards() {
    let mut f = Fixture::start().await;
    let app = logged_in(&f).await;
    let invoice = app
        .invoices(&InvoiceFilter::default(), window(0, 1))
        .await
        .unwrap()
        .rows[0]
        .clone();

    let pdf = app.invoice_file(invoice.id, InvoiceFormat::Pdf).await.unwrap();
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let xml = app.invoice_file(invoice.id, InvoiceFormat::Xml).await.unwrap();
    assert_eq!(xml.file_name().unwrap().to_str().unwrap(), invoice.xml_file_name);
    let text = std::fs::read_to_string(&xml).unwrap();
    assert!(text.contains("FatturaElettronica") && text.contains(&invoice.number));
    assert!(
        !pdf.parent()
            .unwrap()
            .read_dir()
            .unwrap()
            .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "part")),
        "no half-written file is left"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&pdf), 0o600, "the user's documents are the user's alone");
        assert_eq!(mode(pdf.parent().unwrap()), 0o700);
    }
    // A kept copy changed behind the app's back is downloaded again.
    let original = std::fs::read(&pdf).unwrap();
    std::fs::write(&pdf, b"%PDF-1.4 altered").unwrap();
    assert_eq!(app.invoice_file(invoice.id, InvoiceFormat::Pdf).await.unwrap(), pdf);
    assert_eq!(std::fs::read(&pdf).unwrap(), original, "the server's document again");

    f.stop_server().await;
    assert_eq!(
        app.invoice_file(invoice.id, InvoiceFormat::Pdf).await.unwrap(),
        pdf,
        "offline, from disk"
    );
    // Offline, a damaged copy is refused rather than opened.
    std::fs::write(&xml, b"<altered/>").unwrap();
    assert!(app.invoice_file(invoice.id, InvoiceFormat::Xml).await.is_err());
    assert_eq!(
        app.invoice_file(999_999, InvoiceFormat::Pdf).await.unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn a_new_primary_address_is_confirmed_by_the_code_sent_to_it() {
    let f = Fixture::start().await;
    let app = logged_in(&f).await;
    let change = EmailChange {
        email: "gmail.user@gmail.com".into(),
        current_password: demo::DEMO_PASSWORD.into(),
    };
    let refused = app.start_email_change(&change).await.unwrap_err();
    assert_eq!(
        refused.to_wire().fields.unwrap()["email"],
        "pec_required",
        "a company needs a PEC"
    );

    let change = EmailChange {
        email: "nuova@pec.studiorossi.example".into(),
        current_password: demo::DEMO_PASSWORD.into(),
    };
    let started = app.start_email_change(&change).await.unwrap();
    assert_eq!(started.sent_to, "n***@pec.studiorossi.example", "masked on screen");
    let wrong = EmailChangeConfirm {
        change_id: started.change_id.clone(),
        code: "000000".into(),
    };
    assert_eq!(
        app.confirm_email_change(&wrong).await.unwrap_err().code(),
        ErrorCode::InvalidCode
    );
    let code = f.code().await;
    let right = EmailChangeConfirm {
        change_id: started.change_id,
        code,
    };
    assert_eq!(app.confirm_email_change(&right).await.unwrap().email, change.email);
    assert_eq!(
        app.profile().await.unwrap().email,
        change.email,
        "the local copy follows"
    );
}

/// X2: before an update installs and restarts the app, what waits in the
/// outbox is sent at once; offline it stays in the local copy.
#[tokio::test]
async fn the_outbox_is_sent_before_an_update_or_kept_for_after_it() {
    let mut f = Fixture::start().await;
    let app = logged_in(&f).await;
    f.stop_server().await;
    let request = sportello_domain::api::requests::NewRequest::Free {
        type_code: "other".into(),
        message: Some("Scritta prima dell'aggiornamento".into()),
        attachment_ids: vec![],
    };
    app.file_request(&request).await.unwrap();
    app.flush_outbox().await.unwrap();
    let kept = app.outbox().await.unwrap();
    assert_eq!(kept.len(), 1, "offline, the request is kept");
    assert_eq!(
        kept[0].error.as_ref().map(|e| e.code),
        Some(ErrorCode::ServerUnreachable),
        "and says why"
    );

    f.restart_server().await;
    app.flush_outbox().await.unwrap();
    assert!(app.outbox().await.unwrap().is_empty(), "sent before the restart");
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let filed = f.get("/requests", &token).await;
    let sent = filed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["title"] == "Altra richiesta")
        .count();
    assert_eq!(sent, 1, "once");
}

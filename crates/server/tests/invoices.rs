//! Invoices and credit notes over HTTP (B2, B4, B6) on SQLite and PostgreSQL:
//! the list and its filters, the PDF as a reader sees it, the XML as the
//! official schema judges it.

mod common;

use common::{cents, error_code, TestServer};
use reqwest::StatusCode;
use serde_json::Value;
use sportello_server::testkit::validate_fatturapa;
use sqlx::{AnyConnection, Connection};

async fn the_list_holds_every_document_newest_first_with_its_filters(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let items = t.all_items("/invoices?limit=50", &token).await;
    let mut db = AnyConnection::connect(&t.database_url).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invoices")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(items.len() as i64, stored);
    assert!(items
        .windows(2)
        .all(|w| w[0]["issued_on"].as_str() >= w[1]["issued_on"].as_str()));
    for item in &items {
        assert_eq!(cents(&item["total"]), cents(&item["taxable"]) + cents(&item["vat"]));
        let name = item["xml_file_name"].as_str().unwrap();
        assert!(
            name.starts_with("IT12345670157_") && name.ends_with(".xml") && name.len() == 23,
            "{name}"
        );
    }
    let notes = t.all_items("/invoices?limit=50&kind=credit_note", &token).await;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["kind"], "credit_note");
    assert_eq!(
        t.all_items("/invoices?limit=50&kind=invoice", &token).await.len(),
        items.len() - 1
    );

    let year = t.clock.today().format("%Y").to_string();
    let this_year = t
        .all_items(&format!("/invoices?limit=50&from={year}-01-01&to={year}-12-31"), &token)
        .await;
    assert!(!this_year.is_empty());
    assert!(this_year
        .iter()
        .all(|i| i["issued_on"].as_str().unwrap().starts_with(&year)));
    assert_eq!(
        this_year.len(),
        items
            .iter()
            .filter(|i| i["issued_on"].as_str().unwrap().starts_with(&year))
            .count()
    );

    // Each invoiced schedule line names its invoice.
    let schedule = t.json("/schedule?status=paid&limit=5", &token).await;
    for line in schedule["items"].as_array().unwrap() {
        let number = line["invoice_number"].as_str().expect("paid lines were invoiced");
        assert!(items.iter().any(|i| i["number"] == number), "{number}");
        let invoice = items.iter().find(|i| i["number"] == number).unwrap();
        assert_eq!(
            invoice["contract_no"], line["contract_no"],
            "an invoice names its contract as the schedule does: number/module"
        );
    }

    for (path, field) in [
        ("/invoices?from=2007-12-31", "from"),
        ("/invoices?from=2024-02-30", "from"),
        ("/invoices?from=2024-05-01&to=2024-04-30", "to"),
        ("/invoices?kind=receipt", "kind"),
        ("/invoices?contract=zero", "contract"),
    ] {
        let body: Value = t.get(path, &token).await.json().await.unwrap();
        assert_eq!(body["code"], "bad_request", "{path}");
        assert!(body["fields"][field].is_string(), "{path}: {body}");
    }
}

async fn pdf_and_xml_of_an_invoice_and_of_a_credit_note(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    let invoices = t.all_items("/invoices?limit=50&kind=invoice", &token).await;
    let note = &t.all_items("/invoices?limit=50&kind=credit_note", &token).await[0];
    let dir = tempfile::tempdir().unwrap();
    for doc in [&invoices[0], &invoices[invoices.len() - 1], note] {
        let id = doc["id"].as_i64().unwrap();
        let xml = t.get(&format!("/invoices/{id}/xml"), &token).await;
        assert_eq!(xml.status(), StatusCode::OK);
        assert_eq!(xml.headers()["content-type"], "application/xml");
        let name = doc["xml_file_name"].as_str().unwrap();
        assert_eq!(
            xml.headers()["content-disposition"],
            format!("attachment; filename=\"{name}\"").as_str()
        );
        let path = dir.path().join(name);
        std::fs::write(&path, xml.bytes().await.unwrap()).unwrap();
        validate_fatturapa(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(&format!(
            "<ImportoTotaleDocumento>{}</ImportoTotaleDocumento>",
            doc["total"].as_str().unwrap()
        )));
        assert!(text.contains("<PECDestinatario>studio.rossi@pec.studiorossi.example</PECDestinatario>"));

        let pdf = t.get(&format!("/invoices/{id}/pdf"), &token).await;
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let file = dir.path().join(format!("{id}.pdf"));
        std::fs::write(&file, pdf.bytes().await.unwrap()).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg("-layout")
            .arg(&file)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(doc["number"].as_str().unwrap()), "{text}");
        let total = sportello_server::einvoice::pdf::it_amount(doc["total"].as_str().unwrap().parse().unwrap());
        assert!(text.contains(&format!("{total} €")), "{total} in {text}");
    }
    let note_xml = t
        .get(&format!("/invoices/{}/xml", note["id"]), &token)
        .await
        .text()
        .await
        .unwrap();
    assert!(note_xml.contains("<TipoDocumento>TD04</TipoDocumento>") && note_xml.contains("<DatiFattureCollegate>"));
}

async fn someone_elses_invoice_is_not_found(t: TestServer) {
    let (token, _) = t.demo_tokens().await;
    for path in ["/invoices/999999/pdf", "/invoices/999999/xml"] {
        assert_eq!(
            error_code(t.get(path, &token).await).await,
            (StatusCode::NOT_FOUND, "not_found".into())
        );
    }
    assert_eq!(
        error_code(t.get("/invoices/x/pdf", &token).await).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        error_code(t.http.get(t.url("/invoices/1/pdf")).send().await.unwrap())
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

on_both_engines!(
    the_list_holds_every_document_newest_first_with_its_filters,
    pdf_and_xml_of_an_invoice_and_of_a_credit_note,
    someone_elses_invoice_is_not_found,
);

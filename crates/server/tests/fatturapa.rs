//! Every FatturaPA file Sportello writes validates against the official
//! schema 1.2.3 (from ../shared/fatturapa, used in place, offline, by xmllint).

use rust_decimal::Decimal;
use sportello_domain::ids::VatNumber;
use sportello_domain::invoice::samples::sample_invoice;
use sportello_domain::invoice::{Delivery, DocumentKind, Invoice, PartyName, PaymentMethod};
use sportello_server::einvoice::fatturapa::{file_name, to_xml};
use std::path::{Path, PathBuf};

use sportello_server::testkit::validate_fatturapa as validate;

fn write(dir: &Path, invoice: &Invoice, progressive: u32) -> PathBuf {
    let transmitter: VatNumber = "02529020220".parse().unwrap();
    let path = dir.join(file_name(&transmitter, progressive));
    std::fs::write(&path, to_xml(invoice, &transmitter, progressive)).unwrap();
    path
}

fn credit_note_to_a_person() -> Invoice {
    let mut note = sample_invoice();
    note.kind = DocumentKind::CreditNote;
    note.number = "2024/NC/000007".into();
    note.corrects = Some(("2024/000123".into(), "2024-04-01".parse().unwrap()));
    note.buyer.name = PartyName::Person {
        first: "Mario".into(),
        last: "Rossi".into(),
    };
    note.buyer.vat_number = None;
    note.buyer.tax_code = Some("RSSMRA85T10A562S".parse().unwrap());
    note.delivery = Delivery::Pec("mario.rossi@pec.it".parse().unwrap());
    note.payment_method = PaymentMethod::BankTransfer;
    note.lines.truncate(1);
    note
}

#[test]
fn invoices_and_credit_notes_validate_against_the_official_schema() {
    let dir = tempfile::tempdir().unwrap();
    let invoice = write(dir.path(), &sample_invoice(), 1);
    let note = write(dir.path(), &credit_note_to_a_person(), 2);
    assert_eq!(invoice.file_name().unwrap(), "IT02529020220_00001.xml");
    validate(&invoice).unwrap();
    validate(&note).unwrap();
    let xml = std::fs::read_to_string(&note).unwrap();
    assert!(
        xml.contains("<TipoDocumento>TD04</TipoDocumento>")
            && xml.contains("<PECDestinatario>mario.rossi@pec.it</PECDestinatario>")
    );
}

#[test]
fn awkward_text_still_validates() {
    let dir = tempfile::tempdir().unwrap();
    let mut invoice = sample_invoice();
    invoice.buyer.name = PartyName::Company("Rossi & Figli “Odontoiatria” – S.r.l. <Treviso> 日本".into());
    invoice.reason = Some("Canone di locazione finanziaria — ".repeat(30));
    invoice.lines[0].description = "x".repeat(1500);
    invoice.lines[0].quantity = Decimal::new(2_125, 3);
    validate(&write(dir.path(), &invoice, 3)).unwrap();
}

#[test]
fn the_totals_in_the_file_are_the_domain_totals() {
    let dir = tempfile::tempdir().unwrap();
    let invoice = sample_invoice();
    let xml = std::fs::read_to_string(write(dir.path(), &invoice, 4)).unwrap();
    let total = format!("<ImportoTotaleDocumento>{}</ImportoTotaleDocumento>", invoice.total());
    assert!(xml.contains(&total), "{xml}");
    assert!(xml.contains("<ImportoPagamento>519.16</ImportoPagamento>"));
    assert!(xml.contains("<Imposta>93.26</Imposta>"));
}

#[test]
fn the_validator_rejects_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &sample_invoice(), 5);
    let broken = std::fs::read_to_string(&path).unwrap().replace("TD01", "TD99");
    std::fs::write(&path, broken).unwrap();
    assert!(validate(&path).unwrap_err().contains("TD99"));
}

//! The courtesy PDF opens in a real PDF reader (Poppler) and shows what the
//! customer looks for: number, total, due date, IBAN.

use sportello_domain::invoice::samples::sample_invoice;
use sportello_domain::invoice::{DocumentKind, InvoiceLine};
use sportello_server::einvoice::pdf::to_pdf;
use std::path::Path;
use std::process::Command;

fn poppler(tool: &str, args: &[&str], file: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .arg("-")
        .output()
        .expect("poppler-utils is installed");
    assert!(out.status.success(), "{tool}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// One field of `pdfinfo`, e.g. "Pages".
fn info(file: &Path, field: &str) -> String {
    let out = Command::new("pdfinfo")
        .arg(file)
        .output()
        .expect("poppler-utils is installed");
    assert!(
        out.status.success(),
        "pdfinfo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let prefix = format!("{field}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

#[test]
fn the_pdf_shows_number_total_due_date_and_iban() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fattura.pdf");
    std::fs::write(&file, to_pdf(&sample_invoice())).unwrap();
    let text = poppler("pdftotext", &["-layout"], &file);
    for expected in [
        "FATTURA n. 2024/000123 del 01/04/2024",
        "Studio Odontoiatrico Rossi S.r.l.",
        "Contratto 84963/1",
        "519,16 €",
        "93,26",
        "N1 escluso art. 15",
        "scadenza 30/04/2024",
        "IBAN IT60 X054 2811 1010 0000 0123 456",
        "Sistema di Interscambio",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    assert_eq!(info(&file, "Pages"), "1");
    assert_eq!(info(&file, "Title"), "FATTURA n. 2024/000123 del 01/04/2024");
    assert_eq!(info(&file, "Author"), "Sportello Leasing S.p.A.");
    assert_eq!(info(&file, "Page size"), "595 x 842 pts (A4)");
}

#[test]
fn a_credit_note_says_what_it_corrects() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nota.pdf");
    let mut note = sample_invoice();
    note.kind = DocumentKind::CreditNote;
    note.number = "2024/NC/7".into();
    note.corrects = Some(("2024/000123".into(), "2024-04-01".parse().unwrap()));
    std::fs::write(&file, to_pdf(&note)).unwrap();
    let text = poppler("pdftotext", &["-layout"], &file);
    assert!(text.contains("NOTA DI CREDITO n. 2024/NC/7"), "{text}");
    assert!(
        text.contains("Rettifica la fattura n. 2024/000123 del 01/04/2024"),
        "{text}"
    );
}

#[test]
fn a_long_invoice_runs_over_pages_and_keeps_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lunga.pdf");
    let mut invoice = sample_invoice();
    let template = invoice.lines[0].clone();
    invoice.lines = (1..=120)
        .map(|n| InvoiceLine {
            description: format!("Canone n. {n}"),
            ..template.clone()
        })
        .collect();
    std::fs::write(&file, to_pdf(&invoice)).unwrap();
    let pages: u32 = info(&file, "Pages").parse().unwrap();
    assert!(pages >= 3, "{pages} pages");
    let text = poppler("pdftotext", &["-layout"], &file);
    assert!(
        text.contains("Canone n. 1 ") && text.contains("Canone n. 120"),
        "{text}"
    );
    assert!(text.contains("segue alla pagina successiva"));
    assert!(text.contains(&format!(
        "{} €",
        sportello_server::einvoice::pdf::it_amount(invoice.total())
    )));
}

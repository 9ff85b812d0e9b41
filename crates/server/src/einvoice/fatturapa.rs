//! FatturaPA (format FPR12, schema 1.2.3): the e-invoice between private
//! parties that SDI delivers. TD01 for invoices, TD04 for credit notes.

use super::xml::XmlWriter;
use rust_decimal::Decimal;
use sportello_domain::ids::VatNumber;
use sportello_domain::invoice::{Delivery, DocumentKind, Invoice, Party, PartyName, PaymentMethod};

const NAMESPACES: &str = concat!(
    " versione=\"FPR12\"",
    " xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"",
    " xmlns:p=\"http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2\"",
    " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
    " xsi:schemaLocation=\"http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2",
    " http://www.fatturapa.gov.it/export/documenti/fatturapa/v1.2.3/Schema_VFPR12.xsd\""
);

/// `IT<transmitter VAT number>_<progressive>.xml`, the name SDI requires;
/// the progressive is five characters of base 36.
pub fn file_name(transmitter: &VatNumber, progressive: u32) -> String {
    format!("IT{}_{}.xml", transmitter.as_str(), progressive_code(progressive))
}

fn progressive_code(progressive: u32) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut n = progressive % 36u32.pow(5);
    let mut code = [b'0'; 5];
    for slot in code.iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8(code.to_vec()).expect("ASCII")
}

/// The schema accepts Basic Latin and Latin-1 only, within a length: other
/// characters become their closest Latin-1 form or '?', and the text is cut.
fn latin1(text: &str, max_chars: usize) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '€' => 'E',
            c if (c as u32) < 0x100 && !c.is_control() => c,
            _ => '?',
        })
        .take(max_chars)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn rate(percent: Decimal) -> String {
    format!("{:.2}", percent)
}

fn quantity(q: Decimal) -> String {
    let q = q.normalize();
    if q.scale() <= 2 {
        format!("{q:.2}")
    } else {
        q.round_dp(8).to_string()
    }
}

pub fn to_xml(invoice: &Invoice, transmitter: &VatNumber, progressive: u32) -> String {
    let mut w = XmlWriter::new();
    w.open_with("p:FatturaElettronica", NAMESPACES);
    w.open("FatturaElettronicaHeader");
    transmission(&mut w, invoice, transmitter, progressive);
    w.open("CedentePrestatore");
    party(&mut w, &invoice.seller, true);
    w.close();
    w.open("CessionarioCommittente");
    party(&mut w, &invoice.buyer, false);
    w.close();
    w.close();
    w.open("FatturaElettronicaBody");
    general_data(&mut w, invoice);
    goods_and_services(&mut w, invoice);
    payment(&mut w, invoice);
    w.close();
    w.close();
    w.finish()
}

fn transmission(w: &mut XmlWriter, invoice: &Invoice, transmitter: &VatNumber, progressive: u32) {
    w.open("DatiTrasmissione");
    w.open("IdTrasmittente");
    w.leaf("IdPaese", "IT");
    w.leaf("IdCodice", transmitter.as_str());
    w.close();
    w.leaf("ProgressivoInvio", &progressive_code(progressive));
    w.leaf("FormatoTrasmissione", "FPR12");
    match &invoice.delivery {
        Delivery::Code(code) => w.leaf("CodiceDestinatario", code),
        Delivery::Pec(pec) => {
            w.leaf("CodiceDestinatario", "0000000");
            w.leaf("PECDestinatario", &latin1(pec.as_str(), 256));
        }
    }
    w.close();
}

fn party(w: &mut XmlWriter, party: &Party, seller: bool) {
    w.open("DatiAnagrafici");
    if let Some(vat) = &party.vat_number {
        w.open("IdFiscaleIVA");
        w.leaf("IdPaese", &party.address.country);
        w.leaf("IdCodice", vat.as_str());
        w.close();
    }
    if let Some(code) = &party.tax_code {
        w.leaf("CodiceFiscale", code.as_str());
    }
    w.open("Anagrafica");
    match &party.name {
        PartyName::Company(name) => w.leaf("Denominazione", &latin1(name, 80)),
        PartyName::Person { first, last } => {
            w.leaf("Nome", &latin1(first, 60));
            w.leaf("Cognome", &latin1(last, 60));
        }
    }
    w.close();
    if seller {
        // Ordinary VAT regime.
        w.leaf("RegimeFiscale", "RF01");
    }
    w.close();
    let address = &party.address;
    w.open("Sede");
    w.leaf("Indirizzo", &latin1(&address.street, 60));
    w.leaf("CAP", &address.postcode);
    w.leaf("Comune", &latin1(&address.city, 60));
    if let Some(province) = &address.province {
        w.leaf("Provincia", province);
    }
    w.leaf("Nazione", &address.country);
    w.close();
}

fn general_data(w: &mut XmlWriter, invoice: &Invoice) {
    w.open("DatiGenerali");
    w.open("DatiGeneraliDocumento");
    w.leaf(
        "TipoDocumento",
        if invoice.kind == DocumentKind::Invoice {
            "TD01"
        } else {
            "TD04"
        },
    );
    w.leaf("Divisa", "EUR");
    w.leaf("Data", &invoice.date.to_string());
    w.leaf("Numero", &latin1(&invoice.number, 20));
    w.leaf("ImportoTotaleDocumento", &invoice.total().to_string());
    if let Some(reason) = &invoice.reason {
        // Causale holds 200 characters; longer reasons continue in further elements.
        let text = latin1(reason, 2000);
        let chars: Vec<char> = text.chars().collect();
        for chunk in chars.chunks(200) {
            w.leaf("Causale", &chunk.iter().collect::<String>());
        }
    }
    w.close();
    if let Some(contract) = &invoice.contract {
        w.open("DatiContratto");
        w.leaf("IdDocumento", &latin1(contract, 20));
        w.close();
    }
    if let Some((number, date)) = &invoice.corrects {
        w.open("DatiFattureCollegate");
        w.leaf("IdDocumento", &latin1(number, 20));
        w.leaf("Data", &date.to_string());
        w.close();
    }
    w.close();
}

fn goods_and_services(w: &mut XmlWriter, invoice: &Invoice) {
    w.open("DatiBeniServizi");
    for (number, line) in invoice.lines.iter().enumerate() {
        w.open("DettaglioLinee");
        w.leaf("NumeroLinea", &(number + 1).to_string());
        w.leaf("Descrizione", &latin1(&line.description, 1000));
        w.leaf("Quantita", &quantity(line.quantity));
        if let Some((from, to)) = line.period {
            w.leaf("DataInizioPeriodo", &from.to_string());
            w.leaf("DataFinePeriodo", &to.to_string());
        }
        w.leaf("PrezzoUnitario", &line.unit_price.to_string());
        w.leaf("PrezzoTotale", &line.total().to_string());
        w.leaf("AliquotaIVA", &rate(line.vat_rate));
        if let Some(nature) = line.nature {
            w.leaf("Natura", nature.code());
        }
        w.close();
    }
    for summary in invoice.vat_summary() {
        w.open("DatiRiepilogo");
        w.leaf("AliquotaIVA", &rate(summary.rate));
        if let Some(nature) = summary.nature {
            w.leaf("Natura", nature.code());
        }
        w.leaf("ImponibileImporto", &summary.taxable.to_string());
        w.leaf("Imposta", &summary.tax.to_string());
        if summary.nature.is_none() {
            // VAT due immediately.
            w.leaf("EsigibilitaIVA", "I");
        }
        w.close();
    }
    w.close();
}

fn payment(w: &mut XmlWriter, invoice: &Invoice) {
    w.open("DatiPagamento");
    // Payment in full.
    w.leaf("CondizioniPagamento", "TP02");
    w.open("DettaglioPagamento");
    w.leaf(
        "ModalitaPagamento",
        match invoice.payment_method {
            PaymentMethod::BankTransfer => "MP05",
            PaymentMethod::SepaDirectDebit => "MP19",
        },
    );
    w.leaf("DataScadenzaPagamento", &invoice.due_on.to_string());
    w.leaf("ImportoPagamento", &invoice.total().to_string());
    if let Some(iban) = &invoice.iban {
        w.leaf("IBAN", iban.as_str());
    }
    w.close();
    w.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_sdi_rules() {
        let vat: VatNumber = "02529020220".parse().unwrap();
        assert_eq!(file_name(&vat, 1), "IT02529020220_00001.xml");
        assert_eq!(file_name(&vat, 36), "IT02529020220_00010.xml");
        assert_eq!(file_name(&vat, 36u32.pow(5) - 1), "IT02529020220_ZZZZZ.xml");
    }

    #[test]
    fn text_is_kept_to_latin1_and_to_length() {
        assert_eq!(latin1("Società “Rossi” – 10 €", 60), "Società \"Rossi\" - 10 E");
        assert_eq!(latin1("日本", 60), "??");
        assert_eq!(latin1("abcdef", 3), "abc");
    }

    #[test]
    fn quantities_and_rates_have_the_schema_decimals() {
        assert_eq!(quantity(Decimal::ONE), "1.00");
        assert_eq!(quantity(Decimal::new(125, 3)), "0.125");
        assert_eq!(rate(Decimal::from(22)), "22.00");
        assert_eq!(rate(Decimal::ZERO), "0.00");
    }
}

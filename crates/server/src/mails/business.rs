//! The e-mails about documents and the shop: a new invoice or credit note,
//! an order confirmed, a quote asked for and priced, an outcome ready.

use super::*;

pub struct InvoiceNotice<'a> {
    pub to: &'a str,
    pub language: &'a str,
    pub name: &'a str,
    pub credit_note: bool,
    pub number: &'a str,
    /// Already formatted for the language ("1.234,56 €" / "€1,234.56").
    pub total: &'a str,
    pub due_on: &'a str,
    pub company: &'a str,
}

/// B4: a new invoice or credit note is available in Sportello.
pub fn invoice_published<'a>(n: &InvoiceNotice<'a>) -> Mail<'a> {
    let InvoiceNotice {
        name,
        number,
        total,
        due_on,
        company,
        ..
    } = n;
    let (doc_it, doc_en) = if n.credit_note {
        ("la nota di credito", "credit note")
    } else {
        ("la fattura", "invoice")
    };
    pick(
        n.language,
        (
            format!("Nuovo documento disponibile: {doc_it} n. {number}"),
            format!(
                "Gentile {name},\n\nin Sportello è disponibile {doc_it} n. {number} di {total}, con scadenza {due_on}.\n\
                 Puoi scaricarne il PDF e il file XML FatturaPA dalla sezione Fatture e pagamenti.\n\n{company}\n"
            ),
        ),
        (
            format!("New document available: {doc_en} no. {number}"),
            format!(
                "Dear {name},\n\n{doc_en} no. {number} for {total}, due on {due_on}, is available in Sportello.\n\
                 You can download its PDF and FatturaPA XML from Invoices and payments.\n\n{company}\n"
            ),
        ),
        n.to,
    )
}

/// A shop e-mail's common parts; `lines` are already formatted for the language.
pub struct ShopNotice<'a> {
    pub to: &'a str,
    pub language: &'a str,
    pub name: &'a str,
    /// "ORD-2026-000001" or "PRV-2026-000001".
    pub code: &'a str,
    pub lines: &'a [String],
    pub company: &'a str,
}

fn listed(lines: &[String]) -> String {
    lines.iter().map(|l| format!("  - {l}\n")).collect()
}

/// E5: the order's confirmation and summary.
pub fn order_confirmed<'a>(n: &ShopNotice<'a>, total: &str, method: (&str, &str)) -> Mail<'a> {
    let ShopNotice {
        name, code, company, ..
    } = n;
    let items = listed(n.lines);
    pick(
        n.language,
        (
            format!("Conferma ordine {code}"),
            format!(
                "Gentile {name},\n\nabbiamo ricevuto il tuo ordine {code}:\n\n{items}\nTotale: {total}\n\
                 Pagamento: {}\n\nNe puoi seguire lo stato e scaricarne gli esiti in Sportello, sezione I miei ordini.\n\n{company}\n",
                method.0
            ),
        ),
        (
            format!("Order {code} confirmed"),
            format!(
                "Dear {name},\n\nwe received your order {code}:\n\n{items}\nTotal: {total}\n\
                 Payment: {}\n\nYou can follow it and download its outcomes in Sportello, under My orders.\n\n{company}\n",
                method.1
            ),
        ),
        n.to,
    )
}

/// E4: the quote request was received.
pub fn quote_requested<'a>(n: &ShopNotice<'a>) -> Mail<'a> {
    let ShopNotice {
        name, code, company, ..
    } = n;
    let items = listed(n.lines);
    pick(
        n.language,
        (
            format!("Richiesta di preventivo {code} ricevuta"),
            format!(
                "Gentile {name},\n\nabbiamo ricevuto la tua richiesta di preventivo {code} per:\n\n{items}\n\
                 Ti scriveremo quando il preventivo sarà pronto; intanto ne puoi vedere lo stato in Sportello, \
                 sezione I miei preventivi.\n\n{company}\n"
            ),
        ),
        (
            format!("Quote request {code} received"),
            format!(
                "Dear {name},\n\nwe received your quote request {code} for:\n\n{items}\n\
                 We will write when the quote is ready; meanwhile you can see its status in Sportello, \
                 under My quotes.\n\n{company}\n"
            ),
        ),
        n.to,
    )
}

/// E4: the quote is priced; how to accept it.
pub fn quote_ready<'a>(n: &ShopNotice<'a>, total: &str, valid_until: &str) -> Mail<'a> {
    let ShopNotice {
        name, code, company, ..
    } = n;
    let items = listed(n.lines);
    pick(
        n.language,
        (
            format!("Il preventivo {code} è pronto"),
            format!(
                "Gentile {name},\n\nil preventivo {code} è pronto:\n\n{items}\nTotale IVA inclusa: {total}\n\
                 Valido fino al: {valid_until}\n\nPer accettarlo e acquistare i servizi apri Sportello, sezione \
                 I miei preventivi, e scegli \"Accetta e acquista\".\n\n{company}\n"
            ),
        ),
        (
            format!("Quote {code} is ready"),
            format!(
                "Dear {name},\n\nquote {code} is ready:\n\n{items}\nTotal including VAT: {total}\n\
                 Valid until: {valid_until}\n\nTo accept it and buy the services, open Sportello, My quotes, \
                 and choose \"Accept and buy\".\n\n{company}\n"
            ),
        ),
        n.to,
    )
}

/// E9: an item of an order was fulfilled; its outcome is in Sportello.
pub fn outcome_ready<'a>(n: &ShopNotice<'a>) -> Mail<'a> {
    let ShopNotice {
        name, code, company, ..
    } = n;
    let items = listed(n.lines);
    pick(
        n.language,
        (
            format!("Esito disponibile per l'ordine {code}"),
            format!(
                "Gentile {name},\n\nè disponibile l'esito di:\n\n{items}\nLo trovi in Sportello, sezione I miei \
                 ordini, ordine {code}.\n\n{company}\n"
            ),
        ),
        (
            format!("Outcome available for order {code}"),
            format!(
                "Dear {name},\n\nthe outcome of:\n\n{items}\nis available in Sportello, My orders, order {code}.\n\n\
                 {company}\n"
            ),
        ),
        n.to,
    )
}

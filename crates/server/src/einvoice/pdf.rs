//! The courtesy PDF of an invoice or credit note (B2): what the customer reads
//! and prints. The legally valid document is the FatturaPA XML sent via SDI,
//! and the PDF says so. A4, the standard Helvetica fonts (no files to embed),
//! WinAnsi encoding so that accents and € print.

use chrono::NaiveDate;
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};
use sportello_domain::invoice::{DocumentKind, Invoice, Party, PartyName, PaymentMethod};
use sportello_domain::Money;

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const LEFT: f32 = 50.0;
const RIGHT: f32 = WIDTH - 50.0;
const BOTTOM: f32 = 90.0;
const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");

/// Italian amounts: 1.234,56
pub fn it_amount(money: Money) -> String {
    let cents = money.cents();
    let units = (cents.abs() / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("{}{grouped},{:02}", if cents < 0 { "-" } else { "" }, cents.abs() % 100)
}

fn it_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// Windows-1252 bytes, the encoding of the standard fonts; the rest becomes '?'.
fn winansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            c if (c as u32) < 0x80 || (0xA0..=0xFF).contains(&(c as u32)) => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// Helvetica advance widths (per 1000 em) of what right-aligned columns hold.
fn text_width(text: &str, size: f32) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c {
            '0'..='9' | '€' => 556,
            '.' | ',' | ' ' | '/' => 278,
            '-' => 333,
            '%' => 889,
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_owned()
    } else {
        format!("{}...", text.chars().take(max_chars - 3).collect::<String>())
    }
}

/// Page after page of content, starting a new page when one fills up.
struct Pages {
    done: Vec<Content>,
    page: Content,
    y: f32,
}

impl Pages {
    fn new() -> Pages {
        Pages {
            done: Vec::new(),
            page: Content::new(),
            y: HEIGHT - 60.0,
        }
    }

    fn text(&mut self, font: Name, size: f32, x: f32, text: &str) {
        self.page.begin_text();
        self.page.set_font(font, size);
        self.page.next_line(x, self.y);
        self.page.show(Str(&winansi(text)));
        self.page.end_text();
    }

    fn text_right(&mut self, font: Name, size: f32, right: f32, text: &str) {
        let x = right - text_width(text, size);
        self.text(font, size, x, text);
    }

    fn down(&mut self, by: f32) {
        self.y -= by;
    }

    fn rule(&mut self) {
        self.page.set_line_width(0.5);
        self.page.set_stroke_rgb(0.6, 0.6, 0.6);
        self.page.move_to(LEFT, self.y);
        self.page.line_to(RIGHT, self.y);
        self.page.stroke();
    }

    /// Makes room for `needed` points, continuing on a new page if necessary.
    fn ensure(&mut self, needed: f32, continued: &str) {
        if self.y - needed < BOTTOM {
            self.text(REGULAR, 8.0, LEFT, continued);
            self.done.push(std::mem::replace(&mut self.page, Content::new()));
            self.y = HEIGHT - 60.0;
        }
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.page);
        self.done
    }
}

fn party_name(party: &Party) -> String {
    match &party.name {
        PartyName::Company(name) => name.clone(),
        PartyName::Person { first, last } => format!("{first} {last}"),
    }
}

fn party_lines(party: &Party) -> Vec<String> {
    let a = &party.address;
    let province = a.province.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
    let mut lines = vec![
        a.street.clone(),
        format!("{} {}{province} {}", a.postcode, a.city, a.country),
    ];
    if let Some(vat) = &party.vat_number {
        lines.push(format!("P.IVA {vat}"));
    }
    if let Some(code) = &party.tax_code {
        lines.push(format!("Codice fiscale {code}"));
    }
    lines
}

pub fn to_pdf(invoice: &Invoice) -> Vec<u8> {
    let mut pages = Pages::new();
    header(&mut pages, invoice);
    lines(&mut pages, invoice);
    summary(&mut pages, invoice);
    payment(&mut pages, invoice);
    pages.ensure(40.0, "segue...");
    pages.down(28.0);
    pages.text(
        REGULAR,
        7.5,
        LEFT,
        "Copia di cortesia. Il documento fiscalmente valido è la fattura elettronica trasmessa tramite il Sistema di Interscambio (SDI).",
    );
    assemble(invoice, pages.finish())
}

fn title(invoice: &Invoice) -> String {
    let kind = if invoice.kind == DocumentKind::Invoice {
        "FATTURA"
    } else {
        "NOTA DI CREDITO"
    };
    format!("{kind} n. {} del {}", invoice.number, it_date(invoice.date))
}

fn header(p: &mut Pages, invoice: &Invoice) {
    p.text(BOLD, 15.0, LEFT, &party_name(&invoice.seller));
    for line in party_lines(&invoice.seller) {
        p.down(11.0);
        p.text(REGULAR, 8.5, LEFT, &line);
    }
    p.down(34.0);
    p.text(BOLD, 13.0, LEFT, &title(invoice));
    let top = p.y;
    p.down(18.0);
    if let Some(contract) = &invoice.contract {
        p.text(REGULAR, 9.0, LEFT, &format!("Contratto {contract}"));
        p.down(12.0);
    }
    if let Some((number, date)) = &invoice.corrects {
        p.text(
            REGULAR,
            9.0,
            LEFT,
            &format!("Rettifica la fattura n. {number} del {}", it_date(*date)),
        );
        p.down(12.0);
    }
    if let Some(reason) = &invoice.reason {
        p.text(REGULAR, 9.0, LEFT, &clip(reason, 60));
    }
    // The customer, in a block on the right.
    let left_y = p.y;
    p.y = top;
    let x = 340.0;
    p.text(REGULAR, 8.0, x, "Spett.le");
    p.down(12.0);
    p.text(BOLD, 10.0, x, &clip(&party_name(&invoice.buyer), 38));
    for line in party_lines(&invoice.buyer) {
        p.down(12.0);
        p.text(REGULAR, 9.0, x, &clip(&line, 42));
    }
    p.y = p.y.min(left_y) - 30.0;
}

fn lines(p: &mut Pages, invoice: &Invoice) {
    let columns = |p: &mut Pages| {
        p.text(BOLD, 8.5, LEFT, "Descrizione");
        p.text(BOLD, 8.5, 250.0, "Periodo");
        p.text_right(BOLD, 8.5, 375.0, "Q.tà");
        p.text_right(BOLD, 8.5, 440.0, "Prezzo");
        p.text_right(BOLD, 8.5, 505.0, "Importo");
        p.text_right(BOLD, 8.5, RIGHT, "IVA %");
        p.down(5.0);
        p.rule();
        p.down(13.0);
    };
    columns(p);
    for line in &invoice.lines {
        if p.y - 14.0 < BOTTOM {
            p.ensure(f32::MAX, "segue alla pagina successiva");
            columns(p);
        }
        p.text(REGULAR, 8.5, LEFT, &clip(&line.description, 42));
        if let Some((from, to)) = line.period {
            p.text(
                REGULAR,
                8.0,
                250.0,
                &format!("{} - {}", from.format("%d/%m/%y"), to.format("%d/%m/%y")),
            );
        }
        p.text_right(
            REGULAR,
            8.5,
            375.0,
            &line.quantity.normalize().to_string().replace('.', ","),
        );
        p.text_right(REGULAR, 8.5, 440.0, &it_amount(line.unit_price));
        p.text_right(REGULAR, 8.5, 505.0, &it_amount(line.total()));
        let vat = match line.nature {
            Some(nature) => nature.code().to_owned(),
            None => line.vat_rate.normalize().to_string().replace('.', ","),
        };
        p.text_right(REGULAR, 8.5, RIGHT, &vat);
        p.down(14.0);
    }
    p.rule();
    p.down(22.0);
}

fn summary(p: &mut Pages, invoice: &Invoice) {
    let groups = invoice.vat_summary();
    p.ensure(60.0 + 14.0 * groups.len() as f32, "segue alla pagina successiva");
    p.text(BOLD, 8.5, 300.0, "Aliquota IVA");
    p.text_right(BOLD, 8.5, 455.0, "Imponibile");
    p.text_right(BOLD, 8.5, RIGHT, "Imposta");
    p.down(14.0);
    for group in &groups {
        let label = match group.nature {
            Some(nature) => format!("{} {}", nature.code(), nature.label_it()),
            None => format!("{} %", group.rate.normalize().to_string().replace('.', ",")),
        };
        p.text(REGULAR, 8.5, 300.0, &label);
        p.text_right(REGULAR, 8.5, 455.0, &it_amount(group.taxable));
        p.text_right(REGULAR, 8.5, RIGHT, &it_amount(group.tax));
        p.down(14.0);
    }
    p.down(6.0);
    for (label, amount) in [("Totale imponibile", invoice.taxable()), ("Totale IVA", invoice.tax())] {
        p.text(REGULAR, 9.0, 300.0, label);
        p.text_right(REGULAR, 9.0, RIGHT, &format!("{} €", it_amount(amount)));
        p.down(14.0);
    }
    p.text(BOLD, 11.0, 300.0, "Totale documento");
    p.text_right(BOLD, 11.0, RIGHT, &format!("{} €", it_amount(invoice.total())));
    p.down(30.0);
}

fn payment(p: &mut Pages, invoice: &Invoice) {
    p.ensure(60.0, "segue alla pagina successiva");
    let method = match invoice.payment_method {
        PaymentMethod::SepaDirectDebit => "Addebito diretto SEPA (SDD)",
        PaymentMethod::BankTransfer => "Bonifico bancario",
    };
    p.text(BOLD, 9.0, LEFT, "Pagamento");
    p.down(13.0);
    p.text(
        REGULAR,
        9.0,
        LEFT,
        &format!("{method}, scadenza {}", it_date(invoice.due_on)),
    );
    if let Some(iban) = &invoice.iban {
        p.down(13.0);
        p.text(REGULAR, 9.0, LEFT, &format!("IBAN {}", iban.grouped()));
    }
}

fn assemble(invoice: &Invoice, contents: Vec<Content>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let (catalog, tree, info, regular, bold) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    let page_ids: Vec<Ref> = (0..contents.len() as i32).map(|i| Ref::new(10 + 2 * i)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    pdf.document_info(info)
        .title(TextStr(&title(invoice)))
        .author(TextStr(&party_name(&invoice.seller)))
        .creator(TextStr("Sportello"));
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (page_id, content) in page_ids.iter().zip(contents) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .parent(tree)
            .contents(content_id);
        page.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
        drop(page);
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_amounts() {
        assert_eq!(it_amount(Money::from_cents(231_638)), "2.316,38");
        assert_eq!(it_amount(Money::from_cents(5)), "0,05");
        assert_eq!(it_amount(Money::from_cents(-123_456_789)), "-1.234.567,89");
    }

    #[test]
    fn winansi_keeps_accents_and_the_euro() {
        assert_eq!(winansi("è €"), vec![0xE8, b' ', 0x80]);
        assert_eq!(winansi("日"), vec![b'?']);
    }
}

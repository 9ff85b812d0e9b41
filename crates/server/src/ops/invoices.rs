//! Publishing an invoice or credit note (B4): checked lines, the number
//! taken in the document's own transaction, the customer's e-mail.

use super::*;

fn invoice_line(i: usize, l: &PublishLine) -> Result<InvoiceLine, ServerError> {
    let field = |name: &str| format!("lines[{i}].{name}");
    let description = l.description.trim();
    if description.is_empty() || description.chars().count() > 1000 {
        return Err(bad(
            &field("description"),
            "invalid",
            "a line has a description of 1 to 1000 characters",
        ));
    }
    if l.quantity <= Decimal::ZERO {
        return Err(bad(
            &field("quantity"),
            "not_positive",
            "the quantity must be above zero",
        ));
    }
    if l.unit_price.cents() <= 0 {
        return Err(bad(
            &field("unit_price"),
            "not_positive",
            "the unit price must be above zero",
        ));
    }
    if let Some((name, why)) = sportello_domain::invoice::line_amount_problem(l.quantity, l.unit_price) {
        return Err(bad(&field(name), "too_large", why));
    }
    if !VAT_RATES.iter().any(|r| Decimal::from(*r) == l.vat_rate) {
        return Err(bad(&field("vat_rate"), "invalid", "VAT rate is one of 0, 4, 5, 10, 22"));
    }
    let nature = match (l.vat_rate.is_zero(), l.nature.as_deref()) {
        (true, Some(code)) => {
            Some(VatNature::parse(code).ok_or_else(|| bad(&field("nature"), "invalid", "nature is N1 or N4"))?)
        }
        (true, None) => {
            return Err(bad(
                &field("nature"),
                "required",
                "a line at 0 % VAT needs its nature (N1 or N4)",
            ))
        }
        (false, Some(_)) => {
            return Err(bad(
                &field("nature"),
                "not_allowed",
                "only lines at 0 % VAT have a nature",
            ))
        }
        (false, None) => None,
    };
    Ok(InvoiceLine {
        description: description.to_owned(),
        quantity: l.quantity,
        unit_price: l.unit_price,
        vat_rate: l.vat_rate,
        nature,
        period: None,
    })
}

/// "1.234,56 €" for Italian readers, "€1,234.56" for English ones.
pub(crate) fn mail_amount(language: &str, money: sportello_domain::Money) -> String {
    let it = it_amount(money);
    if language == "en" {
        let en: String = it
            .chars()
            .map(|c| match c {
                '.' => ',',
                ',' => '.',
                other => other,
            })
            .collect();
        format!("€{en}")
    } else {
        format!("{it} €")
    }
}

/// B4: issues an invoice or credit note and e-mails the customer that it is available.
pub async fn publish_invoice(state: &AppState, origin: &Origin, p: PublishInvoice) -> Result<Published, ServerError> {
    let customer = state
        .store
        .customer_by_code(p.customer_code.trim())
        .await?
        .ok_or_else(|| bad("customer_code", "unknown", "no customer has this number"))?;
    let contract_id = match p.contract_no.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(label) => Some(
            state
                .store
                .contract_id_by_label(customer.id, label)
                .await?
                .ok_or_else(|| {
                    bad(
                        "contract_no",
                        "unknown",
                        "the customer has no contract with this number",
                    )
                })?,
        ),
        None => None,
    };
    if p.lines.is_empty() {
        return Err(bad("lines", "required", "a document has at least one line"));
    }
    if p.lines.len() > sportello_domain::invoice::MAX_LINES {
        return Err(bad("lines", "too_many", "a document has at most 1000 lines"));
    }
    let lines = p
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| invoice_line(i, l))
        .collect::<Result<Vec<_>, _>>()?;
    if p.due_on < p.issued_on {
        return Err(bad(
            "due_on",
            "before_issue",
            "the due date cannot precede the issue date",
        ));
    }
    let corrects_id = match (p.kind, p.corrects_number.as_deref()) {
        (DocumentKind::CreditNote, Some(number)) => Some(
            state
                .store
                .invoice_id_by_number(customer.id, number.trim())
                .await?
                .ok_or_else(|| {
                    bad(
                        "corrects_number",
                        "unknown",
                        "the customer has no invoice with this number",
                    )
                })?,
        ),
        (DocumentKind::CreditNote, None) => {
            return Err(bad(
                "corrects_number",
                "required",
                "a credit note names the invoice it corrects",
            ))
        }
        (DocumentKind::Invoice, Some(_)) => {
            return Err(bad(
                "corrects_number",
                "not_allowed",
                "only credit notes correct an invoice",
            ))
        }
        (DocumentKind::Invoice, None) => None,
    };
    let invoice = NewInvoice {
        customer_id: customer.id,
        contract_id,
        kind: p.kind,
        number: None,
        issued_on: p.issued_on,
        due_on: p.due_on,
        payment_method: p.payment_method,
        reason: p.reason.as_deref(),
        corrects_id,
        lines: &lines,
    };
    let audit = (origin.clone(), format!("customer {}", p.customer_code));
    crate::delivery::defer_created(move |created| {
        let (origin, details) = audit;
        let target = format!("invoice:{}", created.code);
        vec![Effect::Audit(audit_row(&origin, "publish_invoice", &target, &details))]
    })?;
    let (id, number, total) = issue(state, &customer.name, &invoice).await?;
    Ok(Published { id, number, total })
}

/// The answer of a publication, read back (a replay of its key).
pub async fn published(state: &AppState, id: i64) -> Result<Published, ServerError> {
    let (number, total) = state
        .store
        .invoice_number_and_total(id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such document"))?;
    Ok(Published {
        id,
        number,
        total: sportello_domain::Money::from_cents(total),
    })
}

/// Stores a document as published under the next number of its series,
/// announces it on the change feed and e-mails the customer, all in one
/// commit with what the request deferred. Returns its id, number and total.
pub(crate) async fn issue(
    state: &AppState,
    customer_name: &str,
    invoice: &NewInvoice<'_>,
) -> Result<(i64, String, sportello_domain::Money), ServerError> {
    let total = defer_invoice_notice(state, customer_name, invoice).await?;
    let (id, number) = state.store.publish_invoice(invoice, state.clock.now_ms()).await?;
    Ok((id, number, total))
}

/// Defers the customer's e-mail about a document to the commit that stores
/// it (which knows its number); returns the document's total.
pub(crate) async fn defer_invoice_notice(
    state: &AppState,
    customer_name: &str,
    invoice: &NewInvoice<'_>,
) -> Result<sportello_domain::Money, ServerError> {
    let total = Totals::of(invoice.lines).total;
    let notice = invoice_notice(
        state,
        invoice.customer_id,
        customer_name,
        invoice.kind,
        total,
        invoice.due_on,
    )
    .await?;
    if let Some(notice) = notice {
        crate::delivery::defer_created(move |created| vec![Effect::Mail(notice.mail(&created.code))])?;
    }
    Ok(total)
}

/// B4: the e-mail that tells the customer's main user a document is
/// available, all but its number (known once the document is stored).
pub(crate) struct InvoiceNoticeTo {
    to: String,
    language: String,
    name: String,
    credit_note: bool,
    total: String,
    due_on: String,
    company: String,
}

impl InvoiceNoticeTo {
    pub(crate) fn mail(&self, number: &str) -> QueuedMail {
        mails::invoice_published(&mails::InvoiceNotice {
            to: &self.to,
            language: &self.language,
            name: &self.name,
            credit_note: self.credit_note,
            number,
            total: &self.total,
            due_on: &self.due_on,
            company: &self.company,
        })
        .into()
    }
}

/// The invoice e-mail for a customer, or None when it has no active
/// Sportello user yet (the document still reaches it through SDI).
pub(crate) async fn invoice_notice(
    state: &AppState,
    customer_id: i64,
    customer_name: &str,
    kind: DocumentKind,
    total: sportello_domain::Money,
    due_on: chrono::NaiveDate,
) -> Result<Option<InvoiceNoticeTo>, ServerError> {
    let Some(user) = state.store.main_user(customer_id).await?.filter(|u| u.active == 1) else {
        return Ok(None);
    };
    let due_on = if user.language == "en" {
        due_on.format("%Y-%m-%d").to_string()
    } else {
        due_on.format("%d/%m/%Y").to_string()
    };
    let name = if user.display_name.is_empty() {
        customer_name.to_owned()
    } else {
        user.display_name.clone()
    };
    Ok(Some(InvoiceNoticeTo {
        total: mail_amount(&user.language, total),
        to: user.email,
        language: user.language,
        name,
        credit_note: kind == DocumentKind::CreditNote,
        due_on,
        company: state.config.company.name.clone(),
    }))
}

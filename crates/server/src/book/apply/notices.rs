//! What an import tells the customers: news of collections and new
//! documents, in each customer's language, as notifications.

use super::*;

impl Applier {
    /// One notice per customer for the collections just recorded, and one
    /// per new invoice (or one for all, above three), in the user's language.
    pub(super) async fn notify(&mut self) -> Result<(), ServerError> {
        let collected = std::mem::take(&mut self.collected);
        let published = std::mem::take(&mut self.published);
        let customers: BTreeSet<i64> = collected.keys().chain(published.keys()).copied().collect();
        for customer_id in customers {
            let language: Option<String> = sqlx::query_scalar(
                "SELECT language FROM users WHERE customer_id = $1 AND parent_id IS NULL AND deleted_at IS NULL
                 ORDER BY id LIMIT 1",
            )
            .bind(customer_id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
            let Some(language) = language else { continue };
            let en = language == "en";
            let mut notices: Vec<(&str, Option<i64>, String, String)> = Vec::new();
            if let Some(list) = collected.get(&customer_id) {
                notices.push(("payment", None, collection_title(list, en), collection_body(list, en)));
            }
            if let Some(list) = published.get(&customer_id) {
                if list.len() > 3 {
                    let (title, body) = if en {
                        (
                            format!("{} new documents", list.len()),
                            "See them under Invoices.".to_owned(),
                        )
                    } else {
                        (
                            format!("{} nuovi documenti", list.len()),
                            "Li trovi in Fatture.".to_owned(),
                        )
                    };
                    notices.push(("invoice", None, title, body));
                } else {
                    for p in list {
                        notices.push(("invoice", Some(p.id), invoice_title(p, en), invoice_body(p, &language)));
                    }
                }
            }
            for (kind, invoice_id, title, body) in notices {
                let id = import::notify(&mut self.tx, customer_id, kind, invoice_id, &title, &body, self.now).await?;
                self.report.notifications += 1;
                self.announce(customer_id, Entity::Notification, id).await?;
            }
        }
        Ok(())
    }
}

fn collection_title(list: &[Collected], en: bool) -> String {
    match (list.len(), en) {
        (1, true) => "Payment received".into(),
        (1, false) => "Pagamento registrato".into(),
        (n, true) => format!("{n} payments received"),
        (n, false) => format!("{n} pagamenti registrati"),
    }
}

fn collection_body(list: &[Collected], en: bool) -> String {
    let language = if en { "en" } else { "it" };
    if let [one] = list {
        let due = rome_date(&one.due_on, en);
        let amount = mail_amount(language, one.amount);
        return if en {
            format!(
                "We recorded {amount} on contract {}, installment {} due {due}.",
                one.contract, one.installment_no
            )
        } else {
            format!(
                "Abbiamo registrato {amount} sul contratto {}, rata n. {} con scadenza {due}.",
                one.contract, one.installment_no
            )
        };
    }
    let total = mail_amount(language, list.iter().map(|c| c.amount).sum());
    if en {
        format!("Total {total}. The detail is under Billing and payments.")
    } else {
        format!("Totale {total}. Il dettaglio è in Fatturazione e pagamenti.")
    }
}

fn invoice_title(p: &Published, en: bool) -> String {
    match (p.kind, en) {
        (DocumentKind::Invoice, true) => format!("New invoice {}", p.number),
        (DocumentKind::Invoice, false) => format!("Nuova fattura {}", p.number),
        (DocumentKind::CreditNote, true) => format!("New credit note {}", p.number),
        (DocumentKind::CreditNote, false) => format!("Nuova nota di credito {}", p.number),
    }
}

fn invoice_body(p: &Published, language: &str) -> String {
    let amount = mail_amount(language, p.total);
    let due = rome_date(&p.due_on.to_string(), language == "en");
    if language == "en" {
        format!("Amount {amount}, due {due}.")
    } else {
        format!("Importo {amount}, scadenza {due}.")
    }
}

fn rome_date(iso: &str, en: bool) -> String {
    match iso.parse::<NaiveDate>() {
        Ok(d) if en => d.format("%Y-%m-%d").to_string(),
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => iso.to_owned(),
    }
}

//! Invoices and credit notes from the company's books, with their lines and
//! the e-mail of one just published.

use super::*;

impl Applier {
    pub(super) async fn invoice(
        &mut self,
        no: usize,
        i: &InvoiceRecord,
        extra: Vec<(usize, InvoiceLineFields)>,
    ) -> Result<(), ServerError> {
        const COLUMNS: &[&str] = &[
            "customer_id",
            "contract_id",
            "kind",
            "issued_on",
            "due_on",
            "payment_method",
            "reason",
            "corrects_id",
            "taxable_cents",
            "vat_cents",
            "total_cents",
        ];
        let fields: Vec<InvoiceLineFields> = i
            .lines
            .iter()
            .cloned()
            .chain(extra.into_iter().map(|(_, l)| l))
            .collect();
        if fields.is_empty() {
            self.problem(no, "lines", "an invoice has at least one line");
            return Ok(());
        }
        let Some(customer_id) = self.customer_id(no, "customer", &i.customer).await? else {
            return Ok(());
        };
        let contract_id = match &i.contract {
            Some(key) => match self.contract_id(no, "contract", key).await? {
                Some((id, owner)) if owner == customer_id => Some(id),
                Some(_) => {
                    self.problem(no, "contract", "the contract belongs to another customer");
                    return Ok(());
                }
                None => return Ok(()),
            },
            None => None,
        };
        let Ok(corrects_id) = self
            .named_invoice(no, "corrects", customer_id, i.corrects.as_deref())
            .await?
        else {
            return Ok(());
        };
        let number = i.number.trim();
        let existing: Option<i64> = sqlx::query_scalar("SELECT customer_id FROM invoices WHERE number = $1")
            .bind(number)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
        if existing.is_some_and(|owner| owner != customer_id) {
            self.problem(no, "number", format!("invoice {number} belongs to another customer"));
            return Ok(());
        }
        let lines: Vec<InvoiceLine> = fields
            .iter()
            .map(|l| InvoiceLine {
                description: l.description.trim().to_owned(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                vat_rate: l.vat_rate,
                nature: l.nature.as_deref().and_then(VatNature::parse),
                period: l.period_start.zip(l.period_end),
            })
            .collect();
        let totals = Totals::of(&lines);
        let insert_only = match existing {
            Some(_) => Vec::new(),
            None => {
                let next = crate::store::invoices::take_progressives(&mut self.tx, 1).await?;
                vec![("progressive", Int(next)), ("published_at", Int(self.now))]
            }
        };
        let outcome = import::upsert(
            &mut self.tx,
            Keyed {
                table: "invoices",
                keys: vec![("number", Text(number.into()))],
                columns: COLUMNS,
                values: vec![
                    Int(customer_id),
                    NullInt(contract_id),
                    Text(i.kind.as_str().into()),
                    day(i.issued_on),
                    day(i.due_on),
                    Text(i.payment_method.as_str().into()),
                    NullText(i.reason.clone()),
                    NullInt(corrects_id),
                    money(totals.taxable),
                    money(totals.tax),
                    money(totals.total),
                ],
                insert_only,
            },
        )
        .await?;
        let id = outcome.id();
        let rows = (1_i64..)
            .zip(&lines)
            .map(|(seq, l)| {
                vec![
                    Int(seq),
                    Text(l.description.clone()),
                    Text(l.quantity.normalize().to_string()),
                    money(l.unit_price),
                    Text(l.vat_rate.normalize().to_string()),
                    NullText(l.nature.map(|n| n.code().to_owned())),
                    NullText(l.period.map(|p| p.0.to_string())),
                    NullText(l.period.map(|p| p.1.to_string())),
                ]
            })
            .collect();
        let lines_changed = import::replace_children(
            &mut self.tx,
            "invoice_lines",
            ("invoice_id", id),
            "seq",
            &[
                "seq",
                "description",
                "quantity",
                "unit_price_cents",
                "vat_rate",
                "nature",
                "period_start",
                "period_end",
            ],
            rows,
        )
        .await?;
        let outcome = match outcome {
            Outcome::Unchanged(id) if lines_changed => Outcome::Updated(id),
            other => other,
        };
        if outcome.changed() {
            self.announce(customer_id, Entity::Invoice, id).await?;
        }
        if matches!(outcome, Outcome::Created(_)) && i.issued_on >= self.today - Days::new(NEWS_DAYS) {
            self.published.entry(customer_id).or_default().push(Published {
                id,
                kind: i.kind,
                number: number.to_owned(),
                total: totals.total,
                due_on: i.due_on,
            });
            let customer_name = self
                .customers
                .values()
                .find(|(cid, _)| *cid == customer_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            self.mails.push(InvoiceMail {
                customer_id,
                customer_name,
                kind: i.kind,
                number: number.to_owned(),
                total: totals.total,
                due_on: i.due_on,
            });
        }
        self.report.count(i.kind.as_str(), counted(outcome));
        Ok(())
    }

    /// The customer's invoice a record names, if it names one; `Err` when it
    /// names one the customer does not have (the problem is recorded).
    pub(super) async fn named_invoice(
        &mut self,
        no: usize,
        field: &str,
        customer_id: i64,
        number: Option<&str>,
    ) -> Result<Result<Option<i64>, ()>, ServerError> {
        let Some(number) = number else { return Ok(Ok(None)) };
        match self.invoice_of(customer_id, number).await? {
            Some(id) => Ok(Ok(Some(id))),
            None => {
                self.problem(no, field, format!("the customer has no invoice {number}"));
                Ok(Err(()))
            }
        }
    }

    pub(super) async fn invoice_of(&mut self, customer_id: i64, number: &str) -> Result<Option<i64>, ServerError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM invoices WHERE number = $1 AND customer_id = $2")
                .bind(number.trim())
                .bind(customer_id)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(crate::store::StoreError::from)?,
        )
    }
}

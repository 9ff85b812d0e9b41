//! Schedule lines and collections (and reversals of collections), and the
//! settling of the lines they pay.

use super::*;

impl Applier {
    pub(super) async fn schedule_line(
        &mut self,
        no: usize,
        s: &ScheduleLineRecord,
        settle: &mut BTreeMap<i64, usize>,
    ) -> Result<(), ServerError> {
        const COLUMNS: &[&str] = &[
            "contract_id",
            "installment_no",
            "kind",
            "due_on",
            "amount_cents",
            "payment_method",
            "invoice_id",
            "customer_id",
        ];
        let Some((contract_id, customer_id)) = self.contract_id(no, "contract", &s.contract).await? else {
            return Ok(());
        };
        let Ok(invoice_id) = self
            .named_invoice(no, "invoice", customer_id, s.invoice.as_deref())
            .await?
        else {
            return Ok(());
        };
        let reference = s.reference.trim();
        let outcome = import::upsert(
            &mut self.tx,
            Keyed {
                table: "schedule_entries",
                keys: vec![("ext_ref", Text(reference.into()))],
                columns: COLUMNS,
                values: vec![
                    Int(contract_id),
                    Int(i64::from(s.installment_no)),
                    Text(s.reason.as_str().into()),
                    day(s.due_on),
                    money(s.amount),
                    Text(s.payment_method.as_str().into()),
                    NullInt(invoice_id),
                    Int(customer_id),
                ],
                insert_only: Vec::new(),
            },
        )
        .await?;
        self.lines.insert(reference.to_owned(), (outcome.id(), customer_id));
        if outcome.changed() {
            // An amount that moved may change what is still owed.
            settle.entry(outcome.id()).or_insert(no);
            self.announce(customer_id, Entity::ScheduleLine, outcome.id()).await?;
        }
        self.report.count("schedule_line", counted(outcome));
        Ok(())
    }

    pub(super) async fn line_of(&mut self, no: usize, reference: &str) -> Result<Option<(i64, i64)>, ServerError> {
        let reference = reference.trim();
        if let Some(found) = self.lines.get(reference) {
            return Ok(Some(*found));
        }
        let found: Option<(i64, i64)> = sqlx::query_as(
            "SELECT e.id, c.customer_id FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id
             WHERE e.ext_ref = $1",
        )
        .bind(reference)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(crate::store::StoreError::from)?;
        match found {
            Some(f) => {
                self.lines.insert(reference.to_owned(), f);
                Ok(Some(f))
            }
            None => {
                self.problem(
                    no,
                    "line",
                    format!("no schedule line {reference} in the book or this file"),
                );
                Ok(None)
            }
        }
    }

    /// A reversal: the collection goes, and is remembered as reversed so the
    /// same file sent again changes nothing; a reversal of a collection the
    /// book never had is a bad reference, like any other.
    pub(super) async fn reverse(
        &mut self,
        no: usize,
        reference: &str,
        before: Option<i64>,
        settle: &mut BTreeMap<i64, usize>,
    ) -> Result<(), ServerError> {
        let Some(entry) = before else {
            let reversed: Option<i64> =
                sqlx::query_scalar("SELECT reversed_at FROM reversed_collections WHERE ext_ref = $1")
                    .bind(reference)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(crate::store::StoreError::from)?;
            match reversed {
                Some(_) => self.report.count("collection", ImportOutcome::Unchanged),
                None => self.problem(no, "ref", format!("no collection {reference} in the book to reverse")),
            }
            return Ok(());
        };
        sqlx::query("DELETE FROM payments WHERE ext_ref = $1")
            .bind(reference)
            .execute(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
        sqlx::query(
            "INSERT INTO reversed_collections (ext_ref, reversed_at) VALUES ($1, $2) ON CONFLICT (ext_ref) DO NOTHING",
        )
        .bind(reference)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await
        .map_err(crate::store::StoreError::from)?;
        settle.insert(entry, no);
        self.report.count("collection", ImportOutcome::Deleted);
        Ok(())
    }

    pub(super) async fn collection(
        &mut self,
        no: usize,
        c: &CollectionRecord,
        settle: &mut BTreeMap<i64, usize>,
    ) -> Result<(), ServerError> {
        let reference = c.reference.trim();
        let before: Option<i64> = sqlx::query_scalar("SELECT entry_id FROM payments WHERE ext_ref = $1")
            .bind(reference)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
        if c.deleted {
            return self.reverse(no, reference, before, settle).await;
        }
        let Some((entry_id, customer_id)) = self.line_of(no, &c.line).await? else {
            return Ok(());
        };
        let outcome = import::upsert(
            &mut self.tx,
            Keyed {
                table: "payments",
                keys: vec![("ext_ref", Text(reference.into()))],
                columns: &["entry_id", "amount_cents", "collected_on", "method"],
                values: vec![
                    Int(entry_id),
                    money(c.amount),
                    day(c.collected_on),
                    NullText(Some(c.method.as_str().into())),
                ],
                insert_only: Vec::new(),
            },
        )
        .await?;
        if outcome.changed() {
            settle.insert(entry_id, no);
            if let Some(old) = before.filter(|old| *old != entry_id) {
                settle.insert(old, no);
            }
        }
        if matches!(outcome, Outcome::Created(_)) && c.collected_on >= self.today - Days::new(NEWS_DAYS) {
            let (contract, installment_no, due_on): (String, i64, String) = sqlx::query_as(
                "SELECT c.contract_no || '/' || c.module_no, e.installment_no, e.due_on
                 FROM schedule_entries e JOIN contracts c ON c.id = e.contract_id WHERE e.id = $1",
            )
            .bind(entry_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
            self.collected.entry(customer_id).or_default().push(Collected {
                amount: c.amount,
                contract,
                installment_no,
                due_on,
            });
        }
        self.report.count("collection", counted(outcome));
        Ok(())
    }

    /// Each touched line's collected amount becomes the sum of its collections.
    pub(super) async fn settle(&mut self, lines: BTreeMap<i64, usize>) -> Result<(), ServerError> {
        for (entry_id, no) in lines {
            let (contract_id, amount, before, now) = import::settle_line(&mut self.tx, entry_id).await?;
            if now > amount.max(0) {
                self.problem(
                    no,
                    "amount",
                    format!(
                        "collections on the line add up to {}, above its amount {}",
                        Money::from_cents(now),
                        Money::from_cents(amount)
                    ),
                );
                continue;
            }
            if now != before {
                let customer_id: i64 = sqlx::query_scalar("SELECT customer_id FROM contracts WHERE id = $1")
                    .bind(contract_id)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(crate::store::StoreError::from)?;
                self.announce(customer_id, Entity::ScheduleLine, entry_id).await?;
            }
        }
        Ok(())
    }
}

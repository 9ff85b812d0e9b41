//! Contracts and their amortization plans: sent row by row, or built from
//! the plan terms with the rate fixes of their index.

use super::*;

impl Applier {
    pub(super) async fn contract(&mut self, no: usize, c: &ContractRecord, has_plan: bool) -> Result<(), ServerError> {
        const COLUMNS: &[&str] = &[
            "customer_id",
            "product",
            "status",
            "signed_on",
            "start_on",
            "end_on",
            "amount_cents",
            "advance_cents",
            "residual_cents",
            "beneficiary_code",
            "beneficiary",
            "iban",
            "reference_rate",
            "subsidy",
            "periodicity",
            "installments",
            "installment_cents",
            "duration_months",
            "annual_rate",
            "timing",
            "base_index",
        ];
        let Some(customer_id) = self.customer_id(no, "customer", &c.customer).await? else {
            return Ok(());
        };
        let (contract_no, module_no) = (c.contract_no.trim(), c.module_no.trim());
        if let Some((_, owner)) = import::contract_by_key(&mut self.tx, contract_no, module_no).await? {
            if owner != customer_id {
                self.problem(
                    no,
                    "customer",
                    format!("contract {} belongs to another customer", c.key()),
                );
                return Ok(());
            }
        }
        let values = vec![
            Int(customer_id),
            Text(c.product.trim().into()),
            Text(c.status.as_str().into()),
            day(c.signed_on),
            day(c.start_on),
            day(c.end_on),
            money(c.amount),
            money(c.advance),
            money(c.residual),
            Text(c.beneficiary_code.trim().into()),
            Text(c.beneficiary.trim().into()),
            NullText(
                c.iban
                    .as_deref()
                    .map(|i| i.split_whitespace().collect::<String>().to_uppercase()),
            ),
            Text(c.reference_rate.trim().into()),
            Text(c.subsidy.trim().into()),
            Text(c.periodicity.as_str().into()),
            Int(i64::from(c.installments)),
            money(c.installment),
            Int(i64::from(c.duration_months)),
            NullText(c.annual_rate.map(|r| r.normalize().to_string())),
            NullText(c.timing.as_ref().map(code)),
            NullText(c.base_index.map(|r| r.normalize().to_string())),
        ];
        let outcome = import::upsert(
            &mut self.tx,
            Keyed {
                table: "contracts",
                keys: vec![
                    ("contract_no", Text(contract_no.into())),
                    ("module_no", Text(module_no.into())),
                ],
                columns: COLUMNS,
                values,
                insert_only: Vec::new(),
            },
        )
        .await?;
        let id = outcome.id();
        self.contracts.insert(c.key(), (id, customer_id));
        if c.annual_rate.is_some() && !has_plan {
            self.replan.insert(id, no);
        }
        if outcome.changed() {
            self.announce(customer_id, Entity::Contract, id).await?;
        }
        self.report.count("contract", counted(outcome));
        Ok(())
    }

    /// Explicit plans: each replaces its contract's plan when it differs.
    pub(super) async fn plans(
        &mut self,
        plans: BTreeMap<String, Vec<(usize, PlanRowRecord)>>,
    ) -> Result<(), ServerError> {
        for (key, mut rows) in plans {
            let first = rows[0].0;
            let Some((contract_id, customer_id)) = self.contract_id(first, "contract", &key).await? else {
                continue;
            };
            rows.sort_by_key(|(_, r)| r.seq);
            let mut seqs = BTreeSet::new();
            for (no, r) in &rows {
                if !seqs.insert(r.seq) {
                    self.problem(*no, "seq", format!("seq {} twice in the plan of {key}", r.seq));
                }
            }
            let values = rows
                .iter()
                .map(|(_, r)| {
                    vec![
                        Int(i64::from(r.seq)),
                        Int(i64::from(r.number)),
                        Text(r.kind.as_str().into()),
                        day(r.due_on),
                        money(r.amount),
                        money(r.principal),
                        money(r.interest),
                        money(r.outstanding),
                        Text(r.payment_method.as_str().into()),
                        day(r.accrual_start),
                        day(r.accrual_end),
                        NullText(r.collected_on.map(|d| d.to_string())),
                    ]
                })
                .collect();
            let changed = import::replace_children(
                &mut self.tx,
                "plan_rows",
                ("contract_id", contract_id),
                "seq",
                PLAN_COLUMNS,
                values,
            )
            .await?;
            for (_, _) in &rows {
                let outcome = if changed {
                    ImportOutcome::Updated
                } else {
                    ImportOutcome::Unchanged
                };
                self.report.count("plan_row", outcome);
            }
            if changed {
                self.announce(customer_id, Entity::Contract, contract_id).await?;
            }
        }
        Ok(())
    }

    /// Contracts priced on an index whose fixes moved get their plan rebuilt.
    pub(super) async fn rate_fixes_replan(
        &mut self,
        changed: BTreeMap<String, usize>,
        explicit: &HashSet<String>,
    ) -> Result<(), ServerError> {
        for (reference_rate, no) in changed {
            let indexed: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, contract_no, module_no FROM contracts
                 WHERE reference_rate = $1 AND annual_rate IS NOT NULL AND base_index IS NOT NULL",
            )
            .bind(&reference_rate)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
            for (id, contract_no, module_no) in indexed {
                if !explicit.contains(&contract_key(&contract_no, &module_no)) {
                    self.replan.entry(id).or_insert(no);
                }
            }
        }
        Ok(())
    }

    /// Builds the plans of contracts sent with terms, with the indexation of their index's fixes.
    pub(super) async fn build_plans(&mut self) -> Result<(), ServerError> {
        for (contract_id, no) in std::mem::take(&mut self.replan) {
            type TermsRow = (
                i64,
                i64,
                i64,
                i64,
                String,
                String,
                i64,
                String,
                String,
                String,
                String,
                Option<String>,
            );
            let row: TermsRow = sqlx::query_as(
                "SELECT customer_id, amount_cents, advance_cents, residual_cents, annual_rate, periodicity, installments,
                        timing, signed_on, start_on, reference_rate, base_index
                 FROM contracts WHERE id = $1",
            )
            .bind(contract_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(crate::store::StoreError::from)?;
            let (
                customer_id,
                amount,
                advance,
                residual,
                rate,
                periodicity,
                installments,
                timing,
                signed,
                start,
                index,
                base,
            ) = row;
            let parsed = (|| {
                let timing: Timing = serde_json::from_value(serde_json::Value::String(timing)).ok()?;
                Some(PlanTerms {
                    amount: Money::from_cents(amount),
                    advance: Money::from_cents(advance),
                    residual: Money::from_cents(residual),
                    annual_rate: rate.parse().ok()?,
                    periodicity: Periodicity::parse(&periodicity)?,
                    installments: u32::try_from(installments).ok()?,
                    timing,
                    signed_on: signed.parse().ok()?,
                    start_on: start.parse().ok()?,
                })
            })();
            let Some(terms) = parsed else {
                self.problem(no, "annual_rate", "the stored plan terms do not parse");
                continue;
            };
            let plan = match build_plan(&terms) {
                Ok(plan) => plan,
                Err(e) => {
                    self.problem(no, "annual_rate", format!("no plan from these terms: {e}"));
                    continue;
                }
            };
            let plan = match base.and_then(|b| b.parse::<Decimal>().ok()) {
                Some(base_index) => {
                    let fixes = self.fixes(&index, terms.annual_rate, base_index).await?;
                    with_indexation(&plan, &terms, &fixes)
                }
                None => plan,
            };
            let rows = (1_i64..)
                .zip(&plan)
                .map(|(seq, r)| {
                    vec![
                        Int(seq),
                        Int(i64::from(r.number)),
                        Text(r.kind.as_str().into()),
                        day(r.due_on),
                        money(r.amount),
                        money(r.principal),
                        money(r.interest),
                        money(r.outstanding),
                        Text(collection_method(r.kind).as_str().into()),
                        day(r.accrual_start),
                        day(r.accrual_end),
                        NullText(None),
                    ]
                })
                .collect();
            let changed = import::replace_children(
                &mut self.tx,
                "plan_rows",
                ("contract_id", contract_id),
                "seq",
                PLAN_COLUMNS,
                rows,
            )
            .await?;
            if changed {
                self.report.plans_built += 1;
                self.announce(customer_id, Entity::Contract, contract_id).await?;
            }
        }
        Ok(())
    }

    /// The rate in force over time: the contract's rate moved by the index's change since pricing.
    pub(super) async fn fixes(
        &mut self,
        index: &str,
        rate: Decimal,
        base_index: Decimal,
    ) -> Result<Vec<RateFix>, ServerError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT valid_from, rate FROM rate_fixes WHERE reference_rate = $1 ORDER BY valid_from")
                .bind(index)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(crate::store::StoreError::from)?;
        Ok(rows
            .into_iter()
            .filter_map(|(from, fix)| {
                Some(RateFix {
                    from: from.parse().ok()?,
                    annual_rate: rate + (fix.parse::<Decimal>().ok()? - base_index),
                })
            })
            .collect())
    }
}

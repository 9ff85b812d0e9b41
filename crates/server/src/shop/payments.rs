//! E8, E10: proofs of payment, their decision (a top-up adds credit and is
//! invoiced at once), and the wallet: methods, credit, advance and balance.

use super::*;

fn proof(row: &crate::store::shop::ProofRow) -> Result<PaymentProof, ServerError> {
    Ok(PaymentProof {
        id: row.id,
        method: ShopPaymentMethod::parse(&row.method).ok_or_else(|| corrupt("payment method"))?,
        amount: Money::from_cents(row.amount_cents),
        reference: row.reference.clone(),
        status: ProofStatus::parse(&row.status).ok_or_else(|| corrupt("proof status"))?,
        order_id: row.order_id,
        invoice_id: row.invoice_id,
        created_at: instant(row.created_at),
    })
}

/// E8: the customer's methods, credit, advance balance, subscription term and proofs.
pub async fn wallet(state: &AppState, customer_id: i64) -> Result<Wallet, ServerError> {
    let list = state.store.price_list_for(customer_id).await?;
    let proofs = state.store.proofs(customer_id, None).await?;
    let subscription = super::orders::subscription(state, &proofs);
    let status_of = |m: ShopPaymentMethod| {
        let of_method = || proofs.iter().filter(|p| p.method == m.as_str());
        match m {
            // Each order is paid by its own transfer: nothing to prove first.
            ShopPaymentMethod::AdvancePayment => MethodStatus::Enabled,
            ShopPaymentMethod::Subscription
                if subscription
                    .as_ref()
                    .is_some_and(|t| t.status != SubscriptionStatus::Expired) =>
            {
                MethodStatus::Enabled
            }
            ShopPaymentMethod::Subscription if of_method().any(|p| p.status == "submitted") => MethodStatus::Pending,
            ShopPaymentMethod::Subscription => MethodStatus::Available,
            _ if of_method().any(|p| p.status == "confirmed") => MethodStatus::Enabled,
            _ if of_method().any(|p| p.status == "submitted") => MethodStatus::Pending,
            _ => MethodStatus::Available,
        }
    };
    let advance: Money = proofs
        .iter()
        .filter(|p| p.method == ShopPaymentMethod::AdvanceOnConsumption.as_str() && p.status == "confirmed")
        .map(|p| Money::from_cents(p.amount_cents))
        .sum();
    // Each fulfilled item is invoiced alone, so its VAT is rounded alone too.
    let mut consumed = Money::ZERO;
    for (cents, vat_rate) in state.store.consumed_items(customer_id).await? {
        consumed = consumed + rules::totals(&[rules::line("", Money::from_cents(cents), rate(&vat_rate)?)]).total;
    }
    Ok(Wallet {
        methods: methods(&list.methods)
            .into_iter()
            .map(|method| MethodState {
                method,
                status: status_of(method),
            })
            .collect(),
        credit: Money::from_cents(state.store.credit_cents(customer_id).await?),
        advance,
        consumed,
        balance: consumed - advance,
        subscription,
        proofs: proofs.iter().map(proof).collect::<Result<_, _>>()?,
        billing: billing_data(billing_on_file(state, customer_id).await?),
    })
}

/// E8: the customer sends the receipt of a payment for a method.
pub async fn submit_proof(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    p: NewPaymentProof,
) -> Result<PaymentProof, ServerError> {
    let list = state.store.price_list_for(who.customer_id).await?;
    if !methods(&list.methods).contains(&p.method) {
        return Err(refusal(Refusal::NotAllowed));
    }
    if !p.amount.is_positive() || p.amount.cents() > 100_000_000 {
        return Err(bad("amount", "invalid", "the amount is between 0.01 and 1,000,000.00"));
    }
    let reference = p.reference.trim();
    if reference.is_empty() || reference.chars().count() > 35 {
        return Err(bad(
            "reference",
            "required",
            "the transfer's reference (CRO/TRN) is required, at most 35 characters",
        ));
    }
    checked_order(state, who.customer_id, &p).await?;
    let file = state.store.attachment(&p.attachment_id, Some(who.customer_id)).await?;
    if file.is_none_or(|a| a.message_id.is_some()) {
        return Err(bad("attachment_id", "unknown_file", "no such uploaded file"));
    }
    let row = NewProofRow {
        customer_id: who.customer_id,
        user_id: who.user_id,
        method: p.method.as_str(),
        amount_cents: p.amount.cents(),
        attachment_id: &p.attachment_id,
        reference,
        order_id: p.order_id,
    };
    let (origin, method) = (origin.clone(), p.method.as_str());
    crate::delivery::defer_created(move |proof| {
        let target = format!("payment_proof:{}", proof.id);
        vec![Effect::Audit(audit_row(
            &origin,
            "submit_payment_proof",
            &target,
            method,
        ))]
    })?;
    let id = state.store.insert_proof(&row, state.clock.now_ms()).await?;
    proof_of(state, id, who.customer_id).await
}

/// An advance payment names the customer's order waiting for it, and pays
/// its whole total; no other method names an order.
async fn checked_order(state: &AppState, customer_id: i64, p: &NewPaymentProof) -> Result<(), ServerError> {
    let Some(order_id) = p.order_id else {
        return match p.method {
            ShopPaymentMethod::AdvancePayment => Err(bad(
                "order_id",
                "required",
                "an advance payment names the order it pays",
            )),
            _ => Ok(()),
        };
    };
    if p.method != ShopPaymentMethod::AdvancePayment {
        return Err(bad("order_id", "not_allowed", "only an advance payment pays one order"));
    }
    let order = state.store.order(order_id, Some(customer_id)).await?;
    let order = order.ok_or_else(|| bad("order_id", "unknown", "no such order of yours"))?;
    if order.status != OrderStatus::AwaitingPayment.as_str() {
        return Err(bad(
            "order_id",
            "not_awaiting",
            "the order is not waiting for a payment",
        ));
    }
    if p.amount.cents() != order.total_cents {
        let total = Money::from_cents(order.total_cents);
        return Err(bad("amount", "mismatch", format!("the order's total is {total}")));
    }
    let waiting = state
        .store
        .proofs(customer_id, Some(ProofStatus::Submitted.as_str()))
        .await?;
    if waiting.iter().any(|w| w.order_id == Some(order_id)) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "a proof for this order is waiting for the desk already",
        )
        .into());
    }
    Ok(())
}

/// A proof, whoever's it is (operators).
pub async fn proof_by_id(state: &AppState, id: i64) -> Result<PaymentProof, ServerError> {
    proof(&state.store.proof(id).await?.ok_or_else(|| not_found("proof"))?)
}

/// A proof of one customer's.
pub async fn proof_of(state: &AppState, id: i64, customer_id: i64) -> Result<PaymentProof, ServerError> {
    let row = state.store.proof(id).await?.filter(|r| r.customer_id == customer_id);
    proof(&row.ok_or_else(|| not_found("proof"))?)
}

/// O1, E8, E10: an operator confirms or refuses a proof. Confirmed, a
/// top-up adds the credit and a subscription starts or renews its term; both
/// are invoiced at once (what they pay for is not invoiced again when used);
/// an advance payment releases its order.
pub async fn decide_proof(
    state: &AppState,
    origin: &Origin,
    id: i64,
    approve: bool,
) -> Result<PaymentProof, ServerError> {
    let row = state.store.proof(id).await?.ok_or_else(|| not_found("proof"))?;
    let method = ShopPaymentMethod::parse(&row.method).ok_or_else(|| corrupt("payment method"))?;
    let action = if approve {
        "confirm_payment_proof"
    } else {
        "refuse_payment_proof"
    };
    let audit = audit_row(origin, action, &format!("payment_proof:{id}"), &row.method);
    crate::delivery::defer(state, vec![Effect::Audit(audit)]).await?;
    let net = Money::from_cents(row.amount_cents);
    let invoiced = match method {
        ShopPaymentMethod::PrepaidCredit => {
            Some(("Acquisto credito prepagato per servizi".to_owned(), "Credito prepagato"))
        }
        ShopPaymentMethod::Subscription => Some((subscription_line(state, row.customer_id).await?, "Abbonamento")),
        _ => None,
    };
    let line = invoiced
        .as_ref()
        .map(|(description, _)| rules::line(description, net, rules::standard_vat_rate()));
    let invoice = match (&line, &invoiced) {
        (Some(line), Some((_, reason))) if approve => Some(paid_invoice(state, row.customer_id, line, reason).await?),
        _ => None,
    };
    let adds_credit = method == ShopPaymentMethod::PrepaidCredit;
    let now = state.clock.now_ms();
    if !state
        .store
        .decide_proof(id, approve, invoice.as_ref(), adds_credit, now)
        .await?
    {
        return Err(ApiError::new(ErrorCode::Conflict, "the proof was decided already").into());
    }
    let row = state.store.proof(id).await?.ok_or_else(|| not_found("proof"))?;
    proof(&row)
}

/// The invoice line of a subscription payment confirmed today: the year it
/// buys, starting where the current term ends.
async fn subscription_line(state: &AppState, customer_id: i64) -> Result<String, ServerError> {
    let proofs = state
        .store
        .proofs(customer_id, Some(ProofStatus::Confirmed.as_str()))
        .await?;
    let term = super::orders::subscription(state, &proofs);
    let (from, until) = rules::period_bought(term.map(|t| t.until), state.clock.today());
    Ok(format!(
        "Abbonamento annuale Verifica dal {} al {}",
        from.format("%d/%m/%Y"),
        until.format("%d/%m/%Y")
    ))
}

/// O1: a page of every customer's proofs, optionally in one status
/// (operators), with one more to tell whether another page follows.
pub async fn proofs(
    state: &AppState,
    status: Option<ProofStatus>,
    page: Keyset,
) -> Result<Vec<PaymentProof>, ServerError> {
    let scope = Scope {
        customer_id: None,
        status: status.map(ProofStatus::as_str),
    };
    let rows = state.store.proof_page(scope, page).await?;
    rows.iter().map(proof).collect()
}

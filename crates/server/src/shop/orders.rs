//! E2, E3, E5: checkout (billing data, payment method, prepaid credit drawn
//! atomically), the confirmation e-mail, and the orders as the customer sees them.

use super::*;
use crate::accounts::checked_billing;
use crate::store::shop::ProofRow;

fn lines(items: &[NewItem<'_>]) -> Result<Vec<InvoiceLine>, ServerError> {
    items
        .iter()
        .map(|i| {
            Ok(rules::line(
                i.name_it,
                Money::from_cents(i.net_cents.unwrap_or(0)),
                rate(i.vat_rate)?,
            ))
        })
        .collect()
}

/// Confirmed proofs make a method usable; confirmed subscription payments
/// make the subscription's term.
pub(super) async fn standing_parts(
    state: &AppState,
    customer_id: i64,
) -> Result<(Vec<ShopPaymentMethod>, Money, Option<SubscriptionTerm>), ServerError> {
    let confirmed = state
        .store
        .proofs(customer_id, Some(ProofStatus::Confirmed.as_str()))
        .await?;
    let proven = confirmed
        .iter()
        .filter_map(|p| ShopPaymentMethod::parse(&p.method))
        .collect();
    let credit = Money::from_cents(state.store.credit_cents(customer_id).await?);
    Ok((proven, credit, subscription(state, &confirmed)))
}

/// The subscription's term the confirmed subscription payments among `proofs` make.
pub(super) fn subscription(state: &AppState, proofs: &[ProofRow]) -> Option<SubscriptionTerm> {
    let paid_on = proofs
        .iter()
        .filter(|p| p.method == ShopPaymentMethod::Subscription.as_str() && p.status == "confirmed")
        .filter_map(|p| p.decided_at)
        .map(crate::clock::rome_day)
        .collect();
    rules::subscription_term(paid_on, state.clock.today())
}

pub(super) struct Checkout<'a> {
    /// The customer's price list, read once for the whole checkout.
    pub(super) list: &'a PriceListRow,
    pub(super) items: Vec<NewItem<'a>>,
    pub(super) method: ShopPaymentMethod,
    pub(super) billing: &'a BillingData,
    pub(super) all_subscribable: bool,
    pub(super) quote_id: Option<i64>,
}

/// Checks the payment and billing, stores the order (drawing prepaid credit
/// atomically), saves the billing data and confirms by e-mail.
pub(super) async fn place(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    c: Checkout<'_>,
) -> Result<Order, ServerError> {
    let allowed = methods(&c.list.methods);
    let (proven, credit, subscription) = standing_parts(state, who.customer_id).await?;
    let lines = lines(&c.items)?;
    let totals = rules::totals(&lines);
    let standing = Standing {
        allowed: &allowed,
        proven: &proven,
        credit,
        subscription,
    };
    rules::may_pay(&standing, c.method, totals.taxable, c.all_subscribable).map_err(refusal)?;
    let on_file = billing_on_file(state, who.customer_id).await?;
    let billing = checked_billing(&on_file.name, &on_file.tax_code, c.billing)?;
    let billing_json = serde_json::to_string(&billing_data(billing.clone())).unwrap_or_default();
    let row = NewOrderRow {
        customer_id: who.customer_id,
        user_id: who.user_id,
        payment_method: c.method.as_str(),
        billing: &billing_json,
        net_cents: totals.taxable.cents(),
        vat_cents: totals.tax.cents(),
        total_cents: totals.total.cents(),
        draw_cents: (c.method == ShopPaymentMethod::PrepaidCredit).then(|| totals.taxable.cents()),
        quote_id: c.quote_id,
        year: state.clock.today().year(),
        status: match c.method {
            ShopPaymentMethod::AdvancePayment => OrderStatus::AwaitingPayment.as_str(),
            _ => OrderStatus::InProgress.as_str(),
        },
    };
    let items: Vec<(String, String, Option<Money>)> = c
        .items
        .iter()
        .map(|i| {
            (
                i.name_it.to_owned(),
                i.name_en.to_owned(),
                Some(Money::from_cents(i.net_cents.unwrap_or(0))),
            )
        })
        .collect();
    let confirmation = confirmation(state, who, items, totals.total, c.method).await?;
    let (origin, details) = (origin.clone(), format!("{} {}", c.method.as_str(), totals.total));
    crate::delivery::defer_created(move |order| {
        vec![
            Effect::Mail(confirmation(&order.code)),
            Effect::Audit(audit_row(
                &origin,
                "place_order",
                &format!("order:{}", order.code),
                &details,
            )),
        ]
    })?;
    let now = state.clock.now_ms();
    let (id, _code) = match state.store.insert_order(&row, &c.items, now).await? {
        Ok(placed) => placed,
        Err(OrderRefused::InsufficientCredit) => return Err(refusal(Refusal::InsufficientCredit)),
        Err(OrderRefused::QuoteChanged) => {
            return Err(ApiError::new(ErrorCode::Conflict, "the quote is no longer open").into())
        }
    };
    state.store.set_billing(who.customer_id, &billing.address()).await?;
    order(state, id, Some(who.customer_id)).await
}

/// E2, E3, E5: "complete purchase" of the cart's fixed-price services.
pub async fn place_order(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    new: NewOrder,
) -> Result<Order, ServerError> {
    let list = state.store.price_list_for(who.customer_id).await?;
    let items = checked_items(state, who, &list, &new.items, Pricing::Fixed).await?;
    let checkout = Checkout {
        list: &list,
        all_subscribable: items.iter().all(|(s, _)| s.subscription == 1),
        items: new_items(&items),
        method: new.payment_method,
        billing: &new.billing,
        quote_id: None,
    };
    place(state, who, origin, checkout).await
}

fn method_words(method: ShopPaymentMethod) -> (&'static str, &'static str) {
    match method {
        ShopPaymentMethod::PrepaidCredit => ("credito prepagato", "prepaid credit"),
        ShopPaymentMethod::AdvancePayment => ("pagamento anticipato", "advance payment"),
        ShopPaymentMethod::AdvanceOnConsumption => ("anticipo consumi e saldo finale", "advance on consumption"),
        ShopPaymentMethod::Subscription => ("abbonamento", "subscription"),
    }
}

/// The confirmation e-mail of an order, written once its code is known.
async fn confirmation(
    state: &AppState,
    who: &Principal,
    items: Vec<(String, String, Option<Money>)>,
    total: Money,
    method: ShopPaymentMethod,
) -> Result<impl FnOnce(&str) -> QueuedMail + Send + 'static, ServerError> {
    let to = recipient(state, who.customer_id, who.user_id).await?;
    let company = state.config.company.name.clone();
    Ok(move |code: &str| {
        let items: Vec<(&str, &str, Option<Money>)> = items
            .iter()
            .map(|(it, en, net)| (it.as_str(), en.as_str(), *net))
            .collect();
        let lines = item_lines(&to.language, &items);
        let notice = mails::ShopNotice {
            to: &to.email,
            language: &to.language,
            name: &to.name,
            code,
            lines: &lines,
            company: &company,
        };
        let total = mail_amount(&to.language, total);
        mails::order_confirmed(&notice, &total, method_words(method)).into()
    })
}

fn order_item(row: OrderItemRow, files: &BTreeMap<String, AttachmentRow>) -> Result<OrderItem, ServerError> {
    let outcome = match (&row.outcome_kind, &row.attachment_id, row.fulfilled_at) {
        (Some(kind), Some(file), Some(at)) => Some(Outcome {
            kind: OutcomeKind::parse(kind).ok_or_else(|| corrupt("outcome kind"))?,
            file: attachments::attachment_info(files.get(file).ok_or_else(|| corrupt("outcome file"))?),
            delivered_at: instant(at),
        }),
        _ => None,
    };
    Ok(OrderItem {
        id: row.id,
        service_code: row.service_code,
        name_it: row.name_it,
        name_en: row.name_en,
        form: values(&row.form)?,
        net: Money::from_cents(row.net_cents),
        vat_rate: rate(&row.vat_rate)?,
        status: ItemStatus::parse(&row.status).ok_or_else(|| corrupt("item status"))?,
        outcome,
        invoice_id: row.invoice_id,
    })
}

pub(super) async fn order_of(state: &AppState, row: OrderRow) -> Result<Order, ServerError> {
    Ok(orders_of(state, vec![row]).await?.remove(0))
}

/// Orders with their items and outcome files, in three queries whatever
/// their number.
async fn orders_of(state: &AppState, rows: Vec<OrderRow>) -> Result<Vec<Order>, ServerError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut items: BTreeMap<i64, Vec<_>> = BTreeMap::new();
    for item in state.store.order_items(&ids).await? {
        items.entry(item.order_id).or_default().push(item);
    }
    let file_ids: Vec<String> = items
        .values()
        .flatten()
        .filter_map(|i| i.attachment_id.clone())
        .collect();
    let owners: BTreeMap<i64, i64> = rows.iter().map(|r| (r.id, r.customer_id)).collect();
    let files: BTreeMap<String, _> = state
        .store
        .attachments_by_id(&file_ids)
        .await?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
    rows.into_iter()
        .map(|row| {
            let items = items.remove(&row.id).unwrap_or_default();
            // An outcome is a file of the order's own customer.
            let files: BTreeMap<String, _> = items
                .iter()
                .filter_map(|i| i.attachment_id.as_ref())
                .filter_map(|id| files.get(id).filter(|f| Some(&f.customer_id) == owners.get(&row.id)))
                .map(|f| (f.id.clone(), f.clone()))
                .collect();
            assemble(row, items, &files)
        })
        .collect()
}

fn assemble(
    row: OrderRow,
    items: Vec<crate::store::shop::OrderItemRow>,
    files: &BTreeMap<String, crate::store::requests::AttachmentRow>,
) -> Result<Order, ServerError> {
    Ok(Order {
        id: row.id,
        code: row.code,
        status: OrderStatus::parse(&row.status).ok_or_else(|| corrupt("order status"))?,
        payment_method: ShopPaymentMethod::parse(&row.payment_method).ok_or_else(|| corrupt("payment method"))?,
        billing: serde_json::from_str(&row.billing).map_err(|_| corrupt("billing"))?,
        items: items
            .into_iter()
            .map(|i| order_item(i, files))
            .collect::<Result<_, _>>()?,
        net: Money::from_cents(row.net_cents),
        vat: Money::from_cents(row.vat_cents),
        total: Money::from_cents(row.total_cents),
        quote_id: row.quote_id,
        created_at: instant(row.created_at),
        updated_at: instant(row.updated_at),
    })
}

/// An order; `customer_id` None for operators.
/// The order an item belongs to, as an operator sees it.
pub async fn order_of_item(state: &AppState, item_id: i64) -> Result<Order, ServerError> {
    let item = state
        .store
        .order_item(item_id)
        .await?
        .ok_or_else(|| not_found("order item"))?;
    order(state, item.order_id, None).await
}

pub async fn order(state: &AppState, id: i64, customer_id: Option<i64>) -> Result<Order, ServerError> {
    let row = state
        .store
        .order(id, customer_id)
        .await?
        .ok_or_else(|| not_found("order"))?;
    order_of(state, row).await
}

/// E5: a page of "my orders", newest first, with one more to tell whether
/// another page follows; `customer_id` None for every customer's (operators).
pub async fn orders(
    state: &AppState,
    customer_id: Option<i64>,
    status: Option<OrderStatus>,
    page: Keyset,
) -> Result<Vec<Order>, ServerError> {
    let scope = Scope {
        customer_id,
        status: status.map(OrderStatus::as_str),
    };
    let rows = state.store.orders(scope, page).await?;
    orders_of(state, rows).await
}

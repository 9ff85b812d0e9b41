//! E9, E10: record layouts, and the fulfilment of an item as a PDF or a
//! record, with its notice and (unless prepaid) its invoice.

use super::*;
use crate::audit::audit_row;
use crate::store::feed::Change;
use crate::store::files::Refused;
use crate::store::shop::Fulfilment;
use crate::store::unit::{Effect, QueuedMail};
use sportello_domain::api::sync::Entity;

/// O1, E9: the customer's record layout.
pub async fn set_layout(
    state: &AppState,
    origin: &Origin,
    customer_code: &str,
    layout: &RecordLayout,
) -> Result<(), ServerError> {
    let customer = state
        .store
        .customer_by_code(customer_code.trim())
        .await?
        .ok_or_else(|| not_found("customer"))?;
    layout.validate().map_err(|e| {
        ServerError::from(ApiError::new(ErrorCode::BadRequest, e.to_string()).with_field(e.field(), "invalid"))
    })?;
    let json = serde_json::to_string(layout).unwrap_or_default();
    audit::owe(
        state,
        origin,
        "set_record_layout",
        &format!("customer:{customer_code}"),
        "",
    )
    .await?;
    state
        .store
        .set_record_layout(customer.id, &json, state.clock.now_ms())
        .await?;
    Ok(())
}

/// What an operator delivers for an item.
pub enum Delivery<'a> {
    Pdf { name: &'a str, bytes: &'a [u8] },
    Record(&'a BTreeMap<String, String>),
}

/// The values a record may use: the order's own, the form's, then the operator's.
fn record_values(
    order: &Order,
    item: &OrderItem,
    tax_code: &str,
    today: NaiveDate,
    given: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let position = order.items.iter().position(|i| i.id == item.id).unwrap_or(0) + 1;
    let mut values: BTreeMap<String, String> = [
        ("order_code", order.code.clone()),
        ("item", position.to_string()),
        ("service_code", item.service_code.clone()),
        ("order_date", order.created_at.date_naive().to_string()),
        ("delivery_date", today.to_string()),
        ("tax_code", tax_code.to_owned()),
        ("net", item.net.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    values.extend(item.form.clone());
    values.extend(given.clone());
    values
}

/// O1, E9, E10: an operator fulfils an item: the outcome becomes a file of
/// the customer, the customer is notified and e-mailed, and unless the
/// order was paid with prepaid credit or by subscription the item's invoice is issued.
pub async fn fulfil(
    state: &AppState,
    origin: &Origin,
    item_id: i64,
    delivery: Delivery<'_>,
) -> Result<Order, ServerError> {
    let row = state
        .store
        .order_item(item_id)
        .await?
        .ok_or_else(|| not_found("order item"))?;
    let order_row = state
        .store
        .order(row.order_id, None)
        .await?
        .ok_or_else(|| not_found("order"))?;
    let customer_id = order_row.customer_id;
    let order = order_of(state, order_row).await?;
    let item = order
        .items
        .iter()
        .find(|i| i.id == item_id)
        .ok_or_else(|| not_found("order item"))?;
    if order.status == OrderStatus::AwaitingPayment {
        return Err(ApiError::new(ErrorCode::Conflict, "the order's advance payment is not confirmed yet").into());
    }
    if item.status == ItemStatus::Fulfilled {
        return Err(ApiError::new(ErrorCode::Conflict, "the item was fulfilled already").into());
    }
    let layout = state.store.record_layout(customer_id).await?;
    let (kind, name, content_type, bytes): (OutcomeKind, String, &str, Vec<u8>) = match (delivery, layout) {
        (Delivery::Pdf { name, bytes }, _) => {
            if attachments::sniff(bytes) != Some("application/pdf") {
                return Err(ApiError::new(ErrorCode::UnsupportedFileType, "an outcome is a PDF").into());
            }
            (OutcomeKind::Pdf, name.to_owned(), "application/pdf", bytes.to_vec())
        }
        (Delivery::Record(given), Some(json)) => {
            let layout: RecordLayout = serde_json::from_str(&json).map_err(|_| corrupt("record layout"))?;
            let tax_code = billing_on_file(state, customer_id).await?.tax_code;
            let values = record_values(&order, item, &tax_code, state.clock.today(), given);
            let text = layout.record(&values).map_err(|e| {
                ServerError::from(
                    ApiError::new(ErrorCode::BadRequest, e.to_string())
                        .with_field(&format!("record.{}", e.field()), "invalid"),
                )
            })? + "\r\n";
            let name = format!("{}-{}.txt", order.code, item.service_code);
            (OutcomeKind::Record, name, "text/plain", text.into_bytes())
        }
        (Delivery::Record(_), None) => {
            return Err(bad(
                "record",
                "no_layout",
                "the customer has no record layout: deliver a PDF",
            ))
        }
    };
    let file = attachments::new_row(customer_id, &name, content_type, &bytes);
    let line = rules::line(
        &format!("{} – ordine {}", item.name_it, order.code),
        item.net,
        item.vat_rate,
    );
    let reason = format!("Ordine {}", order.code);
    let invoice = match order.payment_method {
        // Paid and invoiced when bought: the credit, or the subscription's year.
        ShopPaymentMethod::PrepaidCredit | ShopPaymentMethod::Subscription => None,
        _ => Some(paid_invoice(state, customer_id, &line, &reason).await?),
    };
    let mut changes = vec![Change::upsert(Some(customer_id), Entity::Order, order.id)];
    if order.payment_method == ShopPaymentMethod::AdvanceOnConsumption {
        changes.push(Change::upsert(Some(customer_id), Entity::Wallet, customer_id));
    }
    let (title, body, mail) = outcome_notice(state, customer_id, &order, item).await?;
    let target = format!("order:{}", order.code);
    let audit = audit_row(origin, "fulfil_order_item", &target, &item.service_code);
    crate::delivery::defer(state, vec![Effect::Mail(mail), Effect::Audit(audit)]).await?;
    let fulfilment = Fulfilment {
        item_id,
        kind: kind.as_str(),
        file: &file,
        bytes: &bytes,
        quota_bytes: attachments::quota_bytes(state),
        invoice: invoice.as_ref(),
        notice: (&title, &body),
        changes: &changes,
    };
    match state.store.fulfil_item(&fulfilment, state.clock.now_ms()).await? {
        Ok(true) => self::order(state, order.id, None).await,
        Ok(false) => Err(ApiError::new(ErrorCode::Conflict, "the item was fulfilled meanwhile").into()),
        Err(Refused::OverQuota { used }) => Err(attachments::over_quota(state, used)),
    }
}

/// The customer's notification (title, text) and e-mail that an item's
/// outcome is ready, in the language of whoever placed the order.
async fn outcome_notice(
    state: &AppState,
    customer_id: i64,
    order: &Order,
    item: &OrderItem,
) -> Result<(String, String, QueuedMail), ServerError> {
    let user_id = state.store.order_user(order.id).await?;
    let to = recipient(state, customer_id, user_id).await?;
    let (title, body) = if to.language == "en" {
        (
            format!("{} – outcome available", order.code),
            format!("{} is done: open My orders.", item.name_en),
        )
    } else {
        (
            format!("{} – esito disponibile", order.code),
            format!("{} è evaso: apri I miei ordini.", item.name_it),
        )
    };
    let lines = item_lines(&to.language, &[(&item.name_it, &item.name_en, None)]);
    let notice = mails::ShopNotice {
        to: &to.email,
        language: &to.language,
        name: &to.name,
        code: &order.code,
        lines: &lines,
        company: &state.config.company.name,
    };
    Ok((title, body, mails::outcome_ready(&notice).into()))
}

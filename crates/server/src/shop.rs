//! Buying services (E1–E10): the catalogue at this customer's prices, orders
//! paid by the methods the customer proved, quotes, fulfilment as a PDF or in
//! the customer's record layout, and the invoices issued automatically.

use crate::accounts::bad;
use crate::audit::{self, Origin};
use crate::mail::Mail;
use crate::ops::{issue, mail_amount};
use crate::store::auth::Principal;
use crate::store::invoices::NewInvoice;
use crate::store::requests::AttachmentRow;
use crate::store::shop::NewProofRow;
use crate::store::shop::{
    BillingRow, NewItem, NewOrderRow, OrderItemRow, OrderRefused, OrderRow, QuoteRow, ServiceRow,
};
use crate::{events, mails, requests, AppState, ServerError};
use chrono::{DateTime, Datelike, NaiveDate};
use rust_decimal::Decimal;
use sportello_domain::api::shop::{
    AcceptQuote, AgreementInfo, AgreementOption, BillingData, CartItem, Catalogue, ItemStatus, MethodState,
    MethodStatus, NewOrder, NewPaymentProof, NewQuote, Order, OrderItem, OrderStatus, Outcome, OutcomeKind,
    PaymentProof, Pricing, ProofStatus, Quote, QuoteItem, QuotePrice, QuoteStatus, Service, ServiceCategory,
    ShopPaymentMethod, Wallet, MAX_ITEMS, MAX_QUOTE_MESSAGE_CHARS,
};
use sportello_domain::ids::{Pec, TaxCode};
use sportello_domain::invoice::{DocumentKind, InvoiceLine, PaymentMethod};
use sportello_domain::shop::form::{self, FormField, FormValues};
use sportello_domain::shop::layout::RecordLayout;
use sportello_domain::shop::{self as rules, Refusal, Standing};
use sportello_domain::{ApiError, ErrorCode, Money};
use std::collections::BTreeMap;
use std::str::FromStr;

fn corrupt(what: &str) -> ServerError {
    ApiError::new(ErrorCode::Internal, format!("stored {what} does not parse")).into()
}

fn not_found(what: &str) -> ServerError {
    ApiError::new(ErrorCode::NotFound, format!("no such {what}")).into()
}

fn rate(text: &str) -> Result<Decimal, ServerError> {
    Decimal::from_str(text).map_err(|_| corrupt("VAT rate"))
}

fn instant(ms: i64) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn form_fields(row: &ServiceRow) -> Result<Vec<FormField>, ServerError> {
    serde_json::from_str(&row.form).map_err(|_| corrupt("service form"))
}

fn values(json: &str) -> Result<FormValues, ServerError> {
    serde_json::from_str(json).map_err(|_| corrupt("form values"))
}

fn methods(list: &str) -> Vec<ShopPaymentMethod> {
    list.split(',').filter_map(ShopPaymentMethod::parse).collect()
}

fn service(row: &ServiceRow) -> Result<Service, ServerError> {
    Ok(Service {
        code: row.code.clone(),
        category: row.category_code.clone(),
        name_it: row.name_it.clone(),
        name_en: row.name_en.clone(),
        description_it: row.description_it.clone(),
        description_en: row.description_en.clone(),
        pricing: Pricing::parse(&row.pricing).ok_or_else(|| corrupt("pricing"))?,
        price: row.net_cents.map(Money::from_cents),
        vat_rate: rate(&row.vat_rate)?,
        subscription: row.subscription == 1,
        form: form_fields(row)?,
    })
}

/// E1, E7: the catalogue with the prices of the customer's list.
pub async fn catalogue(state: &AppState, who: &Principal) -> Result<Catalogue, ServerError> {
    let list = state.store.price_list_for(who.customer_id).await?;
    let services = state.store.services(&list.code).await?;
    let agreements = state.store.customer_agreements(who.customer_id).await?;
    Ok(Catalogue {
        categories: state
            .store
            .service_categories()
            .await?
            .into_iter()
            .map(|c| ServiceCategory {
                code: c.code,
                name_it: c.name_it,
                name_en: c.name_en,
            })
            .collect(),
        services: services.iter().map(service).collect::<Result<_, _>>()?,
        price_list: list.code,
        price_list_name: list.name,
        agreements: agreements
            .into_iter()
            .map(|(code, name, status)| AgreementInfo { code, name, status })
            .collect(),
        open_agreements: state
            .store
            .agreements()
            .await?
            .into_iter()
            .map(|(code, name)| AgreementOption { code, name })
            .collect(),
    })
}

/// A3, E7: a customer asks to join an agreement; its prices apply once an operator approves.
pub async fn join_agreement(state: &AppState, who: &Principal, origin: &Origin, code: &str) -> Result<(), ServerError> {
    let code = code.trim();
    if !state.store.agreement_exists(code).await? {
        return Err(bad("agreement_code", "unknown", "no agreement has this code"));
    }
    let mine = state.store.customer_agreements(who.customer_id).await?;
    if let Some((_, _, status)) = mine.iter().find(|(c, _, _)| c == code) {
        return Err(ApiError::new(ErrorCode::Conflict, format!("the agreement is already {status}")).into());
    }
    let now = state.clock.now_ms();
    let id = state.store.insert_agreement_request(who.customer_id, code, now).await?;
    audit::record(
        state,
        origin,
        "join_agreement",
        &format!("agreement_request:{id}"),
        code,
    )
    .await
}

fn billing_data(b: BillingRow) -> BillingData {
    BillingData {
        name: b.name,
        tax_code: b.tax_code,
        street: b.street,
        postcode: b.postcode,
        city: b.city,
        province: b.province.unwrap_or_default(),
        sdi_code: b.sdi_code,
        pec: b.pec,
    }
}

async fn billing_on_file(state: &AppState, customer_id: i64) -> Result<BillingRow, ServerError> {
    state
        .store
        .billing(customer_id)
        .await?
        .ok_or_else(|| not_found("customer"))
}

/// E3: checks the billing data; name and tax code must be the account's own
/// (invoices are made out to the account holder), the rest may be updated.
fn checked_billing(on_file: &BillingRow, b: &BillingData) -> Result<BillingRow, ServerError> {
    let field = |name: &str| format!("billing.{name}");
    let tax_code = TaxCode::from_str(&b.tax_code)
        .map_err(|_| bad(&field("tax_code"), "invalid", "not a valid tax code or VAT number"))?;
    if tax_code.as_str() != on_file.tax_code || b.name.trim() != on_file.name {
        return Err(bad(
            &field("tax_code"),
            "not_the_account",
            "invoices are made out to the account holder: name and tax code cannot change here",
        ));
    }
    let street = b.street.trim();
    let city = b.city.trim();
    if street.is_empty() || street.chars().count() > 60 {
        return Err(bad(
            &field("street"),
            "required",
            "the street is required (at most 60 characters)",
        ));
    }
    if city.is_empty() || city.chars().count() > 60 {
        return Err(bad(
            &field("city"),
            "required",
            "the city is required (at most 60 characters)",
        ));
    }
    let postcode = b.postcode.trim();
    if postcode.len() != 5 || !postcode.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad(&field("postcode"), "invalid", "a postcode has 5 digits"));
    }
    let province = b.province.trim().to_ascii_uppercase();
    if province.len() != 2 || !province.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(bad(&field("province"), "invalid", "a province is 2 letters"));
    }
    let sdi_code = b.sdi_code.trim().to_ascii_uppercase();
    if sdi_code.len() != 7 || !sdi_code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad(
            &field("sdi_code"),
            "invalid",
            "a recipient code has 7 letters or digits",
        ));
    }
    let pec = match b.pec.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(text) => Some(
            Pec::from_str(text)
                .map_err(|_| bad(&field("pec"), "invalid", "not a valid e-mail address"))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    if sdi_code == "0000000" && pec.is_none() && matches!(tax_code, TaxCode::Company(_)) {
        return Err(bad(
            &field("pec"),
            "required",
            "a company without a recipient code receives its e-invoices by PEC",
        ));
    }
    Ok(BillingRow {
        name: on_file.name.clone(),
        tax_code: on_file.tax_code.clone(),
        street: street.to_owned(),
        postcode: postcode.to_owned(),
        city: city.to_owned(),
        province: Some(province),
        sdi_code,
        pec,
    })
}

/// A cart's items checked against the catalogue: each service exists, is
/// priced the way the cart wants it, and its form is filled correctly.
async fn checked_items(
    state: &AppState,
    who: &Principal,
    items: &[CartItem],
    pricing: Pricing,
) -> Result<Vec<(ServiceRow, FormValues)>, ServerError> {
    if items.is_empty() {
        return Err(bad("items", "required", "the cart is empty"));
    }
    if items.len() > MAX_ITEMS {
        return Err(bad("items", "too_many", format!("at most {MAX_ITEMS} items at once")));
    }
    let list = state.store.price_list_for(who.customer_id).await?;
    let services = state.store.services(&list.code).await?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let row = services
            .iter()
            .find(|s| s.code == item.service_code)
            .ok_or_else(|| bad(&format!("items[{i}].service_code"), "unknown", "no such service"))?;
        if row.pricing != pricing.as_str() {
            let (problem, message) = match pricing {
                Pricing::Fixed => ("needs_quote", "this service is priced on quotation: request a quote"),
                Pricing::Quote => ("has_price", "this service has a price: add it to the cart"),
            };
            return Err(bad(&format!("items[{i}].service_code"), problem, message));
        }
        let fields = form_fields(row)?;
        let clean = form::check(&fields, &item.form).map_err(|problems| {
            let mut error = ApiError::new(ErrorCode::BadRequest, "the service's form has errors");
            for p in problems {
                error = error.with_field(&format!("items[{i}].form.{}", p.key), p.problem);
            }
            ServerError::from(error)
        })?;
        for id in form::attachment_ids(&fields, &clean) {
            let owned = state.store.attachment(id, Some(who.customer_id)).await?;
            if owned.is_none_or(|a| a.message_id.is_some()) {
                return Err(bad(
                    &format!("items[{i}].form"),
                    "unknown_file",
                    "no such uploaded file",
                ));
            }
        }
        out.push((row.clone(), clean));
    }
    Ok(out)
}

fn new_items(items: &[(ServiceRow, FormValues)]) -> Vec<NewItem<'_>> {
    items
        .iter()
        .map(|(s, values)| NewItem {
            service_code: &s.code,
            name_it: &s.name_it,
            name_en: &s.name_en,
            form: serde_json::to_string(values).unwrap_or_default(),
            net_cents: s.net_cents,
            vat_rate: &s.vat_rate,
        })
        .collect()
}

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

/// Confirmed proofs make a method usable.
async fn standing_parts(state: &AppState, customer_id: i64) -> Result<(Vec<ShopPaymentMethod>, Money), ServerError> {
    let proven = state
        .store
        .proofs(customer_id, Some(ProofStatus::Confirmed.as_str()))
        .await?
        .iter()
        .filter_map(|p| ShopPaymentMethod::parse(&p.method))
        .collect();
    let credit = Money::from_cents(state.store.credit_cents(customer_id).await?);
    Ok((proven, credit))
}

fn refusal(r: Refusal) -> ServerError {
    match r {
        Refusal::NotAllowed => bad(
            "payment_method",
            "not_allowed",
            "the customer's price list does not offer this payment method",
        ),
        Refusal::NotSubscribable => bad(
            "payment_method",
            "not_subscribable",
            "only services that allow a subscription can be paid by subscription",
        ),
        Refusal::NotProven => ApiError::new(
            ErrorCode::PaymentNotProven,
            "no payment has been proven and confirmed for this method yet",
        )
        .into(),
        Refusal::InsufficientCredit => ApiError::new(
            ErrorCode::InsufficientCredit,
            "the prepaid credit does not cover this order",
        )
        .into(),
    }
}

struct Checkout<'a> {
    items: Vec<NewItem<'a>>,
    method: ShopPaymentMethod,
    billing: &'a BillingData,
    all_subscribable: bool,
    quote_id: Option<i64>,
}

/// Checks the payment and billing, stores the order (drawing prepaid credit
/// atomically), saves the billing data and confirms by e-mail.
async fn place(state: &AppState, who: &Principal, origin: &Origin, c: Checkout<'_>) -> Result<Order, ServerError> {
    let list = state.store.price_list_for(who.customer_id).await?;
    let allowed = methods(&list.methods);
    let (proven, credit) = standing_parts(state, who.customer_id).await?;
    let lines = lines(&c.items)?;
    let totals = rules::totals(&lines);
    let standing = Standing {
        allowed: &allowed,
        proven: &proven,
        credit,
    };
    rules::may_pay(&standing, c.method, totals.taxable, c.all_subscribable).map_err(refusal)?;
    let billing = checked_billing(&billing_on_file(state, who.customer_id).await?, c.billing)?;
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
    };
    let now = state.clock.now_ms();
    let (id, code) = match state.store.insert_order(&row, &c.items, now).await? {
        Ok(placed) => placed,
        Err(OrderRefused::InsufficientCredit) => return Err(refusal(Refusal::InsufficientCredit)),
        Err(OrderRefused::QuoteChanged) => {
            return Err(ApiError::new(ErrorCode::Conflict, "the quote is no longer open").into())
        }
    };
    let on_file = crate::store::users::Billing {
        street: &billing.street,
        postcode: &billing.postcode,
        city: &billing.city,
        province: billing.province.as_deref(),
        country: "IT",
        sdi_code: &billing.sdi_code,
        pec: billing.pec.as_deref(),
    };
    state.store.set_billing(who.customer_id, &on_file).await?;
    events::changed(state, Some(who.customer_id), "order", id, "upsert").await?;
    if let Some(quote_id) = c.quote_id {
        events::changed(state, Some(who.customer_id), "quote", quote_id, "upsert").await?;
    }
    if c.method == ShopPaymentMethod::PrepaidCredit {
        events::changed(state, Some(who.customer_id), "wallet", who.customer_id, "upsert").await?;
    }
    let order = order(state, id, Some(who.customer_id)).await?;
    confirm_order(state, who, &order).await?;
    audit::record(
        state,
        origin,
        "place_order",
        &format!("order:{code}"),
        &format!("{} {}", c.method.as_str(), totals.total),
    )
    .await?;
    Ok(order)
}

/// E2, E3, E5: "complete purchase" of the cart's fixed-price services.
pub async fn place_order(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    new: NewOrder,
) -> Result<Order, ServerError> {
    let items = checked_items(state, who, &new.items, Pricing::Fixed).await?;
    let checkout = Checkout {
        all_subscribable: items.iter().all(|(s, _)| s.subscription == 1),
        items: new_items(&items),
        method: new.payment_method,
        billing: &new.billing,
        quote_id: None,
    };
    place(state, who, origin, checkout).await
}

struct Recipient {
    email: String,
    language: String,
    name: String,
}

/// The user who ordered or asked, or the customer's main user if that one is gone.
async fn recipient(state: &AppState, customer_id: i64, user_id: i64) -> Result<Recipient, ServerError> {
    if let Some(user) = state.store.user(user_id).await? {
        return Ok(Recipient {
            email: user.email,
            language: user.language,
            name: user.display_name,
        });
    }
    let main = state
        .store
        .main_user(customer_id)
        .await?
        .ok_or_else(|| not_found("user"))?;
    Ok(Recipient {
        email: main.email,
        language: main.language,
        name: main.display_name,
    })
}

fn method_words(method: ShopPaymentMethod) -> (&'static str, &'static str) {
    match method {
        ShopPaymentMethod::PrepaidCredit => ("credito prepagato", "prepaid credit"),
        ShopPaymentMethod::AdvancePayment => ("pagamento anticipato", "advance payment"),
        ShopPaymentMethod::AdvanceOnConsumption => ("anticipo consumi e saldo finale", "advance on consumption"),
        ShopPaymentMethod::Subscription => ("abbonamento", "subscription"),
    }
}

fn item_lines(language: &str, items: &[(&str, &str, Option<Money>)]) -> Vec<String> {
    items
        .iter()
        .map(|(it, en, net)| {
            let name = if language == "en" { en } else { it };
            match net {
                Some(net) if language == "en" => format!("{name}: {} + VAT", mail_amount(language, *net)),
                Some(net) => format!("{name}: {} + IVA", mail_amount(language, *net)),
                None => (*name).to_owned(),
            }
        })
        .collect()
}

async fn send(state: &AppState, mail: Mail<'_>) -> Result<(), ServerError> {
    state.mailer.send(&state.mail_from, mail).await?;
    Ok(())
}

async fn confirm_order(state: &AppState, who: &Principal, order: &Order) -> Result<(), ServerError> {
    let to = recipient(state, who.customer_id, who.user_id).await?;
    let items: Vec<(&str, &str, Option<Money>)> = order
        .items
        .iter()
        .map(|i| (i.name_it.as_str(), i.name_en.as_str(), Some(i.net)))
        .collect();
    let lines = item_lines(&to.language, &items);
    let notice = mails::ShopNotice {
        to: &to.email,
        language: &to.language,
        name: &to.name,
        code: &order.code,
        lines: &lines,
        company: &state.config.company.name,
    };
    let total = mail_amount(&to.language, order.total);
    send(
        state,
        mails::order_confirmed(&notice, &total, method_words(order.payment_method)),
    )
    .await
}

fn order_item(row: OrderItemRow, files: &BTreeMap<String, AttachmentRow>) -> Result<OrderItem, ServerError> {
    let outcome = match (&row.outcome_kind, &row.attachment_id, row.fulfilled_at) {
        (Some(kind), Some(file), Some(at)) => Some(Outcome {
            kind: OutcomeKind::parse(kind).ok_or_else(|| corrupt("outcome kind"))?,
            file: requests::attachment_info(files.get(file).ok_or_else(|| corrupt("outcome file"))?),
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

async fn order_of(state: &AppState, row: OrderRow) -> Result<Order, ServerError> {
    let items = state.store.order_items(row.id).await?;
    let mut files = BTreeMap::new();
    for id in items.iter().filter_map(|i| i.attachment_id.clone()) {
        if let Some(file) = state.store.attachment(&id, Some(row.customer_id)).await? {
            files.insert(id, file);
        }
    }
    Ok(Order {
        id: row.id,
        code: row.code,
        status: OrderStatus::parse(&row.status).ok_or_else(|| corrupt("order status"))?,
        payment_method: ShopPaymentMethod::parse(&row.payment_method).ok_or_else(|| corrupt("payment method"))?,
        billing: serde_json::from_str(&row.billing).map_err(|_| corrupt("billing"))?,
        items: items
            .into_iter()
            .map(|i| order_item(i, &files))
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
pub async fn order(state: &AppState, id: i64, customer_id: Option<i64>) -> Result<Order, ServerError> {
    let row = state
        .store
        .order(id, customer_id)
        .await?
        .ok_or_else(|| not_found("order"))?;
    order_of(state, row).await
}

/// E5: "my orders", newest first; `customer_id` 0 for every customer's (operators).
pub async fn orders(
    state: &AppState,
    customer_id: i64,
    status: Option<OrderStatus>,
) -> Result<Vec<Order>, ServerError> {
    let rows = state.store.orders(customer_id, status.map(OrderStatus::as_str)).await?;
    futures_util::future::try_join_all(rows.into_iter().map(|row| order_of(state, row))).await
}

/// E4: the quote cart's "request quote".
pub async fn request_quote(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    new: NewQuote,
) -> Result<Quote, ServerError> {
    let items = checked_items(state, who, &new.items, Pricing::Quote).await?;
    let message = new.message.as_deref().map_or("", str::trim);
    if message.chars().count() > MAX_QUOTE_MESSAGE_CHARS {
        return Err(bad(
            "message",
            "too_long",
            format!("a message has at most {MAX_QUOTE_MESSAGE_CHARS} characters"),
        ));
    }
    let rows = new_items(&items);
    let now = state.clock.now_ms();
    let (id, code) = state
        .store
        .insert_quote(
            who.customer_id,
            who.user_id,
            message,
            &rows,
            state.clock.today().year(),
            now,
        )
        .await?;
    events::changed(state, Some(who.customer_id), "quote", id, "upsert").await?;
    let to = recipient(state, who.customer_id, who.user_id).await?;
    let names: Vec<(&str, &str, Option<Money>)> = rows.iter().map(|i| (i.name_it, i.name_en, None)).collect();
    let lines = item_lines(&to.language, &names);
    let notice = mails::ShopNotice {
        to: &to.email,
        language: &to.language,
        name: &to.name,
        code: &code,
        lines: &lines,
        company: &state.config.company.name,
    };
    send(state, mails::quote_requested(&notice)).await?;
    audit::record(state, origin, "request_quote", &format!("quote:{code}"), "").await?;
    quote(state, id, Some(who.customer_id)).await
}

async fn quote_of(state: &AppState, row: QuoteRow) -> Result<Quote, ServerError> {
    let items = state.store.quote_items(row.id).await?;
    let valid_until = row
        .valid_until
        .as_deref()
        .map(NaiveDate::from_str)
        .transpose()
        .map_err(|_| corrupt("validity"))?;
    let stored = QuoteStatus::parse(&row.status).ok_or_else(|| corrupt("quote status"))?;
    let priced: Option<Vec<InvoiceLine>> = items
        .iter()
        .map(|i| {
            i.net_cents
                .map(|c| Ok(rules::line(&i.name_it, Money::from_cents(c), rate(&i.vat_rate)?)))
        })
        .collect::<Option<Result<_, ServerError>>>()
        .transpose()?;
    let totals = priced.as_deref().map(rules::totals);
    Ok(Quote {
        id: row.id,
        code: row.code,
        status: rules::quote_status(stored, valid_until, state.clock.today()),
        message: row.message,
        desk_note: row.desk_note,
        items: items
            .into_iter()
            .map(|i| {
                Ok(QuoteItem {
                    id: i.id,
                    service_code: i.service_code,
                    name_it: i.name_it,
                    name_en: i.name_en,
                    form: values(&i.form)?,
                    net: i.net_cents.map(Money::from_cents),
                    vat_rate: rate(&i.vat_rate)?,
                })
            })
            .collect::<Result<_, ServerError>>()?,
        valid_until,
        net: totals.map(|t| t.taxable),
        vat: totals.map(|t| t.tax),
        total: totals.map(|t| t.total),
        order_id: row.order_id,
        created_at: instant(row.created_at),
        updated_at: instant(row.updated_at),
    })
}

pub async fn quote(state: &AppState, id: i64, customer_id: Option<i64>) -> Result<Quote, ServerError> {
    let row = state
        .store
        .quote(id, customer_id)
        .await?
        .ok_or_else(|| not_found("quote"))?;
    quote_of(state, row).await
}

/// E4: "my quotes", newest first; `customer_id` 0 for every customer's (operators).
pub async fn quotes(
    state: &AppState,
    customer_id: i64,
    status: Option<QuoteStatus>,
) -> Result<Vec<Quote>, ServerError> {
    let rows = state.store.quotes(customer_id, status.map(QuoteStatus::as_str)).await?;
    futures_util::future::try_join_all(rows.into_iter().map(|row| quote_of(state, row))).await
}

/// A quote the customer may still act on: priced and within its validity.
async fn open_quote(state: &AppState, who: &Principal, id: i64) -> Result<Quote, ServerError> {
    let q = quote(state, id, Some(who.customer_id)).await?;
    match q.status {
        QuoteStatus::Priced => Ok(q),
        QuoteStatus::Expired => {
            Err(ApiError::new(ErrorCode::QuoteExpired, "the quote's validity ended: ask for a new one").into())
        }
        other => Err(ApiError::new(ErrorCode::Conflict, format!("the quote is {}", other.as_str())).into()),
    }
}

/// E4: accepting a priced quote places its order.
pub async fn accept_quote(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    id: i64,
    accept: AcceptQuote,
) -> Result<Order, ServerError> {
    let q = open_quote(state, who, id).await?;
    let subscribable = state.store.services("STD").await?;
    let all_subscribable = q.items.iter().all(|i| {
        subscribable
            .iter()
            .any(|s| s.code == i.service_code && s.subscription == 1)
    });
    let forms: Vec<String> = q
        .items
        .iter()
        .map(|i| serde_json::to_string(&i.form).unwrap_or_default())
        .collect();
    let rates: Vec<String> = q.items.iter().map(|i| i.vat_rate.to_string()).collect();
    let items = q
        .items
        .iter()
        .zip(forms)
        .zip(&rates)
        .map(|((i, form), vat_rate)| NewItem {
            service_code: &i.service_code,
            name_it: &i.name_it,
            name_en: &i.name_en,
            form,
            net_cents: i.net.map(Money::cents),
            vat_rate,
        })
        .collect();
    let checkout = Checkout {
        items,
        method: accept.payment_method,
        billing: &accept.billing,
        all_subscribable,
        quote_id: Some(q.id),
    };
    place(state, who, origin, checkout).await
}

/// E4: the customer declines a priced quote.
pub async fn decline_quote(state: &AppState, who: &Principal, origin: &Origin, id: i64) -> Result<Quote, ServerError> {
    let q = open_quote(state, who, id).await?;
    let moved = state
        .store
        .move_quote(q.id, "priced", "declined", state.clock.now_ms())
        .await?;
    if !moved {
        return Err(ApiError::new(ErrorCode::Conflict, "the quote is no longer open").into());
    }
    events::changed(state, Some(who.customer_id), "quote", id, "upsert").await?;
    audit::record(state, origin, "decline_quote", &format!("quote:{}", q.code), "").await?;
    quote(state, id, Some(who.customer_id)).await
}

fn proof(row: &crate::store::shop::ProofRow) -> Result<PaymentProof, ServerError> {
    Ok(PaymentProof {
        id: row.id,
        method: ShopPaymentMethod::parse(&row.method).ok_or_else(|| corrupt("payment method"))?,
        amount: Money::from_cents(row.amount_cents),
        reference: row.reference.clone(),
        status: ProofStatus::parse(&row.status).ok_or_else(|| corrupt("proof status"))?,
        invoice_id: row.invoice_id,
        created_at: instant(row.created_at),
    })
}

/// E8: the customer's methods, credit, advance balance and proofs.
pub async fn wallet(state: &AppState, customer_id: i64) -> Result<Wallet, ServerError> {
    let list = state.store.price_list_for(customer_id).await?;
    let proofs = state.store.proofs(customer_id, None).await?;
    let status_of = |m: ShopPaymentMethod| {
        let of_method = || proofs.iter().filter(|p| p.method == m.as_str());
        if of_method().any(|p| p.status == "confirmed") {
            MethodStatus::Enabled
        } else if of_method().any(|p| p.status == "submitted") {
            MethodStatus::Pending
        } else {
            MethodStatus::Available
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
    };
    let id = state.store.insert_proof(&row, state.clock.now_ms()).await?;
    events::changed(state, Some(who.customer_id), "wallet", who.customer_id, "upsert").await?;
    audit::record(
        state,
        origin,
        "submit_payment_proof",
        &format!("payment_proof:{id}"),
        p.method.as_str(),
    )
    .await?;
    let row = state.store.proof(id).await?.ok_or_else(|| not_found("proof"))?;
    proof(&row)
}

/// O1, E8, E10: an operator confirms or refuses a proof. A confirmed top-up
/// adds the credit and issues its invoice at once (prepaid credit is invoiced
/// when bought, not when spent).
pub async fn decide_proof(
    state: &AppState,
    origin: &Origin,
    id: i64,
    approve: bool,
) -> Result<PaymentProof, ServerError> {
    let row = state.store.proof(id).await?.ok_or_else(|| not_found("proof"))?;
    let top_up = row.method == ShopPaymentMethod::PrepaidCredit.as_str();
    if !state
        .store
        .decide_proof(id, approve, top_up, state.clock.now_ms())
        .await?
    {
        return Err(ApiError::new(ErrorCode::Conflict, "the proof was decided already").into());
    }
    if approve && top_up {
        let amount = Money::from_cents(row.amount_cents);
        let line = rules::line(
            "Acquisto credito prepagato per servizi",
            amount,
            rules::standard_vat_rate(),
        );
        let invoice_id = invoice(state, row.customer_id, &line, "Credito prepagato").await?;
        state.store.set_proof_invoice(id, invoice_id).await?;
    }
    events::changed(state, Some(row.customer_id), "wallet", row.customer_id, "upsert").await?;
    let action = if approve {
        "confirm_payment_proof"
    } else {
        "refuse_payment_proof"
    };
    audit::record(state, origin, action, &format!("payment_proof:{id}"), &row.method).await?;
    let row = state.store.proof(id).await?.ok_or_else(|| not_found("proof"))?;
    proof(&row)
}

/// E10: issues an invoice of one line, already paid (due the day it is issued).
async fn invoice(state: &AppState, customer_id: i64, line: &InvoiceLine, reason: &str) -> Result<i64, ServerError> {
    let today = state.clock.today();
    let number = state
        .store
        .next_document_number(DocumentKind::Invoice, today.year())
        .await?;
    let billing = billing_on_file(state, customer_id).await?;
    let invoice = NewInvoice {
        customer_id,
        contract_id: None,
        kind: DocumentKind::Invoice,
        number: &number,
        issued_on: today,
        due_on: today,
        payment_method: PaymentMethod::BankTransfer,
        reason: Some(reason),
        corrects_id: None,
        lines: std::slice::from_ref(line),
    };
    Ok(issue(state, &billing.name, &invoice).await?.0)
}

/// O1, E4: an operator prices every item of a requested quote.
pub async fn price_quote(state: &AppState, origin: &Origin, id: i64, p: QuotePrice) -> Result<Quote, ServerError> {
    let q = quote(state, id, None).await?;
    if q.status != QuoteStatus::Requested {
        return Err(ApiError::new(ErrorCode::Conflict, format!("the quote is {}", q.status.as_str())).into());
    }
    let mut prices = Vec::new();
    for item in &q.items {
        let net = p
            .prices
            .get(&item.id)
            .ok_or_else(|| bad(&format!("prices.{}", item.id), "required", "every item needs a price"))?;
        if !net.is_positive() {
            return Err(bad(
                &format!("prices.{}", item.id),
                "not_positive",
                "a price is above zero",
            ));
        }
        prices.push((item.id, net.cents()));
    }
    if p.prices.len() != q.items.len() {
        return Err(bad("prices", "unknown_item", "a price names an item not in the quote"));
    }
    if p.valid_until < state.clock.today() {
        return Err(bad(
            "valid_until",
            "in_the_past",
            "the validity cannot end before today",
        ));
    }
    let note = p.note.as_deref().map_or("", str::trim);
    let now = state.clock.now_ms();
    if !state
        .store
        .price_quote(id, &prices, &p.valid_until.to_string(), note, now)
        .await?
    {
        return Err(ApiError::new(ErrorCode::Conflict, "the quote was priced meanwhile").into());
    }
    let row = state.store.quote(id, None).await?.ok_or_else(|| not_found("quote"))?;
    let priced = quote_of(state, row.clone()).await?;
    let customer_id = row.customer_id;
    events::changed(state, Some(customer_id), "quote", id, "upsert").await?;
    tell_quote_ready(state, &row, &priced).await?;
    audit::record(state, origin, "price_quote", &format!("quote:{}", q.code), "").await?;
    Ok(priced)
}

async fn tell_quote_ready(state: &AppState, row: &QuoteRow, q: &Quote) -> Result<(), ServerError> {
    let user_id = state.store.quote_user(row.id).await?;
    let to = recipient(state, row.customer_id, user_id).await?;
    let items: Vec<(&str, &str, Option<Money>)> = q
        .items
        .iter()
        .map(|i| (i.name_it.as_str(), i.name_en.as_str(), i.net))
        .collect();
    let lines = item_lines(&to.language, &items);
    let total = mail_amount(&to.language, q.total.unwrap_or(Money::ZERO));
    let until = q.valid_until.unwrap_or_default();
    let until = if to.language == "en" {
        until.format("%Y-%m-%d").to_string()
    } else {
        until.format("%d/%m/%Y").to_string()
    };
    let (title, body) = if to.language == "en" {
        (
            format!("Quote {} is ready", q.code),
            format!("Total {total}, valid until {until}."),
        )
    } else {
        (
            format!("Preventivo {} pronto", q.code),
            format!("Totale {total}, valido fino al {until}."),
        )
    };
    notify(state, row.customer_id, None, Some(row.id), &title, &body).await?;
    let notice = mails::ShopNotice {
        to: &to.email,
        language: &to.language,
        name: &to.name,
        code: &q.code,
        lines: &lines,
        company: &state.config.company.name,
    };
    send(state, mails::quote_ready(&notice, &total, &until)).await
}

async fn notify(
    state: &AppState,
    customer_id: i64,
    order_id: Option<i64>,
    quote_id: Option<i64>,
    title: &str,
    body: &str,
) -> Result<(), ServerError> {
    let id = state
        .store
        .insert_shop_notification(customer_id, order_id, quote_id, title, body, state.clock.now_ms())
        .await?;
    events::changed(state, Some(customer_id), "notification", id, "upsert").await?;
    Ok(())
}

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
    state
        .store
        .set_record_layout(customer.id, &json, state.clock.now_ms())
        .await?;
    audit::record(
        state,
        origin,
        "set_record_layout",
        &format!("customer:{customer_code}"),
        "",
    )
    .await
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
/// order was paid with prepaid credit the item's invoice is issued.
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
    let order = order(state, row.order_id, None).await?;
    let customer_id = state
        .store
        .order(order.id, None)
        .await?
        .ok_or_else(|| not_found("order"))?
        .customer_id;
    let item = order
        .items
        .iter()
        .find(|i| i.id == item_id)
        .ok_or_else(|| not_found("order item"))?;
    if item.status == ItemStatus::Fulfilled {
        return Err(ApiError::new(ErrorCode::Conflict, "the item was fulfilled already").into());
    }
    let layout = state.store.record_layout(customer_id).await?;
    let (kind, file) = match (delivery, layout) {
        (Delivery::Pdf { name, bytes }, _) => {
            if requests::sniff(bytes) != Some("application/pdf") {
                return Err(ApiError::new(ErrorCode::UnsupportedFileType, "an outcome is a PDF").into());
            }
            (
                OutcomeKind::Pdf,
                requests::store_file(state, customer_id, name, "application/pdf", bytes).await?,
            )
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
            (
                OutcomeKind::Record,
                requests::store_file(state, customer_id, &name, "text/plain", text.as_bytes()).await?,
            )
        }
        (Delivery::Record(_), None) => {
            return Err(bad(
                "record",
                "no_layout",
                "the customer has no record layout: deliver a PDF",
            ))
        }
    };
    let invoice_id = match order.payment_method {
        ShopPaymentMethod::PrepaidCredit => None,
        _ => {
            let line = rules::line(
                &format!("{} – ordine {}", item.name_it, order.code),
                item.net,
                item.vat_rate,
            );
            Some(invoice(state, customer_id, &line, &format!("Ordine {}", order.code)).await?)
        }
    };
    if !state
        .store
        .fulfil_item(item_id, kind.as_str(), &file.id, invoice_id, state.clock.now_ms())
        .await?
    {
        return Err(ApiError::new(ErrorCode::Conflict, "the item was fulfilled meanwhile").into());
    }
    events::changed(state, Some(customer_id), "order", order.id, "upsert").await?;
    if order.payment_method == ShopPaymentMethod::AdvanceOnConsumption {
        events::changed(state, Some(customer_id), "wallet", customer_id, "upsert").await?;
    }
    tell_outcome(state, customer_id, &order, item).await?;
    audit::record(
        state,
        origin,
        "fulfil_order_item",
        &format!("order:{}", order.code),
        &item.service_code,
    )
    .await?;
    self::order(state, order.id, None).await
}

async fn tell_outcome(state: &AppState, customer_id: i64, order: &Order, item: &OrderItem) -> Result<(), ServerError> {
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
    notify(state, customer_id, Some(order.id), None, &title, &body).await?;
    let lines = item_lines(&to.language, &[(&item.name_it, &item.name_en, None)]);
    let notice = mails::ShopNotice {
        to: &to.email,
        language: &to.language,
        name: &to.name,
        code: &order.code,
        lines: &lines,
        company: &state.config.company.name,
    };
    send(state, mails::outcome_ready(&notice)).await
}

/// O1: every customer's proofs in a status (operators).
pub async fn proofs(state: &AppState, status: Option<ProofStatus>) -> Result<Vec<PaymentProof>, ServerError> {
    let rows = state.store.proofs(0, status.map(ProofStatus::as_str)).await?;
    rows.iter().map(proof).collect()
}

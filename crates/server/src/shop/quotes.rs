//! E4: quote requests, an operator's price, acceptance into an order, decline and expiry.

use super::*;

/// E4: the quote cart's "request quote".
pub async fn request_quote(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    new: NewQuote,
) -> Result<Quote, ServerError> {
    let list = state.store.price_list_for(who.customer_id).await?;
    let items = checked_items(state, who, &list, &new.items, Pricing::Quote).await?;
    let message = new.message.as_deref().map_or("", str::trim);
    if message.chars().count() > MAX_QUOTE_MESSAGE_CHARS {
        return Err(bad(
            "message",
            "too_long",
            format!("a message has at most {MAX_QUOTE_MESSAGE_CHARS} characters"),
        ));
    }
    let rows = new_items(&items);
    let to = recipient(state, who.customer_id, who.user_id).await?;
    let names: Vec<(String, String)> = rows
        .iter()
        .map(|i| (i.name_it.to_owned(), i.name_en.to_owned()))
        .collect();
    let (origin, company) = (origin.clone(), state.config.company.name.clone());
    crate::delivery::defer_created(move |quote| {
        let names: Vec<(&str, &str, Option<Money>)> =
            names.iter().map(|(it, en)| (it.as_str(), en.as_str(), None)).collect();
        let lines = item_lines(&to.language, &names);
        let notice = mails::ShopNotice {
            to: &to.email,
            language: &to.language,
            name: &to.name,
            code: &quote.code,
            lines: &lines,
            company: &company,
        };
        vec![
            Effect::Mail(mails::quote_requested(&notice).into()),
            Effect::Audit(audit_row(
                &origin,
                "request_quote",
                &format!("quote:{}", quote.code),
                "",
            )),
        ]
    })?;
    let now = state.clock.now_ms();
    let (id, _code) = state
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
    quote(state, id, Some(who.customer_id)).await
}

async fn quote_of(state: &AppState, row: QuoteRow) -> Result<Quote, ServerError> {
    Ok(quotes_of(state, vec![row]).await?.remove(0))
}

/// Quotes with their items, in one query for the items whatever their number.
async fn quotes_of(state: &AppState, rows: Vec<QuoteRow>) -> Result<Vec<Quote>, ServerError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut items: std::collections::BTreeMap<i64, Vec<_>> = std::collections::BTreeMap::new();
    for item in state.store.quote_items(&ids).await? {
        items.entry(item.quote_id).or_default().push(item);
    }
    rows.into_iter()
        .map(|row| {
            let items = items.remove(&row.id).unwrap_or_default();
            assemble(state, row, items)
        })
        .collect()
}

fn assemble(
    state: &AppState,
    row: QuoteRow,
    items: Vec<crate::store::shop::QuoteItemRow>,
) -> Result<Quote, ServerError> {
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

/// E4: a page of "my quotes", newest first, with one more to tell whether
/// another page follows; `customer_id` None for every customer's (operators).
pub async fn quotes(
    state: &AppState,
    customer_id: Option<i64>,
    status: Option<QuoteStatus>,
    page: Keyset,
) -> Result<Vec<Quote>, ServerError> {
    let scope = Scope {
        customer_id,
        status: status.map(QuoteStatus::as_str),
    };
    let rows = state.store.quotes(scope, page).await?;
    quotes_of(state, rows).await
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
    let list = state.store.price_list_for(who.customer_id).await?;
    let services = state.store.services(&list.code).await?;
    let all_subscribable = q
        .items
        .iter()
        .all(|i| services.iter().any(|s| s.code == i.service_code && s.subscription == 1));
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
        list: &list,
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
    let decline = audit_row(origin, "decline_quote", &format!("quote:{}", q.code), "");
    crate::delivery::defer(state, vec![Effect::Audit(decline)]).await?;
    let moved = state
        .store
        .move_quote(q.id, who.customer_id, "priced", "declined", state.clock.now_ms())
        .await?;
    if !moved {
        return Err(ApiError::new(ErrorCode::Conflict, "the quote is no longer open").into());
    }
    quote(state, id, Some(who.customer_id)).await
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
    let row = state.store.quote(id, None).await?.ok_or_else(|| not_found("quote"))?;
    // The notice, the e-mail and the audit row commit with the prices.
    let (notification, mail) = quote_ready(state, &row, &priced_as(&q, &p)).await?;
    let audit = audit_row(origin, "price_quote", &format!("quote:{}", q.code), "");
    let effects = vec![
        Effect::Notification(Box::new(notification)),
        Effect::Mail(mail),
        Effect::Audit(audit),
    ];
    crate::delivery::defer(state, effects).await?;
    if !state
        .store
        .price_quote(id, row.customer_id, &prices, &p.valid_until.to_string(), note, now)
        .await?
    {
        return Err(ApiError::new(ErrorCode::Conflict, "the quote was priced meanwhile").into());
    }
    quote(state, id, None).await
}

/// A requested quote as it reads once `p` prices it: items, totals, validity.
fn priced_as(q: &Quote, p: &QuotePrice) -> Quote {
    let mut priced = q.clone();
    for item in &mut priced.items {
        item.net = p.prices.get(&item.id).copied();
    }
    let lines: Vec<InvoiceLine> = priced
        .items
        .iter()
        .map(|i| rules::line(&i.name_it, i.net.unwrap_or(Money::ZERO), i.vat_rate))
        .collect();
    let totals = rules::totals(&lines);
    priced.net = Some(totals.taxable);
    priced.vat = Some(totals.tax);
    priced.total = Some(totals.total);
    priced.valid_until = Some(p.valid_until);
    priced
}

/// The customer's notice and e-mail that a quote is priced, in the language
/// of whoever asked for it.
async fn quote_ready(
    state: &AppState,
    row: &QuoteRow,
    q: &Quote,
) -> Result<(NewNotification, QueuedMail), ServerError> {
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
    let notification = NewNotification {
        customer_id: Some(row.customer_id),
        kind: "shop".into(),
        request_id: None,
        order_id: None,
        quote_id: Some(row.id),
        contract_id: None,
        title,
        body,
    };
    let notice = mails::ShopNotice {
        to: &to.email,
        language: &to.language,
        name: &to.name,
        code: &q.code,
        lines: &lines,
        company: &state.config.company.name,
    };
    Ok((notification, mails::quote_ready(&notice, &total, &until).into()))
}

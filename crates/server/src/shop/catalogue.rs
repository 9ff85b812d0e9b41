//! E1, E7, A3: the catalogue at the customer's prices, joining an agreement, and
//! the check of a cart's items against the catalogue and the services' forms.

use super::*;

fn form_fields(row: &ServiceRow) -> Result<Vec<FormField>, ServerError> {
    serde_json::from_str(&row.form).map_err(|_| corrupt("service form"))
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
    let (origin, owned) = (origin.clone(), code.to_owned());
    crate::delivery::defer_created(move |created| {
        let target = format!("agreement_request:{}", created.id);
        vec![Effect::Audit(audit_row(&origin, "join_agreement", &target, &owned))]
    })?;
    let now = state.clock.now_ms();
    state.store.insert_agreement_request(who.customer_id, code, now).await?;
    Ok(())
}

/// A cart's items checked against the catalogue: each service exists, is
/// priced the way the cart wants it, and its form is filled correctly.
pub(super) async fn checked_items(
    state: &AppState,
    who: &Principal,
    list: &PriceListRow,
    items: &[CartItem],
    pricing: Pricing,
) -> Result<Vec<(ServiceRow, FormValues)>, ServerError> {
    if items.is_empty() {
        return Err(bad("items", "required", "the cart is empty"));
    }
    if items.len() > MAX_ITEMS {
        return Err(bad("items", "too_many", format!("at most {MAX_ITEMS} items at once")));
    }
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

pub(super) fn new_items(items: &[(ServiceRow, FormValues)]) -> Vec<NewItem<'_>> {
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

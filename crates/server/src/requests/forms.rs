//! The four self-service forms (S1–S4) checked field by field, and what
//! every message may carry: its text and its attachments.

use super::*;

/// The optional message of a form: at most 500 characters, blank means none.
fn message(text: Option<&str>) -> Result<Option<String>, ServerError> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = text {
        if t.chars().count() > MAX_MESSAGE_CHARS {
            return Err(bad("message", "too_long", "a message has at most 500 characters"));
        }
    }
    Ok(text.map(str::to_owned))
}

fn not_in_the_past(day: NaiveDate, today: NaiveDate) -> Result<(), ServerError> {
    if day < today {
        return Err(bad("effective_from", "in_the_past", "the date cannot be in the past"));
    }
    Ok(())
}

/// Checks that uploaded attachments exist, are the customer's and are not used yet.
pub(super) async fn check_attachments(state: &AppState, customer_id: i64, ids: &[String]) -> Result<(), ServerError> {
    if ids.len() > MAX_ATTACHMENTS {
        return Err(bad("attachment_ids", "too_many", "at most 5 attachments a message"));
    }
    for id in ids {
        let ok = state
            .store
            .attachment(id, Some(customer_id))
            .await?
            .is_some_and(|a| a.message_id.is_none());
        if !ok {
            return Err(bad(
                "attachment_ids",
                "unknown",
                format!("attachment {id} is unknown or already used"),
            ));
        }
    }
    Ok(())
}

/// A validated request: its row fields and its first message.
pub(super) struct Prepared {
    pub(super) kind: RequestKind,
    pub(super) title: String,
    pub(super) contract_id: Option<i64>,
    pub(super) details: RequestDetails,
    pub(super) message: Option<String>,
    pub(super) attachments: Vec<String>,
}

pub(super) async fn prepare(
    state: &AppState,
    who: &Principal,
    req: NewRequest,
    en: bool,
) -> Result<Prepared, ServerError> {
    let today = state.clock.today();
    let t = |it: &str, english: &str| if en { english.to_owned() } else { it.to_owned() };
    Ok(match req {
        NewRequest::IbanChange {
            contract_id,
            new_iban,
            foreign,
            effective_from,
            message: text,
            current_password: _,
        } => {
            let text = message(text.as_deref())?;
            let contract = own_active_contract(state, who, contract_id).await?;
            let iban = sportello_domain::ids::iban::check_new(&new_iban, foreign)
                .map_err(|p| bad(p.field, p.code, format!("{}: {}", p.field, p.message)))?;
            if contract.iban.as_deref() == Some(iban.as_str()) {
                return Err(bad(
                    "new_iban",
                    "same_as_current",
                    "the new IBAN is the one already in use",
                ));
            }
            not_in_the_past(effective_from, today)?;
            Prepared {
                kind: RequestKind::IbanChange,
                title: format!(
                    "{} {}",
                    t("Cambio IBAN - contratto", "IBAN change - contract"),
                    label(&contract)
                ),
                contract_id: Some(contract.id),
                details: RequestDetails::IbanChange {
                    contract_no: label(&contract),
                    current_iban: contract.iban,
                    new_iban: iban.as_str().to_owned(),
                    foreign,
                    effective_from,
                },
                message: text,
                attachments: Vec::new(),
            }
        }
        NewRequest::AddressChange {
            new_address,
            effective_from,
            message: text,
        } => {
            let text = message(text.as_deref())?;
            let new_address = new_address.trim();
            if new_address.is_empty() {
                return Err(bad("new_address", "required", "the new address is required"));
            }
            if new_address.chars().count() > 300 {
                return Err(bad("new_address", "too_long", "an address has at most 300 characters"));
            }
            not_in_the_past(effective_from, today)?;
            let current_address = context(state, who).await?.current_address;
            Prepared {
                kind: RequestKind::AddressChange,
                title: t("Variazione indirizzo", "Change of address"),
                contract_id: None,
                details: RequestDetails::AddressChange {
                    current_address,
                    new_address: new_address.to_owned(),
                    effective_from,
                },
                message: text,
                attachments: Vec::new(),
            }
        }
        NewRequest::Free {
            type_code,
            message: text,
            attachment_ids,
        } => {
            let text = message(text.as_deref())?;
            let types = request_types(if en { "en" } else { "it" });
            let kind = types
                .into_iter()
                .find(|ty| ty.code == type_code)
                .ok_or_else(|| bad("type_code", "unknown", "choose one of the default requests"))?;
            if text.is_none() && attachment_ids.is_empty() {
                return Err(bad("message", "required", "write a message or attach a file"));
            }
            check_attachments(state, who.customer_id, &attachment_ids).await?;
            Prepared {
                kind: RequestKind::Free,
                title: kind.title.clone(),
                contract_id: None,
                details: RequestDetails::Free {
                    type_code: kind.code,
                    type_title: kind.title,
                },
                message: text,
                attachments: attachment_ids,
            }
        }
        NewRequest::EarlyTermination {
            contract_id,
            last_installment_no,
            message: text,
        } => {
            let text = message(text.as_deref())?;
            let contract = own_active_contract(state, who, contract_id).await?;
            let quote = payoff(state, who, contract.id).await?;
            let last = quote
                .installments
                .iter()
                .find(|i| i.number == last_installment_no)
                .ok_or_else(|| {
                    bad(
                        "last_installment_no",
                        "not_a_future_installment",
                        "choose an installment not yet due",
                    )
                })?;
            Prepared {
                kind: RequestKind::EarlyTermination,
                title: format!(
                    "{} {}",
                    t("Estinzione anticipata - contratto", "Early termination - contract"),
                    label(&contract)
                ),
                contract_id: Some(contract.id),
                details: RequestDetails::EarlyTermination {
                    contract_no: label(&contract),
                    outstanding_principal: quote.outstanding_principal,
                    as_of: quote.as_of,
                    last_installment_no,
                    last_installment_due: last.due_on,
                },
                message: text,
                attachments: Vec::new(),
            }
        }
    })
}

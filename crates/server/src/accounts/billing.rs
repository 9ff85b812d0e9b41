//! The billing data of an account holder (E3, A3): checked the same for a
//! registration and for a checkout.

use crate::store::shop::BillingRow;
use crate::ServerError;
use sportello_domain::api::shop::BillingData;
use sportello_domain::ids::{Pec, TaxCode};
use sportello_domain::{ApiError, ErrorCode};
use std::str::FromStr;

/// E3: checks the billing data; name and tax code must be the account's own
/// (invoices are made out to the account holder), the rest may be updated.
pub fn checked_billing(holder: &str, holder_tax_code: &str, b: &BillingData) -> Result<BillingRow, ServerError> {
    let field = |name: &str| format!("billing.{name}");
    let tax_code = TaxCode::from_str(&b.tax_code)
        .map_err(|_| refused(&field("tax_code"), "invalid", "not a valid tax code or VAT number"))?;
    if tax_code.as_str() != holder_tax_code || b.name.trim() != holder {
        return Err(refused(
            &field("tax_code"),
            "not_the_account",
            "invoices are made out to the account holder: name and tax code cannot change here",
        ));
    }
    let street = b.street.trim();
    let city = b.city.trim();
    if street.is_empty() || street.chars().count() > 60 {
        return Err(refused(
            &field("street"),
            "required",
            "the street is required (at most 60 characters)",
        ));
    }
    if city.is_empty() || city.chars().count() > 60 {
        return Err(refused(
            &field("city"),
            "required",
            "the city is required (at most 60 characters)",
        ));
    }
    let postcode = b.postcode.trim();
    if postcode.len() != 5 || !postcode.chars().all(|c| c.is_ascii_digit()) {
        return Err(refused(&field("postcode"), "invalid", "a postcode has 5 digits"));
    }
    let province = b.province.trim().to_ascii_uppercase();
    if province.len() != 2 || !province.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(refused(&field("province"), "invalid", "a province is 2 letters"));
    }
    let sdi_code = b.sdi_code.trim().to_ascii_uppercase();
    if sdi_code.len() != 7 || !sdi_code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(refused(
            &field("sdi_code"),
            "invalid",
            "a recipient code has 7 letters or digits",
        ));
    }
    let pec = match b.pec.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(text) => Some(
            Pec::from_str(text)
                .map_err(|_| refused(&field("pec"), "invalid", "not a valid e-mail address"))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    if sdi_code == "0000000" && pec.is_none() && matches!(tax_code, TaxCode::Company(_)) {
        return Err(refused(
            &field("pec"),
            "required",
            "a company without a recipient code receives its e-invoices by PEC",
        ));
    }
    Ok(BillingRow {
        name: holder.to_owned(),
        tax_code: holder_tax_code.to_owned(),
        street: street.to_owned(),
        postcode: postcode.to_owned(),
        city: city.to_owned(),
        province: Some(province),
        sdi_code,
        pec,
    })
}

fn refused(field: &str, problem: &str, message: &str) -> ServerError {
    ApiError::new(ErrorCode::BadRequest, message)
        .with_field(field, problem)
        .into()
}

//! Identifiers that parse into types: IBAN, codice fiscale, partita IVA, PEC.
//! A value of one of these types is valid by construction; the parse error
//! says what is wrong, so the UI can say it in the user's language.

mod checksum;
pub mod email;
pub mod iban;
pub mod tax_code;
pub mod vat;

pub use email::{Email, EmailError, Pec};
pub use iban::{Iban, IbanError};
pub use tax_code::{TaxCode, TaxCodeError};
pub use vat::{VatError, VatNumber};

/// Upper-cases and drops the spaces people type or paste ("IT60 X054 …").
pub(crate) fn compact(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

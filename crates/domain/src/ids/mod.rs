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

/// What people paste, as the identifier is written: full-width letters and
/// digits (from East Asian keyboards and some PDFs) become ASCII; spaces,
/// dashes and dots between groups are dropped; letters are upper-cased.
pub(crate) fn pasted(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            // U+FF01..U+FF5E are the full-width forms of U+0021..U+007E.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && !SEPARATORS.contains(c))
        .flat_map(char::to_uppercase)
        .collect()
}

/// Group separators people type or banks print: hyphen, non-breaking and
/// typographic dashes, the dot, the middle dot.
const SEPARATORS: &[char] = &[
    '-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '.', '\u{00B7}',
];

//! Any text: parsing never panics, and what parses prints back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sportello_domain::ids::Iban;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(value) = text.parse::<Iban>() {
        assert_eq!(value.to_string().parse::<Iban>(), Ok(value));
    }
});

//! Any text: parsing never panics, and what parses prints back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sportello_domain::ids::Email;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(value) = text.parse::<Email>() {
        assert_eq!(value.to_string().parse::<Email>(), Ok(value));
    }
});

//! Any text: parsing money never panics, and what parses keeps its cents.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sportello_domain::Money;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(money) = text.parse::<Money>() {
        assert_eq!(Money::from_cents(money.cents()), money);
        assert_eq!(money.to_string().parse::<Money>(), Ok(money));
    }
});

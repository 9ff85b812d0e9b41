//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), the codes
//! an authenticator app shows: HMAC-SHA1, 6 digits, 30-second steps, the
//! parameters every authenticator app reads from an `otpauth://` URI.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds a code stays on the authenticator's screen.
pub const STEP_SECS: i64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Bytes of a new secret: 160 bits, RFC 4226's recommendation for SHA-1.
pub const SECRET_BYTES: usize = 20;

/// The step a moment falls in (Unix seconds).
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// RFC 4226 HOTP of `counter`, as the zero-padded digits a user types.
pub fn hotp(secret: &[u8], counter: u64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let bin = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:0width$}", bin % 10u32.pow(DIGITS as u32), width = DIGITS)
}

/// The code of a step.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    hotp(secret, u64::try_from(step).unwrap_or(0))
}

/// The code an authenticator shows at a moment (Unix seconds).
pub fn code_at(secret: &[u8], unix_secs: i64) -> String {
    code_at_step(secret, step_at(unix_secs))
}

/// The step among `now`'s and its two neighbours (a phone's clock may be up
/// to 30 s off, RFC 6238 §6) whose code is `code`, if any. The caller refuses
/// a step it already accepted once (§5.2: a code is good for one login).
pub fn matching_step(secret: &[u8], code: &str, unix_secs: i64) -> Option<i64> {
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_secs);
    let mut found = None;
    // Every candidate is computed and compared in full, so the time taken
    // does not tell which one matched.
    for step in [now - 1, now, now + 1] {
        let candidate = code_at_step(secret, step);
        let same = candidate
            .bytes()
            .zip(code.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        if same && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// A secret as authenticator apps take it typed: base32 without padding.
pub fn encode_secret(secret: &[u8]) -> String {
    BASE32_NOPAD.encode(secret)
}

/// A base32 secret back to bytes; spaces and case are forgiven, as typed.
pub fn decode_secret(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    BASE32_NOPAD.decode(cleaned.as_bytes()).ok().filter(|s| !s.is_empty())
}

/// The `otpauth://` URI an authenticator app scans from a QR code (Key
/// Uri Format): the issuer names the company, the label the user.
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let issuer = percent(issuer);
    let account = percent(account);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret_base32}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}"
    )
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_4226_hotp_vectors() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64), *code, "counter {counter}");
        }
    }

    #[test]
    fn rfc_6238_sha1_vectors_last_six_digits() {
        // Appendix B gives 8 digits; a 6-digit code is their last six.
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, eight) in vectors {
            assert_eq!(code_at(RFC_SECRET, time), eight[2..], "time {time}");
        }
    }

    #[test]
    fn a_neighbouring_step_matches_and_a_far_one_does_not() {
        let now = 1_234_567_890;
        let step = step_at(now);
        assert_eq!(matching_step(RFC_SECRET, &code_at(RFC_SECRET, now), now), Some(step));
        assert_eq!(
            matching_step(RFC_SECRET, &code_at(RFC_SECRET, now - 30), now),
            Some(step - 1)
        );
        assert_eq!(
            matching_step(RFC_SECRET, &code_at(RFC_SECRET, now + 30), now),
            Some(step + 1)
        );
        assert_eq!(matching_step(RFC_SECRET, &code_at(RFC_SECRET, now + 90), now), None);
        assert_eq!(matching_step(RFC_SECRET, "12345", now), None);
        assert_eq!(matching_step(RFC_SECRET, "12a456", now), None);
    }

    #[test]
    fn secrets_round_trip_through_base32_as_typed() {
        let encoded = encode_secret(RFC_SECRET);
        assert_eq!(encoded, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let typed = "gezd gnbv gy3t qojq gezd gnbv gy3t qojq";
        assert_eq!(decode_secret(typed).unwrap(), RFC_SECRET);
        assert_eq!(decode_secret("not base32!"), None);
        assert_eq!(decode_secret(""), None);
    }

    #[test]
    fn the_uri_names_issuer_and_account_escaped() {
        let uri = otpauth_uri("Leasing S.p.A.", "mario rossi", "ABC");
        assert_eq!(
            uri,
            "otpauth://totp/Leasing%20S.p.A.:mario%20rossi?secret=ABC&issuer=Leasing%20S.p.A.&algorithm=SHA1&digits=6&period=30"
        );
    }
}

//! Random tokens and one-time codes, and the hashes they are stored as.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

pub const ACCESS_PREFIX: &str = "spa_";
pub const REFRESH_PREFIX: &str = "spr_";

/// 256 random bits, URL-safe, with a prefix that tells secret scanners what it is.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// An identifier that is unguessable but not itself a credential.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `text` can be an id `new_id` made (22 URL-safe characters): a
/// lookup of anything else is answered "unknown" without reaching the
/// database.
pub fn is_id(text: &str) -> bool {
    text.len() == 22
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A temporary password to type from an e-mail: 16 characters without the
/// look-alikes (0/O, 1/l/I), about 90 bits.
pub fn new_temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = OsRng;
    (0..16)
        .map(|i| {
            let c = char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]);
            if i % 4 == 3 && i < 15 {
                format!("{c}-")
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Six uniformly random digits.
pub fn new_code() -> String {
    format!("{:06}", OsRng.gen_range(0..1_000_000u32))
}

pub fn sha256_hex(text: &str) -> String {
    sha256_hex_bytes(text.as_bytes())
}

pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A code is only meaningful with its challenge, so the challenge salts it.
pub fn code_hash(challenge_id: &str, code: &str) -> String {
    sha256_hex(&format!("{challenge_id}:{code}"))
}

/// Compares without an early exit, so timing says nothing about where two hashes differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// "mario.rossi@pec.it" → "m***@pec.it": enough to recognise, not to harvest.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Letters and digits of a recovery code, without the look-alikes.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A recovery code to write down: ten characters in two groups
/// ("k3m9p-x2q7r"), about 50 bits.
pub fn new_recovery_code() -> String {
    let mut rng = OsRng;
    let pick = |rng: &mut OsRng| char::from(RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())]);
    let first: String = (0..5).map(|_| pick(&mut rng)).collect();
    let second: String = (0..5).map(|_| pick(&mut rng)).collect();
    format!("{first}-{second}")
}

/// A recovery code as typed (any case, with or without the dash or
/// spaces) in the form it is hashed in; None when it cannot be one.
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == 10 && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(code)
}

/// What a recovery code is stored as.
pub fn recovery_code_hash(normalized: &str) -> String {
    sha256_hex(&format!("recovery:{normalized}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_new_id_makes_is_an_id() {
        assert!(is_id(&new_id()));
        assert!(!is_id(&"a".repeat(10_000)), "an overlong id is not looked up");
        assert!(!is_id("short"));
        assert!(!is_id("abcdefghij/klmnopqrstu"), "outside the alphabet");
    }

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..1000 {
            let code = new_code();
            assert_eq!(code.len(), 6);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn tokens_are_distinct_and_prefixed() {
        let (a, b) = (new_token(REFRESH_PREFIX), new_token(REFRESH_PREFIX));
        assert_ne!(a, b);
        assert!(a.starts_with("spr_") && a.len() == 4 + 43);
    }

    #[test]
    fn masks_the_local_part() {
        assert_eq!(mask_email("mario.rossi@pec.it"), "m***@pec.it");
        assert_eq!(mask_email("nonsense"), "***");
    }

    #[test]
    fn constant_time_eq_compares_exactly() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }

    #[test]
    fn recovery_codes_are_read_as_typed_and_nothing_else() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        let bare = normalize_recovery_code(&code).unwrap();
        assert_eq!(
            normalize_recovery_code(&code.to_uppercase().replace('-', " ")),
            Some(bare)
        );
        assert_eq!(normalize_recovery_code("123456"), None, "six digits are an app code");
        assert_eq!(normalize_recovery_code("k3m9p-x2q7l"), None, "no look-alike letters");
        assert_eq!(normalize_recovery_code("k3m9p-x2q7rr"), None);
    }
}

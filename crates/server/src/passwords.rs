//! Password hashing: Argon2id with the OWASP baseline (19 MiB, t = 2, p = 1).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Argon2 verifications run by this process: tests count them to show that
/// every kind of failed login costs the same work.
static VERIFICATIONS: AtomicU64 = AtomicU64::new(0);

pub fn verifications() -> u64 {
    VERIFICATIONS.load(Ordering::Relaxed)
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashing cannot fail with valid params")
        .to_string()
}

/// A stored hash that is unreadable (an account with no password yet) counts
/// as a mismatch, never as a match, after the same work as a real check.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => {
            VERIFICATIONS.fetch_add(1, Ordering::Relaxed);
            argon2().verify_password(password.as_bytes(), &parsed).is_ok()
        }
        Err(_) => {
            verify_dummy(password);
            false
        }
    }
}

/// Verifying against this when the username is unknown makes both failures
/// take the same time, so timing does not reveal which usernames exist.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let _ = verify(password, DUMMY.get_or_init(|| hash("sportello-dummy-password")));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_and_the_owasp_parameters() {
        let stored = hash("correct horse battery staple");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify("correct horse battery staple", &stored));
        assert!(!verify("correct horse battery stapler", &stored));
        assert!(!verify("anything", "not a hash"));
    }
}

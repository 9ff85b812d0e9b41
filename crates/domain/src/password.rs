//! Password rules of ASVS 5.0 (V6.2): 12 to 128 characters, no composition
//! rules, and not one of the passwords attackers try first.
//!
//! The bundled list (`data/common-passwords.txt`) holds the 44,150 passwords
//! of 12 to 128 characters among the million most common in leaked-password
//! corpora (SecLists' "10-million-password-list-top-1000000", MIT licence):
//! only those can pass the length rule, so only those need checking.

use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("a password has at least 12 characters")]
    TooShort,
    #[error("a password has at most 128 characters")]
    TooLong,
    #[error("this password is among the most common ones and is guessed first")]
    Common,
    #[error("a password must not contain the username")]
    ContainsUsername,
}

impl PasswordProblem {
    /// The code the API puts in `fields.password`; the UI translates it.
    pub fn code(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "too_short",
            PasswordProblem::TooLong => "too_long",
            PasswordProblem::Common => "common",
            PasswordProblem::ContainsUsername => "contains_username",
        }
    }
}

fn common_passwords() -> &'static HashSet<String> {
    static LIST: OnceLock<HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .map(str::to_lowercase)
            .collect()
    })
}

/// Checks a new password. Length counts characters (Unicode scalar values),
/// not bytes, so accented letters count once. The common-password check is
/// case-blind: "QWERTYUIOPASDF" is as guessable as "qwertyuiopasdf".
pub fn check(password: &str, username: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    if common_passwords().contains(&lower) {
        return Err(PasswordProblem::Common);
    }
    let name = username.trim().to_lowercase();
    if name.len() >= 4 && lower.contains(&name) {
        return Err(PasswordProblem::ContainsUsername);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_from_12_to_128() {
        assert_eq!(check("short pass!", "10093"), Err(PasswordProblem::TooShort));
        assert_eq!(
            check("àèìòùàèìòùàè", "10093"),
            Ok(()),
            "12 accented letters are 12 characters"
        );
        assert_eq!(check(&"x".repeat(128).replace("xx", "xy"), "10093"), Ok(()));
        assert_eq!(check(&"ab".repeat(65), "10093"), Err(PasswordProblem::TooLong));
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert_eq!(check("1qaz2wsx3edc", "10093"), Err(PasswordProblem::Common));
        assert_eq!(check("QWERTY123456", "10093"), Err(PasswordProblem::Common));
        assert!(common_passwords().len() > 40_000, "the whole list is bundled");
        assert_eq!(check("ombrellone verde a Rimini", "10093"), Ok(()));
    }

    #[test]
    fn no_composition_rules_but_not_the_username() {
        assert_eq!(check("tutte lettere minuscole", "10093"), Ok(()));
        assert_eq!(
            check("mario.rossi-password", "Mario.Rossi"),
            Err(PasswordProblem::ContainsUsername)
        );
    }
}

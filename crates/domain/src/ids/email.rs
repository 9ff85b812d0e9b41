//! E-mail addresses, and PEC (posta elettronica certificata) addresses.
//! A PEC address has ordinary e-mail syntax; whether a mailbox is certified
//! cannot be seen from the address, so `Pec` records that the customer gave it
//! as their certified address (mandatory for companies).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pec(Email);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("an e-mail address has one @ between a name and a domain")]
    Shape,
    #[error("the e-mail address is too long")]
    TooLong,
    #[error("the part before @ has characters an address cannot have")]
    LocalPart,
    #[error("the domain of the e-mail address is not valid")]
    Domain,
}

const LOCAL_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~.";

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

impl FromStr for Email {
    type Err = EmailError;

    /// The dot-atom form of RFC 5322 with an ASCII DNS domain: what mail
    /// providers and PEC providers accept in practice.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        if text.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(EmailError::Shape)?;
        if local.is_empty() || domain.is_empty() {
            return Err(EmailError::Shape);
        }
        let local_ok = local.len() <= 64
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        if !local_ok {
            return Err(EmailError::LocalPart);
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let tld_ok = labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if labels.len() < 2 || !labels.iter().all(|l| valid_label(l)) || !tld_ok {
            return Err(EmailError::Domain);
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }
}

impl FromStr for Pec {
    type Err = EmailError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        input.parse().map(Pec)
    }
}

/// Domains of accredited PEC providers that do not say "pec" in their name.
const PEC_PROVIDER_DOMAINS: &[&str] = &[
    "legalmail.it",
    "postecert.it",
    "postacert.it",
    "sicurezzapostale.it",
    "cert.legalmail.it",
    "actaliscertymail.it",
    "certificazioneposta.it",
    "mypec.eu",
];

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the address is on a certified-mail (PEC) domain. A mailbox's
    /// certification cannot be proven from its address, but PEC boxes live on
    /// the providers' domains ("…@pec.it", "…@legalmail.it") or on a company
    /// domain with a "pec" label ("…@pec.rossi.it"); an ordinary mailbox such
    /// as "…@gmail.com" is surely not one, and that is the mistake to stop.
    pub fn looks_certified(&self) -> bool {
        let domain = self.0.rsplit_once('@').map_or("", |(_, d)| d);
        domain
            .split('.')
            .any(|label| label == "pec" || label.starts_with("pec") || label.ends_with("pec"))
            || PEC_PROVIDER_DOMAINS
                .iter()
                .any(|p| domain == *p || domain.ends_with(&format!(".{p}")))
    }
}

impl Pec {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Pec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Email> for String {
    fn from(value: Email) -> String {
        value.0
    }
}

impl TryFrom<String> for Pec {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Pec> for String {
    fn from(value: Pec) -> String {
        value.0 .0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tells_certified_mail_domains_from_ordinary_ones() {
        for pec in [
            "a@pec.it",
            "studio@pec.studiorossi.example",
            "x@legalmail.it",
            "y@arubapec.it",
            "z@cert.legalmail.it",
        ] {
            assert!(pec.parse::<Email>().unwrap().looks_certified(), "{pec}");
        }
        for plain in ["a@gmail.com", "b@libero.it", "c@specchio.it", "d@studiorossi.example"] {
            assert!(!plain.parse::<Email>().unwrap().looks_certified(), "{plain}");
        }
    }

    #[test]
    fn accepts_ordinary_and_certified_addresses() {
        assert_eq!(
            "mario.rossi@pec.it".parse::<Pec>().unwrap().as_str(),
            "mario.rossi@pec.it"
        );
        assert_eq!(
            " Studio+Rossi@LegalMail.IT ".parse::<Email>().unwrap().as_str(),
            "Studio+Rossi@legalmail.it"
        );
        assert!("a@b.co".parse::<Email>().is_ok());
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!("mario.rossi".parse::<Email>(), Err(EmailError::Shape));
        assert_eq!("@pec.it".parse::<Email>(), Err(EmailError::Shape));
        assert_eq!("mario..rossi@pec.it".parse::<Email>(), Err(EmailError::LocalPart));
        assert_eq!("mario rossi@pec.it".parse::<Email>(), Err(EmailError::LocalPart));
        assert_eq!("mario@pec".parse::<Email>(), Err(EmailError::Domain));
        assert_eq!("mario@-pec.it".parse::<Email>(), Err(EmailError::Domain));
        assert_eq!("mario@pec.i".parse::<Email>(), Err(EmailError::Domain));
        assert_eq!(
            format!("{}@pec.it", "a".repeat(250)).parse::<Email>(),
            Err(EmailError::TooLong)
        );
    }

    proptest! {
        #[test]
        fn generated_addresses_parse_and_round_trip(local in "[a-z0-9]{1,10}(\\.[a-z0-9]{1,10}){0,2}", domain in "[a-z0-9]{1,10}\\.(it|com|eu)") {
            let text = format!("{local}@{domain}");
            let email: Email = text.parse().unwrap();
            prop_assert_eq!(email.as_str(), text.as_str());
            let json = serde_json::to_string(&email).unwrap();
            prop_assert_eq!(serde_json::from_str::<Email>(&json).unwrap(), email);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let _ = text.parse::<Email>();
        }
    }
}

//! Partita IVA (DPR 633/1972, art. 35): 11 digits: the taxpayer's number
//! (7 digits, never all zeros), the office that assigned it (3 digits: a
//! provincial office 001–100, or 120, 121, 888, 999 for the Agenzia delle
//! Entrate's special series) and a Luhn-style check digit.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VatNumber(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VatError {
    #[error("a partita IVA has 11 digits")]
    Length,
    #[error("a partita IVA has only digits")]
    NotDigits,
    #[error("the first seven digits of a partita IVA are not all zeros")]
    Zeros,
    #[error("digits 8 to 10 of the partita IVA are not an office code of the Agenzia delle Entrate")]
    Office,
    #[error("the check digit of the partita IVA is wrong")]
    CheckDigit,
}

/// Whether digits 8–10 name an office that assigns partite IVA.
fn is_office(code: &str) -> bool {
    ("001"..="100").contains(&code) || ["120", "121", "888", "999"].contains(&code)
}

/// The check digit of the first ten digits.
pub(crate) fn vat_check_digit(first_ten: &[u32]) -> u32 {
    let sum: u32 = first_ten
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                d
            } else if d * 2 > 9 {
                d * 2 - 9
            } else {
                d * 2
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

impl FromStr for VatNumber {
    type Err = VatError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = super::pasted(input);
        let text = text.strip_prefix("IT").unwrap_or(&text).to_owned();
        if text.chars().count() != 11 {
            return Err(VatError::Length);
        }
        let digits: Vec<u32> = text
            .chars()
            .map(|c| c.to_digit(10))
            .collect::<Option<_>>()
            .ok_or(VatError::NotDigits)?;
        if digits[..7].iter().all(|&d| d == 0) {
            return Err(VatError::Zeros);
        }
        if !is_office(&text[7..10]) {
            return Err(VatError::Office);
        }
        if vat_check_digit(&digits[..10]) != digits[10] {
            return Err(VatError::CheckDigit);
        }
        Ok(VatNumber(text))
    }
}

impl VatNumber {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for VatNumber {
    type Error = VatError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<VatNumber> for String {
    fn from(value: VatNumber) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_check_digit(first_ten: &str) -> String {
        let digits: Vec<u32> = first_ten.chars().map(|c| c.to_digit(10).unwrap()).collect();
        format!("{first_ten}{}", vat_check_digit(&digits))
    }

    #[test]
    fn accepts_real_numbers_and_says_what_is_wrong() {
        // Claris Leasing's own partita IVA, from the Customer Portal manual,
        // and the Agenzia delle Entrate's.
        assert_eq!("02529020220".parse::<VatNumber>().unwrap().as_str(), "02529020220");
        assert_eq!("IT 06363391001".parse::<VatNumber>().unwrap().as_str(), "06363391001");
        assert_eq!(
            "IT 025.290-202.20".parse::<VatNumber>().unwrap().as_str(),
            "02529020220"
        );
        assert_eq!(
            "０２５２９０２０２２０".parse::<VatNumber>().unwrap().as_str(),
            "02529020220"
        );
        assert_eq!("02529020221".parse::<VatNumber>(), Err(VatError::CheckDigit));
        assert_eq!("0252902022".parse::<VatNumber>(), Err(VatError::Length));
        assert_eq!("0252902022A".parse::<VatNumber>(), Err(VatError::NotDigits));
    }

    #[test]
    fn the_office_code_and_the_taxpayer_number_are_checked() {
        for office in ["001", "050", "100", "120", "121", "888", "999"] {
            let number = with_check_digit(&format!("1234567{office}"));
            assert!(number.parse::<VatNumber>().is_ok(), "{number}");
        }
        for office in ["000", "101", "119", "122", "500", "887", "998"] {
            let number = with_check_digit(&format!("1234567{office}"));
            assert_eq!(number.parse::<VatNumber>(), Err(VatError::Office), "{number}");
        }
        assert_eq!(
            with_check_digit("0000000001").parse::<VatNumber>(),
            Err(VatError::Zeros)
        );
        assert_eq!("00000000000".parse::<VatNumber>(), Err(VatError::Zeros));
    }

    proptest! {
        /// A changed digit is always caught; when the number still has a
        /// taxpayer and an office, the check digit is what catches it.
        #[test]
        fn every_single_digit_change_is_caught(
            taxpayer in 1u32..10_000_000,
            office in proptest::sample::select(vec![1u32, 22, 58, 100, 120, 121, 888, 999]),
            pos in 0usize..11,
            delta in 1u32..10,
        ) {
            let text = with_check_digit(&format!("{taxpayer:07}{office:03}"));
            prop_assert!(text.parse::<VatNumber>().is_ok());
            let mut digits: Vec<u32> = text.chars().map(|c| c.to_digit(10).unwrap()).collect();
            digits[pos] = (digits[pos] + delta) % 10;
            let broken: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
            let still_shaped = digits[..7].iter().any(|&d| d != 0) && is_office(&broken[7..10]);
            let verdict = broken.parse::<VatNumber>();
            prop_assert!(verdict.is_err());
            if still_shaped {
                prop_assert_eq!(verdict, Err(VatError::CheckDigit));
            }
        }
    }
}

//! Codice fiscale: 16 characters for a person (with omocodia), or 11 digits
//! for a company or other legal person (the same number as its partita IVA).

use super::checksum::check_letter;
use super::vat::{VatError, VatNumber};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TaxCode {
    Person(String),
    Company(VatNumber),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TaxCodeError {
    #[error("a codice fiscale has 16 characters (11 digits for a company)")]
    Length,
    #[error("the codice fiscale is not laid out as letters and digits should be")]
    Format,
    #[error("the month letter of the codice fiscale is not valid")]
    Month,
    #[error("the day of birth in the codice fiscale is not a day of its month")]
    Day,
    #[error("the company's codice fiscale is not a number the Agenzia delle Entrate assigns")]
    CompanyNumber,
    #[error("the check character of the codice fiscale is wrong")]
    CheckCharacter,
}

/// Positions (0-based) of the digits that omocodia may replace with letters.
const OMOCODE_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// 0–9 as written in an omocode.
const OMOCODE_LETTERS: &str = "LMNPQRSTUV";
const MONTHS: &str = "ABCDEHLMPRST";

fn digit_at(c: char) -> Option<u32> {
    c.to_digit(10).or_else(|| OMOCODE_LETTERS.find(c).map(|i| i as u32))
}

fn parse_person(code: &str) -> Result<TaxCode, TaxCodeError> {
    let chars: Vec<char> = code.chars().collect();
    let letters_at = [0, 1, 2, 3, 4, 5, 8, 11, 15];
    if letters_at.iter().any(|&i| !chars[i].is_ascii_uppercase())
        || OMOCODE_POSITIONS.iter().any(|&i| digit_at(chars[i]).is_none())
    {
        return Err(TaxCodeError::Format);
    }
    if !MONTHS.contains(chars[8]) {
        return Err(TaxCodeError::Month);
    }
    let two = |i: usize| digit_at(chars[i]).unwrap_or(0) * 10 + digit_at(chars[i + 1]).unwrap_or(0);
    let month = MONTHS.find(chars[8]).map_or(0, |m| m as u32 + 1);
    if !is_birthday(two(6), month, two(9)) {
        return Err(TaxCodeError::Day);
    }
    if check_letter(&code[..15]) != Some(chars[15]) {
        return Err(TaxCodeError::CheckCharacter);
    }
    Ok(TaxCode::Person(code.to_owned()))
}

/// Whether `day` (women's days are 41–71) exists in `month` of a year
/// ending in `yy`. The century is not written, so a date stands when it
/// exists in 19yy or in 20yy: 29 February 2000 is real though 1900 had none.
fn is_birthday(yy: u32, month: u32, day: u32) -> bool {
    let day = if day > 40 { day - 40 } else { day };
    [1900, 2000].iter().any(|century| {
        let year = i32::try_from(century + yy).unwrap_or(0);
        chrono::NaiveDate::from_ymd_opt(year, month, day).is_some()
    })
}

impl FromStr for TaxCode {
    type Err = TaxCodeError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let code = super::pasted(input);
        match code.chars().count() {
            16 if code.is_ascii() => parse_person(&code),
            16 => Err(TaxCodeError::Format),
            11 => code.parse::<VatNumber>().map(TaxCode::Company).map_err(|e| match e {
                VatError::CheckDigit => TaxCodeError::CheckCharacter,
                VatError::Length => TaxCodeError::Length,
                VatError::NotDigits => TaxCodeError::Format,
                VatError::Zeros | VatError::Office => TaxCodeError::CompanyNumber,
            }),
            _ => Err(TaxCodeError::Length),
        }
    }
}

impl TaxCode {
    pub fn as_str(&self) -> &str {
        match self {
            TaxCode::Person(code) => code,
            TaxCode::Company(vat) => vat.as_str(),
        }
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for TaxCode {
    type Error = TaxCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<TaxCode> for String {
    fn from(value: TaxCode) -> String {
        value.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_people_companies_and_omocodes() {
        assert!(matches!("RSSMRA85T10A562S".parse(), Ok(TaxCode::Person(_))));
        assert!(matches!(" rssmra85t10a562s ".parse(), Ok(TaxCode::Person(_))));
        // The same person after omocodia on the last digit (2 → N), with its own check letter.
        let omocode = format!("RSSMRA85T10A56N{}", check_letter("RSSMRA85T10A56N").unwrap());
        assert!(matches!(omocode.parse(), Ok(TaxCode::Person(_))));
        assert!(matches!("02529020220".parse(), Ok(TaxCode::Company(_))));
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!("RSSMRA85T10A562T".parse::<TaxCode>(), Err(TaxCodeError::CheckCharacter));
        assert_eq!("RSSMRA85Z10A562S".parse::<TaxCode>(), Err(TaxCodeError::Month));
        assert_eq!("RSSMRA85T32A562S".parse::<TaxCode>(), Err(TaxCodeError::Day));
        assert_eq!("RSS1RA85T10A562S".parse::<TaxCode>(), Err(TaxCodeError::Format));
        assert_eq!("RSSMRA85T10A562".parse::<TaxCode>(), Err(TaxCodeError::Length));
        assert_eq!("02529020221".parse::<TaxCode>(), Err(TaxCodeError::CheckCharacter));
        assert_eq!("RSSMRÀ85T10A562S".parse::<TaxCode>(), Err(TaxCodeError::Format));
    }

    /// A code for a birth date, with its check letter.
    fn born(yy: u32, month: char, day: u32) -> String {
        let body = format!("RSSMRA{yy:02}{month}{day:02}A562");
        format!("{body}{}", check_letter(&body).unwrap())
    }

    #[test]
    fn the_day_must_exist_in_its_month() {
        // A (January) … T (December); women's days are the day plus 40.
        assert!(born(85, 'A', 31).parse::<TaxCode>().is_ok());
        assert!(born(85, 'A', 71).parse::<TaxCode>().is_ok());
        for (month, day) in [
            ('D', 31),
            ('H', 31),
            ('P', 31),
            ('S', 31),
            ('B', 30),
            ('D', 71),
            ('B', 70),
        ] {
            assert_eq!(
                born(85, month, day).parse::<TaxCode>(),
                Err(TaxCodeError::Day),
                "{month}{day}"
            );
        }
        assert_eq!(born(85, 'A', 0).parse::<TaxCode>(), Err(TaxCodeError::Day));
        assert_eq!(born(85, 'A', 40).parse::<TaxCode>(), Err(TaxCodeError::Day));
        // 29 February: 2000 and 1904/2004 had one, 1901/2001 did not; 1900 had none but 2000 did.
        assert!(born(0, 'B', 29).parse::<TaxCode>().is_ok());
        assert!(born(4, 'B', 69).parse::<TaxCode>().is_ok());
        assert_eq!(born(1, 'B', 29).parse::<TaxCode>(), Err(TaxCodeError::Day));
        assert_eq!(born(85, 'B', 29).parse::<TaxCode>(), Err(TaxCodeError::Day));
    }

    #[test]
    fn a_company_code_follows_the_partita_iva_rules() {
        assert_eq!("00000000000".parse::<TaxCode>(), Err(TaxCodeError::CompanyNumber));
        // Office 500 does not exist (check digit right).
        assert_eq!("12345675008".parse::<TaxCode>(), Err(TaxCodeError::CompanyNumber));
    }

    fn person_code() -> impl Strategy<Value = String> {
        (
            "[A-Z]{6}",
            0u32..100,
            proptest::sample::select(MONTHS.chars().collect::<Vec<_>>()),
            prop_oneof![1u32..=28, 41u32..=68],
            "[A-Z]",
            0u32..1000,
        )
            .prop_map(|(name, year, month, day, place, town)| {
                let body = format!("{name}{year:02}{month}{day:02}{place}{town:03}");
                format!("{body}{}", check_letter(&body).unwrap())
            })
    }

    proptest! {
        #[test]
        fn generated_codes_parse_and_a_changed_check_letter_does_not(code in person_code(), shift in 1u8..26) {
            prop_assert!(code.parse::<TaxCode>().is_ok());
            let last = code.as_bytes()[15];
            let wrong = (b'A' + (last - b'A' + shift) % 26) as char;
            let broken = format!("{}{wrong}", &code[..15]);
            prop_assert_eq!(broken.parse::<TaxCode>(), Err(TaxCodeError::CheckCharacter));
        }

        #[test]
        fn omocodia_keeps_a_code_valid(code in person_code(), which in 0usize..7) {
            let mut chars: Vec<char> = code.chars().collect();
            let pos = OMOCODE_POSITIONS[6 - which];
            let digit = chars[pos].to_digit(10).unwrap() as usize;
            chars[pos] = OMOCODE_LETTERS.chars().nth(digit).unwrap();
            let body: String = chars[..15].iter().collect();
            let omocode = format!("{body}{}", check_letter(&body).unwrap());
            prop_assert!(omocode.parse::<TaxCode>().is_ok());
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,20}") {
            let _ = text.parse::<TaxCode>();
        }
    }
}

//! The European Payments Council's QR code for a SEPA credit transfer
//! (EPC069-12, "Quick Response Code: guidelines to enable data capture for
//! the initiation of a SEPA credit transfer", version 002): the text a
//! banking app reads to fill in beneficiary, IBAN, amount and remittance.

use crate::ids::iban::Iban;
use rust_decimal::Decimal;

/// The most bytes the standard allows in the whole payload.
pub const MAX_PAYLOAD_BYTES: usize = 331;
/// The longest beneficiary name.
pub const MAX_NAME_CHARS: usize = 70;
/// The longest unstructured remittance information.
pub const MAX_REMITTANCE_CHARS: usize = 140;

/// A credit transfer to pay: to whom, where, how much and with what reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditTransfer {
    pub beneficiary: String,
    pub iban: Iban,
    /// Optional within the EEA from version 002 on.
    pub bic: Option<String>,
    /// In euro, 0.01 to 999,999,999.99, at most two decimals.
    pub amount: Decimal,
    /// The reason the payer's bank passes on ("Contratto 1/2345 rata 7").
    pub remittance: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EpcError {
    #[error("the beneficiary's name is empty or longer than 70 characters")]
    Beneficiary,
    #[error("a BIC has 8 or 11 letters and digits")]
    Bic,
    #[error("the amount must be between 0.01 and 999999999.99 euro, with at most two decimals")]
    Amount,
    #[error("the remittance text is longer than 140 characters")]
    Remittance,
    #[error("a line of the payload holds a line break")]
    LineBreak,
    #[error("the payload is longer than 331 bytes")]
    TooLong,
}

impl CreditTransfer {
    /// The payload, its elements one a line (LF), version 002, UTF-8.
    pub fn payload(&self) -> Result<String, EpcError> {
        let name = self.beneficiary.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(EpcError::Beneficiary);
        }
        let bic = self.bic.as_deref().map(str::trim).unwrap_or("");
        let bic_shaped = matches!(bic.len(), 8 | 11) && bic.chars().all(|c| c.is_ascii_alphanumeric());
        if !bic.is_empty() && !bic_shaped {
            return Err(EpcError::Bic);
        }
        let amount = self.amount.normalize();
        let in_range = amount >= Decimal::new(1, 2) && amount <= Decimal::new(99_999_999_999, 2);
        if !in_range || amount.scale() > 2 {
            return Err(EpcError::Amount);
        }
        let remittance = self.remittance.trim();
        if remittance.chars().count() > MAX_REMITTANCE_CHARS {
            return Err(EpcError::Remittance);
        }
        if [name, bic, remittance].iter().any(|text| text.contains(['\n', '\r'])) {
            return Err(EpcError::LineBreak);
        }
        let lines = [
            "BCD",
            "002",
            "1",
            "SCT",
            bic,
            name,
            self.iban.as_str(),
            &format!("EUR{}", amount.round_dp(2)),
            "",
            "",
            remittance,
        ];
        // Trailing empty elements are left out, with their line breaks.
        let payload = lines.join("\n").trim_end_matches('\n').to_owned();
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(EpcError::TooLong);
        }
        Ok(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn transfer() -> CreditTransfer {
        CreditTransfer {
            beneficiary: "Sportello Leasing S.p.A.".into(),
            iban: Iban::from_str("IT60X0542811101000000123456").unwrap(),
            bic: None,
            amount: Decimal::new(123_456, 2),
            remittance: "Contratto 1/2345 rata 7".into(),
        }
    }

    #[test]
    fn the_payload_follows_the_element_order_of_version_002() {
        assert_eq!(
            transfer().payload().unwrap(),
            "BCD\n002\n1\nSCT\n\nSportello Leasing S.p.A.\nIT60X0542811101000000123456\nEUR1234.56\n\n\nContratto 1/2345 rata 7"
        );
    }

    #[test]
    fn amounts_are_written_without_padding_and_checked_against_the_range() {
        let with = |amount: Decimal| CreditTransfer { amount, ..transfer() }.payload();
        assert!(with(Decimal::new(5, 1)).unwrap().contains("\nEUR0.5\n"));
        assert!(with(Decimal::new(1000, 0)).unwrap().contains("\nEUR1000\n"));
        assert_eq!(with(Decimal::new(1, 3)), Err(EpcError::Amount));
        assert_eq!(with(Decimal::ZERO), Err(EpcError::Amount));
        assert_eq!(with(Decimal::new(-100, 2)), Err(EpcError::Amount));
        assert_eq!(with(Decimal::new(100_000_000_000, 2)), Err(EpcError::Amount));
        assert!(with(Decimal::new(99_999_999_999, 2)).is_ok());
    }

    #[test]
    fn each_element_is_held_to_its_length_and_to_one_line() {
        let name = |beneficiary: &str| {
            CreditTransfer {
                beneficiary: beneficiary.into(),
                ..transfer()
            }
            .payload()
        };
        assert_eq!(name(""), Err(EpcError::Beneficiary));
        assert_eq!(name(&"à".repeat(71)), Err(EpcError::Beneficiary));
        assert!(name(&"à".repeat(70)).is_ok());
        assert_eq!(name("Riga\nnuova"), Err(EpcError::LineBreak));
        let reason = |remittance: &str| {
            CreditTransfer {
                remittance: remittance.into(),
                ..transfer()
            }
            .payload()
        };
        assert_eq!(reason(&"x".repeat(141)), Err(EpcError::Remittance));
        assert!(reason(&"x".repeat(140)).is_ok());
        let bic = |bic: &str| {
            CreditTransfer {
                bic: Some(bic.into()),
                ..transfer()
            }
            .payload()
        };
        assert!(bic("BPMOIT22XXX").unwrap().contains("\nSCT\nBPMOIT22XXX\n"));
        assert_eq!(bic("BPMO IT22"), Err(EpcError::Bic));
        assert_eq!(bic("BPMOIT2"), Err(EpcError::Bic));
    }

    #[test]
    fn the_longest_elements_fit_the_byte_limit_only_in_plain_letters() {
        let longest = CreditTransfer {
            beneficiary: "N".repeat(70),
            bic: Some("BPMOIT22XXX".into()),
            remittance: "R".repeat(140),
            ..transfer()
        };
        assert!(longest.payload().unwrap().len() <= MAX_PAYLOAD_BYTES);
        let accented = CreditTransfer {
            beneficiary: "è".repeat(70),
            remittance: "è".repeat(140),
            ..longest
        };
        assert_eq!(accented.payload(), Err(EpcError::TooLong));
    }
}

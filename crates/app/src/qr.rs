//! QR codes as the window draws them: one SVG path of the dark modules.
//! The authenticator's enrolment and the EPC credit-transfer code (a bank
//! app scans it to pay an installment) use them.

use crate::AppError;
use serde::Serialize;
use sportello_domain::epc::CreditTransfer;
use ts_rs::TS;

/// A QR code as one SVG path of its dark modules, in module units: the
/// window draws it in a square `size` wide, quiet zone included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct QrPicture {
    pub size: u32,
    pub path: String,
}

/// The four light modules a QR code needs around it to be read.
const QUIET_ZONE: usize = 4;

/// The QR code of `text` (an `otpauth://` URI fits the smallest versions).
pub fn qr_picture(text: &str) -> Result<QrPicture, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| AppError::Protocol(format!("QR code: {e}")))?;
    Ok(picture(&code))
}

fn picture(code: &qrcode::QrCode) -> QrPicture {
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = (i % width + QUIET_ZONE, i / width + QUIET_ZONE);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    QrPicture {
        size: u32::try_from(width + 2 * QUIET_ZONE).unwrap_or(u32::MAX),
        path,
    }
}

/// The EPC069-12 QR code of a credit transfer: error correction M and at
/// most version 13 (69 modules), as the standard asks.
pub fn epc_picture(transfer: &CreditTransfer) -> Result<QrPicture, AppError> {
    let payload = transfer
        .payload()
        .map_err(|e| AppError::Protocol(format!("EPC QR code: {e}")))?;
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Protocol(format!("QR code: {e}")))?;
    if code.width() > 69 {
        return Err(AppError::Protocol("the EPC QR code would be over version 13".into()));
    }
    Ok(picture(&code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    /// Reads a picture back as a camera would: the path's modules drawn
    /// four pixels each, then decoded by an independent reader.
    fn read_back(picture: &QrPicture) -> String {
        const SCALE: usize = 4;
        let size = picture.size as usize;
        let mut dark = vec![false; size * size];
        for module in picture.path.split('M').filter(|m| !m.is_empty()) {
            let corner = module.split('h').next().unwrap();
            let (x, y) = corner.split_once(' ').unwrap();
            dark[y.parse::<usize>().unwrap() * size + x.parse::<usize>().unwrap()] = true;
        }
        let pixels = size * SCALE;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(pixels, pixels, |x, y| {
            if dark[(y / SCALE) * size + x / SCALE] {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the picture");
        grids[0].decode().unwrap().1
    }

    #[test]
    fn a_bank_app_reads_the_transfer_back_from_the_picture() {
        let transfer = CreditTransfer {
            beneficiary: "Sportello Leasing S.p.A.".into(),
            iban: sportello_domain::ids::iban::Iban::from_str("IT60X0542811101000000123456").unwrap(),
            bic: Some("BPMOIT22XXX".into()),
            amount: Decimal::new(70_125, 2),
            remittance: "Contratto 1/2345 rata 7 - scadenza 31/12/2026 - Società Età".into(),
        };
        let picture = epc_picture(&transfer).unwrap();
        assert!(picture.size <= 69 + 8, "at most version 13");
        assert_eq!(read_back(&picture), transfer.payload().unwrap());
    }

    #[test]
    fn a_transfer_the_standard_refuses_gets_no_picture() {
        let transfer = CreditTransfer {
            beneficiary: String::new(),
            iban: sportello_domain::ids::iban::Iban::from_str("IT60X0542811101000000123456").unwrap(),
            bic: None,
            amount: Decimal::ONE,
            remittance: "x".into(),
        };
        assert!(epc_picture(&transfer).is_err());
    }
}

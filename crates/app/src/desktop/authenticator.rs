//! The authenticator app as a second factor, from the profile: its state,
//! turning it on with a QR code the phone scans, the recovery codes, and
//! turning it off. Online only: the server keeps the secret.

use super::DeskApp;
use crate::qr::{qr_picture, QrPicture};
use crate::AppError;
use serde::Serialize;
use sportello_domain::api::auth::{AuthenticatorStatus, EnableAuthenticator, RecoveryCodes, StepUp};
use sportello_domain::api::operations as op;
use ts_rs::TS;

/// What the window shows to turn the authenticator on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AuthenticatorEnrolment {
    /// The secret in groups of four, for typing into the app by hand.
    pub secret: String,
    pub uri: String,
    pub qr: QrPicture,
}

fn grouped(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

impl DeskApp {
    pub async fn authenticator(&self) -> Result<AuthenticatorStatus, AppError> {
        self.desk.get(&op::authenticator::STATUS.call(&[])).await
    }

    /// Step 1: after the password, the secret to scan or type.
    pub async fn authenticator_setup(&self, current_password: &str) -> Result<AuthenticatorEnrolment, AppError> {
        let step_up = StepUp {
            current_password: current_password.to_owned(),
        };
        let setup = self.send(op::authenticator::SETUP.call(&[]), Some(&step_up)).await?;
        Ok(AuthenticatorEnrolment {
            secret: grouped(&setup.secret),
            qr: qr_picture(&setup.uri)?,
            uri: setup.uri,
        })
    }

    /// Step 2: the app's first code turns it on; the recovery codes come back, once.
    pub async fn authenticator_enable(&self, code: &str) -> Result<RecoveryCodes, AppError> {
        let enable = EnableAuthenticator {
            code: code.trim().to_owned(),
        };
        self.send(op::authenticator::ENABLE.call(&[]), Some(&enable)).await
    }

    pub async fn authenticator_disable(&self, current_password: &str) -> Result<(), AppError> {
        let step_up = StepUp {
            current_password: current_password.to_owned(),
        };
        self.send(op::authenticator::DISABLE.call(&[]), Some(&step_up)).await?;
        Ok(())
    }

    pub async fn authenticator_new_codes(&self, current_password: &str) -> Result<RecoveryCodes, AppError> {
        let step_up = StepUp {
            current_password: current_password.to_owned(),
        };
        self.send(op::authenticator::RENEW_CODES.call(&[]), Some(&step_up))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_shown_in_groups_of_four() {
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }

    #[test]
    fn the_qr_code_has_its_quiet_zone_and_finder_patterns() {
        let uri = "otpauth://totp/Sportello:mario?secret=KNIE6USUIVGEYT2PKBSVEQKUJ5JEKMRQ&issuer=Sportello";
        let qr = qr_picture(uri).unwrap();
        let code = qrcode::QrCode::new(uri.as_bytes()).unwrap();
        assert_eq!(qr.size as usize, code.width() + 8);
        // The top-left finder pattern starts right after the quiet zone.
        assert!(qr.path.starts_with("M4 4h1v1h-1z"), "{}", &qr.path[..40]);
        let dark = code.to_colors().iter().filter(|c| **c == qrcode::Color::Dark).count();
        assert_eq!(qr.path.matches('M').count(), dark);
    }
}

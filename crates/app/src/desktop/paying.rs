//! Paying what is owed by bank transfer: the company's account, the exact
//! remittance text and the EPC QR code a banking app scans, for a schedule
//! line still to pay (built from the local copy, so it works offline).

use super::DeskApp;
use crate::export::not_found;
use crate::qr::{epc_picture, QrPicture};
use crate::AppError;
use serde::Serialize;
use sportello_domain::api::home::Home;
use sportello_domain::api::schedule::ScheduleItem;
use sportello_domain::epc::CreditTransfer;
use sportello_domain::{ApiError, ErrorCode, Money};
use ts_rs::TS;

/// What the window shows to pay one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PaymentSlip {
    pub beneficiary: String,
    pub iban: String,
    /// What is still to pay on the line.
    pub amount: Money,
    /// The reason to write on the transfer, so the company can match it.
    pub remittance: String,
    /// The same transfer as an EPC QR code.
    pub qr: QrPicture,
}

/// The reason the company's collections office matches a transfer by
/// (in Italian, as the bank statement shows it to them).
pub fn remittance(line: &ScheduleItem) -> String {
    format!(
        "Contratto {} rata {} scadenza {}",
        line.contract_no,
        line.installment_no,
        line.due_on.format("%d/%m/%Y")
    )
}

impl DeskApp {
    /// The transfer that pays schedule line `line_id`, with its QR code.
    pub async fn payment_slip(&self, line_id: i64) -> Result<PaymentSlip, AppError> {
        let cache = self.cache().await?;
        let line = cache
            .schedule()
            .await?
            .into_iter()
            .find(|line| line.id == line_id)
            .ok_or_else(|| not_found("schedule line"))?;
        if !line.balance.is_positive() {
            return Err(ApiError::new(ErrorCode::BadRequest, "nothing is left to pay on this line").into());
        }
        let home: Home = self.cached("home").await?;
        let payee = home
            .payee
            .ok_or_else(|| AppError::Protocol("the server has not said where to pay yet: sync first".into()))?;
        let transfer = CreditTransfer {
            beneficiary: payee.beneficiary.clone(),
            iban: payee
                .iban
                .parse()
                .map_err(|e| AppError::Protocol(format!("the company's IBAN: {e}")))?,
            bic: None,
            amount: line.balance.decimal(),
            remittance: remittance(&line),
        };
        Ok(PaymentSlip {
            qr: epc_picture(&transfer)?,
            beneficiary: payee.beneficiary,
            iban: payee.iban,
            amount: line.balance,
            remittance: transfer.remittance,
        })
    }
}

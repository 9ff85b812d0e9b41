//! Paying what is owed by bank transfer: the company's account, the exact
//! remittance text and the EPC QR code a banking app scans, for a schedule
//! line still to pay (built from the local copy, so it works offline).

use super::DeskApp;
use crate::browse::{ScheduleFilter, Window};
use crate::cache::{Cache, CacheResult};
use crate::clock::today_in_rome;
use crate::export::not_found;
use crate::qr::{epc_picture, QrPicture};
use crate::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sportello_domain::api::home::Home;
use sportello_domain::api::operations as op;
use sportello_domain::api::schedule::ScheduleItem;
use sportello_domain::api::schedule::{ReportPayment, MAX_REPORTED_LINES};
use sportello_domain::epc::{CreditTransfer, MAX_REMITTANCE_CHARS};
use sportello_domain::situation::PaymentStatus;
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
    /// The schedule lines the transfer pays, to report once it is made.
    #[ts(type = "number[]")]
    pub lines: Vec<i64>,
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

/// The reason for paying an overdue total at once: the contract when it is
/// one contract's, the date it was read on and the customer, cut to what a
/// transfer carries.
pub fn overdue_remittance(today: NaiveDate, contract_no: Option<&str>, customer: &str) -> String {
    let of = contract_no.map(|no| format!(" contratto {no}")).unwrap_or_default();
    format!("Saldo scaduto{of} al {} - {customer}", today.format("%d/%m/%Y"))
        .chars()
        .take(MAX_REMITTANCE_CHARS)
        .collect()
}

impl DeskApp {
    /// The transfer that pays schedule line `line_id`, with its QR code.
    pub async fn payment_slip(&self, line_id: i64) -> Result<PaymentSlip, AppError> {
        let line = self
            .cache()
            .await?
            .schedule_line(line_id)
            .await?
            .ok_or_else(|| not_found("schedule line"))?;
        if !line.balance.is_positive() {
            return Err(ApiError::new(ErrorCode::BadRequest, "nothing is left to pay on this line").into());
        }
        let home: Home = self.cached("home").await?;
        slip(&home, line.balance, remittance(&line), vec![line.id])
    }

    /// The transfer that pays the overdue total as the payments page shows
    /// it: every contract's, or one contract's.
    pub async fn overdue_slip(&self, contract_id: Option<i64>) -> Result<PaymentSlip, AppError> {
        let overdue = ScheduleFilter {
            contract_id,
            status: Some(PaymentStatus::Overdue),
            ..ScheduleFilter::default()
        };
        let view = self.schedule(&overdue, Window { offset: 0, limit: 1 }).await?;
        if !view.overdue_total.is_positive() {
            return Err(ApiError::new(ErrorCode::BadRequest, "nothing is overdue").into());
        }
        let contract_no = contract_id.and(view.rows.first()).map(|line| line.contract_no.as_str());
        let home: Home = self.cached("home").await?;
        let reason = overdue_remittance(today_in_rome(), contract_no, &home.me.customer_name);
        let lines = self.cache().await?.overdue_lines(contract_id, today_in_rome()).await?;
        slip(&home, view.overdue_total, reason, lines)
    }

    /// B1: tells the company the transfer paying `lines` was made; they show
    /// as reported here at once, and on every desktop after their sync,
    /// until the collection arrives. Needs the server: offline it says so.
    pub async fn report_paid(&self, lines: &[i64]) -> Result<(), AppError> {
        for chunk in lines.chunks(MAX_REPORTED_LINES) {
            let report = ReportPayment {
                line_ids: chunk.to_vec(),
            };
            self.send(op::schedule::REPORT.call(&[]), Some(&report)).await?;
        }
        self.cache().await?.mark_reported(lines, Utc::now()).await?;
        self.touched();
        Ok(())
    }
}

impl Cache {
    /// The lines overdue on `today` (of one contract, or all).
    async fn overdue_lines(&self, contract_id: Option<i64>, today: NaiveDate) -> CacheResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM schedule WHERE paid_cents < amount_cents AND due_on < ? AND (? IS NULL OR contract_id = ?)
             ORDER BY due_on, id",
        )
        .bind(today.to_string())
        .bind(contract_id)
        .bind(contract_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The server took the report: the copy shows it until the next sync brings the lines.
    async fn mark_reported(&self, lines: &[i64], at: DateTime<Utc>) -> CacheResult<()> {
        let mut tx = self.pool().begin().await?;
        for id in lines {
            sqlx::query(
                "UPDATE schedule SET body = json_set(body, '$.reported_at', ?)
                 WHERE id = ? AND json_extract(body, '$.reported_at') IS NULL",
            )
            .bind(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The transfer of `amount` to the company's account the home answer names.
pub(super) fn slip(home: &Home, amount: Money, remittance: String, lines: Vec<i64>) -> Result<PaymentSlip, AppError> {
    let payee = home
        .payee
        .clone()
        .ok_or_else(|| AppError::Protocol("the server has not said where to pay yet: sync first".into()))?;
    let transfer = CreditTransfer {
        beneficiary: payee.beneficiary.clone(),
        iban: payee
            .iban
            .parse()
            .map_err(|e| AppError::Protocol(format!("the company's IBAN: {e}")))?,
        bic: None,
        amount: amount.decimal(),
        remittance,
    };
    Ok(PaymentSlip {
        qr: epc_picture(&transfer)?,
        beneficiary: payee.beneficiary,
        iban: payee.iban,
        amount,
        remittance: transfer.remittance,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overdue_reason_names_the_day_and_the_customer_within_the_limit() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(
            overdue_remittance(day, None, "Studio Rossi S.r.l."),
            "Saldo scaduto al 07/12/2026 - Studio Rossi S.r.l."
        );
        assert_eq!(
            overdue_remittance(day, Some("91207"), "Studio Rossi S.r.l."),
            "Saldo scaduto contratto 91207 al 07/12/2026 - Studio Rossi S.r.l."
        );
        let long = overdue_remittance(day, None, &"è".repeat(200));
        assert_eq!(long.chars().count(), MAX_REMITTANCE_CHARS);
    }
}

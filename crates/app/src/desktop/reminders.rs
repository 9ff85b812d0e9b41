//! Settings → reminders: how many days before a due date the desktop
//! reminds of it. Kept per account in its local copy, like its data.

use super::DeskApp;
use crate::calendar::MAX_REMINDER_DAYS;
use crate::AppError;
use sportello_domain::{ApiError, ErrorCode};

impl DeskApp {
    pub async fn reminder_days(&self) -> Result<u8, AppError> {
        Ok(self.cache().await?.reminder_days().await?)
    }

    /// 0 turns reminders off; more than `MAX_REMINDER_DAYS` is refused. The
    /// sync loop is woken so a reminder now due shows at once.
    pub async fn set_reminder_days(&self, days: u8) -> Result<u8, AppError> {
        if days > MAX_REMINDER_DAYS {
            let message = format!("reminders can be set from 0 to {MAX_REMINDER_DAYS} days before");
            return Err(ApiError::new(ErrorCode::BadRequest, message)
                .with_field("reminder_days", "range")
                .into());
        }
        self.cache().await?.set_reminder_days(days).await?;
        if let Some(engine) = self.engine().await {
            engine.wake();
        }
        Ok(days)
    }
}

//! A1, A2, A5, A6, A8: the account flows of the window before a login
//! (registration, forgotten password, locked login) and the password change
//! after one (forced after a temporary password, or chosen on the profile).

use super::DeskApp;
use crate::AppError;
use sportello_domain::api::accounts::{
    ChangePassword, ConsentUpdate, Privacy, RecoverRequest, RegisterByCategory, RegisterByContract, Registered,
    ResetRequest, ResetStarted,
};
use sportello_domain::api::auth::{Me, SessionInfo};
use sportello_domain::api::operations as op;
use sportello_domain::ErrorCode;

impl DeskApp {
    /// A2: registration with the data on the customer's invoices; the
    /// temporary password goes to the e-mail given.
    pub async fn register(&self, form: &RegisterByContract) -> Result<Registered, AppError> {
        self.desk.api().public(&op::accounts::REGISTER, form).await
    }

    /// A3: registration by category, pending until an operator approves it.
    pub async fn register_by_category(&self, form: &RegisterByCategory) -> Result<Registered, AppError> {
        self.desk.api().public(&op::accounts::REGISTER_BY_CATEGORY, form).await
    }

    /// A6: a reset code and link for a username or an account's e-mail.
    pub async fn request_reset(&self, request: &ResetRequest) -> Result<ResetStarted, AppError> {
        self.desk.api().public(&op::accounts::REQUEST_RESET, request).await
    }

    /// A5: a locked or forgotten login recovered with contract number,
    /// module number and tax code.
    pub async fn recover(&self, request: &RecoverRequest) -> Result<ResetStarted, AppError> {
        self.desk.api().public(&op::accounts::RECOVER, request).await
    }

    /// Changes the password of the user logged in. After a temporary password
    /// this is the first access's last step: the account's copy starts syncing.
    pub async fn change_password(&self, change: &ChangePassword) -> Result<Me, AppError> {
        self.send(op::accounts::CHANGE_PASSWORD.call(&[]), Some(change)).await?;
        let me = self.desk.get(&op::session::ME.call(&[])).await?;
        self.start_sync(&me).await?;
        Ok(me)
    }

    /// The user's active sessions, this one marked.
    pub async fn sessions(&self) -> Result<Vec<SessionInfo>, AppError> {
        self.desk.get(&op::accounts::LIST_SESSIONS.call(&[])).await
    }

    /// Ends one of the user's sessions; ending this computer's own is a
    /// logout (`keep_copy` as for `logout`). Returns the sessions left (none
    /// after one's own).
    pub async fn end_session(&self, id: &str, keep_copy: bool) -> Result<Vec<SessionInfo>, AppError> {
        let listed = self.sessions().await?;
        let Some(session) = listed.iter().find(|s| s.id == id) else {
            return Err(sportello_domain::ApiError::new(ErrorCode::NotFound, "no such session").into());
        };
        let own = session.current;
        self.send(op::accounts::END_SESSION.call(&[&session.id]), None).await?;
        if own {
            self.logout(keep_copy).await?;
            return Ok(Vec::new());
        }
        self.sessions().await
    }

    /// Ends every session of the user, this computer's included: a logout everywhere.
    pub async fn end_all_sessions(&self, keep_copy: bool) -> Result<(), AppError> {
        self.send(op::accounts::END_ALL_SESSIONS.call(&[]), None).await?;
        self.logout(keep_copy).await
    }

    /// E6: the consents as they stand and their history (online: the
    /// server keeps them).
    pub async fn privacy(&self) -> Result<Privacy, AppError> {
        self.desk.get(&op::accounts::PRIVACY.call(&[])).await
    }

    pub async fn decide_consent(&self, update: &ConsentUpdate) -> Result<Privacy, AppError> {
        self.send(op::accounts::DECIDE_CONSENT.call(&[]), Some(update)).await
    }
}

//! A1, A2, A5, A6, A8: the account flows of the window before a login
//! (registration, forgotten password, locked login) and the password change
//! after one (forced after a temporary password, or chosen on the profile).

use super::DeskApp;
use crate::AppError;
use reqwest::Method;
use sportello_domain::api::accounts::{
    ChangePassword, ConsentUpdate, Privacy, RecoverRequest, RegisterByCategory, RegisterByContract, Registered,
    ResetRequest, ResetStarted,
};
use sportello_domain::api::auth::{Me, SessionInfo};
use sportello_domain::ErrorCode;

impl DeskApp {
    /// A2: registration with the data on the customer's invoices; the
    /// temporary password goes to the e-mail given.
    pub async fn register(&self, form: &RegisterByContract) -> Result<Registered, AppError> {
        self.desk.api().post("/auth/register", form).await
    }

    /// A3: registration by category, pending until an operator approves it.
    pub async fn register_by_category(&self, form: &RegisterByCategory) -> Result<Registered, AppError> {
        self.desk.api().post("/auth/register-by-category", form).await
    }

    /// A6: a reset code and link for a username or an account's e-mail.
    pub async fn request_reset(&self, request: &ResetRequest) -> Result<ResetStarted, AppError> {
        self.desk.api().post("/auth/password-reset", request).await
    }

    /// A5: a locked or forgotten login recovered with contract number,
    /// module number and tax code.
    pub async fn recover(&self, request: &RecoverRequest) -> Result<ResetStarted, AppError> {
        self.desk.api().post("/auth/recover", request).await
    }

    /// Changes the password of the user logged in. After a temporary password
    /// this is the first access's last step: the account's copy starts syncing.
    pub async fn change_password(&self, change: &ChangePassword) -> Result<Me, AppError> {
        let body = serde_json::to_value(change).map_err(|e| AppError::Protocol(e.to_string()))?;
        self.send::<()>(Method::POST, "/me/password", Some(&body)).await?;
        let me: Me = self.desk.get("/me").await?;
        self.start_sync(&me).await?;
        Ok(me)
    }

    /// The user's active sessions, this one marked.
    pub async fn sessions(&self) -> Result<Vec<SessionInfo>, AppError> {
        self.desk.get("/me/sessions").await
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
        // Ids come from the server's own list, so they go into the path as they are.
        let path = format!("/me/sessions/{}", session.id);
        self.send::<()>(Method::DELETE, &path, None).await?;
        if own {
            self.logout(keep_copy).await?;
            return Ok(Vec::new());
        }
        self.sessions().await
    }

    /// Ends every session of the user, this computer's included: a logout everywhere.
    pub async fn end_all_sessions(&self, keep_copy: bool) -> Result<(), AppError> {
        self.send::<()>(Method::POST, "/me/sessions/end-all", None).await?;
        self.logout(keep_copy).await
    }

    /// E6: the consents as they stand and their history (online: the
    /// server keeps them).
    pub async fn privacy(&self) -> Result<Privacy, AppError> {
        self.desk.get("/profile/privacy").await
    }

    pub async fn decide_consent(&self, update: &ConsentUpdate) -> Result<Privacy, AppError> {
        let body = serde_json::to_value(update).map_err(|e| AppError::Protocol(e.to_string()))?;
        self.send(Method::PUT, "/profile/privacy", Some(&body)).await
    }
}

//! The desktop's session: the access token only in memory, the refresh token
//! only in the keyring. One lock serializes refreshes, because two concurrent
//! refreshes with the same token would look like a stolen token to the server
//! and end the session.

use crate::api::ApiClient;
use crate::secrets::SecretStore;
use crate::AppError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sportello_domain::api::auth::{LoginChallenge, Me, TokenPair};
use sportello_domain::api::home::Home;
use sportello_domain::api::operations::{Call, Nothing, Paged};
use sportello_domain::ErrorCode;
use std::sync::Arc;
use tokio::sync::Mutex;
use ts_rs::TS;

/// What the UI needs to know at start-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum SessionStatus {
    LoggedOut,
    LoggedIn { me: Me },
}

pub struct Desk {
    api: ApiClient,
    secrets: Arc<dyn SecretStore>,
    /// The access token, in memory only.
    live: Mutex<Option<String>>,
}

impl Desk {
    pub fn new(server_url: &str, secrets: Arc<dyn SecretStore>) -> Desk {
        Desk {
            api: ApiClient::new(server_url),
            secrets,
            live: Mutex::new(None),
        }
    }

    /// The keyring entry is per server, so a test server never sees production tokens.
    fn account(&self) -> &str {
        self.api.base()
    }

    async fn stored_refresh(&self) -> Result<Option<String>, AppError> {
        let (secrets, account) = (self.secrets.clone(), self.account().to_owned());
        Ok(tokio::task::spawn_blocking(move || secrets.get(&account))
            .await
            .map_err(|e| AppError::Protocol(e.to_string()))??)
    }

    async fn store_refresh(&self, token: Option<String>) -> Result<(), AppError> {
        let (secrets, account) = (self.secrets.clone(), self.account().to_owned());
        let outcome = tokio::task::spawn_blocking(move || match token {
            Some(token) => secrets.set(&account, &token),
            None => secrets.delete(&account),
        });
        Ok(outcome.await.map_err(|e| AppError::Protocol(e.to_string()))??)
    }

    /// Whether the keyring holds a session for this server.
    pub async fn has_stored_session(&self) -> Result<bool, AppError> {
        Ok(self.stored_refresh().await?.is_some())
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<LoginChallenge, AppError> {
        self.api.login(username, password).await
    }

    pub async fn resend_code(&self, challenge_id: &str) -> Result<LoginChallenge, AppError> {
        self.api.resend_code(challenge_id).await
    }

    pub async fn verify_code(&self, challenge_id: &str, code: &str) -> Result<Me, AppError> {
        let tokens = self.api.verify(challenge_id, code).await?;
        let access = tokens.access_token.clone();
        self.adopt(&mut *self.live.lock().await, tokens).await?;
        self.api.me(&access).await
    }

    /// Keeps the access token in memory and puts the refresh token in the keyring.
    /// If the keyring refuses, the fresh session is ended on the server: a
    /// session whose token we cannot keep must not stay alive.
    async fn adopt(&self, live: &mut Option<String>, tokens: TokenPair) -> Result<(), AppError> {
        if let Err(error) = self.store_refresh(Some(tokens.refresh_token.clone())).await {
            let _ = self.api.logout(&tokens.refresh_token).await;
            *live = None;
            return Err(error);
        }
        *live = Some(tokens.access_token);
        Ok(())
    }

    /// Restores the session from the keyring on start-up, without asking to log in.
    pub async fn status(&self) -> Result<SessionStatus, AppError> {
        {
            let mut live = self.live.lock().await;
            if live.is_none() && !self.refresh_locked(&mut live).await? {
                return Ok(SessionStatus::LoggedOut);
            }
        }
        match self.authorized(|token| async move { self.api.me(&token).await }).await {
            Ok(me) => Ok(SessionStatus::LoggedIn { me }),
            Err(error) if error.code() == ErrorCode::SessionExpired => Ok(SessionStatus::LoggedOut),
            Err(error) => Err(error),
        }
    }

    /// Trades the keyring's refresh token for a new pair. False when there is
    /// none or the server ended the session (then the keyring entry goes too).
    async fn refresh_locked(&self, live: &mut Option<String>) -> Result<bool, AppError> {
        let Some(refresh) = self.stored_refresh().await? else {
            return Ok(false);
        };
        match self.api.refresh(&refresh).await {
            Ok(tokens) => {
                self.adopt(live, tokens).await?;
                Ok(true)
            }
            Err(error) if error.code() == ErrorCode::SessionExpired => {
                tracing::info!("the server ended the session");
                self.store_refresh(None).await?;
                *live = None;
                Ok(false)
            }
            Err(error) => Err(error),
        }
    }

    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// Runs an authenticated call, refreshing the access token once if it expired.
    pub async fn authorized<T, F, Fut>(&self, call: F) -> Result<T, AppError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        let token = {
            let mut live = self.live.lock().await;
            if live.is_none() && !self.refresh_locked(&mut live).await? {
                return Err(session_expired());
            }
            live.clone().ok_or_else(session_expired)?
        };
        match call(token.clone()).await {
            Err(error) if error.code() == ErrorCode::Unauthorized => {
                let mut live = self.live.lock().await;
                // Another call may have refreshed meanwhile; only refresh if not.
                let still_stale = live.as_ref().is_none_or(|current| *current == token);
                if still_stale && !self.refresh_locked(&mut live).await? {
                    return Err(session_expired());
                }
                let fresh = live.clone().ok_or_else(session_expired)?;
                drop(live);
                call(fresh).await
            }
            other => other,
        }
    }

    /// A GET of the API as the signed-in user.
    pub async fn get<Q, R: DeserializeOwned>(&self, call: &Call<Q, Nothing, R>) -> Result<R, AppError> {
        self.authorized(|token| async move { self.api.send(call, &token, None).await })
            .await
    }

    /// Every item of a paged list, in the server's order, following its cursors.
    pub async fn every_page<Q, R: DeserializeOwned + Paged>(
        &self,
        call: &Call<Q, Nothing, R>,
    ) -> Result<Vec<R::Item>, AppError> {
        let (mut items, mut next) = self.get(call).await?.into_parts();
        while let Some(cursor) = next {
            let (mut more, after) = self.get(&call.after(&cursor)).await?.into_parts();
            items.append(&mut more);
            next = after;
        }
        Ok(items)
    }

    pub async fn home(&self) -> Result<Home, AppError> {
        self.authorized(|token| async move { self.api.home(&token).await })
            .await
    }

    /// Forgets the session here even when the server cannot be told.
    pub async fn logout(&self) -> Result<(), AppError> {
        let mut live = self.live.lock().await;
        *live = None;
        if let Some(refresh) = self.stored_refresh().await? {
            if let Err(error) = self.api.logout(&refresh).await {
                tracing::warn!(code = ?error.code(), "could not tell the server about the logout");
            }
        }
        self.store_refresh(None).await
    }
}

fn session_expired() -> AppError {
    sportello_domain::ApiError::new(ErrorCode::SessionExpired, "log in again").into()
}

//! The HTTP client of the Sportello API.

use crate::AppError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sportello_domain::api::auth::{LoginChallenge, LoginRequest, Me, RefreshRequest, TokenPair, VerifyCodeRequest};
use sportello_domain::api::home::Home;
use sportello_domain::ApiError;
use std::time::Duration;

#[derive(Clone)]
pub struct ApiClient {
    base: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// `base` is the server's address, e.g. `https://sportello.example.it`.
    pub fn new(base: &str) -> ApiClient {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("Sportello/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a client with static settings builds");
        ApiClient {
            base: base.trim_end_matches('/').to_owned(),
            http,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    async fn read<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, AppError> {
        let status = response.status();
        let bytes = response.bytes().await?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| AppError::Protocol(e.to_string()));
        }
        match serde_json::from_slice::<ApiError>(&bytes) {
            Ok(error) => Err(AppError::Api(error)),
            Err(_) => Err(AppError::Protocol(format!("HTTP {status} without an error body"))),
        }
    }

    async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, AppError> {
        Self::read(self.http.post(self.url(path)).json(body).send().await?).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, access_token: &str) -> Result<T, AppError> {
        Self::read(self.http.get(self.url(path)).bearer_auth(access_token).send().await?).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<LoginChallenge, AppError> {
        self.post(
            "/auth/login",
            &LoginRequest {
                username: username.into(),
                password: password.into(),
            },
        )
        .await
    }

    pub async fn verify(&self, challenge_id: &str, code: &str) -> Result<TokenPair, AppError> {
        self.post(
            "/auth/verify",
            &VerifyCodeRequest {
                challenge_id: challenge_id.into(),
                code: code.into(),
            },
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AppError> {
        self.post(
            "/auth/refresh",
            &RefreshRequest {
                refresh_token: refresh_token.into(),
            },
        )
        .await
    }

    pub async fn logout(&self, refresh_token: &str) -> Result<(), AppError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.into(),
        };
        let response = self.http.post(self.url("/auth/logout")).json(&body).send().await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Self::read::<()>(response).await
        }
    }

    pub async fn me(&self, access_token: &str) -> Result<Me, AppError> {
        self.get("/me", access_token).await
    }

    pub async fn home(&self, access_token: &str) -> Result<Home, AppError> {
        self.get("/home", access_token).await
    }
}

//! The HTTP client of the Sportello API.

use crate::AppError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sportello_domain::api::accounts::CompleteReset;
use sportello_domain::api::auth::{
    LoginChallenge, LoginRequest, Me, RefreshRequest, ResendCodeRequest, TokenPair, VerifyCodeRequest, DEVICE_HEADER,
};
use sportello_domain::api::home::Home;
use sportello_domain::api::operations::{self as op, Call, Endpoint, File, Nothing, Pdf, Verb, Xml};
use sportello_domain::api::requests::{AttachmentInfo, UploadQuery};
use sportello_domain::api::sync::ChangesQuery;
use sportello_domain::ApiError;
use std::time::Duration;

/// An answer to a GET that may carry an `If-None-Match`.
pub enum Fetched<T> {
    /// Unchanged since the ETag we sent.
    NotModified,
    /// The body and its ETag.
    Fresh(T, Option<String>),
}

/// The outcome of a create sent with an `Idempotency-Key`.
pub struct Created<R> {
    /// The created item (the first answer again on a replay).
    pub body: R,
    pub replayed: bool,
}

#[derive(Clone)]
pub struct ApiClient {
    base: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// `base` is the server's address, e.g. `https://sportello.example.it`.
    pub fn new(base: &str) -> ApiClient {
        // No redirects: a server that sends the app elsewhere (https to
        // http, or another host) would get a login's body or a token resent.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
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
            // A 204 reads as JSON null, which is what `()` expects.
            let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            return serde_json::from_slice(bytes).map_err(|e| AppError::Protocol(e.to_string()));
        }
        match serde_json::from_slice::<ApiError>(&bytes) {
            Ok(error) => Err(AppError::Api(error)),
            Err(_) => Err(AppError::Protocol(format!("HTTP {status} without an error body"))),
        }
    }

    /// The error a non-success answer carries (its body is the one error shape).
    async fn failure(response: reqwest::Response) -> AppError {
        let status = response.status();
        Self::read::<()>(response)
            .await
            .err()
            .unwrap_or_else(|| AppError::Protocol(format!("HTTP {status} without an error body")))
    }

    /// The request of `call`, with `body` as JSON when there is one.
    fn request<Q, B: Serialize, R>(&self, call: &Call<Q, B, R>, body: Option<&B>) -> reqwest::RequestBuilder {
        let request = self.http.request(method(call.verb), self.url(&call.path));
        match body {
            Some(body) => request.json(body),
            None => request,
        }
    }

    /// An operation that needs no login (login, registration, recovery, reset).
    pub async fn public<Q, B: Serialize, R: DeserializeOwned>(
        &self,
        endpoint: &Endpoint<Q, B, R>,
        body: &B,
    ) -> Result<R, AppError> {
        Self::read(self.request(&endpoint.call(&[]), Some(body)).send().await?).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<LoginChallenge, AppError> {
        self.public(
            &op::session::LOGIN,
            &LoginRequest {
                username: username.into(),
                password: password.into(),
            },
        )
        .await
    }

    /// Step 2 of the login; the session is named after this computer, so
    /// that the profile's list of sessions says which device is which.
    pub async fn verify(&self, challenge_id: &str, code: &str) -> Result<TokenPair, AppError> {
        let body = VerifyCodeRequest {
            challenge_id: challenge_id.into(),
            code: code.into(),
        };
        let mut request = self.request(&op::session::VERIFY.call(&[]), Some(&body));
        if let Ok(name) = reqwest::header::HeaderValue::from_bytes(device_name().as_bytes()) {
            request = request.header(DEVICE_HEADER, name);
        }
        Self::read(request.send().await?).await
    }

    /// A new e-mailed code in place of one that did not arrive.
    pub async fn resend_code(&self, challenge_id: &str) -> Result<LoginChallenge, AppError> {
        let body = ResendCodeRequest {
            challenge_id: challenge_id.into(),
        };
        self.public(&op::session::RESEND, &body).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AppError> {
        self.public(
            &op::session::REFRESH,
            &RefreshRequest {
                refresh_token: refresh_token.into(),
            },
        )
        .await
    }

    /// A1, A6: the definitive password chosen through an invitation or reset link's token.
    pub async fn complete_reset(&self, reset: &CompleteReset) -> Result<(), AppError> {
        self.public(&op::accounts::COMPLETE_RESET, reset).await?;
        Ok(())
    }

    pub async fn logout(&self, refresh_token: &str) -> Result<(), AppError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.into(),
        };
        let response = self.request(&op::session::LOGOUT.call(&[]), Some(&body)).send().await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Self::read::<()>(response).await
        }
    }

    /// An authenticated GET, conditional on `etag`.
    pub async fn fetch<Q, R: DeserializeOwned>(
        &self,
        call: &Call<Q, Nothing, R>,
        access_token: &str,
        etag: Option<&str>,
    ) -> Result<Fetched<R>, AppError> {
        let mut request = self.request(call, None).bearer_auth(access_token);
        if let Some(tag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let response = request.send().await?;
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        let tag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Fetched::Fresh(Self::read(response).await?, tag))
    }

    /// An authenticated create; the key makes retries safe.
    pub async fn create<Q, B: Serialize, R: DeserializeOwned>(
        &self,
        call: &Call<Q, B, R>,
        access_token: &str,
        idempotency_key: &str,
        body: &B,
    ) -> Result<Created<R>, AppError> {
        let response = self
            .request(call, Some(body))
            .bearer_auth(access_token)
            .header("Idempotency-Key", idempotency_key)
            .send()
            .await?;
        let replayed = response.headers().contains_key("idempotent-replayed");
        Ok(Created {
            body: Self::read(response).await?,
            replayed,
        })
    }

    /// Opens the server-sent event stream after `cursor`.
    pub async fn events(&self, access_token: &str, cursor: i64) -> Result<reqwest::Response, AppError> {
        let after = ChangesQuery {
            after: Some(cursor),
            limit: None,
        };
        let call = with_query(op::notifications::EVENTS.call(&[]), &after)?;
        let response = self
            .request(&call, None)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .timeout(Duration::from_secs(24 * 3600))
            .send()
            .await?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(Self::failure(response).await)
        }
    }

    /// An authenticated call that changes something, answered at once (not queued).
    pub async fn send<Q, B: Serialize, R: DeserializeOwned>(
        &self,
        call: &Call<Q, B, R>,
        access_token: &str,
        body: Option<&B>,
    ) -> Result<R, AppError> {
        Self::read(self.request(call, body).bearer_auth(access_token).send().await?).await
    }

    /// An authenticated GET of a file, as bytes, checked against the length
    /// and the SHA-256 (`X-Content-SHA256`) the server states for it.
    pub async fn download<Q, R: Document>(
        &self,
        call: &Call<Q, Nothing, R>,
        access_token: &str,
    ) -> Result<Vec<u8>, AppError> {
        let path = &call.path;
        let response = self.request(call, None).bearer_auth(access_token).send().await?;
        if !response.status().is_success() {
            return Err(Self::failure(response).await);
        }
        let stated = response
            .headers()
            .get("x-content-sha256")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let length = response.content_length();
        let bytes = response.bytes().await?.to_vec();
        let whole = length.is_none_or(|n| n == bytes.len() as u64);
        let intact = stated.is_none_or(|sha| sha.eq_ignore_ascii_case(&crate::files::sha256_hex(&bytes)));
        if !(whole && intact) {
            return Err(AppError::Protocol(format!(
                "{path} arrived damaged (its length or SHA-256 is not what the server stated): try again"
            )));
        }
        Ok(bytes)
    }

    /// Stores a file on the server for a request or message to quote; the
    /// key makes a retry (after a lost answer) store it once.
    pub async fn upload(
        &self,
        access_token: &str,
        idempotency_key: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentInfo, AppError> {
        let call = with_query(op::requests::UPLOAD.call(&[]), &UploadQuery { name: name.to_owned() })?;
        let response = self
            .http
            .request(method(call.verb), self.url(&call.path))
            .bearer_auth(access_token)
            .header("Idempotency-Key", idempotency_key)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes)
            .send()
            .await?;
        Self::read(response).await
    }

    pub async fn me(&self, access_token: &str) -> Result<Me, AppError> {
        self.send(&op::session::ME.call(&[]), access_token, None).await
    }

    pub async fn home(&self, access_token: &str) -> Result<Home, AppError> {
        self.send(&op::home::HOME.call(&[]), access_token, None).await
    }
}

/// `call` with `query` as its query string (the declared query type, the
/// one the server reads).
pub(crate) fn with_query<Q: Serialize, B, R>(call: Call<Q, B, R>, query: &Q) -> Result<Call<Q, B, R>, AppError> {
    call.query(query).map_err(|e| AppError::Protocol(e.to_string()))
}

/// This computer's name as the system gives it ("Ufficio-PC"), or the
/// program's when it has none.
pub fn device_name() -> String {
    let from_system = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok());
    from_system
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "Sportello".to_owned())
}

/// The HTTP method of a declared operation.
fn method(verb: Verb) -> reqwest::Method {
    match verb {
        Verb::Get => reqwest::Method::GET,
        Verb::Post => reqwest::Method::POST,
        Verb::Put => reqwest::Method::PUT,
        Verb::Patch => reqwest::Method::PATCH,
        Verb::Delete => reqwest::Method::DELETE,
    }
}

/// What comes back as a file's bytes rather than JSON.
pub trait Document {}
impl Document for File {}
impl Document for Pdf {}
impl Document for Xml {}

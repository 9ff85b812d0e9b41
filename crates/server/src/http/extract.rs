//! Extractors that fail with the one error shape.

use super::ServerError;
use crate::netaddr::Cidr;
use crate::store::auth::Principal;
use crate::{auth, AppState};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sportello_domain::{ApiError, ErrorCode};

/// `axum::Json`, but a malformed body is a `bad_request` in our shape, and
/// so is one nested deeper than any request of the API needs.
pub struct ApiJson<T>(pub T);

/// The deepest nesting of arrays and objects a request body may have; the
/// API's own bodies need four.
pub const MAX_JSON_DEPTH: usize = 32;

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ServerError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")));
        if !is_json {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "expected a body of Content-Type: application/json",
            )
            .into());
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.body_text()))?;
        if json_depth(&bytes) > MAX_JSON_DEPTH {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                format!("the body is nested more than {MAX_JSON_DEPTH} levels deep"),
            )
            .into());
        }
        Ok(ApiJson(axum::Json::<T>::from_bytes(&bytes)?.0))
    }
}

/// The deepest nesting of `[` and `{` in a JSON text, brackets inside
/// strings aside; one pass, no allocation.
fn json_depth(text: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in text {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

impl From<JsonRejection> for ServerError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::new(ErrorCode::BadRequest, rejection.body_text()).into()
    }
}

/// The query string read into `T`, failing in our shape: a 400 whose
/// `fields` names the parameter that is unknown or does not parse.
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let reader = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(reader)
            .map(ApiQuery)
            .map_err(|e| query_error(&e).into())
    }
}

fn query_error(error: &serde_path_to_error::Error<serde_urlencoded::de::Error>) -> ApiError {
    let why = error.inner().to_string();
    let path = error.path().to_string();
    // An unknown parameter fails before any field is entered: its name is in the message.
    let unknown = why
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    let field = match (path.as_str(), unknown) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => "query".to_owned(),
        _ => path,
    };
    let said = if unknown.is_some() {
        "unknown parameter".to_owned()
    } else {
        why.clone()
    };
    ApiError::new(ErrorCode::BadRequest, format!("query parameter {field:?}: {why}")).with_field(&field, said)
}

/// `axum::extract::Path`, failing in our shape (a path id that is not a
/// number, or past i64, is a 400 `bad_request` in JSON, not plain text).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ServerError))]
pub struct ApiPath<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for ServerError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        ApiError::new(ErrorCode::BadRequest, rejection.body_text())
            .with_field("path", "invalid")
            .into()
    }
}

fn bearer(parts: &Parts) -> Result<&str, ServerError> {
    bearer_of(&parts.headers).ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "missing bearer token").into())
}

/// The token of `Authorization: Bearer <token>`, if the request has one.
pub(super) fn bearer_of(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The caller, from `Authorization: Bearer <access token>`, with a definitive
/// password: someone still on a temporary one may only change it.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let principal = auth::authenticate(state, bearer(parts)?).await?;
        if principal.must_change_password != 0 {
            return Err(ApiError::new(
                ErrorCode::PasswordChangeRequired,
                "choose a definitive password before going on",
            )
            .into());
        }
        Ok(Caller(principal))
    }
}

/// Any logged-in caller, even on a temporary password (profile, password change).
pub struct AnyCaller(pub Principal);

impl FromRequestParts<AppState> for AnyCaller {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(AnyCaller(auth::authenticate(state, bearer(parts)?).await?))
    }
}

/// An operator, from `Authorization: Bearer <operator token>`.
pub struct OpsCaller(pub crate::ops::Operator);

impl FromRequestParts<AppState> for OpsCaller {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(OpsCaller(crate::ops::authenticate(state, bearer(parts)?).await?))
    }
}

/// The client's address, for rate limits and the audit log: the peer's, or,
/// when the peer is one of the configured `trusted_proxies`, the address
/// that proxy saw (`X-Forwarded-For`).
pub struct Client(pub std::net::IpAddr);

impl Client {
    /// What per-address limits count this client under (its IPv6 /64).
    pub fn limit_key(&self) -> String {
        crate::netaddr::limit_key(self.0)
    }
}

impl FromRequestParts<AppState> for Client {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .ok_or_else(|| ServerError::internal("no client address"))?;
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        Ok(Client(client_address(info.0.ip(), forwarded, &state.trusted_proxies)))
    }
}

/// Walks `X-Forwarded-For` from the nearest hop back while the hop is a
/// trusted proxy: the first address that is not one is the client. Entries
/// further left were written by the client itself and prove nothing; an
/// entry that is not an address stops the walk at the last trusted hop.
/// Entries may carry a port or IPv6 brackets (`netaddr::parse_hop`).
pub fn client_address<'a>(
    peer: std::net::IpAddr,
    forwarded: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[Cidr],
) -> std::net::IpAddr {
    let is_trusted = |address: std::net::IpAddr| trusted.iter().any(|range| range.contains(address));
    let peer = crate::netaddr::canonical(peer);
    if !is_trusted(peer) {
        return peer;
    }
    let hops = forwarded.flat_map(|h| h.split(',')).rev();
    let mut client = peer;
    for hop in hops {
        match crate::netaddr::parse_hop(hop) {
            Some(address) => {
                client = address;
                if !is_trusted(address) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// The optional `Idempotency-Key` header of a create.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic()));
        match key {
            Some(k) => Ok(IdempotencyKey(Some(k.to_owned()))),
            None => Err(ApiError::new(
                ErrorCode::BadRequest,
                "Idempotency-Key is 1 to 128 visible ASCII characters",
            )
            .with_field("idempotency_key", "invalid")
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{client_address, Cidr};
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn depth_counts_brackets_outside_strings() {
        use super::json_depth;
        assert_eq!(json_depth(br#"{"a":[1,{"b":2}]}"#), 3);
        assert_eq!(json_depth(br#"{"a":"[[[[{{{{"}"#), 1, "inside a string");
        assert_eq!(
            json_depth(br#"{"a":"\"[[["}"#),
            1,
            "an escaped quote does not end the string"
        );
        assert_eq!(json_depth(b"[[]][[[]]]"), 3);
        assert_eq!(json_depth(b"42"), 0);
    }

    fn net(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy = [net("10.0.0.2")];
        assert_eq!(
            client_address(ip("203.0.113.9"), ["1.2.3.4"].into_iter(), &proxy),
            ip("203.0.113.9"),
            "untrusted peer"
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), ["198.51.100.7"].into_iter(), &proxy),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), [].into_iter(), &proxy),
            ip("10.0.0.2"),
            "no header"
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), ["6.6.6.6, 198.51.100.7"].into_iter(), &proxy),
            ip("198.51.100.7"),
            "what the client wrote itself is ignored"
        );
        let two = [net("10.0.0.2"), net("10.0.0.3")];
        assert_eq!(
            client_address(ip("10.0.0.2"), ["6.6.6.6", "198.51.100.7, 10.0.0.3"].into_iter(), &two),
            ip("198.51.100.7"),
            "through two proxies, header lines joined"
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), ["garbage"].into_iter(), &proxy),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn proxies_are_trusted_by_range_and_hops_read_with_ports() {
        let ranges = [net("10.0.0.0/8"), net("fd00::/8")];
        assert_eq!(
            client_address(ip("10.9.8.7"), ["198.51.100.7:5678, 10.1.1.1"].into_iter(), &ranges),
            ip("198.51.100.7"),
            "any proxy of the range; the client's port is not its address"
        );
        assert_eq!(
            client_address(ip("fd00::2"), ["[2001:db8::7]:443"].into_iter(), &ranges),
            ip("2001:db8::7")
        );
        assert_eq!(
            client_address(ip("::ffff:10.0.0.5"), ["203.0.113.4"].into_iter(), &ranges),
            ip("203.0.113.4"),
            "a proxy reached over IPv4-mapped IPv6"
        );
        assert_eq!(
            client_address(ip("11.0.0.1"), ["203.0.113.4"].into_iter(), &ranges),
            ip("11.0.0.1"),
            "outside the range"
        );
    }
}

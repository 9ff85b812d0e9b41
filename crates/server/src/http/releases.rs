//! X1, X2: the operator API that publishes, stages and withdraws desktop
//! releases (role admin), and the public endpoints every desktop's updater
//! reads: the offer for its platform and version, and the bundle.

use super::extract::{ApiJson, ApiPath, ApiQuery, Client, IdempotencyKey, OpsCaller};
use super::idempotency::{idempotent, idempotent_as, KeyOwner};
use super::requests::Upload;
use super::ServerError;
use crate::audit::Origin;
use crate::ops::Duty;
use crate::releases::{self, Asked};
use crate::AppState;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, HOST, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sportello_domain::api::operations as op;
use sportello_domain::api::releases::{
    BundleInfo, BundleQuery, NewRelease, ReleaseInfo, ShareChange, UpdateOffer, INSTALLATION_HEADER, LANGUAGE_HEADER,
};
use sportello_domain::ApiError;

fn origin(op: &crate::ops::Operator, client: &Client) -> Origin {
    Origin::operator(&op.username, client.0)
}

#[utoipa::path(get, path = op::releases::LIST.path, tag = "releases", operation_id = "ops_releases", security(("bearer" = [])),
    responses((status = 200, description = "Every release, newest first, with its bundles and the installations that run it", body = Vec<ReleaseInfo>),
              (status = 403, description = "forbidden: releases are the admin role's", body = ApiError)))]
pub(super) async fn list(
    State(state): State<AppState>,
    OpsCaller(op): OpsCaller,
) -> Result<Json<Vec<ReleaseInfo>>, ServerError> {
    op.require(Duty::Admin)?;
    Ok(Json(releases::list(&state).await?))
}

#[utoipa::path(post, path = op::releases::CREATE.path, tag = "releases", operation_id = "ops_create_release", request_body = NewRelease, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer: a release is published once")),
    responses((status = 201, description = "Published; desktops are offered it once it has their platform's bundle", body = ReleaseInfo),
              (status = 400, body = ApiError), (status = 403, body = ApiError),
              (status = 409, description = "conflict: the version is not above the newest release; or the key is in flight", body = ApiError),
              (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn create(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(r): ApiJson<NewRelease>,
) -> Result<Response, ServerError> {
    op.require(Duty::Admin)?;
    let origin = origin(&op, &client);
    let st = &state;
    idempotent(
        &state,
        KeyOwner::Operator(op.id),
        key,
        "ops_create_release",
        &r,
        || releases::create(&state, &origin, &r),
        |version: String| async move { releases::info(st, &version).await },
    )
    .await
}

#[utoipa::path(put, path = op::releases::ADD_BUNDLE.path, tag = "releases", operation_id = "ops_add_release_bundle", security(("bearer" = [])),
    params(("version" = String, Path), ("target" = String, Path, description = "The updater's platform name, as linux-x86_64-deb"), BundleQuery,
           ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The bundle (up to 300 MB)"),
    responses((status = 201, description = "Stored, with its size and SHA-256", body = BundleInfo),
              (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 409, description = "conflict: the release was withdrawn; or the key is in flight", body = ApiError),
              (status = 413, body = ApiError), (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn add_bundle(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath((version, target)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<BundleQuery>,
    IdempotencyKey(key): IdempotencyKey,
    Upload(bytes): Upload,
) -> Result<Response, ServerError> {
    op.require(Duty::Admin)?;
    let origin = origin(&op, &client);
    let fingerprint = (&version, &target, &q, crate::secrets::sha256_hex_bytes(&bytes));
    let st = &state;
    let (v, t) = (version.clone(), target.clone());
    idempotent(
        &state,
        KeyOwner::Operator(op.id),
        key,
        "ops_add_release_bundle",
        &fingerprint,
        || releases::add_bundle(&state, &origin, &version, &target, &q, &bytes),
        |_: String| async move {
            let (_, bundle) = releases::bundle(st, &v, &t).await?;
            Ok(releases::bundle_info(bundle))
        },
    )
    .await
}

#[utoipa::path(post, path = op::releases::SHARE.path, tag = "releases", operation_id = "ops_stage_release", request_body = ShareChange, security(("bearer" = [])),
    params(("version" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 200, description = "The share of installations offered the release now", body = ReleaseInfo),
              (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 409, description = "conflict: the release was withdrawn; or the key is in flight", body = ApiError),
              (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn share(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(version): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(change): ApiJson<ShareChange>,
) -> Result<Response, ServerError> {
    staged(state, client, op, version, key, Some(change.share), "ops_stage_release").await
}

#[utoipa::path(post, path = op::releases::WITHDRAW.path, tag = "releases", operation_id = "ops_withdraw_release", security(("bearer" = [])),
    params(("version" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 200, description = "Withdrawn: no desktop is offered it any more", body = ReleaseInfo),
              (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 409, description = "the key is in flight", body = ApiError),
              (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn withdraw(
    State(state): State<AppState>,
    client: Client,
    OpsCaller(op): OpsCaller,
    ApiPath(version): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
) -> Result<Response, ServerError> {
    staged(state, client, op, version, key, None, "ops_withdraw_release").await
}

async fn staged(
    state: AppState,
    client: Client,
    op: crate::ops::Operator,
    version: String,
    key: Option<String>,
    share: Option<u8>,
    route: &str,
) -> Result<Response, ServerError> {
    op.require(Duty::Admin)?;
    let origin = origin(&op, &client);
    let st = &state;
    idempotent_as(
        &state,
        KeyOwner::Operator(op.id),
        key,
        route,
        &(&version, share),
        StatusCode::OK,
        || releases::stage(&state, &origin, &version, share),
        |version: String| async move { releases::info(st, &version).await },
    )
    .await
}

/// Where the bundles' links point: the configured public address, or the
/// host the desktop reached.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if !state.config.public_url.trim().is_empty() {
        return state.config.public_url.trim().to_owned();
    }
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

#[utoipa::path(get, path = op::releases::CHECK.path, tag = "releases", operation_id = "update_check",
    params(("os" = String, Path, description = "linux, windows or darwin"), ("arch" = String, Path), ("installer" = String, Path, description = "deb, appimage, msi, nsis or app"),
           ("current_version" = String, Path),
           ("Sportello-Installation" = Option<String>, Header, description = "The installation's random identifier: places it in a staged release's share and counts the version it runs"),
           ("Accept-Language" = Option<String>, Header, description = "en for English notes; Italian otherwise")),
    responses((status = 200, description = "A newer version for this installation (the updater's dynamic format)", body = UpdateOffer),
              (status = 204, description = "The desktop runs the newest version offered to it"),
              (status = 400, description = "a platform without bundles, or a version that is not semantic", body = ApiError)))]
pub(super) async fn check(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath((os, arch, installer, current)): ApiPath<(String, String, String, String)>,
) -> Result<Response, ServerError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let asked = Asked {
        os: &os,
        arch: &arch,
        installer: &installer,
        current: &current,
        installation: header(INSTALLATION_HEADER),
        english: header(LANGUAGE_HEADER).is_some_and(|l| l.trim_start().starts_with("en")),
    };
    Ok(
        match releases::offer(&state, &asked, &base_url(&state, &headers)).await? {
            Some(offer) => Json(offer).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    )
}

#[utoipa::path(get, path = op::releases::BUNDLE.path, tag = "releases", operation_id = "update_bundle",
    params(("version" = String, Path), ("target" = String, Path)),
    responses((status = 200, body = Vec<u8>, content_type = "*/*", description = "The bundle (application/octet-stream), streamed, with its length and SHA-256 (X-Content-SHA256, hex)"),
              (status = 404, body = ApiError)))]
pub(super) async fn bundle(
    State(state): State<AppState>,
    ApiPath((version, target)): ApiPath<(String, String)>,
) -> Result<Response, ServerError> {
    let (release, bundle) = releases::bundle(&state, &version, &target).await?;
    let store = state.store.clone();
    let (id, platform) = (release.id, bundle.target.clone());
    let chunks = futures_util::stream::unfold(0_i64, move |seq| {
        let (store, platform) = (store.clone(), platform.clone());
        async move {
            match store.bundle_chunk(id, &platform, seq).await {
                Ok(Some(bytes)) => Some((Ok(bytes), seq + 1)),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), i64::MAX)),
            }
        }
    });
    let disposition = format!(
        "attachment; filename=\"{}\"",
        bundle.name.replace(|c: char| !c.is_ascii() || c == '"', "_")
    );
    Ok((
        [
            (CONTENT_TYPE, "application/octet-stream".to_owned()),
            (CONTENT_LENGTH, bundle.size_bytes.to_string()),
            (CONTENT_DISPOSITION, disposition),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (axum::http::HeaderName::from_static("x-content-sha256"), bundle.sha256),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response())
}

//! X1, X2: the company publishes new versions of the desktop here, stages
//! them to a share of installations or withdraws them, and every desktop's
//! updater asks which version it should run and downloads its bundle.
//! Every check comes before any write, so a refusal stores nothing.

pub mod cli;

use crate::accounts::bad;
use crate::audit::{self, Origin};
use crate::store::releases::{BundleRow, ReleaseRow};
use crate::{AppState, ServerError};
use base64::Engine;
use chrono::{DateTime, Utc};
use sportello_domain::api::releases::{
    is_target, stage_bucket, BundleInfo, BundleQuery, NewRelease, ReleaseInfo, UpdateOffer, MAX_NOTES_CHARS,
};
use sportello_domain::{ApiError, ErrorCode};

/// The largest bundle taken: installers are tens of megabytes.
pub const MAX_BUNDLE_BYTES: usize = 300 * 1024 * 1024;

fn not_found(version: &str) -> ServerError {
    ApiError::new(ErrorCode::NotFound, format!("no release {version}")).into()
}

fn version_of(field: &str, text: &str) -> Result<semver::Version, ServerError> {
    semver::Version::parse(text.trim()).map_err(|_| bad(field, "semver", "a version is three numbers, as 1.4.0"))
}

fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Publishes a release: its version must be higher than every release
/// before it (withdrawn ones too: desktops may run them).
pub async fn create(state: &AppState, origin: &Origin, r: &NewRelease) -> Result<ReleaseInfo, ServerError> {
    let version = version_of("version", &r.version)?;
    for (field, notes) in [("notes_it", &r.notes_it), ("notes_en", &r.notes_en)] {
        let chars = notes.trim().chars().count();
        if chars == 0 || chars > MAX_NOTES_CHARS {
            return Err(bad(field, "length", "release notes have 1 to 4,000 characters"));
        }
    }
    if r.share > 100 {
        return Err(bad("share", "range", "the share is a percentage, 0 to 100"));
    }
    let newest = state
        .store
        .releases()
        .await?
        .into_iter()
        .filter_map(|e| e.version.parse::<semver::Version>().ok())
        .max();
    if let Some(newest) = newest.filter(|n| *n >= version) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("version {version} is not above {newest}, the newest release"),
        )
        .with_field("version", "not_newer")
        .into());
    }
    let text = version.to_string();
    let details = format!("share {} %", r.share);
    audit::owe(state, origin, "publish_release", &format!("release:{text}"), &details).await?;
    crate::store::unit::name_resource(&text);
    let notes = (r.notes_it.trim(), r.notes_en.trim());
    if state
        .store
        .insert_release(&text, notes, r.share, state.clock.now_ms())
        .await?
        .is_none()
    {
        return Err(ApiError::new(ErrorCode::Conflict, format!("release {text} exists")).into());
    }
    info(state, &text).await
}

async fn release(state: &AppState, version: &str) -> Result<ReleaseRow, ServerError> {
    state
        .store
        .release(version.trim())
        .await?
        .ok_or_else(|| not_found(version))
}

/// A release with its bundles and how many installations run it.
pub async fn info(state: &AppState, version: &str) -> Result<ReleaseInfo, ServerError> {
    let row = release(state, version).await?;
    let counts = state.store.installations_by_version().await?;
    described(state, row, &counts).await
}

async fn described(state: &AppState, row: ReleaseRow, counts: &[(String, i64)]) -> Result<ReleaseInfo, ServerError> {
    let bundles = state
        .store
        .release_bundles(row.id)
        .await?
        .into_iter()
        .map(bundle_info)
        .collect();
    Ok(ReleaseInfo {
        installations: counts.iter().find(|(v, _)| *v == row.version).map_or(0, |(_, n)| *n),
        share: u8::try_from(row.share).unwrap_or(100),
        published_at: instant(row.published_at),
        withdrawn_at: row.withdrawn_at.map(instant),
        version: row.version,
        notes_it: row.notes_it,
        notes_en: row.notes_en,
        bundles,
    })
}

pub fn bundle_info(b: BundleRow) -> BundleInfo {
    BundleInfo {
        target: b.target,
        name: b.name,
        size_bytes: b.size_bytes,
        sha256: b.sha256,
    }
}

/// Every release, newest first.
pub async fn list(state: &AppState) -> Result<Vec<ReleaseInfo>, ServerError> {
    let counts = state.store.installations_by_version().await?;
    let mut out = Vec::new();
    for row in state.store.releases().await? {
        out.push(described(state, row, &counts).await?);
    }
    Ok(out)
}

/// A minisign signature as `tauri signer sign` writes it (the `.sig` file,
/// base64 of two comment lines and two base64 lines), checked for its form;
/// the desktop verifies it against the key built into it.
fn signature_of(text: &str) -> Result<String, ServerError> {
    let refused = || {
        bad(
            "signature",
            "format",
            "the signature is the bundle's .sig file, as the signer wrote it",
        )
    };
    let text = text.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| refused())?;
    let decoded = String::from_utf8(decoded).map_err(|_| refused())?;
    let lines: Vec<&str> = decoded.lines().collect();
    let well_formed = lines.len() >= 4
        && lines[0].starts_with("untrusted comment:")
        && lines[2].starts_with("trusted comment:")
        && base64::engine::general_purpose::STANDARD
            .decode(lines[1])
            .is_ok_and(|s| s.len() == 74);
    if !well_formed {
        return Err(refused());
    }
    Ok(text.to_owned())
}

/// Stores a platform's bundle of a release (in place of an earlier one for
/// that platform), with its size, SHA-256 and signature.
pub async fn add_bundle(
    state: &AppState,
    origin: &Origin,
    version: &str,
    target: &str,
    q: &BundleQuery,
    bytes: &[u8],
) -> Result<BundleInfo, ServerError> {
    let row = release(state, version).await?;
    if row.withdrawn_at.is_some() {
        return Err(ApiError::new(ErrorCode::Conflict, "the release was withdrawn").into());
    }
    if !is_target(target) {
        return Err(bad(
            "target",
            "unknown",
            "the platform is one of the updater's, as linux-x86_64-deb",
        ));
    }
    let name = q.name.trim();
    if name.is_empty() || name.len() > 200 || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(bad("name", "format", "the bundle's file name, without folders"));
    }
    let signature = signature_of(&q.signature)?;
    if bytes.is_empty() {
        return Err(bad("bundle", "empty", "the bundle is empty"));
    }
    let bundle = BundleRow {
        release_id: row.id,
        target: target.to_owned(),
        name: name.to_owned(),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: crate::secrets::sha256_hex_bytes(bytes),
        signature,
    };
    let details = format!("{} {} bytes sha256 {}", bundle.name, bundle.size_bytes, bundle.sha256);
    audit::owe(
        state,
        origin,
        "add_release_bundle",
        &format!("release:{}/{target}", row.version),
        &details,
    )
    .await?;
    crate::store::unit::name_resource(&format!("{}/{target}", row.version));
    state.store.put_bundle(&bundle, bytes, state.clock.now_ms()).await?;
    Ok(bundle_info(bundle))
}

/// Stages a release to `share` % of installations, or (`None`) withdraws it:
/// no desktop is offered it any more; those that installed it keep it until
/// a newer release.
pub async fn stage(
    state: &AppState,
    origin: &Origin,
    version: &str,
    share: Option<u8>,
) -> Result<ReleaseInfo, ServerError> {
    let row = release(state, version).await?;
    if share.is_some_and(|s| s > 100) {
        return Err(bad("share", "range", "the share is a percentage, 0 to 100"));
    }
    if row.withdrawn_at.is_some() && share.is_some() {
        return Err(ApiError::new(ErrorCode::Conflict, "the release was withdrawn: publish a newer one").into());
    }
    let (action, details) = match share {
        Some(s) => ("stage_release", format!("share {s} %")),
        None => ("withdraw_release", String::new()),
    };
    audit::owe(state, origin, action, &format!("release:{}", row.version), &details).await?;
    crate::store::unit::name_resource(&row.version);
    state
        .store
        .stage_release(row.id, share, share.is_none(), state.clock.now_ms())
        .await?;
    info(state, &row.version).await
}

/// What an updater asked: its platform, version and installation.
pub struct Asked<'a> {
    pub os: &'a str,
    pub arch: &'a str,
    pub installer: &'a str,
    pub current: &'a str,
    pub installation: Option<&'a str>,
    pub english: bool,
}

/// An installation's identifier is a random token the desktop made: short,
/// letters, digits and dashes; anything else is not counted.
fn installation_id(id: Option<&str>) -> Option<&str> {
    id.filter(|i| (8..=64).contains(&i.len()) && i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// The newest release above the asker's version that reaches its
/// installation, if any; the installation's version is counted.
pub async fn offer(state: &AppState, asked: &Asked<'_>, base_url: &str) -> Result<Option<UpdateOffer>, ServerError> {
    let target = format!("{}-{}-{}", asked.os, asked.arch, asked.installer);
    if target.len() > 64 || !is_target(&target) {
        return Err(bad("target", "unknown", "no bundles are published for this platform"));
    }
    let current = version_of("current_version", asked.current)?;
    let installation = installation_id(asked.installation);
    if let Some(id) = installation {
        state
            .store
            .seen_installation(id, &target, &current.to_string(), state.clock.now_ms())
            .await?;
    }
    let best = state
        .store
        .offered_releases(&target)
        .await?
        .into_iter()
        .filter_map(|(r, b)| Some((r.version.parse::<semver::Version>().ok()?, r, b)))
        .filter(|(v, r, _)| *v > current && i64::from(stage_bucket(installation, &r.version)) < r.share)
        .max_by(|a, b| a.0.cmp(&b.0));
    Ok(best.map(|(version, r, b)| UpdateOffer {
        version: version.to_string(),
        notes: if asked.english { r.notes_en } else { r.notes_it },
        pub_date: instant(r.published_at),
        url: format!(
            "{}/api/v1/updates/bundles/{version}/{target}",
            base_url.trim_end_matches('/')
        ),
        signature: b.signature,
    }))
}

/// A bundle to stream: its row, then its chunks in order.
pub async fn bundle(state: &AppState, version: &str, target: &str) -> Result<(ReleaseRow, BundleRow), ServerError> {
    let row = release(state, version).await?;
    let bundle = state
        .store
        .bundle(row.id, target)
        .await?
        .ok_or_else(|| not_found(&format!("{version}/{target}")))?;
    Ok((row, bundle))
}

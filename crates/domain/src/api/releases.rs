//! X1, X2: new versions of the desktop, published by the company on its own
//! Sportello server and read by the desktop's updater. A release is a version
//! with its notes in both languages and one bundle per platform, each with
//! the updater's signature; it reaches a share of installations (staging)
//! until withdrawn.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The platforms a bundle is built for, named as the updater looks them up
/// (`{os}-{arch}-{installer}`).
pub const TARGETS: [&str; 7] = [
    "linux-x86_64-deb",
    "linux-x86_64-appimage",
    "windows-x86_64-msi",
    "windows-x86_64-nsis",
    "darwin-x86_64-app",
    "darwin-aarch64-app",
    "linux-aarch64-deb",
];

/// The most a release's notes may hold, per language.
pub const MAX_NOTES_CHARS: usize = 4000;

/// What the company publishes: the version and what is new in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct NewRelease {
    /// Semantic version, higher than every release before it (`1.4.0`).
    pub version: String,
    pub notes_it: String,
    pub notes_en: String,
    /// The share of installations (0–100) offered the release at first.
    pub share: u8,
}

/// A bundle's upload: its file name and the updater's signature of it
/// (the `.sig` file `tauri signer sign` writes, as it is).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BundleQuery {
    pub name: String,
    pub signature: String,
}

/// A new share of installations for a staged release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ShareChange {
    pub share: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct BundleInfo {
    pub target: String,
    pub name: String,
    #[ts(type = "number")]
    pub size_bytes: i64,
    pub sha256: String,
}

/// A release as the company's operators see it, with how many installations
/// last said they run it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ReleaseInfo {
    pub version: String,
    pub notes_it: String,
    pub notes_en: String,
    pub share: u8,
    pub published_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub bundles: Vec<BundleInfo>,
    #[ts(type = "number")]
    pub installations: i64,
}

/// The answer the desktop's updater reads (tauri-plugin-updater's dynamic
/// format): the version on offer, its notes, and where its bundle is with
/// the bundle's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UpdateOffer {
    pub version: String,
    pub notes: String,
    pub pub_date: DateTime<Utc>,
    pub url: String,
    pub signature: String,
}

/// The header a desktop names its installation with: a random identifier
/// made at its first start, nothing about its user. It places the
/// installation in a staged release's share and counts the versions in use.
pub const INSTALLATION_HEADER: &str = "Sportello-Installation";

/// The language the desktop wants the notes in.
pub const LANGUAGE_HEADER: &str = "Accept-Language";

/// Where an installation falls among a hundred (0–99), the same for one
/// installation and version every time, and spread evenly across
/// installations: a release at share `s` reaches the ones below `s`.
/// An installation with no identifier comes last (99): it gets a release
/// only once every installation does.
pub fn stage_bucket(installation: Option<&str>, version: &str) -> u8 {
    let Some(installation) = installation.filter(|i| !i.is_empty()) else {
        return 99;
    };
    // FNV-1a: a stable, well-spread hash that needs no dependency.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in installation.bytes().chain([0]).chain(version.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % 100) as u8
}

/// Whether `name` is a platform the updater knows.
pub fn is_target(name: &str) -> bool {
    TARGETS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_reaches_about_its_share_of_installations_and_always_the_same_ones() {
        let ids: Vec<String> = (0..10_000).map(|n| format!("installation-{n}")).collect();
        let reached = ids.iter().filter(|id| stage_bucket(Some(id), "1.2.0") < 10).count();
        assert!((800..1200).contains(&reached), "{reached} of 10,000 at 10 %");
        assert_eq!(stage_bucket(Some("abc"), "1.2.0"), stage_bucket(Some("abc"), "1.2.0"));
        let moved = ids
            .iter()
            .filter(|id| stage_bucket(Some(id), "1.2.0") != stage_bucket(Some(id), "1.3.0"))
            .count();
        assert!(moved > 9_000, "another version draws another first tenth");
        assert_eq!(stage_bucket(None, "1.2.0"), 99);
        assert_eq!(stage_bucket(Some(""), "1.2.0"), 99);
    }

    #[test]
    fn targets_are_the_updaters_names() {
        assert!(is_target("linux-x86_64-deb"));
        assert!(!is_target("linux-x86_64"));
        assert!(!is_target("../../etc"));
    }
}

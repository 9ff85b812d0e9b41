//! The back office's release commands (`sportello-server admin release-…`):
//! the same operations as the operator API, run as the operating-system user
//! with an audit record. Each bundle's signature is the `.sig` file beside it.

use super::MAX_BUNDLE_BYTES;
use crate::audit::Origin;
use crate::{AppState, ServerError};
use anyhow::Context;
use sportello_domain::api::releases::{BundleQuery, NewRelease, ReleaseInfo};
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand)]
pub enum ReleaseCommand {
    /// Publish a new version of the desktop: its notes in Italian and English
    /// and each platform's bundle (`FILE` with its signature in `FILE.sig`;
    /// `TARGET=FILE` to name the platform when the file name does not tell).
    ReleasePublish {
        #[arg(long)]
        version: String,
        #[arg(long)]
        notes_it: PathBuf,
        #[arg(long)]
        notes_en: PathBuf,
        /// The share of installations offered it at first, 0 to 100.
        #[arg(long, default_value_t = 100)]
        share: u8,
        #[arg(required = true)]
        bundles: Vec<String>,
    },
    /// Offer a release to another share of installations (0 to 100).
    ReleaseShare {
        #[arg(long)]
        version: String,
        #[arg(long)]
        share: u8,
    },
    /// Withdraw a release: no desktop is offered it any more.
    ReleaseWithdraw {
        #[arg(long)]
        version: String,
    },
    /// The releases, newest first, with their bundles and installations.
    Releases,
}

/// The updater's platform a bundle's file name tells: Tauri's bundler names
/// them `<App>_<version>_<arch>.<ext>`.
pub fn target_of(file: &Path) -> Option<&'static str> {
    let name = file.file_name()?.to_str()?.to_ascii_lowercase();
    let arm = name.contains("aarch64") || name.contains("arm64");
    Some(match () {
        _ if name.ends_with(".deb") && arm => "linux-aarch64-deb",
        _ if name.ends_with(".deb") => "linux-x86_64-deb",
        _ if name.ends_with(".appimage") || name.ends_with(".appimage.tar.gz") => "linux-x86_64-appimage",
        _ if name.ends_with(".msi") || name.ends_with(".msi.zip") => "windows-x86_64-msi",
        _ if name.ends_with("-setup.exe") || name.ends_with("-setup.nsis.zip") => "windows-x86_64-nsis",
        _ if name.ends_with(".app.tar.gz") && arm => "darwin-aarch64-app",
        _ if name.ends_with(".app.tar.gz") => "darwin-x86_64-app",
        _ => return None,
    })
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn shown(e: ServerError) -> anyhow::Error {
    anyhow::anyhow!("{}", crate::error::shown(e))
}

/// Runs a release command; writes are checked whole before the first one.
pub async fn run(state: &AppState, origin: &Origin, command: ReleaseCommand) -> anyhow::Result<()> {
    match command {
        ReleaseCommand::ReleasePublish {
            version,
            notes_it,
            notes_en,
            share,
            bundles,
        } => {
            let mut files = Vec::new();
            for spec in &bundles {
                let (target, file) = match spec.split_once('=') {
                    Some((target, file)) => (target.to_owned(), PathBuf::from(file)),
                    None => {
                        let file = PathBuf::from(spec);
                        let target =
                            target_of(&file).with_context(|| format!("{spec}: name its platform as TARGET=FILE"))?;
                        (target.to_owned(), file)
                    }
                };
                let size = std::fs::metadata(&file)
                    .with_context(|| format!("reading {}", file.display()))?
                    .len();
                anyhow::ensure!(size as usize <= MAX_BUNDLE_BYTES, "{} is over 300 MB", file.display());
                let signature = read(&PathBuf::from(format!("{}.sig", file.display())))?;
                files.push((target, file, signature));
            }
            let release = NewRelease {
                version,
                notes_it: read(&notes_it)?,
                notes_en: read(&notes_en)?,
                share,
            };
            // Run again (after a crash, or by mistake), it completes the same
            // release: a bundle stored twice replaces itself.
            let created = match super::info(state, &release.version).await {
                Ok(existing)
                    if existing.notes_it == release.notes_it.trim() && existing.notes_en == release.notes_en.trim() =>
                {
                    println!("release {} exists: storing its bundles", existing.version);
                    existing
                }
                _ => super::create(state, origin, &release).await.map_err(shown)?,
            };
            for (target, file, signature) in files {
                let bytes = std::fs::read(&file)?;
                let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("bundle").to_owned();
                let q = BundleQuery { name, signature };
                let added = super::add_bundle(state, origin, &created.version, &target, &q, &bytes)
                    .await
                    .map_err(shown)?;
                println!(
                    "{target}: {} ({} bytes, sha256 {})",
                    added.name, added.size_bytes, added.sha256
                );
            }
            println!(
                "release {} published to {} % of installations",
                created.version, created.share
            );
        }
        ReleaseCommand::ReleaseShare { version, share } => {
            let staged = super::stage(state, origin, &version, Some(share))
                .await
                .map_err(shown)?;
            println!(
                "release {} now offered to {} % of installations",
                staged.version, staged.share
            );
        }
        ReleaseCommand::ReleaseWithdraw { version } => {
            let gone = super::stage(state, origin, &version, None).await.map_err(shown)?;
            println!("release {} withdrawn", gone.version);
        }
        ReleaseCommand::Releases => {
            for r in super::list(state).await.map_err(shown)? {
                print_release(&r);
            }
        }
    }
    Ok(())
}

fn print_release(r: &ReleaseInfo) {
    let state = match r.withdrawn_at {
        Some(at) => format!("withdrawn {}", at.format("%Y-%m-%d")),
        None => format!("{} % of installations", r.share),
    };
    println!(
        "{} published {} — {state}; {} installations run it",
        r.version,
        r.published_at.format("%Y-%m-%d"),
        r.installations
    );
    for b in &r.bundles {
        println!("  {}: {} ({} bytes)", b.target, b.name, b.size_bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundles_platform_comes_from_its_name() {
        assert_eq!(
            target_of(Path::new("out/Sportello_1.2.0_amd64.deb")),
            Some("linux-x86_64-deb")
        );
        assert_eq!(
            target_of(Path::new("Sportello_1.2.0_arm64.deb")),
            Some("linux-aarch64-deb")
        );
        assert_eq!(
            target_of(Path::new("Sportello_1.2.0_x64_it-IT.msi")),
            Some("windows-x86_64-msi")
        );
        assert_eq!(
            target_of(Path::new("Sportello_1.2.0_x64-setup.exe")),
            Some("windows-x86_64-nsis")
        );
        assert_eq!(
            target_of(Path::new("Sportello_aarch64.app.tar.gz")),
            Some("darwin-aarch64-app")
        );
        assert_eq!(target_of(Path::new("notes.txt")), None);
    }
}

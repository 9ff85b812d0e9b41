//! X2: what the desktop's updater needs beside the Tauri plugin: the
//! installation's identifier, made at its first start (a random token that
//! places it in a staged release's share and lets the company count the
//! versions in use; it says nothing about the user or computer), and what
//! the window shows of an offer and its download.

use rand::RngCore;
use serde::Serialize;
use std::path::Path;
use ts_rs::TS;

/// A version on offer, as the banner shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct UpdateOffer {
    pub version: String,
    pub current: String,
    /// What is new, in the language asked for.
    pub notes: String,
    pub date: Option<String>,
}

/// How far the download is: bytes so far and, when the server said, in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct UpdateProgress {
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

const FILE: &str = "installation-id";

/// This installation's identifier, made and kept under `dir` the first time.
/// A file that cannot be kept gives an identifier for this run only.
pub fn installation_id(dir: &Path) -> String {
    let path = dir.join(FILE);
    if let Ok(kept) = std::fs::read_to_string(&path) {
        let kept = kept.trim();
        if kept.len() == 32 && kept.bytes().all(|b| b.is_ascii_hexdigit()) {
            return kept.to_owned();
        }
    }
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &id)) {
        tracing::warn!("the installation's identifier could not be kept: {e}");
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_installation_keeps_its_random_identifier() {
        let dir = tempfile::tempdir().unwrap();
        let first = installation_id(dir.path());
        assert_eq!(first.len(), 32);
        assert_eq!(installation_id(dir.path()), first, "the same at every start");
        let other = tempfile::tempdir().unwrap();
        assert_ne!(
            installation_id(other.path()),
            first,
            "another installation, another identifier"
        );
        std::fs::write(dir.path().join(FILE), "not an identifier").unwrap();
        let remade = installation_id(dir.path());
        assert_ne!(remade, first);
        assert_eq!(installation_id(dir.path()), remade);
    }
}

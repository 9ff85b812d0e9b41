//! The files the app keeps for the user (invoices' PDF and XML, order
//! outcomes, the attachments of request threads): named by the app, never by the server; readable by the user
//! only; kept with the SHA-256 they arrived with and checked against it
//! again before every open, offline too; and the only kinds of file the app
//! hands to the system's viewer.

use crate::AppError;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// What the app opens with the system's viewer: documents and pictures,
/// nothing that runs.
pub const OPENABLE: [&str; 7] = ["pdf", "xml", "xlsx", "txt", "png", "jpg", "jpeg"];

/// Refuses to open anything but a PDF, XML, XLSX, TXT, PNG or JPEG file.
pub fn check_openable(file: &Path) -> Result<(), AppError> {
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if OPENABLE.contains(&extension.as_str()) {
        Ok(())
    } else {
        Err(AppError::Protocol(format!(
            "Sportello opens only PDF, XML, XLSX, TXT, PNG and JPEG files, not {}",
            file.display()
        )))
    }
}

/// The extension the app gives a file of `content_type`, when it keeps
/// such files at all.
pub fn extension_for(content_type: &str) -> Option<&'static str> {
    match content_type {
        "application/pdf" => Some("pdf"),
        "text/plain" => Some("txt"),
        "application/xml" | "text/xml" => Some("xml"),
        "image/png" => Some("png"),
        "image/jpeg" => Some("jpg"),
        _ => None,
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The folder, made if needed, readable by the user only (0700 on Unix).
pub fn private_dir(dir: &Path) -> Result<(), AppError> {
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    restrict(dir, 0o700)
}

fn restrict(path: &Path, mode: u32) -> Result<(), AppError> {
    set_mode(path, mode).map_err(|e| failed(path, e))
}

/// Sets a file's or folder's Unix mode (0600, 0700).
#[cfg(unix)]
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Elsewhere the user's profile folder is already the user's alone.
#[cfg(not(unix))]
pub fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

fn failed(path: &Path, e: std::io::Error) -> AppError {
    AppError::Protocol(format!("saving {}: {e}", path.display()))
}

/// Where a kept file's SHA-256 is written: beside it.
fn digest_file(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".sha256");
    file.with_file_name(name)
}

/// Writes `bytes` as `file` (through a temporary file, so a crash never
/// leaves half of it), readable by the user only, with its SHA-256 beside it.
pub fn keep(file: &Path, bytes: &[u8]) -> Result<(), AppError> {
    if let Some(dir) = file.parent() {
        private_dir(dir)?;
    }
    write_private(&digest_file(file), sha256_hex(bytes).as_bytes())?;
    let part = PartFile::new(file);
    write_private(part.path(), bytes)?;
    part.keep()
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(path).map_err(|e| failed(path, e))?;
    out.write_all(bytes).map_err(|e| failed(path, e))?;
    restrict(path, 0o600)
}

/// Whether `file` is kept and still what arrived: a file changed or damaged
/// since (or kept without its SHA-256) is removed, to be downloaded again.
pub fn kept(file: &Path) -> bool {
    let Ok(bytes) = std::fs::read(file) else {
        return false;
    };
    let expected = std::fs::read_to_string(digest_file(file)).unwrap_or_default();
    if expected.trim() == sha256_hex(&bytes) {
        return true;
    }
    tracing::warn!(file = %file.display(), "a kept file no longer matches its SHA-256: downloading it again");
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(digest_file(file));
    false
}

/// The temporary file an export writes: renamed to its real name when complete,
/// removed if the export fails, is cancelled or panics.
pub(crate) struct PartFile {
    part: PathBuf,
    target: PathBuf,
    kept: bool,
}

impl PartFile {
    /// Numbered, so two writers of the same file (an invoice opened while a
    /// bundle downloads it) never share a temporary file.
    pub(crate) fn new(target: &Path) -> PartFile {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let mut name = target.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{}.part", NEXT.fetch_add(1, Ordering::Relaxed)));
        PartFile {
            part: target.with_file_name(name),
            target: target.to_owned(),
            kept: false,
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.part
    }

    pub(crate) fn keep(mut self) -> Result<(), AppError> {
        std::fs::rename(&self.part, &self.target).map_err(|e| saving(&self.target, e))?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

pub(crate) fn saving(file: &Path, error: impl std::fmt::Display) -> AppError {
    AppError::Protocol(format!("saving {}: {error}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_documents_are_opened() {
        for good in [
            "a.pdf",
            "b.XML",
            "c.xlsx",
            "d.txt",
            "/x/y/Fattura 2026-1.PDF",
            "e.png",
            "f.JPG",
        ] {
            assert!(check_openable(Path::new(good)).is_ok(), "{good}");
        }
        for bad in [
            "a.exe",
            "b.desktop",
            "c.sh",
            "d.pdf.exe",
            "e",
            "f.html",
            "g.jar",
            "h.svg",
        ] {
            assert!(check_openable(Path::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_kept_file_is_private_and_checked_before_it_is_used_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("documents").join("fattura.pdf");
        keep(&file, b"%PDF-1.4 one").unwrap();
        assert!(kept(&file));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&file), 0o600);
            assert_eq!(mode(file.parent().unwrap()), 0o700);
        }
        std::fs::write(&file, b"%PDF-1.4 changed behind the app's back").unwrap();
        assert!(!kept(&file), "a changed file is not used");
        assert!(!file.exists(), "and is removed, to be downloaded again");
        std::fs::write(&file, b"no digest beside it").unwrap();
        assert!(!kept(&file));
    }
}

//! Opens a file with the program the system associates with its type (the
//! `open` crate: xdg-open, gio and the others on Linux, `open` on macOS,
//! the shell on Windows), and shows a file in the file manager.

use std::path::Path;

/// Starts the viewer and returns at once; only for the kinds of file the
/// app opens (PDF, XML, XLSX, TXT), never anything the system would run.
pub fn open(file: &Path) -> std::io::Result<()> {
    sportello_app::files::check_openable(file)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::PermissionDenied, e.to_string()))?;
    open::that_detached(file)
}

/// Starts the file manager and returns at once: the file selected in its
/// folder where the system can do that (macOS, Windows), the folder opened
/// elsewhere.
pub fn reveal(file: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "macos")]
    return detach(std::process::Command::new("open").arg("-R").arg(file));
    #[cfg(target_os = "windows")]
    return {
        let mut select = std::ffi::OsString::from("/select,");
        select.push(file);
        detach(std::process::Command::new("explorer").arg(select))
    };
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    open::that_detached(file.parent().unwrap_or(file))
}

/// A thread waits for the launcher so it leaves no zombie.
#[cfg(any(target_os = "macos", target_os = "windows"))]
fn detach(command: &mut std::process::Command) -> std::io::Result<()> {
    let mut child = command.spawn()?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

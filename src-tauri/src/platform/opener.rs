//! Opens a file with the program the system associates with its type.

use std::path::Path;
use std::process::Command;

fn command(file: &Path) -> Command {
    #[cfg(target_os = "macos")]
    let mut command = Command::new("open");
    #[cfg(target_os = "windows")]
    let mut command = {
        let mut c = Command::new("explorer");
        c.arg("/open,");
        c
    };
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let mut command = Command::new("xdg-open");
    command.arg(file);
    command
}

/// The file manager showing `file`: selected in its folder where the system
/// can do that, the folder opened elsewhere.
fn reveal_command(file: &Path) -> Command {
    #[cfg(target_os = "macos")]
    let command = {
        let mut c = Command::new("open");
        c.arg("-R").arg(file);
        c
    };
    #[cfg(target_os = "windows")]
    let command = {
        let mut c = Command::new("explorer");
        let mut select = std::ffi::OsString::from("/select,");
        select.push(file);
        c.arg(select);
        c
    };
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let command = {
        let mut c = Command::new("xdg-open");
        c.arg(file.parent().unwrap_or(file));
        c
    };
    command
}

/// Starts the viewer and returns at once; only for the kinds of file the
/// app opens (PDF, XML, XLSX, TXT), never anything the system would run.
pub fn open(file: &Path) -> std::io::Result<()> {
    sportello_app::files::check_openable(file)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::PermissionDenied, e.to_string()))?;
    detach(command(file))
}

/// Starts the file manager and returns at once.
pub fn reveal(file: &Path) -> std::io::Result<()> {
    detach(reveal_command(file))
}

/// A thread waits for the launcher so it leaves no zombie.
fn detach(mut command: Command) -> std::io::Result<()> {
    let mut child = command.spawn()?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

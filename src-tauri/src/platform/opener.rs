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

/// Starts the viewer and returns at once; a thread waits for the launcher so it leaves no zombie.
pub fn open(file: &Path) -> std::io::Result<()> {
    let mut child = command(file).spawn()?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

//! The Debian package as a user gets it: `scripts/deb-check.sh` installs the
//! .deb with dpkg, runs this test against the installed program, then removes
//! the package. Ignored in the ordinary run: it needs the package installed.

use crate::harness::{wait_for, Harness};
use std::path::Path;

/// Where the package puts the program and its desktop entry.
const BINARY: &str = "/usr/bin/sportello";
const ENTRY: &str = "/usr/share/applications/Sportello.desktop";

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the .deb installed: scripts/deb-check.sh runs it"]
async fn installed_the_packaged_program_opens_its_window() {
    let _serial = crate::serial().await;
    assert!(Path::new(BINARY).exists(), "the package installed {BINARY}");
    let entry = std::fs::read_to_string(ENTRY).expect("the package installed its desktop entry");
    for line in [
        "Name=Sportello",
        "Exec=sportello %u",
        "MimeType=x-scheme-handler/sportello;",
        "Categories=Office;Finance;",
    ] {
        assert!(entry.lines().any(|l| l == line), "{line:?} in\n{entry}");
    }
    let h = Harness::start().await;
    let driver = h.launch_binary(BINARY, &[]).await;
    wait_for(&driver, "#username").await;
    assert_eq!(driver.title().await.unwrap(), "Sportello");
    driver.quit().await.unwrap();
}

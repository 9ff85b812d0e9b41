//! How WebKitGTK draws the window on Linux.
//!
//! Sportello's screens are forms and tables: WebKit's accelerated compositing
//! buys them nothing visible, yet it keeps GPU (or, without one, llvmpipe)
//! tiles and layers for every screen. Measured on the fleet profile under Xvfb
//! (`make bench`): the web process holds 216 MiB on the home page composited
//! and 124 MiB without, 395 and 211 MiB after scrolling the whole schedule, and
//! the home page paints sooner. It also avoids the blank or black windows that
//! compositing gives on some GPU drivers and remote desktops.

/// Drawing without accelerated compositing, unless the user's environment chose
/// otherwise (`WEBKIT_DISABLE_COMPOSITING_MODE=0` turns compositing back on).
/// Runs before GTK, WebKit or any other thread starts, as WebKit reads it once.
pub fn defaults() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

//! Native desktop notifications through the desktop's notification service
//! (freedesktop on Linux, Notification Center, Action Center). A click on a
//! notice asks the window to open its item and brings the window forward.

use sportello_app::notifier::{Notice, Notifier, OpenTarget};
use std::sync::Arc;

pub type OnOpen = Arc<dyn Fn(OpenTarget) + Send + Sync>;

pub struct DesktopNotifier {
    on_open: OnOpen,
}

impl DesktopNotifier {
    pub fn new(on_open: OnOpen) -> DesktopNotifier {
        DesktopNotifier { on_open }
    }
}

impl Notifier for DesktopNotifier {
    fn show(&self, notice: Notice) {
        let on_open = self.on_open.clone();
        // Showing talks to D-Bus and waiting for a click blocks: both off the async runtime.
        std::thread::spawn(move || show_and_wait(notice, on_open));
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
fn show_and_wait(notice: Notice, on_open: OnOpen) {
    let shown = notify_rust::Notification::new()
        .appname("Sportello")
        .summary(&notice.title)
        .body(&notice.body)
        .action("default", "Apri")
        .show();
    match shown {
        Ok(handle) => handle.wait_for_action(|action| {
            if action == "default" {
                on_open(notice.open.clone());
            }
        }),
        Err(error) => tracing::warn!(%error, "the desktop did not take the notification"),
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn show_and_wait(notice: Notice, _on_open: OnOpen) {
    if let Err(error) = notify_rust::Notification::new()
        .appname("Sportello")
        .summary(&notice.title)
        .body(&notice.body)
        .show()
    {
        tracing::warn!(%error, "the desktop did not take the notification");
    }
}

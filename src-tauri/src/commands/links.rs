//! `sportello://` links (A1 invitation, A6 reset) reach the window through a
//! channel it opens once: the link the app was started with, and those a
//! second launch passes on (single instance).

use super::{wire, CommandResult};
use sportello_app::desktop::DeskApp;
use sportello_app::links::DeepLink;
use sportello_domain::api::accounts::CompleteReset;
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::State;

/// A link waiting for the window, and the window's channel once it listens.
pub struct Links {
    pending: Mutex<Option<DeepLink>>,
    window: Mutex<Option<Channel<DeepLink>>>,
}

impl Links {
    pub fn new(first: Option<DeepLink>) -> Links {
        Links {
            pending: Mutex::new(first),
            window: Mutex::new(None),
        }
    }

    /// To the window if it listens; otherwise kept until it does.
    pub fn deliver(&self, link: DeepLink) {
        if let Some(window) = self.window.lock().expect("not poisoned").as_ref() {
            if window.send(link.clone()).is_ok() {
                return;
            }
        }
        *self.pending.lock().expect("not poisoned") = Some(link);
    }
}

/// The window listens for links; one that came before it did arrives at once.
#[tauri::command]
pub fn watch_links(links: State<'_, Links>, on: Channel<DeepLink>) {
    if let Some(link) = links.pending.lock().expect("not poisoned").take() {
        let _ = on.send(link);
    }
    *links.window.lock().expect("not poisoned") = Some(on);
}

#[tauri::command]
pub async fn complete_reset(app: State<'_, DeskApp>, reset: CompleteReset) -> CommandResult<()> {
    app.complete_reset(&reset).await.map_err(wire)
}

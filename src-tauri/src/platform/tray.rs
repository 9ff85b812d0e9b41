//! The tray icon: the unread count beside it, "Open Sportello" and "Quit".
//! With "keep in the tray" on, closing the window only hides it and the sync
//! (and its desktop notifications) go on; "Quit" really ends the app.

use sportello_app::desktop::DeskApp;
use std::time::Duration;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

const TRAY: &str = "main";

/// The tray's words follow the system's language, like the rest of its chrome.
fn italian() -> bool {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .is_some_and(|l| l.starts_with("it"))
}

fn words(it: &'static str, en: &'static str) -> &'static str {
    if italian() {
        it
    } else {
        en
    }
}

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(
        app,
        "open",
        words("Apri Sportello", "Open Sportello"),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, "quit", words("Esci", "Quit"), true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY).tooltip("Sportello").menu(&menu);
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(|app, event| match event.id().as_ref() {
        "open" => crate::show_main(app),
        "quit" => app.exit(0),
        _ => {}
    })
    .build(app)?;
    let app = app.clone();
    tauri::async_runtime::spawn(async move { follow_unread(app).await });
    Ok(())
}

/// Reads the unread count from the local copy every two seconds and shows it when it changes.
async fn follow_unread(app: AppHandle) {
    let mut shown = None;
    loop {
        let unread = app
            .state::<DeskApp>()
            .notifications(0)
            .await
            .map(|v| v.unread)
            .unwrap_or(0);
        if shown != Some(unread) {
            if let Some(tray) = app.tray_by_id(TRAY) {
                let tip = match unread {
                    0 => "Sportello".to_owned(),
                    n => format!("Sportello – {n} {}", words("da leggere", "unread")),
                };
                let _ = tray.set_tooltip(Some(&tip));
                let _ = tray.set_title((unread > 0).then(|| unread.to_string()));
            }
            shown = Some(unread);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

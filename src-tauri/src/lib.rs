//! The Sportello desktop shell: wires the logic of `sportello-app` to the
//! window. Commands stay thin; platform services live in `platform`.

include!("commands/list.rs");

/// The invoke handler of every command in the list.
macro_rules! handler {
    ($($module:ident::$name:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$module::$name),*]
    };
}

mod commands;
mod platform;

/// Time since the process was created (for `make bench`'s baseline window too).
pub use platform::launch::age as launch_age;

use sportello_app::desktop::DeskApp;
use sportello_app::links::DeepLink;
use sportello_app::settings::SettingsFile;
use sportello_app::Desk;
use std::sync::{Arc, OnceLock};
use tauri::Manager;
use tauri_plugin_autostart::MacosLauncher;
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_window_state::StateFlags;

pub fn run() {
    platform::launch::begin();
    platform::rendering::defaults();
    // A clicked notice reaches the app through the handle, known once the app is built.
    let handle: Arc<OnceLock<tauri::AppHandle>> = Arc::new(OnceLock::new());
    let on_open: platform::notifier::OnOpen = {
        let handle = handle.clone();
        Arc::new(move |target| {
            if let Some(app) = handle.get() {
                app.state::<DeskApp>().open(target);
                show_main(app);
            }
        })
    };
    let notifier = Arc::new(platform::notifier::DesktopNotifier::new(on_open));
    let first_link = DeepLink::from_args(std::env::args());
    // End-to-end builds only: a day later than the computer's, to cross due dates without waiting.
    #[cfg(feature = "e2e")]
    if let Some(days) = std::env::args().find_map(|a| a.strip_prefix("--e2e-days-ahead=")?.parse::<i64>().ok()) {
        sportello_app::clock::move_days(days);
    }
    tauri::Builder::default()
        // First, so that a second launch hands over its arguments and quits before anything
        // else starts; a `sportello://` link among them goes on to the deep-link plugin.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| show_main(app)))
        // Registers `sportello://` with the system (the installers of every platform) and
        // hands over the links opened while the app runs; the first comes with the launch.
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_dialog::init())
        // New versions from the company's server (commands::updates); the window
        // reaches it only through Sportello's own commands.
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(tauri_plugin_autostart::init(MacosLauncher::LaunchAgent, None))
        // Size, position and maximized state come back at the next start; visibility
        // does not, so a window hidden in the tray reopens shown.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
                .build(),
        )
        .manage(commands::links::Links::new(first_link))
        .manage(commands::exports::Exports::default())
        .manage(commands::documents::Opened::default())
        .manage(commands::updates::Updates::default())
        .setup(move |app| {
            platform::logs::init(&app.path().app_log_dir()?);
            let version = app.package_info().version.to_string();
            let settings =
                commands::settings::Settings::load(SettingsFile::new(&app.path().app_config_dir()?), version);
            tracing::info!(server = %settings.server_url(), "starting Sportello");
            let desk = Desk::new(settings.server_url(), Arc::new(platform::keyring::Keyring));
            app.manage(settings);
            let data_dir = app.path().app_data_dir()?;
            app.manage(DeskApp::new(desk, data_dir, notifier));
            let app_handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    match DeepLink::parse(url.as_str()) {
                        Ok(link) => app_handle.state::<commands::links::Links>().deliver(link),
                        Err(e) => tracing::warn!("a link was ignored: {e}"),
                    }
                }
            });
            if let Err(e) = platform::tray::install(app.handle()) {
                tracing::warn!("no tray icon: {e}");
            }
            let _ = handle.set(app.handle().clone());
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let keep = window.state::<commands::settings::Settings>().current().keep_in_tray;
                if keep {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .invoke_handler(with_commands!(handler))
        .run(tauri::generate_context!())
        .expect("error while running Sportello");
}

/// Brings the main window to the front: a clicked notice, a second launch.
pub(crate) fn show_main(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

//! The Sportello desktop shell: wires the logic of `sportello-app` to the
//! window. Commands stay thin; platform services live in `platform`.

mod commands;
mod platform;

use sportello_app::Desk;
use std::sync::Arc;

/// The demo server `make run` starts; deployments set `SPORTELLO_SERVER_URL`.
const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8787";

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let server_url = std::env::var("SPORTELLO_SERVER_URL").unwrap_or_else(|_| DEFAULT_SERVER_URL.into());
    tracing::info!(server = %server_url, "starting Sportello");
    let desk = Desk::new(&server_url, Arc::new(platform::keyring::Keyring));
    tauri::Builder::default()
        .manage(desk)
        .invoke_handler(tauri::generate_handler![
            commands::session::session_status,
            commands::session::login,
            commands::session::verify_code,
            commands::session::logout,
            commands::home::home,
        ])
        .run(tauri::generate_context!())
        .expect("error while running Sportello");
}

use super::{wire, CommandResult};
use sportello_app::desktop::DeskApp;
use sportello_app::SessionStatus;
use sportello_domain::api::auth::{LoginChallenge, Me};
use tauri::State;

#[tauri::command]
pub async fn session_status(app: State<'_, DeskApp>) -> CommandResult<SessionStatus> {
    app.session_status().await.map_err(wire)
}

#[tauri::command]
pub async fn login(app: State<'_, DeskApp>, username: String, password: String) -> CommandResult<LoginChallenge> {
    app.login(&username, &password).await.map_err(wire)
}

#[tauri::command]
pub async fn resend_code(app: State<'_, DeskApp>, challenge_id: String) -> CommandResult<LoginChallenge> {
    app.resend_code(&challenge_id).await.map_err(wire)
}

#[tauri::command]
pub async fn verify_code(app: State<'_, DeskApp>, challenge_id: String, code: String) -> CommandResult<Me> {
    app.verify_code(&challenge_id, &code).await.map_err(wire)
}

#[tauri::command]
pub async fn logout(app: State<'_, DeskApp>, settings: State<'_, super::settings::Settings>) -> CommandResult<()> {
    app.logout(settings.current().keep_copy).await.map_err(wire)
}

/// The window painted its first screen from the local copy: the start-up time goes
/// to the log (and so to the diagnostics), and the deferred network refresh starts.
#[tauri::command]
pub fn first_screen_shown(app: State<'_, DeskApp>) {
    static LOGGED: std::sync::Once = std::sync::Once::new();
    LOGGED.call_once(|| {
        let ms = crate::platform::launch::age().as_millis();
        tracing::info!(ms, "first screen shown");
    });
    app.first_screen_shown();
}

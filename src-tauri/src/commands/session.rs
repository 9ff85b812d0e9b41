use super::{wire, CommandResult};
use sportello_app::{Desk, SessionStatus};
use sportello_domain::api::auth::{LoginChallenge, Me};
use tauri::State;

#[tauri::command]
pub async fn session_status(desk: State<'_, Desk>) -> CommandResult<SessionStatus> {
    desk.status().await.map_err(wire)
}

#[tauri::command]
pub async fn login(desk: State<'_, Desk>, username: String, password: String) -> CommandResult<LoginChallenge> {
    desk.login(&username, &password).await.map_err(wire)
}

#[tauri::command]
pub async fn verify_code(desk: State<'_, Desk>, challenge_id: String, code: String) -> CommandResult<Me> {
    desk.verify_code(&challenge_id, &code).await.map_err(wire)
}

#[tauri::command]
pub async fn logout(desk: State<'_, Desk>) -> CommandResult<()> {
    desk.logout().await.map_err(wire)
}

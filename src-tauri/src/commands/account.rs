//! A1, A2, A5, A6, A8: registration, recovery and the password, from the window.

use super::{wire, CommandResult};
use sportello_app::desktop::authenticator::AuthenticatorEnrolment;
use sportello_app::desktop::DeskApp;
use sportello_domain::api::accounts::{
    ChangePassword, ConsentUpdate, Privacy, RecoverRequest, RegisterByCategory, RegisterByContract, Registered,
    ResetRequest, ResetStarted,
};
use sportello_domain::api::auth::{AuthenticatorStatus, Me, RecoveryCodes, SessionInfo};
use tauri::State;

#[tauri::command]
pub async fn register(app: State<'_, DeskApp>, form: RegisterByContract) -> CommandResult<Registered> {
    app.register(&form).await.map_err(wire)
}

#[tauri::command]
pub async fn register_by_category(app: State<'_, DeskApp>, form: RegisterByCategory) -> CommandResult<Registered> {
    app.register_by_category(&form).await.map_err(wire)
}

#[tauri::command]
pub async fn request_reset(app: State<'_, DeskApp>, request: ResetRequest) -> CommandResult<ResetStarted> {
    app.request_reset(&request).await.map_err(wire)
}

#[tauri::command]
pub async fn recover(app: State<'_, DeskApp>, request: RecoverRequest) -> CommandResult<ResetStarted> {
    app.recover(&request).await.map_err(wire)
}

#[tauri::command]
pub async fn change_password(app: State<'_, DeskApp>, change: ChangePassword) -> CommandResult<Me> {
    app.change_password(&change).await.map_err(wire)
}

#[tauri::command]
pub async fn sessions(app: State<'_, DeskApp>) -> CommandResult<Vec<SessionInfo>> {
    app.sessions().await.map_err(wire)
}

#[tauri::command]
pub async fn end_session(
    app: State<'_, DeskApp>,
    settings: State<'_, super::settings::Settings>,
    id: String,
) -> CommandResult<Vec<SessionInfo>> {
    app.end_session(&id, settings.current().keep_copy).await.map_err(wire)
}

#[tauri::command]
pub async fn end_all_sessions(
    app: State<'_, DeskApp>,
    settings: State<'_, super::settings::Settings>,
) -> CommandResult<()> {
    app.end_all_sessions(settings.current().keep_copy).await.map_err(wire)
}

#[tauri::command]
pub async fn privacy(app: State<'_, DeskApp>) -> CommandResult<Privacy> {
    app.privacy().await.map_err(wire)
}

#[tauri::command]
pub async fn decide_consent(app: State<'_, DeskApp>, update: ConsentUpdate) -> CommandResult<Privacy> {
    app.decide_consent(&update).await.map_err(wire)
}

#[tauri::command]
pub async fn authenticator(app: State<'_, DeskApp>) -> CommandResult<AuthenticatorStatus> {
    app.authenticator().await.map_err(wire)
}

#[tauri::command]
pub async fn authenticator_setup(
    app: State<'_, DeskApp>,
    current_password: String,
) -> CommandResult<AuthenticatorEnrolment> {
    app.authenticator_setup(&current_password).await.map_err(wire)
}

#[tauri::command]
pub async fn authenticator_enable(app: State<'_, DeskApp>, code: String) -> CommandResult<RecoveryCodes> {
    app.authenticator_enable(&code).await.map_err(wire)
}

#[tauri::command]
pub async fn authenticator_disable(app: State<'_, DeskApp>, current_password: String) -> CommandResult<()> {
    app.authenticator_disable(&current_password).await.map_err(wire)
}

#[tauri::command]
pub async fn authenticator_new_codes(
    app: State<'_, DeskApp>,
    current_password: String,
) -> CommandResult<RecoveryCodes> {
    app.authenticator_new_codes(&current_password).await.map_err(wire)
}

use super::{wire, CommandResult};
use sportello_app::desktop::{DeskApp, RequestsPanel, SyncView};
use sportello_app::outbox::OutboxEntry;
use sportello_domain::api::home::Home;
use sportello_domain::api::requests::{NewRequest, RequestDetail};
use tauri::State;

#[tauri::command]
pub async fn home(app: State<'_, DeskApp>) -> CommandResult<Home> {
    app.home().await.map_err(wire)
}

#[tauri::command]
pub async fn sync_view(app: State<'_, DeskApp>) -> CommandResult<SyncView> {
    Ok(app.sync_view().await)
}

#[tauri::command]
pub async fn file_request(app: State<'_, DeskApp>, request: NewRequest) -> CommandResult<OutboxEntry> {
    app.file_request(&request).await.map_err(wire)
}

/// S1: online only, with the password typed again.
#[tauri::command]
pub async fn change_iban(
    app: State<'_, DeskApp>,
    request: NewRequest,
    current_password: String,
) -> CommandResult<RequestDetail> {
    app.change_iban(&request, &current_password).await.map_err(wire)
}

#[tauri::command]
pub async fn outbox(app: State<'_, DeskApp>) -> CommandResult<Vec<OutboxEntry>> {
    app.outbox().await.map_err(wire)
}

/// The latest five requests and the ones waiting to be sent (H3).
#[tauri::command]
pub async fn requests_panel(app: State<'_, DeskApp>) -> CommandResult<RequestsPanel> {
    app.requests_panel(5).await.map_err(wire)
}

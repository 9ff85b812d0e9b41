use super::{wire, CommandResult};
use sportello_app::Desk;
use sportello_domain::api::home::Home;
use tauri::State;

#[tauri::command]
pub async fn home(desk: State<'_, Desk>) -> CommandResult<Home> {
    desk.home().await.map_err(wire)
}

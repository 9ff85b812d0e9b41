//! The installation's settings: the server address (validated, then the app
//! restarts on the new server), closing to the tray, the last page.

use super::CommandResult;
use sportello_app::settings::{
    check_server_url, probe_server, server_to_use, DesktopSettings, RejectedServer, SettingsFile, SettingsView,
    UpdatePolicy,
};
use sportello_domain::ApiError;
use std::sync::Mutex;
use tauri::{AppHandle, State};

/// The build's default server: the company's, set when building a release
/// (`SPORTELLO_DEFAULT_SERVER_URL`); the local demo server otherwise.
pub const DEFAULT_SERVER_URL: &str = match option_env!("SPORTELLO_DEFAULT_SERVER_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:8787",
};

pub struct Settings {
    file: SettingsFile,
    saved: Mutex<DesktopSettings>,
    /// The server this run talks to.
    server_url: String,
    /// Set by `SPORTELLO_SERVER_URL`, which overrides the setting.
    from_environment: bool,
    /// The configured address that could not be used.
    rejected: Option<RejectedServer>,
    /// The version running, as the bundle declares it.
    version: String,
}

impl Settings {
    pub fn load(file: SettingsFile, version: String) -> Settings {
        let saved = file.load();
        let from_env = std::env::var("SPORTELLO_SERVER_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        // Checked as Settings checks a typed address: a bad one is said in
        // the window, and this run talks to the default meanwhile.
        let candidate = from_env.clone().or_else(|| saved.server_url.clone());
        let (server_url, rejected) = server_to_use(candidate.as_deref(), from_env.is_some(), DEFAULT_SERVER_URL);
        Settings {
            file,
            saved: Mutex::new(saved),
            server_url,
            from_environment: from_env.is_some(),
            rejected,
            version,
        }
    }

    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    pub fn current(&self) -> DesktopSettings {
        self.saved.lock().expect("not poisoned").clone()
    }

    fn view(&self) -> SettingsView {
        SettingsView {
            settings: self.current(),
            server_url: self.server_url.clone(),
            default_server_url: DEFAULT_SERVER_URL.to_owned(),
            from_environment: self.from_environment,
            rejected_server: self.rejected.clone(),
            version: self.version.clone(),
        }
    }

    fn change(&self, edit: impl FnOnce(&mut DesktopSettings)) -> CommandResult<SettingsView> {
        let mut saved = self.saved.lock().expect("not poisoned");
        let mut next = saved.clone();
        edit(&mut next);
        self.file.save(&next).map_err(|e| e.to_wire())?;
        *saved = next;
        drop(saved);
        Ok(self.view())
    }
}

#[tauri::command]
pub fn desktop_settings(settings: State<'_, Settings>) -> SettingsView {
    settings.view()
}

/// A new server address (or `None`, back to the default): checked, asked
/// whether it is a Sportello server, saved, then the app restarts on it.
#[tauri::command]
pub async fn set_server_url(
    app: AppHandle,
    settings: State<'_, Settings>,
    url: Option<String>,
) -> CommandResult<SettingsView> {
    let url = url
        .filter(|u| !u.trim().is_empty())
        .map(|u| check_server_url(&u))
        .transpose()?;
    let target = url.clone().unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned());
    probe_server(&target).await?;
    let view = settings.change(|s| s.server_url = url)?;
    if target != settings.server_url() && !settings.from_environment {
        tracing::info!(server = %target, "restarting on the new server");
        app.restart();
    }
    Ok(view)
}

#[tauri::command]
pub fn set_keep_in_tray(settings: State<'_, Settings>, keep: bool) -> CommandResult<SettingsView> {
    settings.change(|s| s.keep_in_tray = keep)
}

/// "Keep a copy on this computer" after logout.
#[tauri::command]
pub fn set_keep_copy(settings: State<'_, Settings>, keep: bool) -> CommandResult<SettingsView> {
    settings.change(|s| s.keep_copy = keep)
}

/// Whether a new version is offered to install or only told.
#[tauri::command]
pub fn set_update_policy(settings: State<'_, Settings>, policy: UpdatePolicy) -> CommandResult<SettingsView> {
    settings.change(|s| s.updates = policy)
}

/// The section on screen, reopened at the next start.
#[tauri::command]
pub fn set_last_page(settings: State<'_, Settings>, page: String) -> CommandResult<()> {
    if page.len() > 40 || !page.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        return Err(ApiError::new(
            sportello_domain::ErrorCode::BadRequest,
            "not a page name",
        ));
    }
    settings.change(|s| s.last_page = Some(page)).map(|_| ())
}

/// X: what the service desk needs to help, without a secret in it: versions,
/// folders, the server, the sync's state, and the end of today's log.
#[tauri::command]
pub async fn diagnostics(
    app: AppHandle,
    desk: State<'_, sportello_app::desktop::DeskApp>,
    settings: State<'_, Settings>,
) -> CommandResult<String> {
    use tauri::Manager;
    let path = app.path();
    let logs = path.app_log_dir().unwrap_or_default();
    let sync = desk.sync_view().await.status;
    let server_origin = if settings.from_environment {
        "SPORTELLO_SERVER_URL"
    } else if settings.current().server_url.is_some() {
        "Settings"
    } else {
        "default"
    };
    let report = format!(
        "Sportello {version} ({os} {arch})\nServer: {server} ({server_origin})\nData: {data}\nLogs: {logs}\n\
         Last sync: {last:?}; offline since: {offline:?}; needs login: {login}\n\n--- log ---\n{tail}\n",
        version = app.package_info().version,
        os = std::env::consts::OS,
        arch = std::env::consts::ARCH,
        server = settings.server_url(),
        data = path.app_data_dir().unwrap_or_default().display(),
        logs = logs.display(),
        last = sync.last_sync,
        offline = sync.offline_since,
        login = sync.needs_login,
        tail = sportello_app::logs::tail(&logs, 100),
    );
    Ok(sportello_app::logs::redact(&report).into_owned())
}

fn autostart_failed(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(sportello_domain::ErrorCode::Internal, format!("the login items: {e}"))
}

/// Whether Sportello starts when the user logs in to the computer.
#[tauri::command]
pub fn start_at_login(app: AppHandle) -> CommandResult<bool> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch().is_enabled().map_err(autostart_failed)
}

#[tauri::command]
pub fn set_start_at_login(app: AppHandle, on: bool) -> CommandResult<bool> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    if on { launcher.enable() } else { launcher.disable() }.map_err(autostart_failed)?;
    launcher.is_enabled().map_err(autostart_failed)
}

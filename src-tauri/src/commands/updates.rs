//! X2: new versions from the company's Sportello server. The window asks at
//! start and once a day (and from Settings); an offer shows its notes in the
//! user's language; accepted, the bundle downloads with its progress (and
//! can be cancelled), is verified against the company's key built into this
//! program, the outbox is sent first, and the platform's installer replaces
//! this version (on Debian `dpkg` behind the system's authorisation prompt)
//! before the app restarts where the user was.

use super::settings::Settings;
use super::{wire, CommandResult};
use sportello_app::desktop::DeskApp;
use sportello_app::export::Lang;
use sportello_app::updates::{installation_id, UpdateOffer, UpdateProgress};
use sportello_domain::api::releases::{INSTALLATION_HEADER, LANGUAGE_HEADER};
use sportello_domain::{ApiError, ErrorCode};
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_updater::{Update, UpdaterExt};
use tokio::sync::Notify;

/// The company's public key, built into the program: a release build names
/// the company's own (`SPORTELLO_UPDATER_PUBKEY`), others the one of
/// `tauri.conf.json`.
const PUBKEY: Option<&str> = option_env!("SPORTELLO_UPDATER_PUBKEY");

/// The offer found last, and the way to stop its download.
#[derive(Default)]
pub struct Updates {
    offer: Mutex<Option<Update>>,
    cancel: Notify,
}

fn failed(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::UpdateFailed, message)
}

/// The plugin's error as the window says it: a signature that does not
/// match is a refusal of its own, anything else a failure to update.
fn refusal(error: tauri_plugin_updater::Error) -> ApiError {
    use tauri_plugin_updater::Error;
    match error {
        Error::Minisign(_) | Error::SignatureUtf8(_) | Error::Base64(_) | Error::SignedVersionMismatch { .. } => {
            tracing::warn!("a new version was refused: its signature does not match the company's key ({error})");
            ApiError::new(
                ErrorCode::UpdateUnverified,
                "the new version's signature does not match: it was not installed",
            )
        }
        other => {
            tracing::warn!("updating failed: {other}");
            failed(other.to_string())
        }
    }
}

/// Asks the server this run talks to for a newer version.
#[tauri::command]
pub async fn update_check(
    app: AppHandle,
    settings: State<'_, Settings>,
    updates: State<'_, Updates>,
    lang: Lang,
) -> CommandResult<Option<UpdateOffer>> {
    let base = settings.server_url().trim_end_matches('/').to_owned();
    let endpoint =
        format!("{base}/api/v1/updates/{{{{target}}}}/{{{{arch}}}}/{{{{bundle_type}}}}/{{{{current_version}}}}");
    let endpoint = endpoint
        .parse()
        .map_err(|e| failed(format!("the update address: {e}")))?;
    let installation = installation_id(&app.path().app_data_dir().unwrap_or_default());
    let mut builder = app
        .updater_builder()
        .endpoints(vec![endpoint])
        .map_err(refusal)?
        .header(INSTALLATION_HEADER, installation)
        .map_err(refusal)?
        .header(LANGUAGE_HEADER, lang.pick("it", "en"))
        .map_err(refusal)?
        .timeout(std::time::Duration::from_secs(30));
    if let Some(key) = PUBKEY {
        builder = builder.pubkey(key);
    }
    let found = builder.build().map_err(refusal)?.check().await.map_err(refusal)?;
    let offer = found.as_ref().map(|u| UpdateOffer {
        version: u.version.clone(),
        current: u.current_version.clone(),
        notes: u.body.clone().unwrap_or_default(),
        date: u.date.map(|d| d.to_string()),
    });
    if let Some(offer) = &offer {
        tracing::info!(version = %offer.version, "a new version is offered");
    }
    *updates.offer.lock().expect("not poisoned") = found;
    Ok(offer)
}

/// Downloads the version on offer, verifies it, sends the outbox, installs
/// and restarts; `false` when the user cancelled the download.
#[tauri::command]
pub async fn update_install(
    app: AppHandle,
    updates: State<'_, Updates>,
    desk: State<'_, DeskApp>,
    progress: Channel<UpdateProgress>,
) -> CommandResult<bool> {
    let update = updates
        .offer
        .lock()
        .expect("not poisoned")
        .clone()
        .ok_or_else(|| failed("no new version is on offer: check again"))?;
    let mut done = 0u64;
    let download = update.download(
        |chunk, total| {
            done += chunk as u64;
            let _ = progress.send(UpdateProgress { done, total });
        },
        || {},
    );
    let bytes = tokio::select! {
        bytes = download => bytes.map_err(refusal)?,
        () = updates.cancel.notified() => {
            tracing::info!("the download of the new version was cancelled");
            return Ok(false);
        }
    };
    // What waits in the outbox goes before the restart; what cannot go now
    // stays in the local copy and goes after it.
    if let Err(e) = desk.flush_outbox().await {
        tracing::info!("the outbox waits for after the update: {}", wire(e).message);
    }
    update.install(bytes).map_err(refusal)?;
    tracing::info!(version = %update.version, "installed; restarting");
    app.restart();
}

/// Stops a download under way.
#[tauri::command]
pub fn update_cancel(updates: State<'_, Updates>) {
    updates.cancel.notify_waiters();
}

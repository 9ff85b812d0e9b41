//! The installation's own settings, kept in a small JSON file in the app's
//! config folder: the server address chosen in Settings (over the build's
//! default), whether closing the window keeps Sportello in the tray, and the
//! page to reopen. A missing or unreadable file means the defaults.

use crate::AppError;
use serde::{Deserialize, Serialize};
use sportello_domain::{ApiError, ErrorCode};
use std::path::{Path, PathBuf};
use ts_rs::TS;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DesktopSettings {
    /// The server chosen in Settings; `None` is the installation's default.
    #[serde(default)]
    pub server_url: Option<String>,
    /// Closing the window keeps Sportello syncing in the tray.
    #[serde(default)]
    pub keep_in_tray: bool,
    /// The section shown when the app was last closed.
    #[serde(default)]
    pub last_page: Option<String>,
    /// "Keep a copy on this computer": the account's local copy and its
    /// documents stay after logout. Off, logging out removes them.
    #[serde(default)]
    pub keep_copy: bool,
    /// What a new version does: offered to install, or only told (a computer
    /// whose programs its administrator installs).
    #[serde(default)]
    pub updates: UpdatePolicy,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UpdatePolicy {
    #[default]
    Install,
    Notify,
}

/// A server address from the environment or the settings file that is not
/// usable: this run talks to the default instead, and the window says so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RejectedServer {
    pub address: String,
    pub from_environment: bool,
    /// Why, as the Settings field says it: "invalid" or "https_required".
    pub reason: String,
}

/// The address this run talks to: `candidate` when it is a usable server
/// address, else `default` with why `candidate` was not taken.
pub fn server_to_use(
    candidate: Option<&str>,
    from_environment: bool,
    default: &str,
) -> (String, Option<RejectedServer>) {
    let Some(candidate) = candidate else {
        return (default.to_owned(), None);
    };
    match check_server_url(candidate) {
        Ok(url) => (url, None),
        Err(e) => {
            let reason = e
                .fields
                .and_then(|f| f.get("server_url").cloned())
                .unwrap_or_else(|| "invalid".into());
            tracing::warn!(address = candidate, reason = %reason, "the configured server address is not usable: using the default");
            let rejected = RejectedServer {
                address: candidate.to_owned(),
                from_environment,
                reason,
            };
            (default.to_owned(), Some(rejected))
        }
    }
}

/// What the Settings page shows: the saved settings and the server this run talks to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SettingsView {
    pub settings: DesktopSettings,
    pub server_url: String,
    pub default_server_url: String,
    /// `SPORTELLO_SERVER_URL` is set and overrides the saved address.
    pub from_environment: bool,
    /// The configured address this run could not use, if any.
    pub rejected_server: Option<RejectedServer>,
    /// The version of Sportello running.
    pub version: String,
}

pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    pub fn new(config_dir: &Path) -> SettingsFile {
        SettingsFile {
            path: config_dir.join("settings.json"),
        }
    }

    /// The saved settings; a damaged file is logged and read as the defaults.
    pub fn load(&self) -> DesktopSettings {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return DesktopSettings::default();
        };
        serde_json::from_str(&text).unwrap_or_else(|e| {
            tracing::warn!("the settings file is unreadable, using the defaults: {e}");
            DesktopSettings::default()
        })
    }

    /// Written to a temporary file and renamed, so a crash never leaves half a file.
    pub fn save(&self, settings: &DesktopSettings) -> Result<(), AppError> {
        let failed = |e: std::io::Error| AppError::Protocol(format!("saving the settings: {e}"));
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        let partial = self.path.with_extension("json.part");
        let text = serde_json::to_string_pretty(settings).expect("settings serialize");
        std::fs::write(&partial, text).map_err(failed)?;
        std::fs::rename(&partial, &self.path).map_err(failed)
    }
}

fn refused(reason: &str, message: &str) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, message).with_field("server_url", reason)
}

/// A server address as Settings accepts it: `https://…`, or `http://` only
/// for this computer (127.0.0.1, localhost, ::1); no user, query or fragment.
/// Answers the address without a trailing slash.
pub fn check_server_url(text: &str) -> Result<String, ApiError> {
    let url = reqwest::Url::parse(text.trim()).map_err(|_| refused("invalid", "not a web address"))?;
    let local = matches!(
        url.host(),
        Some(url::Host::Ipv4(ip)) if ip.is_loopback()
    ) || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
        || url.host_str() == Some("localhost");
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        "http" => return Err(refused("https_required", "only https, except on this computer")),
        _ => return Err(refused("invalid", "not a web address")),
    }
    if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(refused("invalid", "a server address has a host and no user"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refused("invalid", "a server address has no query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Asks `base` whether it is a Sportello server, before the app switches to it.
pub async fn probe_server(base: &str) -> Result<(), ApiError> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("a plain HTTP client");
    let answer = client
        .get(format!("{base}/api/v1/health"))
        .send()
        .await
        .map_err(|_| ApiError::new(ErrorCode::ServerUnreachable, "the server does not answer"))?;
    let ok = answer.status().is_success() && answer.text().await.is_ok_and(|t| t.trim() == "ok");
    if ok {
        Ok(())
    } else {
        Err(refused(
            "not_sportello",
            "this address answers, but not as a Sportello server",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> String {
        let error = check_server_url(text).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadRequest);
        error.fields.unwrap()["server_url"].clone()
    }

    #[test]
    fn a_bad_configured_address_falls_back_to_the_default_and_says_why() {
        let default = "https://sportello.example.it";
        assert_eq!(server_to_use(None, false, default), (default.to_owned(), None));
        let (used, rejected) = server_to_use(Some("https://leasing.example.it/"), true, default);
        assert_eq!((used.as_str(), rejected), ("https://leasing.example.it", None));
        let (used, rejected) = server_to_use(Some("http://sportello.example.it"), true, default);
        assert_eq!(used, default);
        let rejected = rejected.unwrap();
        assert_eq!(
            (rejected.reason.as_str(), rejected.from_environment),
            ("https_required", true)
        );
        let (_, rejected) = server_to_use(Some("not an address"), false, default);
        assert_eq!(rejected.unwrap().reason, "invalid");
    }

    #[test]
    fn https_anywhere_and_http_only_on_this_computer() {
        assert_eq!(
            check_server_url(" https://sportello.example.it/ ").unwrap(),
            "https://sportello.example.it"
        );
        assert_eq!(
            check_server_url("https://portale.example.it:8443/sportello").unwrap(),
            "https://portale.example.it:8443/sportello"
        );
        assert_eq!(
            check_server_url("http://127.0.0.1:8787").unwrap(),
            "http://127.0.0.1:8787"
        );
        assert_eq!(
            check_server_url("http://localhost:8787/").unwrap(),
            "http://localhost:8787"
        );
        assert_eq!(check_server_url("http://[::1]:8787").unwrap(), "http://[::1]:8787");
        assert_eq!(reason("http://sportello.example.it"), "https_required");
        assert_eq!(reason("http://192.168.1.10:8787"), "https_required");
        assert_eq!(reason("sportello.example.it"), "invalid");
        assert_eq!(reason("ftp://sportello.example.it"), "invalid");
        assert_eq!(reason("https://mario:segreta@sportello.example.it"), "invalid");
        assert_eq!(reason("https://sportello.example.it/?next=1"), "invalid");
        assert_eq!(reason(""), "invalid");
    }

    #[test]
    fn settings_survive_a_restart_and_a_damaged_file_reads_as_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(&dir.path().join("config"));
        assert_eq!(file.load(), DesktopSettings::default());
        let chosen = DesktopSettings {
            server_url: Some("https://sportello.example.it".into()),
            keep_in_tray: true,
            last_page: Some("invoices".into()),
            keep_copy: true,
            updates: UpdatePolicy::Notify,
        };
        file.save(&chosen).unwrap();
        assert_eq!(SettingsFile::new(&dir.path().join("config")).load(), chosen);
        std::fs::write(dir.path().join("config/settings.json"), "{ half").unwrap();
        assert_eq!(file.load(), DesktopSettings::default());
        // A file written before updates had a setting offers them to install.
        std::fs::write(dir.path().join("config/settings.json"), r#"{"keep_copy": true}"#).unwrap();
        assert_eq!(file.load().updates, UpdatePolicy::Install);
    }
}

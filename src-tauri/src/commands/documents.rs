//! Opening the files the app keeps (invoices, contract documents, the
//! desk's attachments, outcomes) with the system's viewer — and, when no
//! program opens one, what to do instead: show it in its folder, or save a
//! copy where the user chooses. The window names such a file by a number,
//! never by its path.

use super::exports::{ask_file, SaveAs};
use super::CommandResult;
use sportello_app::export::Lang;
use sportello_domain::{ApiError, ErrorCode};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, Manager, State, WebviewWindow};

/// The files a viewer was asked for, numbered in the order asked.
#[derive(Default)]
pub struct Opened {
    files: Mutex<Vec<PathBuf>>,
}

impl Opened {
    fn number(&self, file: &Path) -> usize {
        let mut files = self.files.lock().expect("not poisoned");
        files.iter().position(|f| f == file).unwrap_or_else(|| {
            files.push(file.to_owned());
            files.len() - 1
        })
    }

    fn file(&self, number: u32) -> CommandResult<PathBuf> {
        let files = self.files.lock().expect("not poisoned");
        files
            .get(number as usize)
            .cloned()
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such document"))
    }
}

/// A launcher still running after this long has started a viewer (some wait
/// for the viewer to close); one that failed has said so by then.
const LAUNCH_GRACE: Duration = Duration::from_secs(3);

/// Opens `file` with the system's program for its type. When none does, the
/// answer is `no_viewer` with `fields.document`, for `reveal_document` and
/// `save_document_as`.
pub async fn open_kept(opened: &Opened, file: PathBuf) -> CommandResult<()> {
    sportello_app::files::check_openable(&file).map_err(|e| e.to_wire())?;
    let target = file.clone();
    let launcher = tokio::task::spawn_blocking(move || open::that(&target));
    let failure = match tokio::time::timeout(LAUNCH_GRACE, launcher).await {
        // Still running: a viewer holds its launcher. Ended well: it started one.
        Err(_) | Ok(Ok(Ok(()))) => return Ok(()),
        Ok(Ok(Err(e))) => e.to_string(),
        Ok(Err(panicked)) => panicked.to_string(),
    };
    tracing::warn!(file = %file.display(), "no program opened the file: {failure}");
    let number = opened.number(&file);
    Err(
        ApiError::new(ErrorCode::NoViewer, "no program on this computer opens this file")
            .with_field("document", number.to_string()),
    )
}

/// Shows a file no program opened in the file manager.
#[tauri::command]
pub fn reveal_document(opened: State<'_, Opened>, document: u32) -> CommandResult<()> {
    crate::platform::opener::reveal(&opened.file(document)?)
        .map_err(|e| ApiError::new(ErrorCode::NoViewer, format!("no file manager answered: {e}")))
}

/// Saves a copy of a file no program opened where the user chooses; `false`
/// when the dialog was closed.
#[tauri::command]
pub async fn save_document_as(
    app: AppHandle,
    window: WebviewWindow,
    opened: State<'_, Opened>,
    document: u32,
    lang: Lang,
) -> CommandResult<bool> {
    let file = opened.file(document)?;
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("pdf").to_owned();
    let ask = SaveAs {
        title: lang.pick("Salva una copia", "Save a copy"),
        name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        folder: app
            .path()
            .download_dir()
            .or_else(|_| app.path().home_dir())
            .unwrap_or_default(),
    };
    let Some(target) = ask_file(&app, &window, ask, lang, &extension).await? else {
        return Ok(false);
    };
    std::fs::copy(&file, &target)
        .map(|_| true)
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("the copy could not be saved there: {e}")))
}

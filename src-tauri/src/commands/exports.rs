//! Exports (B3, B4, C4, L2, the accountant's bundle): the native save dialog
//! picks the file, the export runs with its progress sent over a channel, and
//! the finished file can be opened or shown in its folder. The window never
//! names a path: it refers to finished exports by their number.

use super::{wire, CommandResult};
use sportello_app::desktop::DeskApp;
use sportello_app::export::{ExportDone, ExportRequest, Job, Lang, Progress};
use sportello_domain::{ApiError, ErrorCode};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State, WebviewWindow};
use tauri_plugin_dialog::DialogExt;

/// The running export's switch, the folder last saved to, and the files written.
#[derive(Default)]
pub struct Exports {
    running: Mutex<Option<Arc<AtomicBool>>>,
    folder: Mutex<Option<PathBuf>>,
    done: Mutex<Vec<PathBuf>>,
}

fn busy() -> ApiError {
    ApiError::new(ErrorCode::Conflict, "another export is running")
}

/// What the save dialog asks for: its title, the file's name and folder.
pub(super) struct SaveAs {
    pub title: &'static str,
    pub name: String,
    pub folder: PathBuf,
}

/// Asks where to save; `None` when the user closes the dialog.
pub(super) async fn ask_file(
    app: &AppHandle,
    window: &WebviewWindow,
    ask: SaveAs,
    lang: Lang,
    extension: &str,
) -> CommandResult<Option<PathBuf>> {
    let filter = match extension {
        "zip" => lang.pick("Archivio ZIP", "ZIP archive"),
        "ics" => lang.pick("Calendario (iCalendar)", "Calendar (iCalendar)"),
        "pdf" => lang.pick("Documento PDF", "PDF document"),
        "xml" => lang.pick("File XML", "XML file"),
        "png" | "jpg" => lang.pick("Immagine", "Image"),
        "txt" => lang.pick("File di testo", "Text file"),
        _ => lang.pick("Cartella di lavoro Excel", "Excel workbook"),
    };
    let (sender, receiver) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_parent(window)
        .set_title(ask.title)
        .set_file_name(ask.name)
        .set_directory(ask.folder)
        .set_can_create_directories(true)
        .add_filter(filter, &[extension])
        .save_file(move |path| {
            let _ = sender.send(path);
        });
    let chosen = receiver.await.ok().flatten();
    chosen
        .map(|path| {
            path.into_path()
                .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("not a file on this computer: {e}")))
        })
        .transpose()
}

#[tauri::command]
pub async fn export(
    app: AppHandle,
    window: WebviewWindow,
    desk: State<'_, DeskApp>,
    exports: State<'_, Exports>,
    request: ExportRequest,
    lang: Lang,
    progress: Channel<Progress>,
) -> CommandResult<Option<ExportDone>> {
    if exports.running.lock().expect("not poisoned").is_some() {
        return Err(busy());
    }
    let name = desk.export_file_name(&request, lang).await.map_err(wire)?;
    let folder = exports.folder.lock().expect("not poisoned").clone();
    let folder = folder
        .or_else(|| app.path().download_dir().ok())
        .or_else(|| app.path().home_dir().ok())
        .unwrap_or_default();
    let ask = SaveAs {
        title: lang.pick("Esporta", "Export"),
        name,
        folder,
    };
    let Some(file) = ask_file(&app, &window, ask, lang, request.extension()).await? else {
        return Ok(None);
    };
    let job = Job::new(move |step| {
        let _ = progress.send(step);
    });
    {
        let mut running = exports.running.lock().expect("not poisoned");
        if running.is_some() {
            return Err(busy());
        }
        *running = Some(job.canceller());
    }
    let result = desk.export(&request, lang, &file, &job).await;
    *exports.running.lock().expect("not poisoned") = None;
    let exported = result.map_err(wire)?;
    *exports.folder.lock().expect("not poisoned") = file.parent().map(PathBuf::from);
    let file_name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let mut done = exports.done.lock().expect("not poisoned");
    done.push(file);
    Ok(Some(ExportDone {
        id: u32::try_from(done.len() - 1).expect("fewer exports than that"),
        file_name,
        rows: exported.rows,
        documents: exported.documents,
    }))
}

/// Stops the running export at its next step; its file is not written.
#[tauri::command]
pub fn cancel_export(exports: State<'_, Exports>) {
    if let Some(switch) = exports.running.lock().expect("not poisoned").as_ref() {
        switch.store(true, Ordering::Relaxed);
    }
}

fn finished(exports: &Exports, id: u32) -> CommandResult<PathBuf> {
    exports
        .done
        .lock()
        .expect("not poisoned")
        .get(id as usize)
        .cloned()
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such export"))
}

fn launch(result: std::io::Result<()>) -> CommandResult<()> {
    result.map_err(|e| ApiError::new(ErrorCode::Internal, format!("no program to open the file: {e}")))
}

/// Opens a finished export with the system's program for its type; an
/// archive (the accountant's bundle) is shown in its folder instead.
#[tauri::command]
pub fn open_export(exports: State<'_, Exports>, id: u32) -> CommandResult<()> {
    let file = finished(&exports, id)?;
    if sportello_app::files::check_openable(&file).is_ok() {
        launch(crate::platform::opener::open(&file))
    } else {
        launch(crate::platform::opener::reveal(&file))
    }
}

/// Shows a finished export in the file manager.
#[tauri::command]
pub fn reveal_export(exports: State<'_, Exports>, id: u32) -> CommandResult<()> {
    launch(crate::platform::opener::reveal(&finished(&exports, id)?))
}

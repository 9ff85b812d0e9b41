// Capabilities live in src-tauri/capabilities/, which tauri-build does not look
// in by default when the crate root is the repository root.
fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let commands = tauri_build::AppManifest::new().commands(&[
        "session_status",
        "login",
        "verify_code",
        "home",
        "logout",
        "sync_view",
        "file_request",
        "outbox",
        "requests_panel",
        "schedule",
        "invoices",
        "assets",
        "contract_options",
        "contract",
        "payoff",
        "self_service",
        "requests",
        "request",
        "reply",
        "discard",
        "upload",
        "notifications",
        "mark_read",
        "profile",
        "update_profile",
        "sub_users",
        "save_sub_user",
        "delete_sub_user",
        "open_invoice",
        "start_email_change",
        "confirm_email_change",
        "export",
        "cancel_export",
        "open_export",
        "reveal_export",
        "watch_links",
        "complete_reset",
        "desktop_settings",
        "set_server_url",
        "set_keep_in_tray",
        "set_last_page",
        "diagnostics",
        "start_at_login",
        "set_start_at_login",
    ]);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(commands);
    tauri_build::try_build(attributes).expect("tauri-build failed");
}

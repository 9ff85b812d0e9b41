//! Tauri commands: each one calls `sportello-app` and converts its error to
//! the one wire shape, here and nowhere else.

pub mod account;
pub mod exports;
pub mod home;
pub mod links;
pub mod screens;
pub mod session;
pub mod settings;
pub mod shop;

use sportello_app::AppError;
use sportello_domain::ApiError;

pub type CommandResult<T> = Result<T, ApiError>;

pub fn wire(error: AppError) -> ApiError {
    error.to_wire()
}

#[cfg(test)]
mod tests {
    //! The commands are named by hand in four files besides their functions;
    //! until one list generates the others, this test fails when they differ.
    use std::collections::BTreeSet;

    fn read(path: &str) -> String {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
    }

    /// The names in `generate_handler![commands::<area>::<name>, …]`.
    fn registered() -> BTreeSet<String> {
        let lib = read("src-tauri/src/lib.rs");
        let list = lib
            .split("generate_handler![")
            .nth(1)
            .unwrap()
            .split(']')
            .next()
            .unwrap();
        list.split(',')
            .filter_map(|item| item.trim().rsplit("::").next())
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The quoted names in `src-tauri/build.rs`'s command list.
    fn built() -> BTreeSet<String> {
        let build = read("src-tauri/build.rs");
        let list = build.split(".commands(&[").nth(1).unwrap().split("])").next().unwrap();
        list.split('"').skip(1).step_by(2).map(str::to_owned).collect()
    }

    /// The `allow-<name>` permissions of the window's capability.
    fn allowed() -> BTreeSet<String> {
        let capability: serde_json::Value = serde_json::from_str(&read("src-tauri/capabilities/default.json")).unwrap();
        capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
            .map(|name| name.replace('-', "_"))
            .collect()
    }

    /// The commands `ui/src/lib/ipc.ts` calls: `call<…>('name'`.
    fn called() -> BTreeSet<String> {
        let ipc = read("ui/src/lib/ipc.ts");
        ipc.split("call<")
            .skip(1)
            .filter_map(|rest| rest.split_once(">('").map(|(_, after)| after))
            .filter_map(|after| after.split('\'').next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_command_is_registered_built_allowed_and_called_alike() {
        let registered = registered();
        assert!(registered.len() > 60, "{registered:?}");
        assert_eq!(built(), registered, "src-tauri/build.rs");
        assert_eq!(allowed(), registered, "src-tauri/capabilities/default.json");
        assert_eq!(called(), registered, "ui/src/lib/ipc.ts");
    }
}

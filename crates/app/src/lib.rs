//! The Sportello desktop's logic, without Tauri: the API client, the session
//! (access token in memory, refresh token in the OS keyring) and the errors
//! the UI understands.

pub mod api;
pub mod browse;
pub mod cache;
pub mod calendar;
pub mod clock;
pub mod desktop;
pub mod error;
pub mod export;
pub mod files;
pub mod links;
pub mod logs;
pub mod notifier;
pub mod outbox;
pub mod qr;
pub mod secrets;
pub mod session;
pub mod settings;
pub mod shop;
pub mod sync;
pub mod updates;

pub use error::AppError;
pub use secrets::SecretStore;
pub use session::{Desk, SessionStatus};

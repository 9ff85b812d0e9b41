//! Services of the operating system.

pub mod keyring;
pub mod launch;
pub mod logs;
pub mod notifier;
pub mod opener;
pub mod rendering;
pub mod tray;

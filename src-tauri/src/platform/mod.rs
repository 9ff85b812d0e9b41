//! Services of the operating system.

pub mod keyring;
pub mod logs;
pub mod notifier;
pub mod opener;
pub mod tray;

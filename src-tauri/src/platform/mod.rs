//! Services of the operating system.

pub mod keyring;
pub mod notifier;
pub mod opener;

//! Tauri commands: each one calls `sportello-app` and converts its error to
//! the one wire shape, here and nowhere else.

pub mod account;
pub mod documents;
pub mod exports;
pub mod home;
pub mod links;
pub mod screens;
pub mod session;
pub mod settings;
pub mod shop;
pub mod updates;

use sportello_app::AppError;
use sportello_domain::ApiError;

pub type CommandResult<T> = Result<T, ApiError>;

pub fn wire(error: AppError) -> ApiError {
    error.to_wire()
}

#[cfg(test)]
mod tests;

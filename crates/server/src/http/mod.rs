//! The HTTP API under `/api/v1`.

mod accounts;
mod assets;
mod contracts;
mod error;
mod extract;
pub mod idempotency;
mod invoices;
mod notifications;
pub mod openapi;
mod ops;
mod paging;
mod requests;
mod routes;
mod schedule;
mod shop;

pub use error::ServerError;
pub use routes::{harden, router, REQUEST_TIMEOUT};

//! The HTTP API under `/api/v1`.

mod assets;
mod contracts;
mod error;
mod extract;
mod invoices;
pub mod openapi;
mod paging;
mod routes;
mod schedule;

pub use error::ServerError;
pub use routes::router;

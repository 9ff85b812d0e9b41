//! The HTTP API under `/api/v1`.

mod assets;
mod contracts;
mod error;
mod extract;
pub mod openapi;
mod paging;
mod routes;
mod schedule;

pub use error::ServerError;
pub use routes::router;

//! The HTTP API under `/api/v1`.

mod error;
mod extract;
pub mod openapi;
mod routes;

pub use error::ServerError;
pub use routes::router;

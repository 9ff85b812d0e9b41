//! The HTTP API under `/api/v1`.

mod error;
mod extract;
mod routes;

pub use error::ServerError;
pub use routes::router;

//! Sportello's domain: the value types, the rules and the wire types that the
//! server and the desktop share. No I/O lives here.

pub mod amortization;
pub mod api;
pub mod book;
pub mod codes;
pub mod epc;
pub mod error;
pub mod ids;
pub mod invoice;
pub mod money;
pub mod password;
pub mod shop;
pub mod situation;
pub mod totp;

pub use error::{ApiError, ErrorCode};
pub use money::Money;

//! Request and response types of the HTTP API under `/api/v1`.

pub mod accounts;
pub mod assets;
pub mod auth;
pub mod contracts;
pub mod documents;
pub mod home;
pub mod invoices;
pub mod notifications;
pub mod operations;
pub mod ops;
pub mod releases;
pub mod requests;
pub mod schedule;
pub mod shop;
pub mod sync;
